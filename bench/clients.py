"""The clients medusa-sync is measured against, talking straight to the Admin API.

- the **floor**: what the server itself can do — a minimal pooled httpx client sending the same
  bodies medusa-sync sends, at the same concurrency, by the fastest route there is (for items:
  Medusa's item create workflow through the workflow-run route, many bodies per request);
- the **naive** client: one request per item, per level, per lookup, either sequential or at
  medusa-sync's concurrency, so that the gain from batching and the gain from concurrency show
  apart.

Both build and serialise their bodies inside their timers, as medusa-sync does.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import orjson

from bench.cpu import Meter
from bench.results import Pass
from bench.server import Server
from bench.targets import PAGE
from medusa_sync.apply import LEVEL_CHUNKS_AT_ONCE, level_chunk_size
from medusa_sync.client import ID_ONLY
from medusa_sync.client.chunking import split_batch
from medusa_sync.client.resources.inventory_items import WORKFLOW_INPUT_MAX_BYTES, WORKFLOWS_PATH
from medusa_sync.store import ITEM_QUERY_FIELDS

SETTLE_S = 5.0
CREATE_RUN_PATH = f"{WORKFLOWS_PATH}/create-inventory-items-workflow/run"
T = TypeVar("T")


def settle() -> None:
    """Let the server finish what the last phase queued (Medusa handles a write's events after
    answering it) before the next phase is timed."""
    time.sleep(SETTLE_S)


def each(concurrency: int, function: Callable[[T], Any], rows: Iterable[T]) -> None:
    """`function` on every row, `concurrency` at a time (1: sequential, in order)."""
    if concurrency == 1:
        for row in rows:
            function(row)
        return
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for _ in pool.map(function, rows):
            pass


def sample_of(rows: list[T], count: int) -> list[T]:
    """`count` rows spread evenly over `rows` (sorted by SKU, so every distributor is in it)."""
    if count >= len(rows):
        return list(rows)
    return [rows[index * len(rows) // count] for index in range(count)]


class Direct:
    """A minimal Admin API client: one pooled httpx client, a JWT, a request counter."""

    def __init__(self, server: Server, connections: int) -> None:
        self.server_pid = server.pid
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

    def __enter__(self) -> Direct:
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        with self._lock:
            self.requests += 1
        answer = self.http.request(method, path, **kwargs)
        if answer.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.text[:300]}")
        return answer.json()

    def timed(self, count: int, work: Callable[[], Any]) -> Pass:
        """`work` timed (wall, this process's CPU and the rest of the machine's), with the requests it made."""
        before = self.requests
        started, cpu = time.perf_counter(), Meter(self.server_pid)
        work()
        return Pass(count, time.perf_counter() - started, self.requests - before, cpu.own_s(), cpu.others_s(), cpu.server_main_s())

    def list_items(self, concurrency: int = 1) -> list[dict[str, Any]]:
        """Every item with its levels, the fields medusa-sync reads, pages of 1000 in id order:
        the first page gives the count, the others are read `concurrency` at a time (as
        medusa-sync reads a whole list; 1: one after the other)."""
        params = {"fields": ITEM_QUERY_FIELDS, "order": "id", "limit": PAGE}

        def page(offset: int) -> list[dict[str, Any]]:
            return self.call("GET", "/admin/inventory-items", params={**params, "offset": offset})["inventory_items"]

        first = self.call("GET", "/admin/inventory-items", params={**params, "offset": 0})
        rows = list(first["inventory_items"])
        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            for more in pool.map(page, range(PAGE, first["count"], PAGE)):
                rows.extend(more)
        return rows


@dataclass(frozen=True)
class Level:
    sku: str
    location: str  # by name
    stocked: int
    incoming: int


@dataclass(frozen=True)
class Workload:
    """What medusa-sync would send for a catalog: locations, item bodies with their levels, and
    the levels the "next night" feed changes (their values before and after)."""

    locations: list[dict[str, Any]]
    items: list[dict[str, Any]]  # bodies, location_levels by location *name*
    base_levels: list[Level]  # the changed levels as the base feed has them
    changed_levels: list[Level]  # ... and as the changed feed has them


def workload(base_root: Path, changed_root: Path) -> Workload:
    from medusa_sync.config import Rules
    from medusa_sync.feeds import load_catalog
    from medusa_sync.plan import PlanOptions, make_plan
    from medusa_sync.store import StoreSnapshot

    rules = Rules()
    base = load_catalog(base_root, rules)
    plan = make_plan(base, StoreSnapshot(), rules, PlanOptions())
    before = {(level.sku, level.location): level for level in base.levels}
    changed = [
        level
        for level in load_catalog(changed_root, rules).levels
        if (before[(level.sku, level.location)].stocked, before[(level.sku, level.location)].incoming) != (level.stocked, level.incoming)
    ]
    return Workload(
        locations=[{"name": change.name, "metadata": change.metadata} for change in plan.writes("location", "create")],
        items=[body for _, body in item_bodies(plan)],
        base_levels=[Level(level.sku, level.location, before[(level.sku, level.location)].stocked, before[(level.sku, level.location)].incoming) for level in changed],
        changed_levels=[Level(level.sku, level.location, level.stocked, level.incoming) for level in changed],
    )


def item_bodies(plan) -> list[tuple[Any, dict[str, Any]]]:
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


def create_locations(client: Direct, work: Workload) -> dict[str, str]:
    return {body["name"]: client.call("POST", "/admin/stock-locations", json=body)["stock_location"]["id"] for body in work.locations}


def _with_location_ids(body: dict[str, Any], locations: dict[str, str]) -> dict[str, Any]:
    resolved = {key: value for key, value in body.items() if key != "location_levels"}
    resolved["location_levels"] = [
        {"location_id": locations[level["location"]], "stocked_quantity": level["stocked_quantity"], "incoming_quantity": level["incoming_quantity"]}
        for level in body["location_levels"]
    ]
    return resolved


def _connections(concurrency: int) -> int:
    return max(concurrency * 2, 4)


@contextmanager
def empty_store(server: Server, work: Workload, concurrency: int) -> Iterator[tuple[Direct, dict[str, str]]]:
    """The store emptied, the workload's locations created (ids by name) and their events let
    settle, and a client for it."""
    server.reset()
    with Direct(server, _connections(concurrency)) as client:
        locations = create_locations(client, work)
        settle()
        yield client, locations


# ------------------------------------------------------------------------------------------
# the floor


def floor_create(server: Server, work: Workload, concurrency: int, items: list[dict[str, Any]] | None = None) -> Pass:
    """The creation floor from an empty store, by the fastest route there is: every item with
    its levels (the bodies medusa-sync sends) through Medusa's item create workflow, run by the
    workflow-run route with as many bodies per request as medusa-sync puts in one (its 90 KB),
    `LEVEL_CHUNKS_AT_ONCE` requests at a time. No look-up of the created ids (medusa-sync's own
    cost, part of its figure)."""
    items = work.items if items is None else items
    with empty_store(server, work, concurrency) as (client, locations):

        def create_all() -> None:
            bodies = [_with_location_ids(body, locations) for body in items]
            batches = split_batch({"items": bodies}, max_bytes=WORKFLOW_INPUT_MAX_BYTES)
            each(LEVEL_CHUNKS_AT_ONCE, lambda batch: client.call("POST", CREATE_RUN_PATH, json={"input": batch}), batches)

        return client.timed(len(items), create_all)


def floor_create_single(server: Server, work: Workload, concurrency: int, sample: int) -> Pass:
    """From an empty store: each item with its levels in one `POST /admin/inventory-items`
    (the creation floor before issue #14's thirteenth round), answered with its id alone, at
    medusa-sync's concurrency; on a sample."""
    items = sample_of(work.items, sample)
    with empty_store(server, work, concurrency) as (client, locations):

        def create(body: dict[str, Any]) -> None:
            content = orjson.dumps(_with_location_ids(body, locations))
            client.call(
                "POST", "/admin/inventory-items", params={"fields": ID_ONLY}, content=content, headers={"Content-Type": "application/json"}
            )

        return client.timed(len(items), lambda: each(concurrency, create, items))


def _level_pass(client: Direct, rows: list[dict[str, Any]], delta: int, at_once: int) -> int:
    """Every level set to its listed stocked quantity + `delta`, through the cross-item batch:
    medusa-sync's chunks (`level_chunk_size`) `at_once` requests at a time, or (1) batches of
    1000 one after the other."""
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
    size = level_chunk_size(len(updates)) if at_once > 1 else PAGE
    chunks = [updates[start : start + size] for start in range(0, len(updates), size)]
    with ThreadPoolExecutor(max_workers=at_once) as pool:
        list(pool.map(lambda chunk: client.call("POST", "/admin/inventory-items/location-levels/batch", json={"update": chunk}), chunks))
    return len(updates)


def floor_list_and_levels(server: Server, concurrency: int) -> tuple[Pass, Pass, Pass, Pass]:
    """On a synced store: list every item with its levels, one page after the other and then
    with the pages after the first at medusa-sync's concurrency, as it reads them (each timed);
    then set every level +1 and back (timed together), so the store is left as it was, with
    one batch request after the other and then `LEVEL_CHUNKS_AT_ONCE` at a time, as medusa-sync
    writes them. Returns the concurrent listing, the sequential one, and the level passes at
    once and one after the other."""
    with Direct(server, _connections(concurrency)) as client:
        settle()
        listings = []
        for pages_at_once in (1, concurrency):
            rows: list[dict[str, Any]] = []
            listing = client.timed(0, lambda: rows.extend(client.list_items(pages_at_once)))
            listings.append(dataclasses.replace(listing, count=len(rows)))
        levels = sum(len(row["location_levels"]) for row in rows)
        passes = []
        for at_once in (1, LEVEL_CHUNKS_AT_ONCE):
            settle()
            passes.append(client.timed(2 * levels, lambda: [_level_pass(client, rows, delta, at_once) for delta in (+1, 0)]))
        return listings[1], listings[0], passes[1], passes[0]


def warm_up(server: Server, work: Workload, concurrency: int, items: int) -> None:
    """Creations, a listing and level passes before anything is timed (Node's JIT, PostgreSQL's
    caches): without it the first pass of a run is measurably slower than the later ones."""
    floor_create(server, work, concurrency, sample_of(work.items, items))
    floor_list_and_levels(server, concurrency)


# ------------------------------------------------------------------------------------------
# the naive client


def naive_create(server: Server, work: Workload, sample: int, concurrency: int) -> Pass:
    """From an empty store: one request per item, then one per level of it; on a sample."""
    items = sample_of(work.items, sample)
    with empty_store(server, work, concurrency) as (client, locations):

        def create(body: dict[str, Any]) -> None:
            plain = {key: value for key, value in body.items() if key != "location_levels"}
            item_id = client.call("POST", "/admin/inventory-items", json=plain)["inventory_item"]["id"]
            for level in body["location_levels"]:
                level_body = {
                    "location_id": locations[level["location"]],
                    "stocked_quantity": level["stocked_quantity"],
                    "incoming_quantity": level["incoming_quantity"],
                }
                client.call("POST", f"/admin/inventory-items/{item_id}/location-levels", json=level_body)

        return client.timed(len(items), lambda: each(concurrency, create, items))


def naive_levels(server: Server, levels: list[Level], concurrency: int) -> Pass:
    """Set each given level, one request each; the ids come from a listing, not timed."""
    with Direct(server, _connections(concurrency)) as client:
        items = {row["sku"]: row["id"] for row in client.list_items()}
        listed = client.call("GET", "/admin/stock-locations", params={"limit": 1000, "fields": "id,name"})["stock_locations"]
        locations = {row["name"]: row["id"] for row in listed}
        settle()

        def update(level: Level) -> None:
            path = f"/admin/inventory-items/{items[level.sku]}/location-levels/{locations[level.location]}"
            client.call("POST", path, json={"stocked_quantity": level.stocked, "incoming_quantity": level.incoming})

        return client.timed(len(levels), lambda: each(concurrency, update, levels))


def naive_lookup(server: Server, work: Workload, sample: int, concurrency: int) -> Pass:
    """A naive no-op check: one GET per SKU (with its levels), on a sample."""
    skus = [body["sku"] for body in sample_of(work.items, sample)]
    with Direct(server, _connections(concurrency)) as client:

        def look_up(sku: str) -> None:
            client.call("GET", "/admin/inventory-items", params={"sku": sku, "fields": ITEM_QUERY_FIELDS})

        return client.timed(len(skus), lambda: each(concurrency, look_up, skus))
