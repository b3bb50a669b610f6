"""Capabilities learned from the server's answers: the fallbacks for Medusa 2.3-2.19 and the
refusal of 2.0-2.2, with the exact calls each sends (answers copied from real 2.3.0/2.0.7 servers)."""

from __future__ import annotations

import logging

import pytest

from medusa_sync.cli.exit_codes import exit_code_of
from medusa_sync.client import UnsupportedServerError

from .conftest import assert_call, error, ok, page

UNIT_400 = {"type": "invalid_data", "message": "Invalid request: Unrecognized fields: 'unit_of_measure'"}
SKU_400 = {"type": "invalid_data", "message": "Invalid request: Unrecognized fields: 'sku'"}
EXPRESS_404 = (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n'
    "<body>\n<pre>Cannot POST /admin/inventory-items/location-levels/batch</pre>\n</body>\n</html>\n"
)
ITEMS = "/admin/inventory-items"
VARIANTS = "/admin/product-variants"
BATCH = "/admin/inventory-items/location-levels/batch"


def test_an_old_server_gets_the_unit_in_metadata_once_learned_and_remembered(client, transport, caplog):
    body = {"sku": "A", "unit_of_measure": "un", "metadata": {"managed_by": "medusa-sync"}}
    moved = {"sku": "A", "metadata": {"managed_by": "medusa-sync", "unit_of_measure": "un"}}
    transport.add(
        error(400, UNIT_400),
        ok({"inventory_item": {"id": "iitem_1", **moved}}),
        ok({"inventory_item": {"id": "iitem_2", "sku": "B", "metadata": {"unit_of_measure": "kg"}}}),
    )
    with caplog.at_level(logging.INFO, logger="medusa_sync.client"):
        first = client.inventory_items.create(body)
        second = client.inventory_items.create({"sku": "B", "unit_of_measure": "kg"})
    refused, resent, straight = transport.requests
    assert_call(refused, "POST", ITEMS, json_body=body)
    assert_call(resent, "POST", ITEMS, json_body=moved)
    assert_call(straight, "POST", ITEMS, json_body={"sku": "B", "metadata": {"unit_of_measure": "kg"}})
    assert (first["unit_of_measure"], second["unit_of_measure"]) == ("un", "kg")
    learned = [r.getMessage() for r in caplog.records if "Medusa server:" in r.getMessage()]
    assert learned == [
        "Medusa server: no unit_of_measure (POST /admin/inventory-items answers "
        "\"Invalid request: Unrecognized fields: 'unit_of_measure'\"); units are kept in the item's "
        "metadata.unit_of_measure"
    ]
    assert client.capabilities.snapshot() == {"unit_of_measure": False}


def test_an_update_on_an_old_server_merges_the_unit_into_the_metadata_it_sends(client, transport):
    transport.add(page("inventory_items", [{"id": "iitem_1", "sku": "A", "metadata": {"unit_of_measure": "un"}}]))
    transport.add(ok({"inventory_item": {"id": "iitem_1"}}))
    [row] = client.inventory_items.list_by_skus(["A"], fields="id,sku,unit_of_measure,metadata")
    client.inventory_items.update("iitem_1", {"unit_of_measure": "kg", "title": "T"})
    assert row["unit_of_measure"] == "un"  # read back from metadata: the field is ignored by fields=
    assert_call(transport.requests[1], "POST", f"{ITEMS}/iitem_1", json_body={"title": "T", "metadata": {"unit_of_measure": "kg"}})


def test_a_new_server_keeps_the_field_and_is_never_rewritten(client, transport):
    row = {"id": "iitem_1", "sku": "A", "unit_of_measure": "un", "metadata": {"unit_of_measure": "old"}}
    transport.add(page("inventory_items", [row]), ok({"inventory_item": row}))
    [read] = client.inventory_items.list_by_skus(["A"], fields="id,sku,unit_of_measure,metadata")
    client.inventory_items.update("iitem_1", {"unit_of_measure": "kg"})
    assert read == row
    assert_call(transport.requests[1], "POST", f"{ITEMS}/iitem_1", json_body={"unit_of_measure": "kg"})
    assert client.capabilities.snapshot() == {"unit_of_measure": True}


def test_another_400_is_not_taken_for_a_missing_field(client, transport):
    transport.add(error(400, {"type": "invalid_data", "message": "Inventory item with sku: A, already exists."}))
    with pytest.raises(Exception, match="already exists"):
        client.inventory_items.create({"sku": "A", "unit_of_measure": "un"})
    assert len(transport.requests) == 1
    assert client.capabilities.snapshot() == {}


def test_variants_by_sku_without_the_sku_filter_search_and_keep_exact_matches(client, transport, caplog):
    transport.add(
        error(400, SKU_400),
        page("variants", [{"id": "variant_2", "sku": "KIT-1"}, {"id": "variant_3", "sku": "KIT-10"}]),
        page("variants", [{"id": "variant_1", "sku": "KIT-2"}]),
        page("variants", []),
    )
    with caplog.at_level(logging.INFO, logger="medusa_sync.client"):
        rows = client.product_variants.list_by_skus(["KIT-2", "KIT-1"], fields="id,inventory_quantity")
        again = client.product_variants.list_by_skus(["KIT-9"], fields="id,sku")
    assert rows == [{"id": "variant_1", "sku": "KIT-2"}, {"id": "variant_2", "sku": "KIT-1"}]
    assert again == []
    filtered, kit1, kit2, kit9 = transport.requests
    page_params = [("order", "id"), ("offset", "0"), ("limit", "1000")]
    assert_call(filtered, "GET", VARIANTS, [("fields", "id,inventory_quantity"), ("sku[]", "KIT-2,KIT-1"), *page_params])
    assert_call(kit1, "GET", VARIANTS, [("fields", "id,inventory_quantity,sku"), ("q", "KIT-1"), *page_params])
    assert_call(kit2, "GET", VARIANTS, [("fields", "id,inventory_quantity,sku"), ("q", "KIT-2"), *page_params])
    assert_call(kit9, "GET", VARIANTS, [("fields", "id,sku"), ("q", "KIT-9"), *page_params])
    assert sum("no product-variants sku filter" in r.getMessage() for r in caplog.records) == 1


def test_a_server_without_the_cross_item_batch_is_refused_in_one_line(client, transport):
    transport.add(error(404, EXPRESS_404))
    with pytest.raises(UnsupportedServerError) as refused:
        client.require_supported_server()
    [probe] = transport.requests
    assert_call(probe, "POST", BATCH, json_body={})
    assert str(refused.value) == (
        "POST /admin/inventory-items/location-levels/batch → 404: the server has no cross-item level batch, "
        "so it is Medusa 2.0-2.2: medusa-sync supports Medusa 2.3.0 and later; upgrade the server"
    )
    assert exit_code_of(refused.value) == 7


def test_the_probe_runs_once_on_a_supported_server(client, transport):
    transport.add(ok({"created": [], "updated": []}))
    client.require_supported_server()
    client.require_supported_server()
    assert len(transport.requests) == 1
    assert client.capabilities.snapshot() == {"cross-item level batch": True}


def test_a_level_batch_on_an_old_server_is_the_same_refusal(client, transport):
    transport.add(error(404, EXPRESS_404))
    with pytest.raises(UnsupportedServerError):
        client.inventory_items.batch_levels(update=[{"inventory_item_id": "iitem_1", "location_id": "sloc_1", "stocked_quantity": 1}])


def test_a_not_stocked_404_from_the_batch_is_not_a_refusal(client, transport):
    transport.add(error(404, {"type": "not_found", "message": "Item iitem_1 is not stocked at location sloc_1"}))
    with pytest.raises(Exception) as failed:
        client.inventory_items.batch_levels(update=[{"inventory_item_id": "iitem_1", "location_id": "sloc_1", "stocked_quantity": 1}])
    assert not isinstance(failed.value, UnsupportedServerError)


PRODUCTS = "/admin/products"
UNKNOWN_500 = {"code": "unknown_error", "type": "unknown_error", "message": "An unknown error occurred."}
PRODUCT_FIELDS = "id,sales_channels.id,shipping_profile.id"


def test_products_without_a_shipping_profile_link_are_read_without_it_learned_once(client, transport, caplog):
    """Medusa 2.3.0: a product read naming shipping_profile answers 500 (MikroORM: "Entity
    'Product' does not have property 'shipping_profile'"); the same read without it answers."""
    transport.add(
        error(500, UNKNOWN_500),
        page("products", [{"id": "prod_1", "sales_channels": []}]),
        page("products", [{"id": "prod_1", "sales_channels": []}]),
    )
    with caplog.at_level(logging.INFO, logger="medusa_sync.client"):
        first = list(client.products.iter(fields=PRODUCT_FIELDS))
        again = list(client.products.iter(fields=PRODUCT_FIELDS))
    assert first == again == [{"id": "prod_1", "sales_channels": []}]
    refused, resent, later = transport.requests
    page_params = [("order", "id"), ("offset", "0"), ("limit", "1000")]
    assert_call(refused, "GET", PRODUCTS, [("order", "id"), ("fields", PRODUCT_FIELDS), ("offset", "0"), ("limit", "1000")])
    assert_call(resent, "GET", PRODUCTS, [("order", "id"), ("fields", "id,sales_channels.id"), *page_params[1:]])
    assert_call(later, "GET", PRODUCTS, [("order", "id"), ("fields", "id,sales_channels.id"), *page_params[1:]])
    learned = [r.getMessage() for r in caplog.records if "Medusa server:" in r.getMessage()]
    assert learned == [
        "Medusa server: no product shipping profile link (GET /admin/products naming shipping_profile in fields= "
        "answers 500 'An unknown error occurred.', without it 200); products are read without shipping_profile "
        "and kits get no shipping profile"
    ]
    assert client.capabilities.snapshot() == {"product shipping profile link": False}


def test_products_with_a_shipping_profile_link_are_read_once_with_it(client, transport):
    row = {"id": "prod_1", "sales_channels": [], "shipping_profile": {"id": "sp_1"}}
    transport.add(page("products", [row]), page("products", [row]))
    assert list(client.products.iter(fields=PRODUCT_FIELDS)) == [row]
    assert list(client.products.iter(fields=PRODUCT_FIELDS)) == [row]
    assert len(transport.requests) == 2
    assert client.capabilities.snapshot() == {"product shipping profile link": True}


def test_a_500_that_the_read_without_the_profile_also_gets_is_raised_and_nothing_learned(client, transport):
    transport.add(error(500, UNKNOWN_500), error(500, {"type": "unknown_error", "message": "database down"}))
    with pytest.raises(Exception, match="An unknown error occurred") as failed:
        list(client.products.iter(fields=PRODUCT_FIELDS))
    assert failed.value.status == 500
    assert len(transport.requests) == 2
    assert client.capabilities.snapshot() == {}


def test_a_product_read_not_naming_the_profile_learns_nothing(client, transport):
    transport.add(error(500, UNKNOWN_500))
    with pytest.raises(Exception, match="An unknown error occurred"):
        list(client.products.iter(fields="id,handle", handle="medusa-sync-lease"))
    assert len(transport.requests) == 1
    assert client.capabilities.snapshot() == {}
