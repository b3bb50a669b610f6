"""Profile medusa-sync's hot paths with pyinstrument (`pip install -e '.[bench]'`).

    python bench/profile.py --items 50000                 # parse + plan against an empty store
    python bench/profile.py --items 10000 --synced        # ... and against a fully synced store
    python bench/profile.py --feeds DIR --import          # a real import/re-sync (MEDUSA_URL etc.)

Prints pyinstrument's call tree (library frames folded) to stdout; `--html FILE` writes the
interactive page too. Generated feeds go to a temporary folder, deleted afterwards.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10000, help="generate a catalog of this size (default 10000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--feeds", type=Path, help="profile these feeds instead of generated ones")
    parser.add_argument("--synced", action="store_true", help="also plan against a synced store built offline")
    parser.add_argument("--import", dest="live", action="store_true", help="run `medusa-sync import --yes` (needs MEDUSA_URL, ...)")
    parser.add_argument("--html", type=Path, help="also write pyinstrument's HTML page here")
    args = parser.parse_args(argv)

    try:
        from pyinstrument import Profiler
    except ImportError:
        raise SystemExit("pyinstrument is missing: pip install -e '.[bench]'") from None
    from bench import generate
    from bench.offline import synced_snapshot
    from medusa_sync import pipeline
    from medusa_sync.config import Rules, Settings
    from medusa_sync.feeds import load_catalog
    from medusa_sync.plan import PlanOptions, make_plan
    from medusa_sync.store import StoreSnapshot

    work = None
    feeds = args.feeds
    if feeds is None:
        work = Path(tempfile.mkdtemp(prefix="medusa-sync-profile-"))
        feeds = work / "feeds"
        generate.generate(feeds, args.items, seed=args.seed)
    rules = Rules()
    snapshot = None
    if args.synced:
        snapshot = synced_snapshot(load_catalog(feeds, rules), rules)
    profiler = Profiler()
    try:
        with profiler:
            if args.live:
                out = Path(tempfile.mkdtemp(prefix="medusa-sync-profile-out-"))
                pipeline.run_import(feeds, Settings(), rules, PlanOptions(), out_dir=out, dry_run=False)
                shutil.rmtree(out, ignore_errors=True)
            else:
                catalog = load_catalog(feeds, rules)
                make_plan(catalog, StoreSnapshot(), rules, PlanOptions())
                if snapshot is not None:
                    make_plan(catalog, snapshot, rules, PlanOptions())
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    print(profiler.output_text(unicode=True, color=False))
    if args.html:
        args.html.write_text(profiler.output_html())
    return 0


if __name__ == "__main__":
    sys.exit(main())
