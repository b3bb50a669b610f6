"""`availability SKU`: how much of an item, or how many of a kit, can be confirmed now.

Item: available = Σ (stocked − reserved) over the chosen locations (every location by default).
Kit (a variant SKU linked to inventory items): kits = min over components of
floor(available / required per kit), pooled over the chosen locations like Medusa's own
`inventory_quantity`; the component giving the minimum is the limiting one (ties: first SKU).
The CLI exits 0 when `quantity` can be confirmed and 1 when it cannot.

Each answer also lists the reservations held at the chosen locations, each with its holder (an
order: its number, states and the SKU ordered; manual; orphaned), so "why is it short" is told.

Requests: GET locations · GET item by SKU; for a kit also GET variant by SKU · GET components by
id; then GET reservations per item (a kit: per component) · GET orders (trimmed, only when a
reservation has an order line item). An unknown SKU adds the searches of its "did you mean"
(store.suggest): at most 2 × 4 one-page searches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from medusa_sync.errors import NotFoundError, UsageError
from medusa_sync.store import (
    Component,
    Locations,
    LocationStock,
    Reserved,
    StockContext,
    StockItem,
    did_you_mean,
    find_item,
    items_by_ids,
    kit_by_sku,
    kit_components,
    order_lines,
    read_reservations,
    similar_skus,
    stock_at,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from medusa_sync.client import MedusaClient


@dataclass
class Availability:
    sku: str
    kind: str  # "item" or "kit"
    title: str
    quantity: int
    available: int  # units of the item, or kits that can be built
    locations: list[str]  # the names of the locations counted
    every_location: bool  # no --location: all of them
    by_location: list[LocationStock] = field(default_factory=list)  # item
    components: list[Component] = field(default_factory=list)  # kit
    limiting: Component | None = None  # kit
    reservations: list[Reserved] = field(default_factory=list)  # held at the chosen locations, by SKU, location

    @property
    def confirmed(self) -> bool:
        return self.available >= self.quantity


def check_availability(
    client: MedusaClient, sku: str, *, quantity: int = 1, locations: Sequence[str] = ()
) -> Availability:
    if quantity <= 0:
        raise UsageError(f"--quantity must be a positive whole number, got {quantity}")
    known = Locations.read(client)
    chosen = sorted({known.resolve(reference) for reference in locations} if locations else known.names, key=known.name)
    names = [known.name(location_id) for location_id in chosen]
    item = find_item(client, sku)
    if item is not None:
        return Availability(
            sku,
            "item",
            item.title,
            quantity,
            item.available(chosen),
            names,
            not locations,
            by_location=stock_at(item, chosen, known),
            reservations=_held(client, known, {item.id: item}, chosen),
        )
    kit = kit_by_sku(client, sku)
    if kit is None:
        raise NotFoundError(
            f"no inventory item or kit with SKU {sku!r}", hint=did_you_mean(similar_skus(client, sku, kits=True))
        )
    items = items_by_ids(client, kit.components)
    components = kit_components(kit, items, chosen, known)
    return Availability(
        sku,
        "kit",
        kit.title,
        quantity,
        components[0].kits,
        names,
        not locations,
        components=sorted(components, key=lambda component: component.sku),
        limiting=components[0],
        reservations=_held(client, known, items, chosen),
    )


def _held(client: MedusaClient, locations: Locations, items: dict[str, StockItem], chosen: list[str]) -> list[Reserved]:
    """The reservations of these items at the chosen locations, classified."""
    rows = [row for item_id in sorted(items) for row in read_reservations(client, inventory_item_id=item_id) if row["location_id"] in chosen]
    context = StockContext(locations, items, order_lines(client, (row.get("line_item_id") for row in rows)))
    return sorted(map(context.describe, rows), key=lambda r: (r.sku, r.location, r.id))
