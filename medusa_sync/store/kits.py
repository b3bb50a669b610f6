"""Kits as stock operations and reports read them: product variants linked to inventory items
with a required quantity each, and how many of a kit its components' stock makes."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from medusa_sync.client import list_field, number_field

from .items import StockItem
from .locations import Locations

if TYPE_CHECKING:
    from medusa_sync.client import MedusaClient

KIT_VARIANT_FIELDS = "id,sku,title,inventory_items.inventory_item_id,inventory_items.required_quantity"


@dataclass(frozen=True)
class LocationStock:
    location_id: str
    location: str
    stocked: int
    reserved: int
    available: int


@dataclass(frozen=True)
class Component:
    sku: str
    title: str
    item_id: str
    required: Decimal
    available: int
    kits: int
    locations: list[LocationStock]


@dataclass(frozen=True)
class StockKit:
    variant_id: str
    sku: str
    title: str
    components: dict[str, Decimal] = field(default_factory=dict)  # item id → required per kit

    @property
    def is_kit(self) -> bool:
        """Several components: a kit, not a plain variant with its own item."""
        return len(self.components) > 1


def kit_from_row(row: Mapping[str, Any]) -> StockKit:
    """Links with a required quantity ≤ 0 (Medusa accepts them) take nothing, so they are left out."""
    required = {
        link["inventory_item_id"]: number_field(link, "required_quantity", default=1)
        for link in list_field(row, "inventory_items")
        if link.get("inventory_item_id")
    }
    return StockKit(
        variant_id=row["id"],
        sku=row.get("sku") or "",
        title=row.get("title") or "",
        components={item_id: amount for item_id, amount in required.items() if amount > 0},
    )


def kit_by_sku(client: MedusaClient, sku: str) -> StockKit | None:
    """The variant with this SKU when it is linked to at least one inventory item."""
    kits = [kit_from_row(row) for row in client.product_variants.list_by_skus([sku], fields=KIT_VARIANT_FIELDS)]
    return next((kit for kit in kits if kit.components), None)


def kits_by_variant_ids(client: MedusaClient, variant_ids: Iterable[str]) -> list[StockKit]:
    """The kits among these variants, in SKU order."""
    ids = sorted(set(variant_ids))
    rows = client.product_variants.list_by_ids(ids, fields=KIT_VARIANT_FIELDS) if ids else []
    return sorted((kit for kit in map(kit_from_row, rows) if kit.is_kit), key=lambda kit: (kit.sku, kit.variant_id))


def buildable(available: int, required: Decimal) -> int:
    """How many kits `available` units of a component make when each kit takes `required` (> 0)."""
    return math.floor(Decimal(available) / required) if available > 0 else 0


def kit_components(kit: StockKit, items: Mapping[str, StockItem], chosen: Iterable[str], known: Locations) -> list[Component]:
    """The kit's components counted at the `chosen` locations, the limiting one first."""
    chosen = list(chosen)
    components = (_component(item_id, required, items.get(item_id), chosen, known) for item_id, required in kit.components.items())
    return sorted(components, key=lambda component: (component.kits, component.sku))


def stock_at(item: StockItem, chosen: list[str], known: Locations) -> list[LocationStock]:
    """The item's levels at the `chosen` locations that it has."""
    return [
        LocationStock(location_id, known.name(location_id), level.stocked, level.reserved, level.available)
        for location_id in chosen
        if (level := item.level(location_id)) is not None
    ]


def _component(
    item_id: str, required: Decimal, item: StockItem | None, chosen: list[str], known: Locations
) -> Component:
    """A component of a kit; a link to an item that no longer exists counts as none available."""
    if item is None:
        return Component(item_id, "(missing item)", item_id, required, 0, 0, [])
    available = item.available(chosen)
    return Component(item.sku, item.title, item_id, required, available, buildable(available, required), stock_at(item, chosen, known))
