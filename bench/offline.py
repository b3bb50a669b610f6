"""Offline figures: parse + normalize and plan, each round in a fresh child process so that its
peak memory is its own.

    python -m bench.offline FEED_ROOT [--traced]    # one round; prints its figures as JSON
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.clients import item_bodies
from bench.results import OfflineRun, OfflineSize

REPO = Path(__file__).resolve().parents[1]


def synced_snapshot(catalog, rules):
    """The store as a full import of `catalog` leaves it, built offline (ids made up): each
    level's sync base in its item's metadata, as the import writes it."""
    from medusa_sync.plan import PlanOptions, base_key, base_value, make_plan
    from medusa_sync.store import ITEM_FIELDS, ActualItem, ActualKit, ActualLevel, ActualLocation, StoreSnapshot

    plan = make_plan(catalog, StoreSnapshot(), rules, PlanOptions())
    snapshot = StoreSnapshot(url="http://synthetic.invalid")
    for index, change in enumerate(plan.writes("location", "create")):
        snapshot.locations[change.name] = ActualLocation(f"sloc_{index}", change.name, change.metadata)
    for index, (change, body) in enumerate(item_bodies(plan)):
        levels, bases = {}, {}
        for level in body["location_levels"]:
            location_id = snapshot.locations[level["location"]].id
            levels[location_id] = ActualLevel(
                f"ilev_{index}_{location_id}", location_id, level["stocked_quantity"], 0, level["incoming_quantity"]
            )
            bases[base_key(location_id)] = base_value(level["stocked_quantity"], level["incoming_quantity"])
        snapshot.items[change.sku] = ActualItem(
            f"iitem_{index}", change.sku, {name: body.get(name) for name in ITEM_FIELDS}, {**body["metadata"], **bases}, levels
        )
    for index, change in enumerate(plan.writes("kit", "create")):
        snapshot.kits[change.sku] = ActualKit(
            product_id=f"prod_{index}",
            variant_id=f"variant_{index}",
            sku=change.sku,
            title=change.title,
            status=change.status,
            prices={change.price.currency_code: change.price.amount} if change.price else {},
            links={snapshot.items[link.sku].id: link.required_quantity for link in change.components},
            metadata=change.metadata,
        )
    return snapshot


def peak_rss_mb() -> float:
    """This process's peak resident set: VmHWM where Linux has it (ru_maxrss would also count the
    parent's pages this child was forked with), else `resource.getrusage` ru_maxrss."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) / 1024
    except (OSError, StopIteration, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_round(feed_root: Path, traced: bool) -> dict[str, Any]:
    """Parse + plan vs an empty store, then (untraced) vs a synced store, which must plan no write."""
    import tracemalloc

    if traced:
        tracemalloc.start()
    from medusa_sync.config import Rules
    from medusa_sync.feeds import load_catalog
    from medusa_sync.plan import PlanOptions, make_plan
    from medusa_sync.store import StoreSnapshot

    rules = Rules()
    base = tracemalloc.get_traced_memory()[0] if traced else 0
    started = time.perf_counter()
    catalog = load_catalog(feed_root, rules)
    parsed = time.perf_counter()
    plan = make_plan(catalog, StoreSnapshot(), rules, PlanOptions())
    planned = time.perf_counter()
    if traced:
        return {"traced_peak_mb": (tracemalloc.get_traced_memory()[1] - base) / 1e6}
    figures = {
        "items": len(catalog.items),
        "levels": len(catalog.levels),
        "kits": len(catalog.kits),
        "parse_s": parsed - started,
        "plan_empty_s": planned - parsed,
        "peak_rss_mb": peak_rss_mb(),
        "worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,  # the parse's worker, ended
    }
    del plan
    snapshot = synced_snapshot(catalog, rules)
    started = time.perf_counter()
    synced = make_plan(catalog, snapshot, rules, PlanOptions())
    figures["plan_synced_s"] = time.perf_counter() - started
    writes = sum(1 for change in synced.changes if change.action in ("create", "update"))
    if writes:
        raise SystemExit(f"a plan against the synced snapshot has {writes} writes")
    return figures


def _child(feed_root: Path, traced: bool) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.offline", str(feed_root)] + (["--traced"] if traced else [])
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode:
        raise SystemExit(f"offline child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(size: int, feed_root: Path, rounds: int) -> OfflineSize:
    """`rounds` rounds, each an untraced child and a traced one."""
    return OfflineSize(size, [OfflineRun(**_child(feed_root, False), **_child(feed_root, True)) for _ in range(rounds)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="one offline round of the bench (run by bench/run.py)")
    parser.add_argument("feed_root", type=Path)
    parser.add_argument("--traced", action="store_true", help="only the peak of Python allocations (tracemalloc)")
    args = parser.parse_args(argv)
    print(json.dumps(one_round(args.feed_root, args.traced)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
