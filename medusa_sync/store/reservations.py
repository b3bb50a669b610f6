"""Reservations with the names people need (SKU, title, location), read in list calls."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .items import StockItem, items_by_ids
from .locations import Locations
from .orders import MANUAL, ORPHANED, OrderLine, classify, order_lines
from .rows import quantity

if TYPE_CHECKING:
    from medusa_sync.client import MedusaClient

FULFILL_MARKER = "medusa_sync_fulfill"
"""Reservation metadata key of a fulfilment in progress (see medusa_sync.operations.fulfilment)."""


@dataclass(frozen=True)
class Reserved:
    id: str
    item_id: str
    sku: str
    title: str
    location_id: str
    location: str
    quantity: int
    line_item_id: str | None
    description: str | None
    created_at: datetime | None
    metadata: dict[str, Any]
    kind: str = MANUAL  # ORDER, MANUAL or ORPHANED (medusa_sync.store.orders)
    order: OrderLine | None = None

    @property
    def whose(self) -> str:
        """Who holds it, in words: "order #12 (pending, not_fulfilled, fotus_kits_KP02)", "manual", …"""
        if self.order is None:
            return "manual" if self.kind == MANUAL else "orphaned: its order is gone"
        order = f"order {self.order.number} ({self.order.status}, {self.order.fulfillment_status}, {self.order.sku})"
        return order if self.kind != ORPHANED else f"orphaned: {order}"

    @property
    def fulfilling(self) -> dict[str, Any] | None:
        marker = self.metadata.get(FULFILL_MARKER)
        return marker if isinstance(marker, dict) else None

    def age(self, now: datetime) -> timedelta:
        return now - self.created_at if self.created_at else timedelta(0)


def _moment(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class StockContext:
    """The locations, the items some reservations concern and the orders of their line items,
    each read once."""

    locations: Locations
    items: dict[str, StockItem]
    orders: dict[str, OrderLine] = field(default_factory=dict)  # line item id → order line

    @classmethod
    def read(
        cls, client: MedusaClient, rows: Iterable[Mapping[str, Any]], *, with_variants: bool = False
    ) -> StockContext:
        """For these reservation rows: their items, and the orders of their line items."""
        rows = list(rows)
        return cls(
            Locations.read(client),
            items_by_ids(client, {row["inventory_item_id"] for row in rows}, with_variants=with_variants),
            order_lines(client, (row.get("line_item_id") for row in rows)),
        )

    def reread(self, client: MedusaClient) -> StockContext:
        """The same items again, after writes (the locations and orders are kept)."""
        return StockContext(self.locations, items_by_ids(client, self.items), self.orders)

    def describe(self, row: Mapping[str, Any]) -> Reserved:
        """A reservation row named; an item deleted since shows its id as the SKU."""
        item = self.items.get(row["inventory_item_id"])
        kind, order = classify(row.get("line_item_id"), self.orders)
        return Reserved(
            id=row["id"],
            item_id=row["inventory_item_id"],
            sku=item.sku if item else row["inventory_item_id"],
            title=item.title if item else "(deleted item)",
            location_id=row["location_id"],
            location=self.locations.name(row["location_id"]),
            quantity=quantity(row, "quantity"),
            line_item_id=row.get("line_item_id"),
            description=row.get("description"),
            created_at=_moment(row.get("created_at")),
            metadata=row.get("metadata") or {},
            kind=kind,
            order=order,
        )


def read_reservations(client: MedusaClient, **filters: Any) -> list[dict[str, Any]]:
    """Every reservation matching `filters` (Medusa's names, e.g. `line_item_id`,
    `**{"created_at[$lt]": "…"}`), with the client's trimmed fields, page by page."""
    return list(client.reservations.iter(**filters))
