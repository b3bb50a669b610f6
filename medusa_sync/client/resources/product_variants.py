"""Product variants across products: `/admin/product-variants`.

Only these list routes compute `inventory_quantity` (ask for it in `fields`): for a managed
variant, the minimum over its linked items of floor(available at all locations / required
quantity); None for a managed variant without links.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .base import Fields, Record, Records, Resource, list_query

PATH = "/admin/product-variants"


class ProductVariants(Resource):
    def iter(self, *, fields: Fields = None, order: str = "id", **filters: Any) -> Iterator[Record]:
        return self._paginate(PATH, "variants", list_query(fields, order=order, **filters))

    def list_by_skus(self, skus: Iterable[str], *, fields: Fields = None) -> Records:
        """Variants whose SKU is in `skus`, e.g. `fields="id,sku,inventory_quantity"`."""
        return self._by_values(PATH, "variants", "sku", skus, list_query(fields, order="id"))

    def list_by_ids(self, variant_ids: Iterable[str], *, fields: Fields = None) -> Records:
        """Variants whose id is in `variant_ids`, e.g. `fields="id,sku,inventory_items.inventory_item_id"`."""
        return self._by_values(PATH, "variants", "id", variant_ids, list_query(fields, order="id"))
