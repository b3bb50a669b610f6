"""Products, and the links of their variants to inventory items (kits): `/admin/products`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..requestor import Requestor
from .base import Fields, Record, Resource, list_query, positive_number, segment
from .product_variants import ProductVariants

PATH = "/admin/products"


class Products(Resource):
    def __init__(
        self, requestor: Requestor, *, variants: ProductVariants, page_size: int
    ) -> None:
        super().__init__(requestor, page_size=page_size)
        self._variants = variants

    def iter(self, *, fields: Fields = None, order: str = "id", **filters: Any) -> Iterator[Record]:
        return self._paginate(PATH, "products", list_query(fields, order=order, **filters))

    def retrieve(self, product_id: str, *, fields: Fields = None) -> Record:
        return self._requestor.request(
            "GET", f"{PATH}/{segment(product_id)}", params=list_query(fields), key="product"
        )

    def create(self, body: Mapping[str, Any]) -> Record:
        """Create a product (status defaults to draft on the server).

        A managed variant should carry explicit `inventory_items` ([{inventory_item_id,
        required_quantity > 0}]): without them Medusa creates an inventory item of its own with
        the variant's SKU. After an ambiguous failure, the product owning one of the variants'
        SKUs is the result; without variant SKUs, AmbiguousWriteError is raised instead.
        """
        variants = body.get("variants") or []
        for variant in variants:
            for link in variant.get("inventory_items") or []:
                positive_number("required_quantity", link.get("required_quantity"))
        skus = [variant["sku"] for variant in variants if variant.get("sku")]
        return self._requestor.request(
            "POST",
            PATH,
            json=dict(body),
            key="product",
            recover=(lambda: self._owning_any(skus)) if skus else None,
        )

    def update(self, product_id: str, body: Mapping[str, Any]) -> Record:
        return self._requestor.request(
            "POST", f"{PATH}/{segment(product_id)}", json=dict(body), key="product", idempotent=True
        )

    def delete(self, product_id: str) -> Record:
        return self._requestor.request("DELETE", f"{PATH}/{segment(product_id)}")

    def update_variant(self, product_id: str, variant_id: str, body: Mapping[str, Any]) -> Record:
        """Update one variant; returns `{id}` of the product only (Medusa would refetch every
        variant, minutes on large products). `manage_inventory: false` drops its item links."""
        return self._requestor.request(
            "POST",
            f"{PATH}/{segment(product_id)}/variants/{segment(variant_id)}",
            params={"fields": "id"},
            json=dict(body),
            key="product",
            idempotent=True,
        )

    def batch_inventory_links(
        self,
        product_id: str,
        create: Iterable[Mapping[str, Any]] = (),
        update: Iterable[Mapping[str, Any]] = (),
        delete: Iterable[Mapping[str, Any]] = (),
    ) -> dict[str, list[Any]]:
        """Link variants to inventory items: create/update `{variant_id, inventory_item_id,
        required_quantity > 0}`, delete `{variant_id, inventory_item_id}`.

        Medusa neither checks that the items exist nor that the variants belong to the product.
        Creates are upserts, so the call is safe to re-send. Returns `{created, updated, deleted}`.
        """
        body: dict[str, list[dict[str, Any]]] = {}
        for section, entries in (("create", create), ("update", update), ("delete", delete)):
            rows = [dict(entry) for entry in entries]
            if section != "delete":
                for row in rows:
                    positive_number("required_quantity", row.get("required_quantity"))
            if rows:
                body[section] = rows
        answer = self._requestor.request(
            "POST",
            f"{PATH}/{segment(product_id)}/variants/inventory-items/batch",
            json=body,
            idempotent=True,
        )
        return {name: answer.get(name) or [] for name in ("created", "updated", "deleted")}

    def _owning_any(self, skus: list[str]) -> Record | None:
        variants = self._variants.list_by_skus(skus, fields="id,sku,product_id")
        owners = [variant["product_id"] for variant in variants if variant.get("product_id")]
        return self.retrieve(owners[0]) if owners else None
