"""medusa-sync benchmark: what it costs as catalogs grow, next to the server's floor and a naive client.

    python bench/run.py                                   # live 1k and 10k, offline 1k/10k/50k
    python bench/run.py --sizes 1000,10000,50000 --offline-sizes 1000,10000,50000
    python bench/run.py --sizes 0                         # offline figures only, no server
    python bench/run.py --url http://127.0.0.1:9200 --email E --password P --reset-cmd 'CMD'

Everything is measured in one run on one machine, each size in this order:

1. offline (a child process per size, so its peak RSS is its own): parse + normalize time
   (`load_catalog`), plan against an empty store, plan against a fully synced store (a snapshot
   built from the catalog, checked to plan zero writes), peak memory as the process peak RSS
   (VmHWM from /proc/self/status, i.e. what `resource.getrusage` ru_maxrss reports without the pages
   a forked child starts with; interpreter and imports included) and, in a second child,
   the peak of Python allocations (`tracemalloc`) over parse + plan;
2. a warm-up (2000 items, a listing, a level pass; not timed), then the server floor by a
   minimal httpx client in this process (JWT, one pooled client): item creations per minute
   from an empty store, with the same bodies medusa-sync sends (item + its levels in one POST,
   `MEDUSA_SYNC_CONCURRENCY` requests at a time, default 8);
3. a naive client: one request per item and one per level, sequential (creation on a sample
   spread over the catalog);
4. medusa-sync, in process through `pipeline.run_import` (what `medusa-sync import --yes`
   runs): a full import into an empty store; then, on that synced store, the floor's listing of
   every item with its levels (pages of 1000, the fields medusa-sync reads) and two level passes
   through `POST /admin/inventory-items/location-levels/batch` (every level +1, then back;
   batches of 1000, one at a time); a re-sync of the "next night" feed where 10% of the levels
   changed; a no-op re-sync (also timed as the real `medusa-sync import` command);
5. the naive client again: the same level changes undone one request each, sequential; per-SKU
   lookups; a medusa-sync no-op against the base feed proving the store is back; the floor's
   listing and level passes once more. The floor is the best of its passes. Each timed phase
   starts after a 5 s pause, so that it does not pay for the events the previous one queued.

The store is emptied between passes with `scripts/medusa-server reset`: by default the project's
own server (`scripts/medusa-server up`), or another copy of the script (`--server-script`). With
`--url` (or MEDUSA_URL) the bench uses that server, and empties it only with `--reset-cmd`: it
refuses to run live passes against a store it cannot empty.

Results go to `bench/RESULTS.md` (between the `bench:results` markers; the notes around them
are kept) and as JSON to `--json` (default: the work folder). Generated feeds live in a
temporary work folder, deleted at the end unless `--keep`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import generate

PAGE = 1000  # list page size and level batch size, as medusa-sync uses
RESULTS_START = "<!-- bench:results:start -->"
RESULTS_END = "<!-- bench:results:end -->"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


# ------------------------------------------------------------------------------------------
# offline: parse + normalize, plan (child processes)


def _synced_snapshot(catalog, rules):
    """The store as a full import of `catalog` leaves it, built offline (ids made up)."""
    from medusa_sync.plan import PlanOptions, make_plan
    from medusa_sync.store import (
        ITEM_FIELDS,
        ActualItem,
        ActualKit,
        ActualLevel,
        ActualLocation,
        StoreSnapshot,
    )

    plan = make_plan(catalog, StoreSnapshot(), rules, PlanOptions())
    snapshot = StoreSnapshot(url="http://synthetic.invalid")
    for index, change in enumerate(plan.writes("location", "create")):
        snapshot.locations[change.name] = ActualLocation(f"sloc_{index}", change.name, change.metadata)
    for index, (change, body) in enumerate(_item_bodies(plan)):
        levels = {}
        for level in body["location_levels"]:
            location_id = snapshot.locations[level["location"]].id
            levels[location_id] = ActualLevel(
                f"ilev_{index}_{location_id}", location_id, level["stocked_quantity"], 0, level["incoming_quantity"]
            )
        snapshot.items[change.sku] = ActualItem(
            f"iitem_{index}", change.sku, {name: body.get(name) for name in ITEM_FIELDS}, body["metadata"], levels
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


def _item_bodies(plan) -> list[tuple[Any, dict[str, Any]]]:
    """Each item create of `plan` with its create body, levels by location *name*."""
    levels: dict[str, list[dict[str, Any]]] = {}
    for level in plan.writes("level", "create"):
        levels.setdefault(level.sku, []).append(
            {"location": level.location, "stocked_quantity": level.stocked, "incoming_quantity": level.incoming}
        )
    return [
        (change, {**change.item.model_dump(exclude_none=True), "location_levels": levels.get(change.sku, [])})
        for change in plan.writes("item", "create")
    ]


def peak_rss_mb() -> float:
    """This process's peak resident set: VmHWM where Linux has it (ru_maxrss would also count the
    parent's pages this child was forked with), else `resource.getrusage` ru_maxrss."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) / 1024
    except (OSError, StopIteration, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def offline_child(feed_root: Path, traced: bool) -> dict[str, Any]:
    """Runs in a fresh interpreter: `python bench/run.py --offline-child DIR [--traced]`."""
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
    figures: dict[str, Any] = {
        "items": len(catalog.items),
        "levels": len(catalog.levels),
        "kits": len(catalog.kits),
        "issues": len(catalog.issues),
        "parse_s": parsed - started,
        "plan_empty_s": planned - parsed,
        "changes": len(plan.changes),
        "peak_rss_mb": peak_rss_mb(),
    }
    if traced:
        figures["traced_peak_mb"] = (tracemalloc.get_traced_memory()[1] - base) / 1e6
        return figures
    del plan
    snapshot = _synced_snapshot(catalog, rules)
    started = time.perf_counter()
    synced = make_plan(catalog, snapshot, rules, PlanOptions())
    figures["plan_synced_s"] = time.perf_counter() - started
    figures["plan_synced_writes"] = sum(1 for change in synced.changes if change.action in ("create", "update"))
    if figures["plan_synced_writes"]:
        raise SystemExit(f"a plan against the synced snapshot has {figures['plan_synced_writes']} writes")
    return figures


def offline(feed_root: Path) -> dict[str, Any]:
    figures = {}
    for traced in (False, True):
        command = [sys.executable, str(Path(__file__).resolve()), "--offline-child", str(feed_root)] + (["--traced"] if traced else [])
        done = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)
        if done.returncode:
            raise SystemExit(f"offline child failed:\n{done.stderr[-3000:]}")
        child = json.loads(done.stdout.strip().splitlines()[-1])
        figures.update({"traced_peak_mb": child["traced_peak_mb"]} if traced else child)
    return figures


# ------------------------------------------------------------------------------------------
# the server


@dataclass
class Server:
    url: str
    email: str
    password: str
    reset_command: list[str] | None
    description: str

    def reset(self) -> None:
        if not self.reset_command:
            raise SystemExit("cannot empty the store: give --reset-cmd (or use the project's scripts/medusa-server)")
        done = subprocess.run(self.reset_command, capture_output=True, text=True, timeout=300, check=False)
        if done.returncode:
            raise SystemExit(f"reset failed ({shlex.join(self.reset_command)}):\n{done.stderr[-2000:]}")


def open_server(args: argparse.Namespace) -> Server:
    url = args.url or os.environ.get("MEDUSA_URL")
    if url:
        email = args.email or os.environ.get("MEDUSA_EMAIL")
        password = args.password or os.environ.get("MEDUSA_PASSWORD")
        if not (email and password):
            raise SystemExit("--url needs --email and --password (or MEDUSA_EMAIL and MEDUSA_PASSWORD)")
        reset = shlex.split(args.reset_cmd) if args.reset_cmd else None
        return Server(url.rstrip("/"), email, password, reset, f"{url} (given)")
    script = str(Path(args.server_script).resolve())
    log(f"starting the Medusa server: {script} up")
    done = subprocess.run([script, "up"], capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode:
        raise SystemExit(f"{script} up failed:\n{done.stderr[-3000:]}")
    env = dict(
        line.split("=", 1) for line in subprocess.run([script, "env"], capture_output=True, text=True, check=True).stdout.split()
    )
    return Server(env["MEDUSA_URL"], env["MEDUSA_EMAIL"], env["MEDUSA_PASSWORD"], [script, "reset"], f"{env['MEDUSA_URL']} ({script})")


class Direct:
    """A minimal Admin API client: one pooled httpx client, a JWT, a request counter."""

    def __init__(self, server: Server, connections: int) -> None:
        import httpx

        self.http = httpx.Client(
            base_url=server.url,
            timeout=httpx.Timeout(120.0, connect=10.0),
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        )
        answer = self.http.post("/auth/user/emailpass", json={"email": server.email, "password": server.password})
        answer.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {answer.json()['token']}"
        self.requests = 0
        self._lock = threading.Lock()

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        with self._lock:
            self.requests += 1
        answer = self.http.request(method, path, **kwargs)
        if answer.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.text[:300]}")
        return answer.json()

    def post_raw(self, path: str, content: bytes) -> Any:
        return self.call("POST", path, content=content, headers={"Content-Type": "application/json"})

    def close(self) -> None:
        self.http.close()


@dataclass
class Workload:
    """What medusa-sync would send for a catalog: locations, item bodies with their levels."""

    locations: list[dict[str, Any]]
    items: list[dict[str, Any]]  # body with location_levels by location *name*
    changed: list[tuple[str, str, int, int]]  # (sku, location, stocked, incoming) after the change


def workload(base_root: Path, changed_root: Path) -> Workload:
    from medusa_sync.config import Rules
    from medusa_sync.feeds import load_catalog
    from medusa_sync.plan import PlanOptions, make_plan
    from medusa_sync.store import StoreSnapshot

    rules = Rules()
    base = load_catalog(base_root, rules)
    plan = make_plan(base, StoreSnapshot(), rules, PlanOptions())
    changed = load_catalog(changed_root, rules)
    before = {(level.sku, level.location): level for level in base.levels}
    return Workload(
        locations=[{"name": change.name, "metadata": change.metadata} for change in plan.writes("location", "create")],
        items=[body for _, body in _item_bodies(plan)],
        changed=[
            (level.sku, level.location, level.stocked, level.incoming)
            for level in changed.levels
            if (before[(level.sku, level.location)].stocked, before[(level.sku, level.location)].incoming) != (level.stocked, level.incoming)
        ],
    )


def _create_locations(client: Direct, work: Workload) -> dict[str, str]:
    return {body["name"]: client.call("POST", "/admin/stock-locations", json=body)["stock_location"]["id"] for body in work.locations}


def _resolved(body: dict[str, Any], locations: dict[str, str]) -> dict[str, Any]:
    resolved = {key: value for key, value in body.items() if key != "location_levels"}
    resolved["location_levels"] = [
        {"location_id": locations[level["location"]], "stocked_quantity": level["stocked_quantity"], "incoming_quantity": level["incoming_quantity"]}
        for level in body["location_levels"]
    ]
    return resolved


def _list_all(client: Direct) -> list[dict[str, Any]]:
    from medusa_sync.store import ITEM_QUERY_FIELDS

    rows: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = client.call("GET", "/admin/inventory-items", params={"fields": ITEM_QUERY_FIELDS, "order": "id", "limit": PAGE, "offset": offset})
        rows.extend(page["inventory_items"])
        offset += len(page["inventory_items"])
        if not page["inventory_items"] or offset >= page["count"]:
            return rows


WARM_UP_ITEMS = 2000
SETTLE_S = 5.0


def warm_up(server: Server, work: Workload, concurrency: int) -> None:
    """Creations, a listing and level batches before anything is timed (Node's JIT, PostgreSQL's
    caches): without it the first pass of a run is measurably slower than the later ones."""
    import orjson

    server.reset()
    client = Direct(server, connections=max(concurrency * 2, 4))
    try:
        locations = _create_locations(client, work)
        bodies = [orjson.dumps(_resolved(body, locations)) for body in sample_of(work.items, WARM_UP_ITEMS)]
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for _ in pool.map(lambda body: client.post_raw("/admin/inventory-items", body), bodies):
                pass
        _level_pass(client, _list_all(client), +1)
    finally:
        client.close()


def sample_of(rows: list[Any], count: int) -> list[Any]:
    """`count` rows spread evenly over `rows` (sorted by SKU, so every distributor is in it)."""
    if count >= len(rows):
        return list(rows)
    return [rows[index * len(rows) // count] for index in range(count)]


def settle() -> None:
    """Let the server finish what the last phase queued (Medusa handles its events after it
    answers) before the next phase is timed."""
    time.sleep(SETTLE_S)


def floor_create(server: Server, work: Workload, concurrency: int) -> dict[str, Any]:
    """The creation floor: every item with its levels, one POST each, from an empty store."""
    import orjson

    server.reset()
    client = Direct(server, connections=max(concurrency * 2, 4))
    try:
        locations = _create_locations(client, work)
        bodies = [orjson.dumps(_resolved(body, locations)) for body in work.items]
        settle()
        load_before = loadavg()
        started, cpu = time.perf_counter(), time.process_time()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for _ in pool.map(lambda body: client.post_raw("/admin/inventory-items", body), bodies):
                pass
        create_s, create_cpu = time.perf_counter() - started, time.process_time() - cpu
        return {
            "items": len(bodies),
            "create_s": create_s,
            "client_cpu_s": create_cpu,
            "items_per_min": len(bodies) / create_s * 60,
            "load": [load_before, loadavg()],
        }
    finally:
        client.close()


def _level_pass(client: Direct, rows: list[dict[str, Any]], delta: int) -> tuple[int, float]:
    """Every level set to its listed stocked quantity + `delta`, through the cross-item batch in 1000s."""
    updates = [
        {
            "inventory_item_id": row["id"],
            "location_id": level["location_id"],
            "stocked_quantity": int(level["stocked_quantity"]) + delta,
            "incoming_quantity": int(level["incoming_quantity"]),
        }
        for row in rows
        for level in row["location_levels"]
    ]
    started = time.perf_counter()
    for start in range(0, len(updates), PAGE):
        client.call("POST", "/admin/inventory-items/location-levels/batch", json={"update": updates[start : start + PAGE]})
    return len(updates), time.perf_counter() - started


def floor_levels(server: Server, passes: dict[str, list[float]]) -> None:
    """On a synced store: list every item (timed), then set every level +1 and back (each pass
    timed), so the store is left as it was. Samples accumulate in `passes`; the floor is the best."""
    client = Direct(server, connections=4)
    try:
        settle()
        started = time.perf_counter()
        rows = _list_all(client)
        passes.setdefault("list_s", []).append(time.perf_counter() - started)
        passes["items_listed"] = [len(rows)]
        for delta in (+1, 0):
            levels, elapsed = _level_pass(client, rows, delta)
            passes.setdefault("level_rates", []).append(levels / elapsed * 60)
            passes["levels"] = [levels]
    finally:
        client.close()


def naive_create(server: Server, work: Workload, sample: int) -> dict[str, Any]:
    """One request per item, then one per level, sequential; on the first `sample` items."""
    server.reset()
    client = Direct(server, connections=1)
    try:
        locations = _create_locations(client, work)
        items = sample_of(work.items, sample)
        settle()
        before = client.requests
        started = time.perf_counter()
        for body in items:
            plain = {key: value for key, value in body.items() if key != "location_levels"}
            item_id = client.call("POST", "/admin/inventory-items", json=plain)["inventory_item"]["id"]
            for level in body["location_levels"]:
                client.call(
                    "POST",
                    f"/admin/inventory-items/{item_id}/location-levels",
                    json={"location_id": locations[level["location"]], "stocked_quantity": level["stocked_quantity"], "incoming_quantity": level["incoming_quantity"]},
                )
        elapsed = time.perf_counter() - started
        return {"items": len(items), "requests": client.requests - before, "s": elapsed, "items_per_min": len(items) / elapsed * 60}
    finally:
        client.close()


def naive_levels(server: Server, work: Workload, base_levels: dict[tuple[str, str], tuple[int, int]]) -> dict[str, Any]:
    """Undo the changed levels one request each (sequential); ids from a listing, not timed."""
    client = Direct(server, connections=1)
    try:
        rows = _list_all(client)
        items = {row["sku"]: row["id"] for row in rows}
        locations = {row["name"]: row["id"] for row in client.call("GET", "/admin/stock-locations", params={"limit": 1000, "fields": "id,name"})["stock_locations"]}
        before = client.requests
        started = time.perf_counter()
        for sku, location, _, _ in work.changed:
            stocked, incoming = base_levels[(sku, location)]
            client.call(
                "POST",
                f"/admin/inventory-items/{items[sku]}/location-levels/{locations[location]}",
                json={"stocked_quantity": stocked, "incoming_quantity": incoming},
            )
        elapsed = time.perf_counter() - started
        return {"levels": len(work.changed), "requests": client.requests - before, "s": elapsed, "levels_per_min": len(work.changed) / elapsed * 60}
    finally:
        client.close()


def naive_lookup(server: Server, work: Workload, sample: int) -> dict[str, Any]:
    """A naive no-op check: one GET per SKU (with its levels), sequential, on a sample."""
    from medusa_sync.store import ITEM_QUERY_FIELDS

    client = Direct(server, connections=1)
    try:
        skus = [body["sku"] for body in sample_of(work.items, sample)]
        started = time.perf_counter()
        for sku in skus:
            client.call("GET", "/admin/inventory-items", params={"sku": sku, "fields": ITEM_QUERY_FIELDS})
        elapsed = time.perf_counter() - started
        return {"items": len(skus), "s": elapsed, "per_item_ms": elapsed / len(skus) * 1000}
    finally:
        client.close()


# ------------------------------------------------------------------------------------------
# medusa-sync


class _StepTimes:
    """An apply `Progress` that records when each step starts and finishes."""

    def __init__(self) -> None:
        self.steps: dict[str, dict[str, float]] = {}

    def step(self, name: str, total: int):
        started, cpu = time.perf_counter(), time.process_time()
        record = self.steps.setdefault(name, {"total": total, "s": 0.0, "client_cpu_s": 0.0})

        def advance(done: int) -> None:
            if done >= total:
                record["s"] = time.perf_counter() - started
                record["client_cpu_s"] = time.process_time() - cpu

        return advance


class _Phases:
    """Wall time of the pipeline's stages, by wrapping the functions `pipeline` calls."""

    def __init__(self) -> None:
        from medusa_sync import pipeline

        self.times: Counter[str] = Counter()
        self._saved = {}
        for name in ("load_catalog", "read_store", "make_plan", "write_outputs", "_reservations_markdown"):
            original = getattr(pipeline, name)
            self._saved[name] = original
            setattr(pipeline, name, self._timed(name, original))

    def _timed(self, name: str, function):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.times[name] += time.perf_counter() - started

        return timed

    def close(self) -> None:
        from medusa_sync import pipeline

        for name, original in self._saved.items():
            setattr(pipeline, name, original)


def medusa_sync(server: Server, feed_root: Path, out_dir: Path) -> dict[str, Any]:
    """`medusa-sync import FEED_ROOT --yes`, in process, with its stages timed."""
    from medusa_sync import pipeline
    from medusa_sync.config import Rules, Settings
    from medusa_sync.plan import PlanOptions

    settings = Settings(medusa_url=server.url, email=server.email, password=server.password, api_key=None)
    steps = _StepTimes()
    phases = _Phases()
    load_before = loadavg()
    try:
        started = time.perf_counter()
        result = pipeline.run_import(feed_root, settings, Rules(), PlanOptions(), out_dir=out_dir, dry_run=False, progress=steps)
        wall = time.perf_counter() - started
    finally:
        phases.close()
    applied = result.applied
    if applied is not None and applied.failures:
        raise RuntimeError(f"medusa-sync: {len(applied.failures)} writes failed, e.g. {applied.failures[0]}")
    counts = result.requests
    return {
        "wall_s": wall,
        "concurrency": settings.concurrency,
        "requests": counts.total,
        "writes": counts.writes,
        "by_method": dict(counts.by_method),
        "applied": dict(applied.applied) if applied else {},
        "plan": result.plan.counts(),
        "phases": dict(phases.times),
        "steps": steps.steps,
        "load": [load_before, loadavg()],
        "_result": result,
    }


def medusa_sync_cli(server: Server, feed_root: Path, out_dir: Path) -> dict[str, Any]:
    """The real command, as a user runs it (interpreter start-up included)."""
    command = [str(Path(sys.executable).with_name("medusa-sync")), "import", str(feed_root), "--yes", "--json", "--out", str(out_dir)]
    if not Path(command[0]).exists():
        command[0:1] = [sys.executable, "-m", "medusa_sync"]
    env = {**os.environ, "MEDUSA_URL": server.url, "MEDUSA_EMAIL": server.email, "MEDUSA_PASSWORD": server.password}
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=3600, check=False)
    wall = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"medusa-sync exited {done.returncode}: {done.stderr[-2000:]}")
    answer = json.loads(done.stdout)
    return {"wall_s": wall, "requests": answer["requests"]["total"], "by_method": answer["requests"]["by_method"], "applied": answer["applied"]}


# ------------------------------------------------------------------------------------------


def live(server: Server, size: int, base_root: Path, changed_root: Path, work_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    from medusa_sync.config import Rules, Settings
    from medusa_sync.feeds import load_catalog
    from medusa_sync.plan import PlanOptions, make_plan

    concurrency = Settings().concurrency
    work = workload(base_root, changed_root)
    base_levels = {(level.sku, level.location): (level.stocked, level.incoming) for level in load_catalog(base_root, Rules()).levels}
    figures: dict[str, Any] = {"size": size, "concurrency": concurrency}

    log(f"{size}: warm-up ({min(size, WARM_UP_ITEMS)} items, a listing, a level pass; not timed)")
    warm_up(server, work, concurrency)
    log(f"{size}: floor: create {len(work.items)} items at concurrency {concurrency}")
    figures["floor"] = floor_create(server, work, concurrency)
    log(f"{size}: floor {figures['floor']['items_per_min']:.0f} items/min")

    sample = min(size, args.naive_sample)
    log(f"{size}: naive creation of {sample} items, sequential")
    figures["naive_create"] = naive_create(server, work, sample)

    log(f"{size}: medusa-sync full import")
    server.reset()
    settle()
    full = medusa_sync(server, base_root, work_dir / f"out-{size}")
    figures["full"] = {key: value for key, value in full.items() if key != "_result"}
    log(f"{size}: full import {full['wall_s']:.1f} s, {full['requests']} requests")

    passes: dict[str, list[float]] = {}
    log(f"{size}: floor: list every item, every level +1 and back (on the synced store)")
    floor_levels(server, passes)

    log(f"{size}: medusa-sync re-sync, {len(work.changed)} levels changed")
    settle()
    resync = medusa_sync(server, changed_root, work_dir / f"out-{size}")
    figures["resync"] = {key: value for key, value in resync.items() if key != "_result"}
    figures["resync"]["levels_changed"] = len(work.changed)

    log(f"{size}: medusa-sync no-op re-sync")
    settle()
    noop = medusa_sync(server, changed_root, work_dir / f"out-{size}")
    figures["noop"] = {key: value for key, value in noop.items() if key != "_result"}
    result = noop["_result"]
    started = time.perf_counter()
    replan = make_plan(result.catalog, result.snapshot, Rules(), PlanOptions())
    figures["noop"]["plan_live_synced_s"] = time.perf_counter() - started
    if replan.has_changes:
        raise RuntimeError("the no-op re-sync's plan has changes")
    del full, resync, noop, result, replan  # a 50k catalog, snapshot and plan each: free them
    figures["noop_cli"] = medusa_sync_cli(server, changed_root, work_dir / f"out-{size}-cli")
    log(f"{size}: no-op {figures['noop']['wall_s']:.2f} s in process, {figures['noop_cli']['wall_s']:.2f} s as a command, {figures['noop']['requests']} requests")

    log(f"{size}: naive level updates ({len(work.changed)}, one request each) and per-SKU lookups")
    settle()
    figures["naive_levels"] = naive_levels(server, work, base_levels)
    figures["naive_lookup"] = naive_lookup(server, work, min(size, args.naive_sample))

    # The naive updates put the base feed's levels back: medusa-sync must now see nothing to do.
    check = medusa_sync(server, base_root, work_dir / f"out-{size}")
    if check["writes"]:
        raise RuntimeError(f"after the naive updates the store differs from the base feed: {check['plan']}")
    figures["noop_base"] = {key: value for key, value in check.items() if key != "_result"}

    log(f"{size}: floor: list and level passes again")
    floor_levels(server, passes)
    items_listed = passes["items_listed"][0]
    figures["floor"].update(
        {
            "list_s": min(passes["list_s"]),
            "list_samples_s": passes["list_s"],
            "list_pages": math.ceil(items_listed / PAGE),
            "items_listed_per_s": items_listed / min(passes["list_s"]),
            "levels_updated": passes["levels"][0],
            "level_updates_per_min": max(passes["level_rates"]),
            "level_rate_samples": passes["level_rates"],
        }
    )
    log(f"{size}: floor {figures['floor']['level_updates_per_min']:.0f} level updates/min, list {figures['floor']['list_s']:.2f} s")
    return figures


def machine() -> dict[str, Any]:
    def run(command: list[str]) -> str:
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=30, check=False).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"

    postgres = "?"
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), reverse=True):
        postgres = run([str(candidate), "--version"])
        break
    memory = "?"
    try:
        kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")).split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    cpu = "?"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "node": run(["node", "--version"]),
        "postgres": postgres,
        "medusa": "2.21.2",
        "load_start": loadavg(),
    }


# ------------------------------------------------------------------------------------------
# the report


def _ratio(value: float | None, reference: float | None) -> str:
    if not value or not reference:
        return "—"
    return f"{value / reference:.0%}" if value / reference < 10 else f"{value / reference:.0f}×"


def _times(value: float | None, reference: float | None) -> str:
    if not value or not reference:
        return "—"
    return f"{value / reference:.1f}×"


def _live_rates(size: str, f: dict[str, Any]) -> dict[str, Any]:
    """The derived figures of one live size (rates, ratios) for the tables."""
    items = int(size)
    full, resync = f["full"], f["resync"]
    create_step = full["steps"].get("create items", {})
    level_step = resync["steps"].get("stock levels", {})
    changed = resync["levels_changed"]
    return {
        "items": items,
        "full_rate": items / full["wall_s"] * 60,
        "create_rate": items / create_step["s"] * 60 if create_step.get("s") else None,
        "create_cpu_ms": create_step.get("client_cpu_s", 0) / items * 1000,
        "changed": changed,
        "level_rate": changed / level_step["s"] * 60 if level_step.get("s") else None,
        "level_step_s": level_step.get("s"),
        "resync_rate": changed / resync["wall_s"] * 60,
        "naive_blind_s": f["floor"]["levels_updated"] / f["naive_levels"]["levels_per_min"] * 60,
        "naive_noop_s": f["naive_lookup"]["per_item_ms"] / 1000 * items,
        "pages": math.ceil(items / PAGE),
    }


def report(data: dict[str, Any]) -> str:
    lines: list[str] = []
    add = lines.append
    m = data["machine"]
    add(f"Run {data['started']} → {data['finished']} ({data['duration_min']:.1f} min): `{data['command']}`")
    add("")
    add(
        f"Machine: {m['nproc']} cores ({m['cpu']}), {m['memory']} RAM, {m['os']}; Python {m['python']}, "
        f"Node {m['node']}, {m['postgres']}, Medusa {m['medusa']} on {data.get('server', '—')}. "
        f"Load average (1/5/15 min) at start {m['load_start']}, at end {data['load_end']}. "
        "The machine is shared with other work, so every ratio below compares figures taken in this same run, "
        "minutes apart, against the same server."
    )
    add("")
    add("### Offline: parse + normalize, plan")
    add("")
    add("| items (levels, kits) | parse + normalize | plan vs empty store | parse + plan | plan vs synced store | peak RSS (process) | peak Python heap (tracemalloc) |")
    add("| --- | --- | --- | --- | --- | --- | --- |")
    for size, o in data["offline"].items():
        add(
            f"| {int(size):,} ({o['levels']:,}, {o['kits']:,}) | {o['parse_s']:.2f} s | {o['plan_empty_s']:.2f} s | "
            f"**{o['parse_s'] + o['plan_empty_s']:.2f} s** | {o['plan_synced_s']:.2f} s | **{o['peak_rss_mb']:.0f} MB** | {o['traced_peak_mb']:.0f} MB |"
        )
    add("")
    add("Peak RSS: the whole process's high-water mark (VmHWM, the Linux figure behind `getrusage` ru_maxrss; interpreter and")
    add("imports, ~40 MB, included) after parse + plan vs an empty store, in a fresh child process. Peak Python heap: `tracemalloc`'s")
    add("peak over the same work, in a separate child (tracing slows it).")
    add("The synced store is built offline from the catalog (as a full import leaves it) and checked to plan zero writes.")
    for size, f in data["live"].items():
        r = _live_rates(size, f)
        fl, full, resync, noop, cli = f["floor"], f["full"], f["resync"], f["noop"], f["noop_cli"]
        nc, nl, nk = f["naive_create"], f["naive_levels"], f["naive_lookup"]
        kits = full["steps"].get("create kits", {})
        add("")
        add(f"### Live: {r['items']:,} items ({f['concurrency']} concurrent requests)")
        add("")
        add("| figure | medusa-sync | server floor | vs floor | naive baseline | vs naive |")
        add("| --- | --- | --- | --- | --- | --- |")
        add(
            f"| full import from an empty store, end to end | **{r['full_rate']:,.0f} items/min** ({full['wall_s']:.1f} s, {full['requests']:,} requests) | "
            f"{fl['items_per_min']:,.0f} items/min | **{_ratio(r['full_rate'], fl['items_per_min'])}** | {nc['items_per_min']:,.0f} items/min | {_times(r['full_rate'], nc['items_per_min'])} |"
        )
        add(
            f"| — its item-creation step | {r['create_rate'] or 0:,.0f} items/min ({full['steps'].get('create items', {}).get('s', 0):.1f} s) | "
            f"{fl['items_per_min']:,.0f} items/min | {_ratio(r['create_rate'], fl['items_per_min'])} | {nc['items_per_min']:,.0f} items/min | {_times(r['create_rate'], nc['items_per_min'])} |"
        )
        add(f"| — its kit step ({kits.get('total', 0)} products with their links) | {kits.get('s', 0):.1f} s | — | — | — | — |")
        add(
            f"| re-sync, {r['changed']:,} levels changed (10%): level writes | **{r['level_rate'] or 0:,.0f} levels/min** ({r['level_step_s'] or 0:.2f} s) | "
            f"{fl['level_updates_per_min']:,.0f} levels/min | **{_ratio(r['level_rate'], fl['level_updates_per_min'])}** | "
            f"{nl['levels_per_min']:,.0f} levels/min | **{_times(r['level_rate'], nl['levels_per_min'])}** |"
        )
        add(
            f"| — the whole re-sync, end to end | {resync['wall_s']:.2f} s, {resync['requests']:,} requests ({r['resync_rate']:,.0f} levels/min) | — | — | "
            f"only the changed levels: {nl['s']:.1f} s, {nl['requests']:,} requests; every level: ~{r['naive_blind_s']:.0f} s | "
            f"{_times(nl['s'], resync['wall_s'])}; {_times(r['naive_blind_s'], resync['wall_s'])} |"
        )
        add(
            f"| no-op re-sync (in process) | **{noop['wall_s']:.2f} s**, {noop['requests']} requests ({r['pages']} item pages) | "
            f"listing every item: {fl['list_s']:.2f} s ({fl['items_listed_per_s']:,.0f} items/s) | {_ratio(fl['list_s'], noop['wall_s'])} | "
            f"~{r['naive_noop_s']:.0f} s (one GET per SKU, {nk['per_item_ms']:.1f} ms each) | {_times(r['naive_noop_s'], noop['wall_s'])} |"
        )
        add(f"| no-op re-sync (the `medusa-sync import --yes --json` command) | **{cli['wall_s']:.2f} s**, {cli['requests']} requests | — | — | — | — |")
        phases = noop["phases"]
        add("")
        add(
            f"Stages of the no-op: parse {phases.get('load_catalog', 0):.2f} s, read the store {phases.get('read_store', 0):.2f} s, "
            f"plan {phases.get('make_plan', 0):.2f} s (again on the same live snapshot: {noop['plan_live_synced_s']:.2f} s), "
            f"outputs {phases.get('write_outputs', 0):.2f} s, reservations report {phases.get('_reservations_markdown', 0):.2f} s. "
            f"Of the full import: parse {full['phases'].get('load_catalog', 0):.2f} s, read {full['phases'].get('read_store', 0):.2f} s, "
            f"plan {full['phases'].get('make_plan', 0):.2f} s, "
            + ", ".join(f"{name} {step['s']:.2f} s" for name, step in full["steps"].items())
            + f", outputs {full['phases'].get('write_outputs', 0):.2f} s. "
            f"Requests by method — full import {full['by_method']}, re-sync {resync['by_method']}, no-op {noop['by_method']} (plus one login each). "
            f"Client CPU per created item: medusa-sync {r['create_cpu_ms']:.2f} ms, the floor's client {fl['client_cpu_s'] / fl['items'] * 1000:.2f} ms. "
            f"Naive creation measured on {nc['items']:,} items spread over the catalog ({nc['requests']:,} requests, {nc['s']:.1f} s); naive lookups on {nk['items']:,}; "
            f"\"every level\" is extrapolated from the measured per-level rate. "
            f"Floor level passes (levels/min, every level each): {', '.join(f'{rate:,.0f}' for rate in fl.get('level_rate_samples', []))} — the best is the floor; "
            f"listings: {', '.join(f'{value:.2f} s' for value in fl.get('list_samples_s', []))}. "
            f"Load average during the floor's creations {fl['load'][0]} → {fl['load'][1]}; during the full import {full['load'][0]} → {full['load'][1]}."
        )
    if data["live"] or data["offline"]:
        add("")
        add("### Targets")
        add("")
        add("| target | measured | met |")
        add("| --- | --- | --- |")
        for size, f in data["live"].items():
            r = _live_rates(size, f)
            ratio = r["full_rate"] / f["floor"]["items_per_min"]
            add(f"| full import ≥ 85% of the creation floor ({r['items']:,}) | {ratio:.1%} end to end (item step {(r['create_rate'] or 0) / f['floor']['items_per_min']:.1%}) | {'yes' if ratio >= 0.85 else '**no**'} |")
        for size, f in data["live"].items():
            r = _live_rates(size, f)
            ratio = (r["level_rate"] or 0) / f["floor"]["level_updates_per_min"]
            add(f"| level changes ≥ 80% of the batch floor ({r['items']:,}) | {ratio:.1%} (write step: {r['changed']:,} levels in {math.ceil(r['changed'] / PAGE)} batch(es)) | {'yes' if ratio >= 0.8 else '**no**'} |")
        for size, f in data["live"].items():
            r = _live_rates(size, f)
            step = (r["level_rate"] or 0) / f["naive_levels"]["levels_per_min"]
            whole = f["naive_levels"]["s"] / f["resync"]["wall_s"]
            add(
                f"| ≥ 10× the naive baseline on level changes ({r['items']:,}) | {step:.0f}× on the writes; end to end {whole:.1f}× the naive client given the changed levels, "
                f"{r['naive_blind_s'] / f['resync']['wall_s']:.0f}× one writing every level | {'yes' if step >= 10 else '**no**'} (writes){'' if whole >= 10 else '; **no** end to end vs the diff-given naive client'} |"
            )
        for size, f in data["live"].items():
            r = _live_rates(size, f)
            noop, cli = f["noop"], f["noop_cli"]
            by_pages = noop["requests"] <= r["pages"] + 10
            if r["items"] == 10000:
                met = noop["wall_s"] < 5 and cli["wall_s"] < 5 and by_pages
                add(
                    f"| no-op re-sync of {r['items']:,} items < 5 s, requests grow with pages | {noop['wall_s']:.2f} s in process, {cli['wall_s']:.2f} s as a command; "
                    f"{noop['requests']} requests for {r['pages']} pages of items | {'yes' if met else '**no**'} |"
                )
            else:
                add(
                    f"| (no-op re-sync of {r['items']:,} items: requests grow with pages; the 5 s target is for 10k) | {noop['wall_s']:.2f} s in process, "
                    f"{cli['wall_s']:.2f} s as a command; {noop['requests']} requests for {r['pages']} pages of items | {'yes' if by_pages else '**no**'} (requests) |"
                )
        for size, o in data["offline"].items():
            if int(size) < 50000:
                continue
            total = o["parse_s"] + o["plan_empty_s"]
            add(
                f"| offline parse + plan of {int(size):,} items < 5 s and < 400 MB | {total:.2f} s; peak RSS {o['peak_rss_mb']:.0f} MB "
                f"(Python heap {o['traced_peak_mb']:.0f} MB) | {'yes' if total < 5 else '**no**'} (time); {'yes' if o['peak_rss_mb'] < 400 else '**no**'} (RSS); "
                f"{'yes' if o['traced_peak_mb'] < 400 else '**no**'} (heap) |"
            )
    return "\n".join(lines)


def write_results(path: Path, text: str) -> None:
    existing = path.read_text() if path.exists() else f"# medusa-sync benchmark\n\n{RESULTS_START}\n{RESULTS_END}\n"
    if RESULTS_START not in existing or RESULTS_END not in existing:
        existing = existing.rstrip() + f"\n\n{RESULTS_START}\n{RESULTS_END}\n"
    head, rest = existing.split(RESULTS_START, 1)
    _, tail = rest.split(RESULTS_END, 1)
    path.write_text(f"{head}{RESULTS_START}\n{text}\n{RESULTS_END}{tail}")


def _sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip() and int(part) > 0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="live sizes, comma-separated; 0 for none (default 1000,10000)")
    parser.add_argument("--offline-sizes", default="1000,10000,50000", help="offline sizes (default 1000,10000,50000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--naive-sample", type=int, default=1000, help="items the naive client creates and looks up (default 1000)")
    parser.add_argument("--server-script", default=str(REPO / "scripts" / "medusa-server"), help="the server script (default: the project's)")
    parser.add_argument("--url", help="use this Medusa server instead (or MEDUSA_URL)")
    parser.add_argument("--email", help="admin email (or MEDUSA_EMAIL)")
    parser.add_argument("--password", help="admin password (or MEDUSA_PASSWORD)")
    parser.add_argument("--reset-cmd", help="with --url: a command that empties that store")
    parser.add_argument("--work", type=Path, help="work folder for generated feeds and outputs (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--results", type=Path, default=BENCH / "RESULTS.md", help="the Markdown report to update")
    parser.add_argument("--json", type=Path, help="raw figures as JSON (default: WORK/results.json)")
    parser.add_argument("--offline-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.offline_child:
        print(json.dumps(offline_child(args.offline_child, args.traced)))
        return 0

    live_sizes, offline_sizes = _sizes(args.sizes), _sizes(args.offline_sizes)
    work_dir = args.work or Path(tempfile.mkdtemp(prefix="medusa-sync-bench-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {
        "command": shlex.join(["python", "bench/run.py", *(argv if argv is not None else sys.argv[1:])]),
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": machine(),
        "seed": args.seed,
        "offline": {},
        "live": {},
    }
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
            log(f"{size}: offline parse + plan")
            data["offline"][str(size)] = offline(roots[size][0])
            o = data["offline"][str(size)]
            log(f"{size}: parse {o['parse_s']:.2f} s, plan {o['plan_empty_s']:.2f} s, synced plan {o['plan_synced_s']:.2f} s, peak RSS {o['peak_rss_mb']:.0f} MB")
        if live_sizes:
            server = open_server(args)
            data["server"] = server.description
            if not server.reset_command:
                raise SystemExit("live passes need an empty store: give --reset-cmd with --url, or --sizes 0")
            for size in live_sizes:
                data["live"][str(size)] = live(server, size, *roots[size], work_dir, args)
    finally:
        data["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
        data["duration_min"] = (time.perf_counter() - began) / 60
        data["load_end"] = loadavg()
        json_path = args.json or work_dir / "results.json"
        json_path.write_text(json.dumps(data, indent=2, default=str))
        log(f"raw figures: {json_path}")
        if not args.keep:
            for size_root in work_dir.glob("feeds-*"):
                shutil.rmtree(size_root, ignore_errors=True)
            for out in work_dir.glob("out-*"):
                shutil.rmtree(out, ignore_errors=True)
    write_results(args.results, report(data))
    log(f"report: {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
