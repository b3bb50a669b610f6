"""Apply a plan to the store: locations, then items (created with their levels, ~100 per
request through Medusa's item create workflow, `LEVEL_CHUNKS_AT_ONCE` requests in flight), item
updates, the level writes in batches (as many in flight), the bases of the levels written (in
items' metadata, ~840 items per request, after their levels were written), then kits (created
in batches). Where Medusa refuses a batch (all or none), its records are written one by one, so
a bad one costs only itself; a server that cannot take batches gets one request per record.

Levels never below reserved, also when a reservation lands while the sync runs (unless the plan
allows it, `--allow-below-reserved`): right before each level-batch chunk is sent, the levels it
LOWERS are read again (reserved and stocked: one list request for up to ~170 items) and each
target clamped again to what is reserved now; after the chunk, they are read once more and any
left below reserved (a reservation landed between that read and the write) is set to reserved
in one batch request. Both are reported (`ApplyResult.guarded`, the output and the run log), and
the base recorded for such a level is the value written. With a `ReservedWatch` (the store's
snapshot has one where the server lists reservations by update time), each of those reads is
first one list of the reservations changed since the store was read, and only the lowered levels
they touch are read again. A chunk that lowers nothing costs no extra request.

Every write is atomic on the server, and a plan is always made from a fresh read of the store,
so an apply killed at any point converges when re-run: what was written is seen and skipped.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from medusa_sync.client.chunking import BATCH_MAX_ENTRIES, split_batch
from medusa_sync.client import CREATED_FIELDS, ID_ONLY
from medusa_sync.client.errors import AmbiguousWriteError, CircuitOpenError
from medusa_sync.errors import ApplyError, MedusaSyncError
from medusa_sync.plan import (
    Component,
    ItemCreate,
    ItemUpdate,
    KitCreate,
    KitUpdate,
    LevelCreate,
    LevelDrift,
    LevelUpdate,
    LocationCreate,
    LocationUpdate,
    Plan,
    Price,
    StoreIds,
    base_key,
    base_value,
)
from medusa_sync.plan.model import FieldChange
from medusa_sync.store import ReservedWatch, SharedCheck, levels_now

log = logging.getLogger("medusa_sync.apply")


KIT_BATCH_SIZE = 200
"""Kits per `POST /admin/products/batch`: ~1-2 s of Medusa's time, and little to redo one by
one when a batch is refused."""

LEVEL_CHUNKS_AT_ONCE = 4
"""Level-batch requests in flight at once. Medusa 2.21.2 wrote 2000 levels at 29-35k levels/min
in batches of 1000 one after the other, 40-50k/min four batches of 250 at a time (bench
machine, 2 cores): a batch waits on the database as much as on the server's thread."""
LONE_REFUSALS = 3
"""Lone batch requests refused one after the other before the rest is sent anyway (each refused
record is then created on its own): past a bad record or two, the store refuses batches as such."""
LONE_SUCCESSES = 2
"""Lone batch requests that succeeded while the route still had something to learn from the next
one (`_BatchRoute.learning`), before the rest is sent anyway: a lone item naming the unit, then a
run that tells whether the server keeps the ids given."""
LEVEL_CHUNK_MIN = 500
"""Entries under which a level chunk costs more in its request's fixed cost (one workflow run)
than it gains by being in flight beside others."""
LEVEL_PAIR_MIN = 250
"""Entries per chunk down to which a small total still goes as two chunks: two in flight keep
both Medusa's thread and its database busy."""


def level_chunk_size(total: int) -> int:
    """Entries per level batch: chunks of one size filling every request slot in each wave of
    `LEVEL_CHUNKS_AT_ONCE` requests (5,081 levels: 8 of 636, not 5 of 1,000 and one of 81, a
    last wave that would leave the server half idle), none over the batch limit; fewer, larger
    chunks where the slots would get chunks under LEVEL_CHUNK_MIN entries, and then two while
    each holds LEVEL_PAIR_MIN. Medusa 2.21.2 on the bench machine (2 cores), medians of
    alternating passes: 1,015 levels in 0.60 s as 2 chunks of 508, 0.72 s as 4 of 254; 800 in
    0.50 s as 2 of 400, 0.63 s as one; from 2,000 levels the splits measured alike."""
    waves = -(-total // (BATCH_MAX_ENTRIES * LEVEL_CHUNKS_AT_ONCE))
    chunks = min(waves * LEVEL_CHUNKS_AT_ONCE, max(min(2, total // LEVEL_PAIR_MIN), total // LEVEL_CHUNK_MIN, 1))
    return min(BATCH_MAX_ENTRIES, -(-total // chunks))


@dataclass
class _LevelChunk:
    """What one level chunk did, merged into the result by the level step in chunk order."""

    entries: int
    applied: Counter[str] = field(default_factory=Counter)
    written: list[LevelCreate | LevelUpdate] = field(default_factory=list)
    failures: list[ApplyFailure] = field(default_factory=list)
    guarded: list[ReservedGuard] = field(default_factory=list)
    stop: MedusaSyncError | None = None


_C = TypeVar("_C", LocationCreate, LocationUpdate, ItemCreate, ItemUpdate, KitCreate, KitUpdate)


class Progress(Protocol):
    def step(self, name: str, total: int) -> Callable[[int], None]:
        """Start a step of `total` units; returns the function that advances it."""


class _Silent:
    def step(self, name: str, total: int) -> Callable[[int], None]:
        return lambda done: None


@dataclass(frozen=True)
class ApplyFailure:
    kind: str
    key: str
    message: str


@dataclass(frozen=True)
class ReservedGuard:
    """A level the level step kept at reserved: `clamped` before its write (the re-read found more
    reserved than the plan's read), `repaired` after it (a reservation landed between the re-read
    and the write: stocked set to reserved), or `unrepaired` (that repair failed)."""

    action: str
    key: str
    target: int  # the stocked the plan (or the write) set
    reserved: int
    error: str | None = None

    def __str__(self) -> str:
        if self.action == "clamped":
            return f"{self.key}: clamped to reserved {self.reserved} (the plan says {self.target}; reserved re-read before writing)"
        fix = f"set to {self.reserved}" if self.action == "repaired" else f"setting it to {self.reserved} failed: {self.error}"
        return f"{self.key}: stocked {self.target} < reserved {self.reserved} after the write; {fix}"


@dataclass
class ApplyResult:
    ids: StoreIds
    applied: Counter[str] = field(default_factory=Counter)  # "item.create" → n
    failures: list[ApplyFailure] = field(default_factory=list)
    guarded: list[ReservedGuard] = field(default_factory=list)
    """Levels kept at reserved by the level step (see the module docstring)."""
    written: list[Any] = field(default_factory=list)
    """The changes the store acknowledged, each with its before → after (for the run log)."""

    def count(self, kind: str, action: str) -> int:
        return self.applied[f"{kind}.{action}"]


class ApplyStopped(ApplyError):
    """Medusa failed terminally (the client's circuit breaker opened) during `step`: the apply
    stopped at once. `result` holds what was applied and what failed; `not_applied` counts the
    writes never sent, by "kind.action"."""

    def __init__(self, step: str, cause: MedusaSyncError, result: ApplyResult, not_applied: Counter[str]) -> None:
        applied = _tally(result.applied)
        super().__init__(
            f"Medusa failed terminally during step '{step}'; the apply stopped: {cause}\n"
            f"  applied: {applied}\n"
            f"  failed (each may or may not have been applied): {len(result.failures)}\n"
            f"  not applied: {_tally(not_applied)}",
            hint="when Medusa is back, run the same command again: it re-reads the store and completes what is missing",
        )
        self.step = step
        self.result = result
        self.not_applied = not_applied

    def accounting(self) -> dict[str, Any]:
        """For the run log: the step, and exactly what was and was not applied."""
        return {
            "step": self.step,
            "applied": dict(sorted(self.result.applied.items())),
            "failed": [vars(failure) for failure in self.result.failures],
            "not_applied": dict(sorted(self.not_applied.items())),
            "reserved_guards": [vars(guard) for guard in self.result.guarded],
        }


def _lowers(change: LevelCreate | LevelUpdate) -> bool:
    return any(
        f.field == "stocked_quantity" and isinstance(f.before, int) and isinstance(f.after, int) and f.after < f.before
        for f in change.fields
    )


def _stocked_set(change: LevelUpdate, stocked: int) -> LevelUpdate:
    """`change` as written with `stocked` instead (its field change and base follow)."""
    fields = [
        f.model_copy(update={"after": stocked}) if f.field == "stocked_quantity" else f for f in change.fields
    ]
    if not any(f.field == "stocked_quantity" for f in fields):
        fields.append(FieldChange(field="stocked_quantity", before=None, after=stocked))
    base = change.base.model_copy(update={"stocked": stocked}) if change.base is not None else None
    return change.model_copy(update={"stocked": stocked, "fields": fields, "base": base})


def _tally(counts: Counter[str]) -> str:
    return ", ".join(f"{n} {key}" for key, n in sorted(counts.items()) if n) or "nothing"


def apply_plan(
    client,
    plan: Plan,
    known: StoreIds,
    *,
    concurrency: int = 8,
    progress: Progress | None = None,
    reserved_watch: ReservedWatch | None = None,
    items_settled: Callable[[StoreIds], None] | None = None,
) -> ApplyResult:
    """Apply `plan`; `known` holds the ids of what the store already has, `reserved_watch` the
    reservations changed since it was read (both from its snapshot). `items_settled` is called
    with the ids before the kit step, which changes no item's or location's id."""
    run = _Apply(client, plan, known, concurrency, progress or _Silent(), reserved_watch)
    steps = [("stock locations", run.locations), ("items", run.items), ("stock levels", run.levels),
        ("sync bases", run.bases), ("kits", run.kits)]
    for step, apply_step in steps:
        try:
            if step == "kits" and items_settled is not None:
                items_settled(run.ids.copy())
            apply_step()
        except MedusaSyncError as exc:
            if not exc.terminal:
                raise
            raise ApplyStopped(step, getattr(exc, "cause", exc), run.result, run.not_applied()) from exc
    return run.result


def _prices(price: Price | None) -> list[dict[str, Any]]:
    """Medusa takes a price amount as a JSON number."""
    return [{"currency_code": price.currency_code, "amount": float(price.amount)}] if price is not None else []


class _Apply:
    def __init__(
        self, client, plan: Plan, known: StoreIds, concurrency: int, progress: Progress, reserved_watch: ReservedWatch | None
    ) -> None:
        self.client = client
        self.reserved_check = SharedCheck(reserved_watch, client) if reserved_watch is not None else None
        self.plan = plan
        self.concurrency = concurrency
        self.progress = progress
        self.result = ApplyResult(ids=known.copy())
        self.ids = self.result.ids
        self.written_levels: list[LevelCreate | LevelUpdate] = []

    def _run(self, name: str, changes: list[_C], write: Callable[[_C], None]) -> None:
        """Run `write` over the changes with bounded concurrency; failures are collected."""
        if not changes:
            return
        advance = self.progress.step(name, len(changes))
        done = 0
        stop: MedusaSyncError | None = None
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            futures = {pool.submit(write, change): change for change in changes}
            for future in as_completed(futures):
                change = futures[future]
                if future.cancelled():
                    continue
                try:
                    future.result()
                    self.result.applied[f"{change.kind}.{change.action}"] += 1
                    self.result.written.append(change)
                except MedusaSyncError as exc:
                    if not isinstance(exc, CircuitOpenError):  # that one was never sent
                        self.result.failures.append(ApplyFailure(change.kind, change.key, str(exc)))
                    if exc.terminal and stop is None:
                        stop = exc
                        for other in futures:
                            other.cancel()
                done += 1
                advance(done)
        if stop is not None:
            raise stop

    def not_applied(self) -> Counter[str]:
        """Planned writes neither applied nor failed, by "kind.action": never sent."""
        action_of = {(change.kind, change.key): change.action for change in self.plan.changes}
        settled = Counter(self.result.applied)
        for failure in self.result.failures:
            settled[f"{failure.kind}.{action_of.get((failure.kind, failure.key))}"] += 1
        planned = Counter(
            f"{change.kind}.{change.action}" for change in self.plan.changes if change.action in ("create", "update")
        )
        return +(planned - settled)

    def location_id(self, name: str) -> str:
        location_id = self.ids.locations.get(name)
        if location_id is None:
            raise MedusaSyncError(f"stock location {name!r} does not exist (its creation failed)")
        return location_id

    def item_id(self, sku: str) -> str:
        item_id = self.ids.items.get(sku)
        if item_id is None:
            raise MedusaSyncError(f"inventory item {sku} does not exist (its creation failed)")
        return item_id

    # -- steps -----------------------------------------------------------------------------

    def locations(self) -> None:
        def create(change: LocationCreate) -> None:
            created = self.client.stock_locations.find_or_create(change.name, metadata=change.metadata)
            self.ids.locations[change.name] = created["id"]
            if change.sales_channels:
                self.client.stock_locations.add_sales_channels(created["id"], change.sales_channels)

        def update(change: LocationUpdate) -> None:
            self.client.stock_locations.add_sales_channels(change.location_id, change.add_sales_channels)

        self._run("stock locations", self.plan.writes("location", "create"), create)
        self._run("update stock locations", self.plan.writes("location", "update"), update)

    def items(self) -> None:
        with_item: dict[str, list[LevelCreate]] = {}
        for level in self.plan.writes("level", "create"):
            if level.with_item:
                with_item.setdefault(level.sku, []).append(level)

        def body(change: ItemCreate) -> dict[str, Any]:
            item = {key: value for key, value in change.item.model_dump().items() if value is not None}
            levels = [(level.location_id or self.location_id(level.location), level) for level in with_item.get(change.sku, [])]
            item["location_levels"] = [
                {"location_id": location_id, "stocked_quantity": level.stocked, "incoming_quantity": level.incoming}
                for location_id, level in levels
            ]
            item["metadata"] = {
                **item["metadata"],
                **{base_key(location_id): base_value(level.stocked, level.incoming) for location_id, level in levels},
            }
            return item

        def create(change: ItemCreate) -> None:
            self.ids.items[change.sku] = self.client.inventory_items.create(body(change), fields=ID_ONLY)["id"]

        def update(change: ItemUpdate) -> None:
            item = dict(change.set)
            if change.metadata is not None:
                item["metadata"] = change.metadata
            self.client.inventory_items.update(change.item_id, item, fields=ID_ONLY)

        items = self.client.inventory_items
        creates: list[ItemCreate] = self.plan.writes("item", "create")
        try:
            route = _BatchRoute(items.create_batches, items.create_many, LEVEL_CHUNKS_AT_ONCE, items.workflows_supported, items.learning)
            self._create("create items", creates, create, body, route, self.ids.items)
            self._run("update items", self.plan.writes("item", "update"), update)
        finally:  # the levels created with their items, also when the step stops
            created_with_items = [level for sku, levels in with_item.items() if sku in self.ids.items for level in levels]
            if created_with_items:
                self.result.applied["level.create"] += len(created_with_items)
                self.result.written += created_with_items

    def levels(self) -> None:
        """Level creates (for existing items) and updates, through the cross-item batch: each
        batch request is all-or-nothing, so a failed one fails exactly its levels."""
        pending: dict[tuple[str, str, str], LevelCreate | LevelUpdate] = {}
        sections: dict[str, list[dict[str, Any]]] = {"create": [], "update": []}
        for action in ("create", "update"):
            for change in self.plan.writes("level", action):
                if change.action == "create" and change.with_item:
                    continue
                try:
                    entry = {
                        "inventory_item_id": change.item_id,
                        "location_id": change.location_id or self.location_id(change.location),
                        "stocked_quantity": change.stocked,
                        "incoming_quantity": change.incoming,
                    }
                except MedusaSyncError as exc:
                    self.result.failures.append(ApplyFailure("level", change.key, str(exc)))
                    continue
                sections[action].append(entry)
                pending[(action, entry["inventory_item_id"], entry["location_id"])] = change
        total = len(pending)
        if not total:
            return
        advance = self.progress.step("stock levels", total)
        chunks = split_batch(sections, max_entries=level_chunk_size(total))
        done = 0
        stop: MedusaSyncError | None = None
        with ThreadPoolExecutor(max_workers=LEVEL_CHUNKS_AT_ONCE, thread_name_prefix="medusa-levels") as pool:
            futures = [pool.submit(self._level_chunk, chunk, pending) for chunk in chunks]
            for future in futures:  # merged in order, also after a stop: a running chunk was sent
                if future.cancelled():
                    continue
                chunk = future.result()
                self.result.applied.update(chunk.applied)
                self.result.failures += chunk.failures
                self.result.guarded += chunk.guarded
                self.written_levels += chunk.written
                self.result.written += chunk.written
                done += chunk.entries
                advance(done)
                if chunk.stop is not None and stop is None:
                    stop = chunk.stop
                    for other in futures:
                        other.cancel()
        if stop is not None:
            raise stop

    def _level_chunk(self, chunk: dict[str, list[dict[str, Any]]], pending: dict) -> _LevelChunk:
        """One chunk: the lowered levels re-read and clamped, the batch sent, then repaired."""
        outcome = _LevelChunk(entries=sum(len(entries) for entries in chunk.values()))
        lowered = self._lowered(chunk, pending)
        try:
            read_at = self._clamp(lowered, pending, outcome) if lowered else None
        except MedusaSyncError as exc:  # not sent: the chunk's levels fail with the re-read
            if not isinstance(exc, CircuitOpenError):
                for action, entries in chunk.items():
                    for entry in entries:
                        change = pending[(action, entry["inventory_item_id"], entry["location_id"])]
                        outcome.failures.append(ApplyFailure("level", change.key, f"re-reading reserved before the write: {exc}"))
            outcome.stop = exc if exc.terminal else None
            return outcome
        written = True
        for batch in self.client.inventory_items.each_level_batch(**chunk):
            for action, entries in batch.body.items():
                for entry in entries:
                    change = pending[(action, entry["inventory_item_id"], entry["location_id"])]
                    if batch.error is None:
                        outcome.applied[f"level.{action}"] += 1
                        outcome.written.append(change)
                    elif not isinstance(batch.error, CircuitOpenError):  # that one was never sent
                        outcome.failures.append(ApplyFailure("level", change.key, str(batch.error)))
            if batch.error is not None:
                written = False
                if batch.error.terminal and outcome.stop is None:
                    outcome.stop = batch.error
        if read_at is not None:
            log.info("level batch: %d lowered levels written %.3f s after their re-read", len(lowered), time.monotonic() - read_at)
        if lowered and written:
            try:
                self._repair(lowered, pending, outcome)
            except MedusaSyncError as exc:
                outcome.stop = outcome.stop or exc
        return outcome

    # -- levels never below reserved ---------------------------------------------------------

    def _lowered(self, chunk: dict[str, list[dict[str, Any]]], pending: dict) -> list[dict[str, Any]]:
        """The update entries of `chunk` that lower stocked (none when the plan allows below reserved)."""
        if self.plan.options.allow_below_reserved:
            return []
        return [
            entry
            for entry in chunk.get("update", [])
            if _lowers(pending[("update", entry["inventory_item_id"], entry["location_id"])])
        ]

    def _to_reread(self, lowered: list[dict[str, Any]], *, before_write: bool) -> list[dict[str, Any]]:
        """The lowered entries whose levels are read again: each one, or with a watch those with a
        reservation changed since the store was read (any other still has the reserved the plan saw).
        `before_write`: chunks about to be sent share one check (`SharedCheck`); a check after a
        write is the chunk's own, sent once that write was answered."""
        if self.reserved_check is None:
            return lowered
        changed = self.reserved_check.changed() if before_write else self.reserved_check.watch.changed(self.client)
        return [entry for entry in lowered if (entry["inventory_item_id"], entry["location_id"]) in changed]

    def _clamp(self, lowered: list[dict[str, Any]], pending: dict, outcome: _LevelChunk) -> float:
        """Re-read the lowered levels right before the chunk is sent; raise each target to what
        is reserved now. Returns when the re-read was answered."""
        now = levels_now(self.client, (entry["inventory_item_id"] for entry in self._to_reread(lowered, before_write=True)))
        read_at = time.monotonic()
        for entry in lowered:
            level = now.get((entry["inventory_item_id"], entry["location_id"]))
            if level is not None and entry["stocked_quantity"] < level.reserved:
                key = ("update", entry["inventory_item_id"], entry["location_id"])
                change = pending[key]
                outcome.guarded.append(ReservedGuard("clamped", change.key, entry["stocked_quantity"], level.reserved))
                log.warning("%s", outcome.guarded[-1])
                entry["stocked_quantity"] = level.reserved
                pending[key] = _stocked_set(change, level.reserved)
        return read_at

    def _repair(self, lowered: list[dict[str, Any]], pending: dict, outcome: _LevelChunk) -> None:
        """After the chunk: a lowered level now below reserved is set to reserved (one batch)."""
        try:
            now = levels_now(self.client, (entry["inventory_item_id"] for entry in self._to_reread(lowered, before_write=False)))
        except MedusaSyncError as exc:
            log.error("the %d lowered levels just written could not be checked against reserved: %s", len(lowered), exc)
            if exc.terminal:
                raise
            return
        repairs = []
        for entry in lowered:
            level = now.get((entry["inventory_item_id"], entry["location_id"]))
            if level is not None and level.stocked < level.reserved:
                repairs.append((entry, level))
        if not repairs:
            return
        update = [
            {"inventory_item_id": entry["inventory_item_id"], "location_id": entry["location_id"], "stocked_quantity": level.reserved}
            for entry, level in repairs
        ]
        try:
            self.client.inventory_items.batch_levels(update=update)
        except MedusaSyncError as exc:
            for entry, level in repairs:
                change = pending[("update", entry["inventory_item_id"], entry["location_id"])]
                outcome.guarded.append(ReservedGuard("unrepaired", change.key, level.stocked, level.reserved, str(exc)))
                log.error("%s", outcome.guarded[-1])
            if exc.terminal:
                raise
            return
        for entry, level in repairs:
            key = ("update", entry["inventory_item_id"], entry["location_id"])
            change = pending[key]
            outcome.guarded.append(ReservedGuard("repaired", change.key, level.stocked, level.reserved))
            log.warning("%s", outcome.guarded[-1])
            repaired = pending[key] = _stocked_set(change, level.reserved)
            outcome.written[:] = [repaired if other is change else other for other in outcome.written]

    def bases(self) -> None:
        """Record the base of every level written from the feed (and of each drift kept over a
        changed feed) in its item's metadata, sending only the `sync_base:<location id>` keys,
        which an update merges into the item's metadata (Medusa 2.3.0 and 2.21 merge an item's
        metadata; client/metadata.py). Many items per request where the server runs its item
        update workflow for them (`each_metadata_batch`); one update per item for the items of
        a request it refused, and on a server that cannot."""
        by_item: dict[str, dict[str, Any]] = {}
        drifts: list[LevelDrift] = self.plan.writes("level", "drift")
        for change in [*self.written_levels, *drifts]:
            if change.base is None:
                continue
            location_id = change.location_id or self.ids.locations.get(change.location)
            if location_id is not None and change.item_id is not None:
                by_item.setdefault(change.item_id, {})[base_key(location_id)] = base_value(change.base.stocked, change.base.incoming)
        if not by_item:
            return
        advance = self.progress.step("sync bases", len(by_item))
        items = self.client.inventory_items
        singles = dict(sorted(by_item.items()))
        done = 0
        if len(singles) > 1 and items.metadata_batch_supported():
            for batch in items.each_metadata_batch(singles):
                if batch.error is None:
                    for item_id in batch.item_ids:
                        del singles[item_id]
                    self.result.applied["base.record"] += len(batch.item_ids)
                    done += len(batch.item_ids)
                    advance(done)
                elif batch.error.terminal:
                    self.result.failures += [ApplyFailure("base", item_id, str(batch.error)) for item_id in singles]
                    raise batch.error
                else:
                    log.warning("Medusa refused the bases of %d items in one request (%s); recording them one by one", len(batch.item_ids), batch.error)

        def update(item: tuple[str, dict[str, Any]]) -> None:
            items.update(item[0], {"metadata": item[1]}, fields=ID_ONLY)

        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            futures = {pool.submit(update, item): item for item in singles.items()}
            for future in as_completed(futures):
                try:
                    future.result()
                    self.result.applied["base.record"] += 1
                except MedusaSyncError as exc:
                    self.result.failures.append(ApplyFailure("base", futures[future][0], str(exc)))
                    if exc.terminal:
                        raise
                done += 1
                advance(done)

    def kits(self) -> None:
        def links(components: Iterable[Component]) -> list[dict[str, Any]]:
            return [
                {"inventory_item_id": self.item_id(component.sku), "required_quantity": component.required_quantity}
                for component in components
            ]

        def body(change: KitCreate) -> dict[str, Any]:
            product = {
                "title": change.title,
                "handle": change.handle,
                "status": change.status,
                "thumbnail": change.thumbnail,
                "metadata": change.metadata,
                "sales_channels": [{"id": channel_id} for channel_id in change.sales_channels] or None,
                "shipping_profile_id": change.shipping_profile_id,
                "options": [{"title": "Default", "values": ["Default"]}],
                "variants": [
                    {
                        "title": change.title,
                        "sku": change.sku,
                        "manage_inventory": True,
                        "options": {"Default": "Default"},
                        "prices": _prices(change.price),
                        "inventory_items": links(change.components),
                    }
                ],
            }
            return {key: value for key, value in product.items() if value is not None}

        def create(change: KitCreate) -> None:
            created = self.client.products.create(body(change), fields=CREATED_FIELDS)
            variant_id = next(v["id"] for v in created.get("variants", []) if v.get("sku") == change.sku)
            self.ids.kits[change.sku] = (created["id"], variant_id)

        def update(change: KitUpdate) -> None:
            product_id, variant_id = change.product_id, change.variant_id
            product: dict[str, Any] = {}
            if change.title is not None:
                product["title"] = change.title
            if change.metadata is not None:
                product["metadata"] = change.metadata
            if change.shipping_profile_id is not None:
                product["shipping_profile_id"] = change.shipping_profile_id
            if product:
                self.client.products.update(product_id, product, fields=ID_ONLY)
            if change.price is not None:
                self.client.products.update_variant(product_id, variant_id, {"prices": _prices(change.price)})
            if change.links:
                self.client.products.batch_inventory_links(
                    product_id,
                    create=[{"variant_id": variant_id, **link} for link in links(change.links.create)],
                    update=[{"variant_id": variant_id, **link} for link in links(change.links.update)],
                    delete=[{"variant_id": variant_id, "inventory_item_id": item_id} for item_id in change.links.delete],
                )
            for channel_id in change.add_sales_channels:
                self.client.sales.add_products(channel_id, [product_id])
            self.ids.kits[change.sku] = (product_id, variant_id)

        creates: list[KitCreate] = self.plan.writes("kit", "create")
        products = self.client.products
        route = _BatchRoute(_kit_batches, _created_kits(products), 1, products.batch_supported, lambda: False)
        self._create("create kits", creates, create, body, route, self.ids.kits)
        self._run("update kits", self.plan.writes("kit", "update"), update)

    def _create(
        self,
        step: str,
        creates: list[_C],
        create: Callable[[_C], None],
        body: Callable[[_C], dict[str, Any]],
        route: _BatchRoute,
        created: dict[str, Any],
    ) -> None:
        """Create `creates`: in batch requests through `route` where there are several and the
        server takes them (`_in_batches`), then what those left with `create`, one by one."""
        if len(creates) > 1 and route.supported():
            self._run(f"{step} one by one", self._in_batches(step, creates, body, route, created), create)
        else:
            self._run(step, creates, create)

    def _in_batches(
        self, step: str, creates: list[_C], body: Callable[[_C], dict[str, Any]], route: _BatchRoute, created: dict[str, Any]
    ) -> list[_C]:
        """Create `creates` in batch requests through `route`, keeping the ids of what each
        created in `created` by SKU: one alone until one succeeds with nothing left to learn (at
        most `LONE_REFUSALS` refused, `LONE_SUCCESSES` learning), then `route.at_once` in
        flight. Returns the creates to make one by one: those of a request Medusa refused (a
        batch is all or none, so one bad record must cost only itself), any missing from a
        request's result, and, once `route.supported()` turns False (the server lacks the
        route), those of every request not sent yet. A request whose answer was lost and could
        not be looked up may have been applied: its records fail (the next run sees them)."""
        advance = self.progress.step(step, len(creates))
        change_of: dict[int, _C] = {}
        bodies: list[dict[str, Any]] = []
        for change in creates:
            try:
                bodies.append(body(change))
            except MedusaSyncError as exc:  # e.g. a location or a component whose creation failed
                self.result.failures.append(ApplyFailure(change.kind, change.key, str(exc)))
                continue
            change_of[id(bodies[-1])] = change
        singles: list[_C] = []
        done = len(creates) - len(bodies)
        stop: MedusaSyncError | None = None

        def send_if_supported(batch: list[dict[str, Any]]) -> dict[str, Any] | None:
            return route.send(batch) if route.supported() else None

        with ThreadPoolExecutor(max_workers=route.at_once, thread_name_prefix="medusa-batches") as pool:

            def submit(batch: list[dict[str, Any]]) -> tuple[list[_C], Future]:
                return [change_of[id(entry)] for entry in batch], pool.submit(send_if_supported, batch)

            # One request alone until one succeeds with nothing left to learn: its answer tells
            # what the server has (the batch route, the item's unit, whether it keeps the ids
            # given), and the rest is cut again after a refusal (cutting reads every body left,
            # hence the bound on refusals).
            sent: list[tuple[list[_C], Future]] = []
            requests = route.cut(bodies)
            refused = learned = 0
            while requests:
                sent.append(submit(requests[0]))
                wait([sent[-1][1]])
                error = sent[-1][1].exception()
                requests = requests[1:]
                if error is None and route.learning():
                    learned += 1
                    if learned < LONE_SUCCESSES:
                        continue
                if error is None or getattr(error, "terminal", False) or not route.supported() or refused == LONE_REFUSALS:
                    sent += [submit(batch) for batch in requests]
                    break
                refused += 1
                requests = route.cut([entry for batch in requests for entry in batch])
            for changes, future in sent:  # in order, also after a stop: a running request was sent
                if future.cancelled():
                    continue
                try:
                    ids = future.result()
                except MedusaSyncError as exc:
                    if not (exc.terminal or isinstance(exc, AmbiguousWriteError)):
                        if route.supported():
                            log.warning("Medusa refused a batch of %d (%s): %s; creating them one by one", len(changes), step, exc)
                        singles += changes
                    elif not isinstance(exc, CircuitOpenError):  # that one was never sent
                        self.result.failures += [ApplyFailure(change.kind, change.key, str(exc)) for change in changes]
                    if exc.terminal and stop is None:
                        stop = exc
                        for _, other in sent:
                            other.cancel()
                else:
                    for change in changes:
                        if ids is None or change.sku not in ids:  # not sent (no batch route), or not created
                            singles.append(change)
                            continue
                        created[change.sku] = ids[change.sku]
                        self.result.applied[f"{change.kind}.{change.action}"] += 1
                        self.result.written.append(change)
                done += len(changes)
                advance(done)
        if stop is not None:
            raise stop
        return singles


@dataclass(frozen=True)
class _BatchRoute:
    """A route that creates many records per request, all or none: `cut` cuts their bodies into
    requests, `send` sends one and returns the ids of what it created by SKU, `at_once` requests
    go in flight, `supported()` turns False once the server has shown it lacks the route, and
    `learning()` is True while the answer of the next request still has something to tell."""

    cut: Callable[[list[dict[str, Any]]], list[list[dict[str, Any]]]]
    send: Callable[[list[dict[str, Any]]], dict[str, Any]]
    at_once: int
    supported: Callable[[], bool]
    learning: Callable[[], bool]


def _kit_batches(bodies: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Kits `KIT_BATCH_SIZE` at a time, one `POST /admin/products/batch` each."""
    return [batch["create"] for batch in split_batch({"create": bodies}, max_entries=KIT_BATCH_SIZE)]


def _created_kits(products) -> Callable[[list[dict[str, Any]]], dict[str, tuple[str, str]]]:
    """Sends a batch of kit products; returns variant SKU → (product id, variant id)."""

    def send(bodies: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
        return {
            variant.get("sku"): (product["id"], variant["id"])
            for product in products.create_batch(bodies)
            for variant in product.get("variants") or []
        }

    return send
