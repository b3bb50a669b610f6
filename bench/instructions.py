"""Instructions executed to parse a feed root and plan it, counted by valgrind (cachegrind,
without its cache simulation): a second count of the same code differs by ~0.1%, where wall and
CPU time on a shared machine spread by a third, so two versions compare in one run each.

    python bench/instructions.py FEED_ROOT

Each stage runs natively in a child process under valgrind, counted from its start; the stages'
differences are what the report gives (a child that only imports is the first baseline).
Valgrind slows Python ~20 times: a 5k root takes two or three minutes. Run it from each checkout
to compare (e.g. `git worktree add /tmp/before REV`).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STAGES = ("imports", "parse", "plan", "snapshot", "synced")
"""Each stage does what the one before it did, and more (`synced` builds on `snapshot`)."""
FIGURES = {
    "parse + normalize": ("parse", "imports"),
    "plan vs an empty store": ("plan", "parse"),
    "plan vs a synced store": ("synced", "snapshot"),
}
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def run_stage(stage: str, feed_root: Path) -> None:
    """What a child under valgrind runs."""
    from bench.offline import synced_snapshot
    from medusa_sync.config import Rules
    from medusa_sync.feeds import load_catalog
    from medusa_sync.plan import PlanOptions, make_plan
    from medusa_sync.store import StoreSnapshot

    if stage == "imports":
        return
    rules = Rules()
    catalog = load_catalog(feed_root, rules)
    if stage == "plan":
        make_plan(catalog, StoreSnapshot(), rules, PlanOptions())
    elif stage in ("snapshot", "synced"):
        snapshot = synced_snapshot(catalog, rules)
        if stage == "synced":
            make_plan(catalog, snapshot, rules, PlanOptions())


def instructions(valgrind_stderr: str) -> int:
    """The instruction count in valgrind's summary ("I refs: 3,655,874,050")."""
    found = _REFS.search(valgrind_stderr)
    if found is None:
        raise ValueError(f"no instruction count in valgrind's output:\n{valgrind_stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def figures(counts: dict[str, int]) -> dict[str, int]:
    """Each reported figure: the difference of two stages' counts."""
    return {name: counts[stage] - counts[before] for name, (stage, before) in FIGURES.items()}


def count(stage: str, feed_root: Path) -> int:
    command = [
        "valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
        sys.executable, str(Path(__file__).resolve()), "--stage", stage, str(feed_root),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONHASHSEED": "0"}  # the same dict and set layouts in every run
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=3600, check=False)
    if done.returncode:
        raise SystemExit(f"stage {stage} failed:\n{done.stderr[-3000:]}")
    return instructions(done.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("feed_root", type=Path)
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)  # the child's part
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    if args.stage:
        from medusa_sync.feeds import parsing

        parsing.PARALLEL_BYTES = sys.maxsize  # the whole parse in the process counted: valgrind does not follow a worker
        run_stage(args.stage, args.feed_root)
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is missing (Debian: apt-get install valgrind)")
    counts = {stage: count(stage, args.feed_root) for stage in STAGES}
    for name, value in figures(counts).items():
        print(f"{name}: {value:,} instructions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
