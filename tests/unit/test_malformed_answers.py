"""Issue 11.6: a server answering JSON of the wrong shape is a clear error naming the request and
what was wrong (exit 1), never a TypeError or KeyError from the code that reads the answer.
Every store read the sync, the reports and the stock operations make, with respx."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from medusa_sync.cli.exit_codes import exit_code_of
from medusa_sync.client import MalformedAnswerError, MedusaClient, RetryPolicy
from medusa_sync.store.rows import quantity
from medusa_sync.store import Locations, StockContext, all_items, items_by_ids, kits_by_variant_ids, order_lines, read_reservations
from medusa_sync.store.items import item_by_id, item_by_sku
from medusa_sync.store.selling import read_selling
from medusa_sync.store.snapshot import read_store

BASE_URL = "http://medusa.test"
LOCATIONS = "/admin/stock-locations"
ITEMS = "/admin/inventory-items"
PRODUCTS = "/admin/products"
RESERVATIONS = "/admin/reservations"
VARIANTS = "/admin/product-variants"
ORDERS = "/admin/orders"
# The answers of a store with nothing in it, for the routes a case does not break.
EMPTY = {
    LOCATIONS: {"stock_locations": [], "count": 0},
    ITEMS: {"inventory_items": [], "count": 0},
    PRODUCTS: {"products": [], "count": 0},
    RESERVATIONS: {"reservations": [], "count": 0},
    VARIANTS: {"variants": [], "count": 0},
    ORDERS: {"orders": [], "count": 0},
    "/admin/stores": {"stores": [{"id": "store_1", "supported_currencies": []}], "count": 1},
    "/admin/shipping-profiles": {"shipping_profiles": [], "count": 0},
    "/admin/sales-channels": {"sales_channels": [], "count": 0},
    "/admin/regions": {"regions": [], "count": 0},
}


def _reservations_described(client: MedusaClient) -> list[Any]:
    rows = read_reservations(client)
    context = StockContext.read(client, rows)
    return [context.describe(row) for row in rows]


READS: dict[str, Callable[[MedusaClient], Any]] = {
    "locations": Locations.read,
    "all items": all_items,
    "items by id": lambda client: items_by_ids(client, ["iitem_1"]),
    "item by SKU": lambda client: item_by_sku(client, "SKU-1"),
    "item by id": lambda client: item_by_id(client, "iitem_1"),
    "store snapshot": lambda client: read_store(client, {"KIT-1"}),
    "selling setup": read_selling,
    "reservations": _reservations_described,
    "kits": lambda client: kits_by_variant_ids(client, ["variant_1"]),
    "orders": lambda client: order_lines(client, ["ordli_1"]),
}

ITEM = {"id": "iitem_1", "sku": "SKU-1", "title": "T", "metadata": {}, "location_levels": []}
LEVEL = {"id": "ilev_1", "location_id": "sloc_1", "stocked_quantity": 1, "reserved_quantity": 0, "incoming_quantity": 0}
RESERVATION = {"id": "resitem_1", "inventory_item_id": "iitem_1", "location_id": "sloc_1", "quantity": 1, "updated_at": "2026-11-27T01:00:00.000Z"}


def page(key: str, *rows: Any) -> dict[str, Any]:
    return {key: list(rows), "count": len(rows)}


CASES = [
    # (read, route, answer, the error's text)
    ("locations", LOCATIONS, {"stock_locations": 5}, "GET /admin/stock-locations: the answer has no 'stock_locations' list"),
    ("locations", LOCATIONS, [{"id": "sloc_1"}], "GET /admin/stock-locations → 200: the answer is a list, not a JSON object"),
    ("locations", LOCATIONS, b"<html>a proxy's login page</html>", "GET /admin/stock-locations → 200: the answer is not JSON"),
    ("locations", LOCATIONS, page("stock_locations", 7), "GET /admin/stock-locations: the answer's 'stock_locations' holds an integer, not a record"),
    ("locations", LOCATIONS, page("stock_locations", {"name": "Odex CD"}), "GET /admin/stock-locations: a record of the answer has no 'id'"),
    ("all items", ITEMS, {"inventory_items": 5}, "GET /admin/inventory-items: the answer has no 'inventory_items' list"),
    ("all items", ITEMS, {}, "GET /admin/inventory-items: the answer has no 'inventory_items' list"),
    ("all items", ITEMS, page("inventory_items", {"sku": "SKU-1"}), "GET /admin/inventory-items: a record of the answer has no 'id'"),
    ("all items", ITEMS, page("inventory_items", {**ITEM, "location_levels": [{"stocked_quantity": 3}]}),
     "GET /admin/inventory-items: a record of the answer has no 'location_id'"),
    ("all items", ITEMS, page("inventory_items", {**ITEM, "location_levels": 5}),
     "GET /admin/inventory-items: a record of the answer is malformed: 'location_levels' is an integer, not a list"),
    ("all items", ITEMS, page("inventory_items", {**ITEM, "location_levels": [{**LEVEL, "stocked_quantity": "many"}]}),
     "GET /admin/inventory-items: a record of the answer is malformed: 'stocked_quantity' is 'many', not a number"),
    ("all items", ITEMS, page("inventory_items", {**ITEM, "location_levels": [{**LEVEL, "reserved_quantity": True}]}),
     "GET /admin/inventory-items: a record of the answer is malformed: 'reserved_quantity' is a boolean, not a number"),
    ("items by id", ITEMS, page("inventory_items", {"sku": "SKU-1"}), "GET /admin/inventory-items: a record of the answer has no 'id'"),
    ("item by SKU", ITEMS, {"inventory_items": {"id": "iitem_1"}}, "GET /admin/inventory-items: the answer has no 'inventory_items' list"),
    ("item by id", f"{ITEMS}/iitem_1", {"inventory_item": 5}, "GET /admin/inventory-items/iitem_1: the answer's 'inventory_item' is an integer, not a list"),
    ("item by id", f"{ITEMS}/iitem_1", {}, "GET /admin/inventory-items/iitem_1: the answer has no 'inventory_item'"),
    ("item by id", f"{ITEMS}/iitem_1", {"inventory_item": {"sku": "SKU-1"}}, "GET /admin/inventory-items/iitem_1: a record of the answer has no 'id'"),
    ("store snapshot", LOCATIONS, page("stock_locations", {"id": "sloc_1"}), "GET /admin/stock-locations: a record of the answer has no 'name'"),
    ("store snapshot", ITEMS, page("inventory_items", {"sku": "SKU-1"}), "GET /admin/inventory-items: a record of the answer has no 'id'"),
    ("store snapshot", PRODUCTS, page("products", {"id": "prod_1", "variants": [{"sku": "KIT-1"}]}),
     "GET /admin/products: a record of the answer has no 'id'"),
    ("store snapshot", PRODUCTS, page("products", {"id": "prod_1", "variants": [{"id": "v", "sku": "KIT-1", "prices": [{"amount": 5}]}]}),
     "GET /admin/products: a record of the answer has no 'currency_code'"),
    ("store snapshot", PRODUCTS, page("products", {"id": "prod_1", "variants": [{"id": "v", "sku": "KIT-1", "prices": [{"currency_code": "brl", "amount": "NaN-ish"}]}]}),
     "GET /admin/products: a record of the answer is malformed: 'amount' is 'NaN-ish', not a number"),
    ("store snapshot", PRODUCTS, page("products", {"id": "prod_1", "variants": 3}),
     "GET /admin/products: a record of the answer is malformed: 'variants' is an integer, not a list"),
    ("store snapshot", RESERVATIONS, page("reservations", {"id": "resitem_1"}), "GET /admin/reservations: a record of the answer has no 'updated_at'"),
    ("selling setup", "/admin/stores", {"stores": 5}, "GET /admin/stores: the answer's 'stores' is an integer, not a list"),
    ("selling setup", "/admin/stores", page("stores", {"id": "store_1", "supported_currencies": "brl"}),
     "GET /admin/stores: a record of the answer is malformed: 'supported_currencies' is a string, not a list"),
    ("selling setup", "/admin/sales-channels", page("sales_channels", {"id": "sc_1"}), "GET /admin/sales-channels: a record of the answer has no 'name'"),
    ("selling setup", "/admin/regions", page("regions", {"id": "reg_1"}), "GET /admin/regions: a record of the answer has no 'currency_code'"),
    ("reservations", RESERVATIONS, {"reservations": "none"}, "GET /admin/reservations: the answer has no 'reservations' list"),
    ("reservations", RESERVATIONS, page("reservations", {"id": "resitem_1"}), "GET /admin/reservations: a record of the answer has no 'inventory_item_id'"),
    ("reservations", RESERVATIONS, page("reservations", {**RESERVATION, "quantity": [2]}),
     "GET /admin/reservations: a record of the answer is malformed: 'quantity' is a list, not a number"),
    ("kits", VARIANTS, page("variants", {"sku": "KIT-1"}), "GET /admin/product-variants: a record of the answer has no 'id'"),
    ("kits", VARIANTS, page("variants", {"id": "variant_1", "sku": "KIT-1", "inventory_items": [{"inventory_item_id": "i", "required_quantity": "two"}]}),
     "GET /admin/product-variants: a record of the answer is malformed: 'required_quantity' is 'two', not a number"),
    ("kits", VARIANTS, page("variants", {"id": "variant_1", "sku": "KIT-1", "inventory_items": [{"inventory_item_id": "i", "required_quantity": "Infinity"}]}),
     "GET /admin/product-variants: a record of the answer is malformed: 'required_quantity' is 'Infinity', not a number"),
    ("orders", ORDERS, page("orders", {"id": "order_1", "display_id": 1, "items": {"id": "ordli_1"}}),
     "GET /admin/orders: a record of the answer is malformed: 'items' is an object, not a list"),
    ("orders", ORDERS, page("orders", {"id": "order_1", "items": [{"id": "ordli_1"}]}), "GET /admin/orders: a record of the answer has no 'display_id'"),
]


@pytest.mark.parametrize(("read", "route", "answer", "text"), CASES, ids=[f"{case[0]}-{n}" for n, case in enumerate(CASES)])
def test_a_malformed_answer_names_the_request_and_what_was_wrong(read: str, route: str, answer: Any, text: str) -> None:
    with respx.mock(base_url=BASE_URL, assert_all_mocked=True, assert_all_called=False) as medusa:
        for path, empty in EMPTY.items():  # a route added again with the same path replaces the first
            medusa.get(path).mock(return_value=httpx.Response(200, json=empty))
        medusa.get(RESERVATIONS).mock(return_value=httpx.Response(200, json=page("reservations", RESERVATION)))
        content = answer if isinstance(answer, bytes) else None
        medusa.get(route).mock(return_value=httpx.Response(200, content=content) if content else httpx.Response(200, json=answer))
        client = MedusaClient(BASE_URL, api_key="sk_test", retry=RetryPolicy(initial_wait=0.0, sleep=lambda _: None))
        with client, pytest.raises(MalformedAnswerError) as raised:
            READS[read](client)
    assert str(raised.value) == text
    assert exit_code_of(raised.value) == 1


@pytest.mark.parametrize(("value", "expected"), [(7, 7), (0, 0), ("12", 12), (4.0, 4), ("1e3", 1000), (None, 0)])
def test_a_quantity_is_read_from_a_number_a_numeric_string_or_null(value: Any, expected: int) -> None:
    read = quantity({"stocked_quantity": value}, "stocked_quantity")
    assert read == expected
    assert type(read) is int
