"""The store read in plain httpx, apart from medusa-sync's own client, so that a bug in the
client's reads cannot hide a bug in its writes. Only what the key assertions need."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

PAGE = 200
OWNER = "medusa-sync"


def _owned(row: dict[str, Any]) -> bool:
    return (row.get("metadata") or {}).get("managed_by") == OWNER


class RawAdmin:
    """GETs on the Admin API with a JWT, page by page."""

    def __init__(self, url: str, token: str) -> None:
        self.http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30.0)

    def close(self) -> None:
        self.http.close()

    def all(self, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        while True:
            response = self.http.get(path, params={**params, "limit": PAGE, "offset": len(rows)})
            assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text[:300]}"
            body = response.json()
            rows += body[key]
            if not body[key] or len(rows) >= body["count"]:
                return rows

    def items(self, **params: Any) -> list[dict[str, Any]]:
        fields = "id,sku,title,metadata,location_levels.location_id,location_levels.stocked_quantity,location_levels.reserved_quantity"
        return self.all("/admin/inventory-items", "inventory_items", fields=fields, **params)

    def levels(self, item_ids: Iterable[str] | None = None) -> dict[tuple[str, str], tuple[int, int]]:
        """(SKU, location id) → (stocked, reserved) of every level (of these items)."""
        params = {"id": sorted(item_ids)} if item_ids is not None else {}
        return {
            (item["sku"], level["location_id"]): (level["stocked_quantity"], level["reserved_quantity"])
            for item in self.items(**params)
            for level in item.get("location_levels") or []
        }

    def reservations(self, item_ids: Iterable[str]) -> list[tuple[str, str, str, int]]:
        """(id, item id, location id, quantity) of the reservations of these items, sorted."""
        fields = "id,inventory_item_id,location_id,quantity"
        return sorted(
            (row["id"], row["inventory_item_id"], row["location_id"], row["quantity"])
            for item_id in item_ids
            for row in self.all("/admin/reservations", "reservations", inventory_item_id=item_id, fields=fields)
        )

    def kits(self) -> dict[str, dict[str, int]]:
        """Variant SKU → {inventory item id: required quantity} of the products medusa-sync owns."""
        fields = "id,metadata,variants.sku,variants.inventory_items.inventory_item_id,variants.inventory_items.required_quantity"
        return {
            variant["sku"]: {link["inventory_item_id"]: link["required_quantity"] for link in variant.get("inventory_items") or []}
            for product in self.all("/admin/products", "products", fields=fields)
            if _owned(product)
            for variant in product.get("variants") or []
        }

    def counts(self) -> dict[str, int]:
        """What medusa-sync owns: locations, items, levels, kit products."""
        items = [item for item in self.items() if _owned(item)]
        products = self.all("/admin/products", "products", fields="id,metadata")
        locations = self.all("/admin/stock-locations", "stock_locations", fields="id,metadata")
        return {
            "locations": sum(map(_owned, locations)),
            "items": len(items),
            "levels": sum(len(item.get("location_levels") or []) for item in items),
            "kits": sum(map(_owned, products)),
        }
