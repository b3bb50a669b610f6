"""Reservations with the names people need (SKU, title, location), read in list calls."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .items import StockItem, items_by_ids
from .locations import Locations
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
    """The locations, and the items some reservations concern, each read once."""

    locations: Locations
    items: dict[str, StockItem]

    @classmethod
    def read(cls, client: MedusaClient, item_ids: Iterable[str], *, with_variants: bool = False) -> StockContext:
        return cls(Locations.read(client), items_by_ids(client, item_ids, with_variants=with_variants))

    def reread(self, client: MedusaClient) -> StockContext:
        """The same items again, after writes (the locations do not change)."""
        return StockContext(self.locations, items_by_ids(client, self.items))

    def describe(self, row: Mapping[str, Any]) -> Reserved:
        """A reservation row named; an item deleted since shows its id as the SKU."""
        item = self.items.get(row["inventory_item_id"])
        return Reserved(
            id=row["id"],
            item_id=row["inventory_item_id"],
            sku=item.sku if item else row["inventory_item_id"],
            title=item.title if item else "(deleted item)",
            location_id=row["location_id"],
            location=self.locations.name(row["location_id"]),
            quantity=quantity(row.get("quantity")),
            line_item_id=row.get("line_item_id"),
            description=row.get("description"),
            created_at=_moment(row.get("created_at")),
            metadata=row.get("metadata") or {},
        )


def read_reservations(client: MedusaClient, **filters: Any) -> list[dict[str, Any]]:
    """Every reservation matching `filters` (Medusa's names, e.g. `line_item_id`,
    `**{"created_at[$lt]": "…"}`), with the client's trimmed fields, page by page."""
    return list(client.reservations.iter(**filters))
