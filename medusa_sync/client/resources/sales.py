"""What selling needs beyond the inventory: the store's defaults and currencies, sales
channels, shipping profiles and regions (`/admin/stores`, `/admin/sales-channels`,
`/admin/shipping-profiles`, `/admin/regions`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .base import Fields, Record, Records, Resource, list_query, segment


class Sales(Resource):
    def store(self) -> Record:
        """The store: `default_sales_channel_id`, `supported_currencies` (a server has one store)."""
        fields = "id,default_sales_channel_id,supported_currencies.currency_code"
        rows = self._requestor.request("GET", "/admin/stores", params=list_query(fields), key="stores")
        return rows[0] if rows else {}

    def sales_channels(self, *, fields: Fields = "id,name") -> Records:
        return [*self._paginate("/admin/sales-channels", "sales_channels", list_query(fields, order="id"))]

    def shipping_profiles(self, *, fields: Fields = "id,name,type", **filters: Any) -> Records:
        """Every shipping profile matching `filters` (e.g. `type="default"`)."""
        return [*self._paginate("/admin/shipping-profiles", "shipping_profiles", list_query(fields, order="id", **filters))]

    def regions(self, *, fields: Fields = "id,name,currency_code", **filters: Any) -> Records:
        """Every region matching `filters` (e.g. `currency_code="brl"`)."""
        return [*self._paginate("/admin/regions", "regions", list_query(fields, order="id", **filters))]

    def add_products(self, sales_channel_id: str, product_ids: Iterable[str]) -> Record:
        """Add products to a channel; the products keep their other channels (an update of the
        product's `sales_channels` would replace them)."""
        return self._requestor.request(
            "POST",
            f"/admin/sales-channels/{segment(sales_channel_id)}/products",
            json={"add": sorted(product_ids)},
            key="sales_channel",
            idempotent=True,
        )
