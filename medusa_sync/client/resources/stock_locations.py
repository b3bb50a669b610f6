"""Stock locations: `/admin/stock-locations`."""

from __future__ import annotations

from typing import Any

from .base import Fields, Record, Records, Resource, list_query, segment

PATH = "/admin/stock-locations"


class StockLocations(Resource):
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
