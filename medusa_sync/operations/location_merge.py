"""Duplicate stock locations: found when the store is read, merged only on request.

Two locations that stand for one name (same medusa-sync key, or the same name ignoring case,
accents and spacing) double the stock Medusa counts for every item stocked at both. A plan
reports them; `medusa-sync locations merge NAME` folds the newer ones into the oldest:

1. a level at the oldest location is created (empty) for every item stocked at a duplicate;
2. one all-or-nothing batch adds the duplicate's stocked and incoming onto the oldest's level
   and sets the duplicate's to 0 (a re-run adds 0: safe to repeat after an interruption);
3. reservations at the duplicate are moved to the oldest: re-made there (same item, quantity,
   line item, description, metadata + `medusa_sync_moved_from`), then deleted at the duplicate.
   Not `POST /admin/reservations/:id {location_id}`: Medusa 2.21 then raises reserved at the
   new level but never lowers it at the old one, which can then not be deleted;
4. the duplicate's levels, now empty, are deleted, then the duplicate location;
5. the store is read again and each item's stocked total checked against what it was.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from medusa_sync.client.resources.stock_locations import location_key
from medusa_sync.errors import MedusaSyncError, NotFoundError

if TYPE_CHECKING:
    from medusa_sync.client import MedusaClient

_LEVEL_FIELDS = "id,sku," + ",".join(
    f"location_levels.{name}" for name in ("id", "location_id", "stocked_quantity", "reserved_quantity", "incoming_quantity")
)

_RESERVATION_FIELDS = "id,location_id,inventory_item_id,quantity,line_item_id,description,metadata"
MOVED_FROM = "medusa_sync_moved_from"


def warning(duplicates: dict[str, list[str]]) -> list[str]:
    """What a plan says about duplicates: one line per name."""
    return [
        f"DUPLICATE STOCK LOCATIONS: {len(ids)} locations are {name!r} ({', '.join(ids)}); Medusa counts the stock "
        f"of each, so availability is overstated. Merge them: medusa-sync locations merge {name!r}"
        for name, ids in sorted(duplicates.items())
    ]


@dataclass(frozen=True)
class MovedLevel:
    sku: str
    item_id: str
    level_id: str
    stocked: int
    incoming: int
    reserved: int


@dataclass
class MergePlan:
    name: str
    kept: dict[str, Any]
    duplicates: list[dict[str, Any]]
    levels: dict[str, list[MovedLevel]] = field(default_factory=dict)  # by duplicate id
    reservations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by duplicate id
    stocked_before: dict[str, int] = field(default_factory=dict)  # by item id: over the merged locations

    def record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kept": self.kept["id"],
            "duplicates": [
                {
                    "id": dup["id"],
                    "levels": [vars(level) for level in self.levels[dup["id"]]],
                    "reservations": [row["id"] for row in self.reservations[dup["id"]]],
                }
                for dup in self.duplicates
            ],
        }


def _quantity(value: Any) -> int:
    return int(value or 0)


def plan_merge(client: MedusaClient, name: str) -> MergePlan:
    rows = client.stock_locations.keyed(location_key(name))
    if not rows:
        raise NotFoundError(f"no stock location {name!r}")
    plan = MergePlan(name=rows[0]["name"], kept=rows[0], duplicates=rows[1:])
    merged_ids = {row["id"] for row in rows}
    for dup in plan.duplicates:
        holders = [row["id"] for row in client.inventory_items.iter(fields="id", **{"location_levels.location_id": dup["id"]})]
        items = client.inventory_items.list_by_ids(holders, fields=_LEVEL_FIELDS) if holders else []
        plan.levels[dup["id"]] = []
        for item in sorted(items, key=lambda row: row.get("sku") or row["id"]):
            levels = item.get("location_levels") or []
            plan.stocked_before[item["id"]] = sum(
                _quantity(level["stocked_quantity"]) for level in levels if level["location_id"] in merged_ids
            )
            for level in levels:
                if level["location_id"] == dup["id"]:
                    plan.levels[dup["id"]].append(
                        MovedLevel(
                            sku=item.get("sku") or "",
                            item_id=item["id"],
                            level_id=level["id"],
                            stocked=_quantity(level["stocked_quantity"]),
                            incoming=_quantity(level["incoming_quantity"]),
                            reserved=_quantity(level["reserved_quantity"]),
                        )
                    )
        plan.reservations[dup["id"]] = list(client.reservations.iter(fields=_RESERVATION_FIELDS, location_id=dup["id"]))
    return plan


def merge(client: MedusaClient, plan: MergePlan) -> dict[str, int]:
    """Fold every duplicate into the kept location (see the module docstring); returns counts."""
    kept_id = plan.kept["id"]
    counts: dict[str, int] = defaultdict(int)
    for dup in plan.duplicates:
        moved = plan.levels[dup["id"]]
        current = _kept_levels(client, [level.item_id for level in moved], kept_id)
        missing = [level for level in moved if level.item_id not in current]
        if missing:
            client.inventory_items.batch_levels(
                create=[{"inventory_item_id": level.item_id, "location_id": kept_id, "stocked_quantity": 0} for level in missing]
            )
            current = _kept_levels(client, [level.item_id for level in moved], kept_id)
        client.inventory_items.batch_levels(
            update=[
                entry
                for level in moved
                for entry in (
                    {
                        "inventory_item_id": level.item_id,
                        "location_id": kept_id,
                        "stocked_quantity": current[level.item_id]["stocked"] + level.stocked,
                        "incoming_quantity": current[level.item_id]["incoming"] + level.incoming,
                    },
                    {"inventory_item_id": level.item_id, "location_id": dup["id"], "stocked_quantity": 0, "incoming_quantity": 0},
                )
            ]
        )
        counts["levels moved"] += len(moved)
        for reservation in plan.reservations[dup["id"]]:
            _move_reservation(client, reservation, kept_id)
            counts["reservations moved"] += 1
        if moved:
            client.inventory_items.batch_levels(delete=[level.level_id for level in moved])
        client.stock_locations.delete(dup["id"])
        counts["locations deleted"] += 1
    _verify(client, plan)
    return dict(counts)


def _move_reservation(client: MedusaClient, reservation: dict[str, Any], kept_id: str) -> None:
    """Re-make the reservation at the kept location (unless an interrupted run already did), then
    delete it at the duplicate."""
    moved = [
        row
        for row in client.reservations.iter(
            fields=_RESERVATION_FIELDS, location_id=kept_id, inventory_item_id=reservation["inventory_item_id"]
        )
        if (row.get("metadata") or {}).get(MOVED_FROM) == reservation["id"]
    ]
    if not moved:
        client.reservations.create(
            kept_id,
            reservation["inventory_item_id"],
            int(reservation["quantity"]),
            line_item_id=reservation.get("line_item_id"),
            description=reservation.get("description"),
            metadata={**(reservation.get("metadata") or {}), MOVED_FROM: reservation["id"]},
        )
    client.reservations.delete(reservation["id"])


def _kept_levels(client: MedusaClient, item_ids: list[str], kept_id: str) -> dict[str, dict[str, int]]:
    """Stocked and incoming at the kept location, read just before writing, by item id."""
    levels: dict[str, dict[str, int]] = {}
    for item in client.inventory_items.list_by_ids(item_ids, fields=_LEVEL_FIELDS) if item_ids else []:
        for level in item.get("location_levels") or []:
            if level["location_id"] == kept_id:
                levels[item["id"]] = {
                    "stocked": _quantity(level["stocked_quantity"]),
                    "incoming": _quantity(level["incoming_quantity"]),
                }
    return levels


def _verify(client: MedusaClient, plan: MergePlan) -> None:
    after = _kept_levels(client, list(plan.stocked_before), plan.kept["id"])
    wrong = [
        f"{item_id}: {before} before, {after.get(item_id, {}).get('stocked')} after"
        for item_id, before in sorted(plan.stocked_before.items())
        if after.get(item_id, {}).get("stocked") != before
    ]
    if wrong:
        raise MedusaSyncError(
            "after the merge, the stock at the kept location differs from what the locations held: " + "; ".join(wrong),
            hint="someone else changed stock meanwhile (an order, the admin UI); check these items",
        )
