"""Inventory items with their levels as stock operations and reports read them (by SKU or by
id), and the one stock write."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from medusa_sync.errors import NotFoundError
from medusa_sync.client import list_field

from .rows import LEVEL_FIELDS, ActualLevel, levels_of
from .suggest import did_you_mean, similar_skus

if TYPE_CHECKING:
    from medusa_sync.client import MedusaClient

STOCK_ITEM_FIELDS = ("id", "sku", "title", "metadata", *LEVEL_FIELDS)
"""What a stock operation or report reads of an inventory item: its name and its levels."""


@dataclass(frozen=True)
class StockItem:
    id: str
    sku: str
    title: str
    metadata: dict[str, Any]
    levels: dict[str, ActualLevel]  # by location id
    variant_ids: tuple[str, ...] = ()

    def level(self, location_id: str) -> ActualLevel | None:
        return self.levels.get(location_id)

    def available(self, location_ids: Iterable[str] | None = None) -> int:
        """Σ (stocked − reserved) over the levels at `location_ids` (every level when None)."""
        if location_ids is None:
            return sum(level.available for level in self.levels.values())
        return sum(self.levels[i].available for i in set(location_ids) if i in self.levels)


def numbers(level: ActualLevel | None) -> dict[str, int]:
    """A level's quantities as the audit log records them and refusals give them (none: zeros)."""
    if level is None:
        return {"stocked": 0, "reserved": 0, "available": 0}
    return {"stocked": level.stocked, "reserved": level.reserved, "available": level.available}


def item_from_row(row: Mapping[str, Any]) -> StockItem:
    return StockItem(
        id=row["id"],
        sku=row.get("sku") or "",
        title=row.get("title") or "",
        metadata=row.get("metadata") or {},
        levels=levels_of(row),
        variant_ids=tuple(sorted(variant["id"] for variant in list_field(row, "variants"))),
    )


def find_item(client: MedusaClient, sku: str) -> StockItem | None:
    rows = client.inventory_items.list_by_skus([sku], fields=STOCK_ITEM_FIELDS)
    return item_from_row(rows[0]) if rows else None


def item_by_sku(client: MedusaClient, sku: str) -> StockItem:
    """The item with this SKU; NotFoundError, with the closest SKUs as a hint, when there is none."""
    item = find_item(client, sku)
    if item is None:
        raise NotFoundError(f"no inventory item with SKU {sku!r}", hint=did_you_mean(similar_skus(client, sku)))
    return item


def item_by_id(client: MedusaClient, item_id: str) -> StockItem:
    return item_from_row(client.inventory_items.retrieve(item_id, fields=STOCK_ITEM_FIELDS))


def items_by_ids(client: MedusaClient, item_ids: Iterable[str], *, with_variants: bool = False) -> dict[str, StockItem]:
    """Items by id; deleted or unknown ids are absent. `with_variants` adds the linked variants' ids."""
    ids = sorted(set(item_ids))
    if not ids:
        return {}
    fields = (*STOCK_ITEM_FIELDS, "variants.id") if with_variants else STOCK_ITEM_FIELDS
    return {row["id"]: item_from_row(row) for row in client.inventory_items.list_by_ids(ids, fields=fields)}


LEVEL_QUANTITY_FIELDS = ("id", "location_levels.location_id", "location_levels.stocked_quantity", "location_levels.reserved_quantity")
"""What a re-read of levels right before (or after) a write needs: stocked and reserved."""


def levels_now(client: MedusaClient, item_ids: Iterable[str]) -> dict[tuple[str, str], ActualLevel]:
    """The levels of these items as the store holds them now, by (item id, location id): one
    list request per ~170 ids (the client's URL budget), on every supported release."""
    rows = client.inventory_items.list_by_ids(sorted(set(item_ids)), fields=LEVEL_QUANTITY_FIELDS)
    return {(row["id"], location_id): level for row in rows for location_id, level in levels_of(row).items()}


def all_items(client: MedusaClient) -> list[StockItem]:
    return [item_from_row(row) for row in client.inventory_items.iter(fields=STOCK_ITEM_FIELDS)]


def write_stocked(client: MedusaClient, item: StockItem, location_id: str, stocked: int) -> None:
    """Set the absolute stocked quantity at a location, creating the level when `item` has none."""
    if item.level(location_id) is None:
        client.inventory_items.create_level(item.id, location_id, stocked_quantity=stocked)
    else:
        client.inventory_items.update_level(item.id, location_id, stocked_quantity=stocked)
