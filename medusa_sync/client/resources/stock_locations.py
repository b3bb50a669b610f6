"""Stock locations: `/admin/stock-locations`, and `find_or_create`, which never duplicates one.

Medusa does not keep location names unique, so two creates of "Odex CD" make two locations and
every level there doubles the stock. `find_or_create` looks a location up by medusa-sync's key
(`metadata.medusa_sync_key`: the name with case, accents and spacing ignored) before creating,
after an ambiguous failure (waiting `settle` seconds for a create still in flight before looking
again, and only then re-sending), and after creating: of two, the oldest is kept and ours deleted
when nothing is stocked there.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from typing import Any

from .base import Fields, Record, Records, Resource, list_query, segment

PATH = "/admin/stock-locations"
KEY = "medusa_sync_key"
_KEY_FIELDS = "id,name,metadata,created_at"

logger = logging.getLogger("medusa_sync.client")


def location_key(name: str) -> str:
    """medusa-sync's key of a location name: case, accents and spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().split())


def keyed(rows: Records, key: str) -> Records:
    """The rows that stand for `key` (by their metadata key, else their name), oldest first."""
    found = [row for row in rows if ((row.get("metadata") or {}).get(KEY) or location_key(row.get("name") or "")) == key]
    return sorted(found, key=lambda row: (row.get("created_at") or "", row["id"]))


class StockLocations(Resource):
    def __init__(self, requestor, *, page_size: int, settle: float = 30.0) -> None:
        super().__init__(requestor, page_size=page_size)
        self._settle = settle
    def list(self, *, fields: Fields = None, order: str = "id", **filters: Any) -> Records:
        """Every location matching `filters` (e.g. `name=`, `id=[…]`), all pages."""
        return [*self._paginate(PATH, "stock_locations", list_query(fields, order=order, **filters))]

    def retrieve(self, location_id: str, *, fields: Fields = None) -> Record:
        return self._requestor.request(
            "GET", f"{PATH}/{segment(location_id)}", params=list_query(fields), key="stock_location"
        )

    def create(
        self,
        name: str,
        *,
        metadata: dict[str, Any] | None = None,
        address: dict[str, Any] | None = None,
    ) -> Record:
        """Create a location; after an ambiguous failure, a location with that name is the result."""
        body: dict[str, Any] = {"name": name}
        if metadata is not None:
            body["metadata"] = metadata
        if address is not None:
            body["address"] = address
        return self._requestor.request(
            "POST", PATH, json=body, key="stock_location", recover=lambda: self._newest_named(name)
        )

    def find_or_create(self, name: str, *, metadata: dict[str, Any] | None = None) -> Record:
        """The location medusa-sync means by `name`, created (with its key) only when none exists."""
        key = location_key(name)
        existing = self.keyed(key)
        if existing:
            return existing[0]
        body = {"name": name, "metadata": {**(metadata or {}), KEY: key}}
        created = self._requestor.request(
            "POST", PATH, json=body, key="stock_location", recover=lambda: self._settled(key)
        )
        rows = self.keyed(key)
        if not rows or rows[0]["id"] == created["id"]:
            return created
        if self.has_levels(created["id"]):
            logger.warning("stock location %r exists twice (%s, %s)", name, rows[0]["id"], created["id"])
            return created
        logger.warning("stock location %r was created twice at once; deleting ours (%s)", name, created["id"])
        self.delete(created["id"])
        return rows[0]

    def keyed(self, key: str) -> Records:
        """Every location that stands for `key`, oldest first."""
        return keyed(self.list(fields=_KEY_FIELDS, order="created_at"), key)

    def has_levels(self, location_id: str) -> bool:
        rows = self._requestor.request(
            "GET",
            "/admin/inventory-items",
            params={"location_levels.location_id": location_id, "fields": "id", "limit": 1},
            key="inventory_items",
        )
        return bool(rows)

    def _settled(self, key: str) -> Record | None:
        """After an ambiguous create: a create still in flight may land late, so look, wait, look."""
        for attempt in range(2):
            rows = self.keyed(key)
            if rows:
                return rows[0]
            if attempt == 0:
                logger.warning("waiting %.0f s for a create still in flight before re-sending", self._settle)
                time.sleep(self._settle)
        return None

    def add_sales_channels(self, location_id: str, sales_channel_ids: list[str]) -> Record:
        """Put a location in these channels (its other channels are kept)."""
        return self._requestor.request(
            "POST",
            f"{PATH}/{segment(location_id)}/sales-channels",
            json={"add": sorted(sales_channel_ids)},
            key="stock_location",
            idempotent=True,
        )

    def delete(self, location_id: str) -> Record:
        """Soft-delete; Medusa does not check for levels or reservations there (it orphans them)."""
        return self._requestor.request("DELETE", f"{PATH}/{segment(location_id)}")

    def _newest_named(self, name: str) -> Record | None:
        rows = self._requestor.request(
            "GET",
            PATH,
            params={"name": name, "order": "-created_at", "limit": 1},
            key="stock_locations",
        )
        return rows[0] if rows else None
