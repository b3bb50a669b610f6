"""Products, and the links of their variants to inventory items (kits): `/admin/products`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..capabilities import PRODUCT_SHIPPING_PROFILE, Capabilities
from ..errors import ServerError
from ..requestor import Requestor
from .base import Fields, Record, Resource, list_query, positive_number, segment
from .product_variants import ProductVariants

PATH = "/admin/products"


class Products(Resource):
    def __init__(
        self,
        requestor: Requestor,
        *,
        variants: ProductVariants,
        page_size: int,
        capabilities: Capabilities | None = None,
    ) -> None:
        super().__init__(requestor, page_size=page_size)
        self._variants = variants
        self._capabilities = capabilities or Capabilities()

    def iter(self, *, fields: Fields = None, order: str = "id", **filters: Any) -> Iterator[Record]:
        """Products matching `filters`. On a server whose products have no shipping profile
        (before 2.5), `shipping_profile.*` fields are left out and rows have no `shipping_profile`."""
        names = [name.strip() for name in fields.split(",")] if isinstance(fields, str) else list(fields or ())
        profile = [name for name in names if name.lstrip("+*").split(".")[0] == "shipping_profile"]
        known = self._capabilities.supports(PRODUCT_SHIPPING_PROFILE)
        without = list_query([name for name in names if name not in profile], order=order, **filters)
        if not profile or known is False:
            return self._paginate(PATH, "products", without)
        rows = self._paginate(PATH, "products", list_query(fields, order=order, **filters))
        return rows if known else self._learning_shipping_profile(rows, without)

    def _learning_shipping_profile(self, rows: Iterator[Record], without: dict[str, Any]) -> Iterator[Record]:
        """Read `rows` (whose fields name the shipping profile); if their first page answers 500
        and the same read without the profile fields answers, the server has no such link."""
        try:
            first = next(rows, None)
        except ServerError as error:
            if error.status != 500:
                raise
            rows = self._paginate(PATH, "products", without)
            try:
                first = next(rows, None)
            except ServerError:
                raise error from None
            self._capabilities.learn(
                PRODUCT_SHIPPING_PROFILE,
                False,
                f"GET {PATH} naming shipping_profile in fields= answers {error.status} {error.message!r}, without it 200",
            )
        else:
            self._capabilities.learn(PRODUCT_SHIPPING_PROFILE, True, f"GET {PATH} reads shipping_profile")
        if first is not None:
            yield first
            yield from rows

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
