"""Products, and the links of their variants to inventory items (kits): `/admin/products`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from ..capabilities import PRODUCT_BATCH, PRODUCT_SHIPPING_PROFILE, Capabilities, unrecognized_field
from ..errors import MedusaAPIError, ServerError
from ..metadata import update_metadata
from ..pagination import DEFAULT_READ_CONCURRENCY
from ..requestor import Requestor, records
from .base import Fields, Record, Records, Resource, answer_fields, field_names, list_query, positive_number, segment
from .product_variants import ProductVariants

PATH = "/admin/products"
BATCH_PATH = f"{PATH}/batch"
CREATED_FIELDS = "id,variants.id,variants.sku"
"""What a create (single or batch) answers per product: the ids a caller needs (Medusa re-reads
every created product with these fields; its default fields cost far more)."""


class Products(Resource):
    def __init__(
        self,
        requestor: Requestor,
        *,
        variants: ProductVariants,
        page_size: int,
        read_concurrency: int = DEFAULT_READ_CONCURRENCY,
        capabilities: Capabilities | None = None,
    ) -> None:
        super().__init__(requestor, page_size=page_size, read_concurrency=read_concurrency)
        self._variants = variants
        self._capabilities = capabilities or Capabilities()

    def iter(self, *, fields: Fields = None, order: str = "id", **filters: Any) -> Iterator[Record]:
        """Products matching `filters`, page by page (see `_queries`)."""
        query, without = self._queries(fields, order, filters)
        if without is None:
            return self._paginate(PATH, "products", query)
        return self._learning_shipping_profile(
            lambda params: self._paginate(PATH, "products", params), query, without
        )

    def list_all(self, *, fields: Fields = None, order: str = "id", **filters: Any) -> Records:
        """Every product matching `filters` as one list (see pagination.read_all)."""
        query, without = self._queries(fields, order, filters)
        if without is None:
            return self._read_all(PATH, "products", query)
        return list(
            self._learning_shipping_profile(lambda params: iter(self._read_all(PATH, "products", params)), query, without)
        )

    def _queries(
        self, fields: Fields, order: str, filters: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The list query, and the same without `shipping_profile.*` fields when the server's
        support for them is still unknown (None: nothing to learn). On a server whose products
        have no shipping profile (before 2.5), those fields are left out and rows have none."""
        names = field_names(fields)
        profile = [name for name in names if name.lstrip("+*").split(".")[0] == "shipping_profile"]
        without = list_query([name for name in names if name not in profile], order=order, **filters)
        known = self._capabilities.supports(PRODUCT_SHIPPING_PROFILE)
        if not profile or known is False:
            return without, None
        query = list_query(fields, order=order, **filters)
        return (query, None) if known else (query, without)

    def _learning_shipping_profile(
        self, read: Callable[[dict[str, Any]], Iterator[Record]], query: dict[str, Any], without: dict[str, Any]
    ) -> Iterator[Record]:
        """Read with `query` (whose fields name the shipping profile); if its first page answers
        500 and the same read `without` the profile fields answers, the server has no such link."""
        try:
            rows = read(query)
            first = next(rows, None)
        except ServerError as error:
            if error.status != 500:
                raise
            try:
                rows = read(without)
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

    def create(self, body: Mapping[str, Any], *, fields: Fields = None) -> Record:
        """Create a product (status defaults to draft on the server), answered with `fields`
        (None: the server's defaults, e.g. `CREATED_FIELDS` for the ids).

        A managed variant should carry explicit `inventory_items` ([{inventory_item_id,
        required_quantity > 0}]): without them Medusa creates an inventory item of its own with
        the variant's SKU. After an ambiguous failure, the product owning one of the variants'
        SKUs is the result; without variant SKUs, AmbiguousWriteError is raised instead.
        """
        skus = _checked_variant_skus([body])
        return self._requestor.request(
            "POST",
            PATH,
            params=list_query(fields),
            json=dict(body),
            key="product",
            recover=(lambda: self._owning_any(skus, fields)) if skus else None,
        )

    def batch_supported(self) -> bool:
        """False once the server has shown it lacks `POST /admin/products/batch`."""
        return self._capabilities.supports(PRODUCT_BATCH) is not False

    def create_batch(self, bodies: Sequence[Mapping[str, Any]]) -> Records:
        """Create products in one `POST /admin/products/batch`: all or none (Medusa runs one
        workflow and undoes the products already made when one fails). Bodies as for `create`.
        Returns the created products with their id and their variants' id and SKU, in no
        particular order.

        After an ambiguous failure (the answer lost), the products owning the bodies' variant
        SKUs are looked up first: any found are the result, and the batch is not re-sent (the
        caller creates the SKUs that are missing from the result); none found: it is re-sent.
        A server without the route raises its error and is remembered (`batch_supported`).
        """
        skus = _checked_variant_skus(bodies)
        try:
            answer = self._requestor.request(
                "POST",
                BATCH_PATH,
                params={"fields": CREATED_FIELDS},
                json={"create": [dict(body) for body in bodies]},
                recover=(lambda: self._created_by_skus(skus)) if skus else None,
            )
        except MedusaAPIError as error:
            if _no_batch_route(error):
                self._capabilities.learn(PRODUCT_BATCH, False, f"POST {BATCH_PATH} answers {error.message!r}")
            raise
        self._capabilities.learn(PRODUCT_BATCH, True, f"POST {BATCH_PATH} answers")
        return records(answer, "created", "POST", BATCH_PATH)

    def update(self, product_id: str, body: Mapping[str, Any], *, fields: Fields = None) -> Record:
        """`metadata` names the keys to set and, as "", to remove; keys not sent are kept
        (metadata.py). The answer holds `fields` (and the metadata, when the body sets some)."""
        path = f"{PATH}/{segment(product_id)}"
        return update_metadata(
            self._capabilities,
            "product",
            PATH,
            body,
            lambda sent: self._requestor.request(
                "POST", path, params=list_query(answer_fields(fields, sent)), json=dict(sent), key="product", idempotent=True
            ),
            lambda: self.retrieve(product_id, fields="id,metadata").get("metadata") or {},
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

    def _created_by_skus(self, skus: list[str]) -> dict[str, Records] | None:
        """A batch answer made of the products that own these SKUs; None when there is none."""
        variants = self._variants.list_by_skus(skus, fields="id,sku,product_id")
        products: dict[str, Record] = {}
        for variant in variants:
            if variant.get("product_id"):
                product = products.setdefault(variant["product_id"], {"id": variant["product_id"], "variants": []})
                product["variants"].append({"id": variant["id"], "sku": variant.get("sku")})
        return {"created": list(products.values())} if products else None

    def _owning_any(self, skus: list[str], fields: Fields) -> Record | None:
        variants = self._variants.list_by_skus(skus, fields="id,sku,product_id")
        owners = [variant["product_id"] for variant in variants if variant.get("product_id")]
        return self.retrieve(owners[0], fields=fields) if owners else None


def _checked_variant_skus(bodies: Iterable[Mapping[str, Any]]) -> list[str]:
    """The SKUs of the product bodies' variants, after checking that every inventory link has a
    positive `required_quantity` (InvalidRequestError before any request otherwise)."""
    skus: list[str] = []
    for body in bodies:
        for variant in body.get("variants") or []:
            for link in variant.get("inventory_items") or []:
                positive_number("required_quantity", link.get("required_quantity"))
            if variant.get("sku"):
                skus.append(variant["sku"])
    return skus


def _no_batch_route(error: MedusaAPIError) -> bool:
    """The answer of a server without the batch route: `POST /admin/products/batch` is then an
    unknown route, or the update of a product whose id is "batch"."""
    if error.status == 404:  # Express's unknown route, or "Product with id: batch was not found"
        return error.type is None or "batch" in error.message
    return unrecognized_field(error, "create")
