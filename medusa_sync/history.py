"""Run history: what each write-run changed (read back from the run log) and how to take it back.

Every write-run (import, apply, sync, undo) ends with an `end` (or `error`) event whose `writes`
list holds each write the store acknowledged, with its ids and its fields before → after. `undo`
turns those into a plan that writes the before-values back, field by field, only where the store
still holds the run's after-value; a field changed since is a conflict and is left alone.

Creates are not deleted: deleting an item or a kit loses its reservations, orders' links and
audit trail, and Medusa refuses or cascades unpredictably. Undoing a level create sets the
level's quantities to 0 (the item stays, with nothing to sell); item, location and kit creates
are listed as kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from medusa_sync.errors import NotFoundError
from medusa_sync.plan import (
    Component,
    FieldChange,
    ItemUpdate,
    KitUpdate,
    LevelUpdate,
    LinkEdits,
    Plan,
    PlanOptions,
    Price,
    StoreIds,
)
from medusa_sync.plan.desired import money
from medusa_sync.runlog import previous_part, read_records
from medusa_sync.store import StoreSnapshot

LEVEL_FIELDS = ("stocked_quantity", "incoming_quantity")


def write_record(change: Any, ids: StoreIds) -> dict[str, Any]:
    """One acknowledged write as the run log keeps it: ids resolved, fields before → after."""
    record: dict[str, Any] = {"kind": change.kind, "action": change.action, "key": change.key}
    fields = [item.model_dump(mode="json") for item in change.fields]
    if change.kind == "level":
        record |= {
            "sku": change.sku,
            "location": change.location,
            "item_id": change.item_id or ids.items.get(change.sku),
            "location_id": change.location_id or ids.locations.get(change.location),
        }
        if change.action == "create":
            fields = [
                {"field": "stocked_quantity", "before": None, "after": change.stocked, "removed": False},
                {"field": "incoming_quantity", "before": None, "after": change.incoming, "removed": False},
            ]
    elif change.kind == "item":
        record |= {"sku": change.sku, "item_id": getattr(change, "item_id", None) or ids.items.get(change.sku)}
    elif change.kind == "kit":
        product_id, variant_id = ids.kits.get(change.sku, (None, None))
        record |= {
            "sku": change.sku,
            "product_id": getattr(change, "product_id", None) or product_id,
            "variant_id": getattr(change, "variant_id", None) or variant_id,
        }
    record["fields"] = fields
    return record


@dataclass
class Run:
    """One run as the run log tells it."""

    id: str
    started: str | None = None
    command: str | None = None
    store: str | None = None  # its URL, without credentials
    result: str = "running"  # ok | refused | failed | running (no end: killed or still going)
    counts: dict[str, int] = field(default_factory=dict)  # applied, by "kind.action"
    feed_digests: dict[str, str] = field(default_factory=dict)
    undoes: str | None = None
    error: str | None = None
    write_count: int = 0
    writes: list[dict[str, Any]] = field(default_factory=list)  # read for the run asked for only (`read_runs`)

    def summary(self) -> dict[str, Any]:
        return {
            "run": self.id,
            "started": self.started,
            "command": self.command,
            "result": self.result,
            "counts": self.counts,
            "writes": self.write_count,
            "feed_digests": self.feed_digests,
            **({"undoes": self.undoes} if self.undoes else {}),
            **({"error": self.error} if self.error else {}),
        }


def read_runs(path: Path, writes_of: str | None = None) -> list[Run]:
    """The runs in the run log and its previous part (see `RunLog`), oldest first, with the
    writes of run `writes_of` only: a line at a time, so that a log of hundreds of megabytes
    (a 50k-item import logs ~29 MB) is read in the memory of its largest line. A line that is
    not JSON is skipped."""
    runs: dict[str, Run] = {}
    for part in (previous_part(path), path):
        for event in read_records(part):
            if "run" in event:
                _read_event(runs.setdefault(event["run"], Run(id=event["run"])), event, writes_of)
    return list(runs.values())


def _read_event(run: Run, event: dict[str, Any], writes_of: str | None) -> None:
    kind = event.get("event")
    if kind == "start":
        run.started = event.get("time")
        run.command = event.get("command", "sync")  # run logs before run ids for every command: sync only
        run.undoes = event.get("undoes")
        run.store = event.get("store")
        run.feed_digests = event.get("feed_digests") or {}
    elif kind == "plan":
        run.feed_digests = event.get("feed_digests") or {}
    elif kind in ("end", "error"):
        run.counts = event.get("applied") or {}
        writes = event.get("writes") or []
        run.write_count = len(writes)
        run.writes = writes if run.id == writes_of else []
        if kind == "end":
            run.result = "failed" if event.get("errors") else "ok"
        else:
            run.result = "refused" if event.get("error") == "GuardError" else "failed"
            run.error = event.get("message")


def find_run(path: Path, run_id: str) -> Run:
    for run in read_runs(path, writes_of=run_id):
        if run.id == run_id:
            return run
    raise NotFoundError(
        f"no run {run_id!r} in the run log {path} or its previous part",
        hint="list the runs: medusa-sync runs (older parts are dropped past MEDUSA_SYNC_RUN_LOG_MAX_MB)",
    )


@dataclass
class UndoPlan:
    plan: Plan
    conflicts: list[str]
    """What the run wrote that has changed since: "<key> <field>: wrote X, store now holds Y"."""
    kept: list[str]
    """Creates that undo does not delete."""


def plan_undo(run: Run, snapshot: StoreSnapshot) -> UndoPlan:
    """The writes that take `run` back, against the store as it is now (`snapshot`)."""
    conflicts: list[str] = []
    kept: list[str] = []
    changes: list[Any] = []
    items_by_id = {item.id: item for item in snapshot.items.values()}
    kits_by_product = {kit.product_id: kit for kit in snapshot.kits.values()}

    def revert(key: str, recorded: list[dict[str, Any]], current: dict[str, Any]) -> list[FieldChange]:
        """The fields to write back: those whose current value is still the run's after-value."""
        back = []
        for entry in recorded:
            name = entry["field"]
            now = current.get(name)
            if now != entry["after"]:
                conflicts.append(f"{key} {name}: the run wrote {_shown(entry['after'])}, the store now holds {_shown(now)}")
            elif entry["before"] != entry["after"]:
                back.append(FieldChange(field=name, before=now, after=entry["before"], removed=entry["before"] is None))
        return back

    for write in reversed(run.writes):  # last write first
        key, kind, action = write["key"], write["kind"], write["action"]
        if kind == "level":
            item = items_by_id.get(write.get("item_id"))
            level = item.levels.get(write.get("location_id")) if item else None
            if level is None:
                conflicts.append(f"{key}: the level no longer exists")
                continue
            current = {"stocked_quantity": level.stocked, "incoming_quantity": level.incoming}
            recorded = [
                {**entry, "before": entry["before"] if entry["before"] is not None else 0} for entry in write["fields"]
            ]  # a created level goes back to 0 (it is not deleted)
            back = revert(key, recorded, current)
            if back:
                target = {**current, **{change.field: change.after for change in back}}
                changes.append(
                    LevelUpdate(
                        sku=write["sku"],
                        location=write["location"],
                        location_id=write["location_id"],
                        item_id=item.id,
                        stocked=target["stocked_quantity"],
                        incoming=target["incoming_quantity"],
                        fields=back,
                        note=f"undo of {run.id}",
                    )
                )
        elif kind == "item" and action == "update":
            item = items_by_id.get(write.get("item_id"))
            if item is None:
                conflicts.append(f"{key}: the item no longer exists")
                continue
            current = {**item.fields, **{f"metadata.{name}": value for name, value in item.metadata.items()}}
            back = revert(key, write["fields"], current)
            if back:
                metadata_back = {c.field.removeprefix("metadata."): c.after for c in back if c.field.startswith("metadata.")}
                changes.append(
                    ItemUpdate(
                        sku=write["sku"],
                        item_id=item.id,
                        set={c.field: c.after for c in back if not c.field.startswith("metadata.")},
                        metadata=_metadata_write(item.metadata, metadata_back) if metadata_back else None,
                        fields=back,
                        note=f"undo of {run.id}",
                    )
                )
        elif kind == "kit" and action == "update":
            kit = kits_by_product.get(write.get("product_id"))
            if kit is None:
                conflicts.append(f"{key}: the kit no longer exists")
                continue
            sku_of_item = {item.id: item.sku for item in snapshot.items.values()}
            current: dict[str, Any] = {
                "title": kit.title,
                **{f"metadata.{name}": value for name, value in kit.metadata.items()},
                **{f"price.{code}": money(amount) for code, amount in kit.prices.items()},
                **{f"component.{sku_of_item.get(item_id, item_id)}": n for item_id, n in kit.links.items()},
            }
            back = revert(key, write["fields"], current)
            if back:
                changes.append(_kit_undo(write, kit, back, snapshot, run.id))
        else:
            kept.append(f"{kind} {key} (created by the run; undo does not delete)")
    plan = Plan(
        store=snapshot.url,
        fingerprint=snapshot.fingerprint(),
        options=PlanOptions(),
        feed_digests={},
        changes=changes,
    )
    return UndoPlan(plan=plan, conflicts=conflicts, kept=kept)


def _kit_undo(write: dict[str, Any], kit: Any, back: list[FieldChange], snapshot: StoreSnapshot, run_id: str) -> KitUpdate:
    by_field = {change.field: change.after for change in back}
    metadata_back = {name.removeprefix("metadata."): value for name, value in by_field.items() if name.startswith("metadata.")}
    price = next(
        (Price(currency_code=name.removeprefix("price."), amount=Decimal(value)) for name, value in by_field.items()
         if name.startswith("price.") and value is not None),
        None,
    )
    links = LinkEdits()
    for name, quantity in by_field.items():
        if not name.startswith("component."):
            continue
        sku = name.removeprefix("component.")
        item = snapshot.items.get(sku)
        item_id = item.id if item else sku
        if quantity is None:
            links.delete.append(item_id)
        elif item_id in kit.links:
            links.update.append(Component(sku=sku, required_quantity=quantity))
        else:
            links.create.append(Component(sku=sku, required_quantity=quantity))
    return KitUpdate(
        sku=write["sku"],
        product_id=kit.product_id,
        variant_id=kit.variant_id,
        title=by_field.get("title"),
        metadata=_metadata_write(kit.metadata, metadata_back) if metadata_back else None,
        price=price,
        links=links,
        fields=back,
        note=f"undo of {run_id}",
    )


def _metadata_write(current: dict[str, Any], back: dict[str, Any]) -> dict[str, Any]:
    """The whole metadata to write: `current` with `back` applied; a key to delete is sent as ""."""
    return {**current, **{name: "" if value is None else value for name, value in back.items()}}


def _shown(value: Any) -> str:
    return "nothing" if value is None else str(value)
