"""medusa-sync benchmark: what it costs as catalogs grow, next to the server's floor and naive clients.

    python bench/run.py                                   # live 1k and 10k, offline 1k/10k/50k, 3 rounds
    python bench/run.py --sizes 1000,10000,50000 --offline-sizes 1000,10000,50000,200000
    python bench/run.py --sizes 1000 --offline-sizes 1000 --rounds 2 --results /tmp/r.md   # a quick check
    python bench/run.py --sizes 0                         # offline figures only, no server
    python bench/run.py --url http://127.0.0.1:9200 --email E --password P --reset-cmd 'CMD'

Every figure is taken in each of N rounds (--rounds, default 3) and reported as the median and
min–max of the N; medusa-sync, the server floor and the naive clients are measured alike, after
the same warm-up, with the same timing boundaries (each builds and serialises its bodies inside
its timer). Per size:

- offline: each round two fresh child processes (bench/offline.py): parse + normalize, plan vs
  an empty store and vs a synced store, peak RSS; then the peak of Python allocations (tracemalloc);
- live: one warm-up, then N rounds of the scenario in bench/scenarios.py: the floor's creations,
  the naive client's (sequential and at medusa-sync's concurrency), medusa-sync's full import,
  the floor's listing and level batches, medusa-sync's 10% re-sync and no-op (in process and as
  the command), the naive client's level updates and lookups (sequential and concurrent).

The store is emptied between passes with `scripts/medusa-server reset`: by default the project's
own server (`scripts/medusa-server up`, on MEDUSA_SERVER_PORT / MEDUSA_SERVER_PG_PORT), or another
copy of the script (--server-script). With --url (or MEDUSA_URL) the bench uses that server and
empties it only with --reset-cmd: it refuses live passes against a store it cannot empty.
Concurrency is medusa-sync's own MEDUSA_SYNC_CONCURRENCY (default 8), used by the floor and the
concurrent naive client too.

The report replaces the section between the `bench:results` markers of --results (default
bench/RESULTS.md; the notes around it are kept); the raw figures go to --json as JSON.
`--report-from A.json B.json` measures nothing and reports those runs as one: a size both
measured gets the rounds of both (a run continued with more rounds). Generated
feeds live in a work folder (default: a temporary one), deleted at the end unless --keep.
"""

from __future__ import annotations

import argparse
import compileall
import dataclasses
import json
import os
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from bench import generate, offline, report, results, scenarios  # noqa: E402
from bench.results import BenchRun  # noqa: E402
from bench.server import Server, given_server, loadavg, log, machine, reference_loop_s, started_server  # noqa: E402


def _sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip() and int(part) > 0]


def parser() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(
        prog="bench/run.py", description=__doc__.split("\n\n")[0], epilog="\n\n".join(__doc__.split("\n\n")[1:]), formatter_class=argparse.RawDescriptionHelpFormatter
    )
    options.add_argument("--sizes", default="1000,10000", help="live sizes, comma-separated; 0 for none (default 1000,10000)")
    options.add_argument("--offline-sizes", default="1000,10000,50000", help="offline sizes; 0 for none (default 1000,10000,50000)")
    options.add_argument("--rounds", type=int, default=3, help="rounds per figure, reported as median and min–max (default 3)")
    options.add_argument("--seed", type=int, default=1, help="the generator's seed (default 1)")
    options.add_argument("--naive-sample", type=int, default=1000, help="items the naive clients create and look up (default 1000)")
    options.add_argument("--server-script", type=Path, default=BENCH.parent / "scripts" / "medusa-server", help="the server script (default: the project's)")
    options.add_argument("--url", help="use this Medusa server instead (or MEDUSA_URL)")
    options.add_argument("--email", help="admin email (or MEDUSA_EMAIL)")
    options.add_argument("--password", help="admin password (or MEDUSA_PASSWORD)")
    options.add_argument("--reset-cmd", help="with --url: a command that empties that store")
    options.add_argument("--work", type=Path, help="work folder for generated feeds and outputs (default: a temporary one)")
    options.add_argument("--keep", action="store_true", help="keep the work folder's feeds and outputs")
    options.add_argument("--results", type=Path, default=BENCH / "RESULTS.md", help="the Markdown report to update (default bench/RESULTS.md)")
    options.add_argument("--json", type=Path, help="raw figures as JSON (default: WORK/results.json)")
    options.add_argument(
        "--report-from", type=Path, nargs="+", metavar="JSON",
        help="measure nothing: write the report of these runs' JSON files (merged, in order; a size in several gets all their rounds) to --results",
    )
    return options


def open_server(args: argparse.Namespace) -> Server:
    url = args.url or os.environ.get("MEDUSA_URL")
    if url:
        return given_server(url, args.email or os.environ.get("MEDUSA_EMAIL"), args.password or os.environ.get("MEDUSA_PASSWORD"), args.reset_cmd)
    return started_server(args.server_script.resolve())


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.report_from:
        runs = [results.from_json(json.loads(path.read_text())) for path in args.report_from]
        report.write_results(args.results, report.render(results.merged(runs)))
        log(f"report: {args.results}")
        return 0
    if args.rounds < 1:
        raise SystemExit("--rounds must be at least 1")
    live_sizes, offline_sizes = _sizes(args.sizes), _sizes(args.offline_sizes)
    work_dir = args.work or Path(tempfile.mkdtemp(prefix="medusa-sync-bench-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    run = BenchRun(
        command=shlex.join(["python", "bench/run.py", *(argv if argv is not None else sys.argv[1:])]),
        started=time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        machine=machine(),
        seed=args.seed,
        rounds=args.rounds,
    )
    began = time.perf_counter()
    try:
        roots: dict[int, tuple[Path, Path]] = {}
        for size in sorted(set(live_sizes) | set(offline_sizes)):
            base, changed = work_dir / f"feeds-{size}", work_dir / f"feeds-{size}-changed"
            for root, fraction in ((base, 0.0), (changed, 0.1)):
                shutil.rmtree(root, ignore_errors=True)
                generate.generate(root, size, seed=args.seed, changed_levels=fraction)
            roots[size] = (base, changed)
        log(f"feeds generated in {work_dir}")
        for size in offline_sizes:
            log(f"{size}: offline parse + plan, {args.rounds} rounds")
            run.offline.append(offline.measure(size, roots[size][0], args.rounds))
        if live_sizes:
            # the command is timed as scripts/bootstrap leaves it: byte-compiled
            if not compileall.compile_dir(BENCH.parent / "medusa_sync", quiet=1):
                raise SystemExit("medusa_sync does not compile")
            server = open_server(args)
            run.server = server.description
            if not server.reset_command:
                raise SystemExit("live passes need an empty store: give --reset-cmd with --url, or --sizes 0")
            for size in live_sizes:
                run.live.append(scenarios.live(server, size, *roots[size], work_dir / f"out-{size}", args.rounds, args.naive_sample))
    finally:
        run.finished = time.strftime("%Y-%m-%d %H:%M:%S %Z")
        run.duration_min = (time.perf_counter() - began) / 60
        run.load_end = loadavg()
        run.reference_loop_end_s = reference_loop_s()
        json_path = args.json or work_dir / "results.json"
        json_path.write_text(json.dumps(dataclasses.asdict(run), indent=2))
        log(f"raw figures: {json_path}")
        if not args.keep:
            for path in [*work_dir.glob("feeds-*"), *work_dir.glob("out-*")]:
                shutil.rmtree(path, ignore_errors=True)
    report.write_results(args.results, report.render(run))
    log(f"report: {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
