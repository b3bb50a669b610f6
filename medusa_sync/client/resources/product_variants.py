"""Product variants across products: `/admin/product-variants`.

Only these list routes compute `inventory_quantity` (ask for it in `fields`, with
`manage_inventory`: before 2.2x a row without `manage_inventory` gets none): for a managed
variant, the minimum over its linked items of floor(available at all locations / required
quantity); None for a managed variant without links.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..capabilities import VARIANT_SKU_FILTER, Capabilities, unrecognized_field
from ..errors import BadRequestError
from ..requestor import Requestor
from .base import Fields, Record, Records, Resource, field_names, list_query

PATH = "/admin/product-variants"


class ProductVariants(Resource):
    def __init__(
        self, requestor: Requestor, *, page_size: int, capabilities: Capabilities | None = None
    ) -> None:
        super().__init__(requestor, page_size=page_size)
        self._capabilities = capabilities or Capabilities()

    def iter(self, *, fields: Fields = None, order: str = "id", **filters: Any) -> Iterator[Record]:
        return self._paginate(PATH, "variants", list_query(fields, order=order, **filters))

    def list_by_skus(self, skus: Iterable[str], *, fields: Fields = None) -> Records:
        """Variants whose SKU is in `skus`, e.g. `fields="id,sku,manage_inventory,inventory_quantity"`.

        A server without the `sku` filter (before 2.14) is searched with `q=<sku>` per SKU, and
        only exact matches are kept."""
        skus = list(skus)
        if self._capabilities.supports(VARIANT_SKU_FILTER) is not False:
            try:
                rows = self._by_values(PATH, "variants", "sku", skus, list_query(fields, order="id"))
            except BadRequestError as error:
                if not unrecognized_field(error, "sku"):
                    raise
                self._capabilities.learn(VARIANT_SKU_FILTER, False, f"GET {PATH}?sku= answers {error.message!r}")
            else:
                return rows
        return self._searched_by_skus(skus, fields)

    def search(self, text: str, *, fields: Fields = None, limit: int = 100) -> Records:
        """At most `limit` variants whose SKU or title contains `text`, any case; one request
        (`q` is there on every supported release, unlike the `sku` filter)."""
        return self._search(PATH, "variants", text, fields, limit)

    def list_by_ids(self, variant_ids: Iterable[str], *, fields: Fields = None) -> Records:
        """Variants whose id is in `variant_ids`, e.g. `fields="id,sku,inventory_items.inventory_item_id"`."""
        return self._by_values(PATH, "variants", "id", variant_ids, list_query(fields, order="id"))

    def _searched_by_skus(self, skus: list[str], fields: Fields) -> Records:
        names = field_names(fields)
        query = list_query([*names, "sku"] if names and "sku" not in names else fields, order="id")
        rows = [
            row
            for sku in sorted(set(skus))
            for row in self._paginate(PATH, "variants", {**query, "q": sku})
            if row.get("sku") == sku
        ]
        return sorted(rows, key=lambda row: row["id"])
