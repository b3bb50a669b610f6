"""Products and kits: creation with explicit inventory items, recovery by variant SKU, links."""

from __future__ import annotations

import httpx
import pytest

from medusa_sync.client import AmbiguousWriteError, InvalidRequestError

from .conftest import assert_call, ok, page

KIT = {
    "title": "Kit Solar 5 kWp",
    "options": [{"title": "Default", "values": ["Default"]}],
    "variants": [{
        "title": "Kit Solar 5 kWp", "sku": "KIT-5K", "manage_inventory": True,
        "options": {"Default": "Default"}, "prices": [{"currency_code": "brl", "amount": 1500000}],
        "inventory_items": [{"inventory_item_id": "iitem_A", "required_quantity": 10},
                            {"inventory_item_id": "iitem_B", "required_quantity": 1}],
    }],
}
PRODUCT = {"id": "prod_1", "variants": [{"id": "variant_1", "sku": "KIT-5K"}]}


def test_create_a_kit(client, transport):
    transport.add(ok({"product": PRODUCT}))
    assert client.products.create(KIT) == PRODUCT
    assert_call(transport.requests[0], "POST", "/admin/products", json_body=KIT)


@pytest.mark.parametrize("quantity", [0, -2, None, "1"])
def test_kit_links_need_a_positive_required_quantity(client, transport, quantity):
    bad = {**KIT, "variants": [{**KIT["variants"][0], "inventory_items": [
        {"inventory_item_id": "iitem_A", "required_quantity": quantity}]}]}
    with pytest.raises(InvalidRequestError):
        client.products.create(bad)
    with pytest.raises(InvalidRequestError):
        client.products.batch_inventory_links("prod_1", update=[
            {"variant_id": "variant_1", "inventory_item_id": "iitem_A", "required_quantity": quantity}])
    assert transport.requests == []


def test_a_kit_create_that_timed_out_is_found_by_variant_sku(client, transport):
    transport.add(httpx.ReadTimeout("timed out"),
                  page("variants", [{"id": "variant_1", "sku": "KIT-5K", "product_id": "prod_1"}]),
                  ok({"product": PRODUCT}))
    assert client.products.create(KIT) == PRODUCT
    post, variants, product = transport.requests
    assert_call(post, "POST", "/admin/products", json_body=KIT)
    assert_call(variants, "GET", "/admin/product-variants", [
        ("fields", "id,sku,product_id"), ("limit", "1000"), ("offset", "0"), ("order", "id"), ("sku[]", "KIT-5K")])
    assert_call(product, "GET", "/admin/products/prod_1")


def test_a_kit_create_not_applied_is_re_sent_once(client, transport):
    transport.add(httpx.ReadTimeout("timed out"), page("variants", []), ok({"product": PRODUCT}))
    assert client.products.create(KIT) == PRODUCT
    assert [(r.method, r.url.path) for r in transport.requests] == [
        ("POST", "/admin/products"), ("GET", "/admin/product-variants"), ("POST", "/admin/products")]


def test_a_product_without_variant_skus_is_not_re_sent(client, transport):
    transport.add(httpx.RemoteProtocolError("Server disconnected without sending a response."))
    with pytest.raises(AmbiguousWriteError):
        client.products.create({"title": "x", "options": [], "variants": [{"title": "x", "prices": []}]})
    assert len(transport.requests) == 1


def test_update_variant_asks_for_the_product_id_only(client, transport):
    transport.add(ok({"product": {"id": "prod_1"}}))
    assert client.products.update_variant("prod_1", "variant_1", {"title": "Kit"}) == {"id": "prod_1"}
    assert_call(transport.requests[0], "POST", "/admin/products/prod_1/variants/variant_1",
                [("fields", "id")], json_body={"title": "Kit"})


def test_batch_inventory_links(client, transport):
    link = {"variant_id": "variant_1", "inventory_item_id": "iitem_A", "required_quantity": 2}
    transport.add(httpx.ReadTimeout("timed out"), ok({"created": [{"product": {}}], "updated": []}))
    result = client.products.batch_inventory_links(
        "prod_1", create=[link], delete=[{"variant_id": "variant_1", "inventory_item_id": "iitem_B"}])
    assert result == {"created": [{"product": {}}], "updated": [], "deleted": []}
    for request in transport.requests:  # creates are upserts: safe to re-send
        assert_call(request, "POST", "/admin/products/prod_1/variants/inventory-items/batch", json_body={
            "create": [link], "delete": [{"variant_id": "variant_1", "inventory_item_id": "iitem_B"}]})


def test_writes_are_answered_with_the_fields_asked(client, transport):
    transport.add(ok({"product": PRODUCT}), ok({"product": {"id": "prod_1"}}), ok({"product": {"id": "prod_1", "metadata": {}}}))
    assert client.products.create(KIT, fields="id,variants.id,variants.sku") == PRODUCT
    client.products.update("prod_1", {"status": "published"}, fields="id")
    client.products.update("prod_1", {"metadata": {"a": "1"}}, fields="id")
    create, update, update_metadata = transport.requests
    assert_call(create, "POST", "/admin/products", [("fields", "id,variants.id,variants.sku")], json_body=KIT)
    assert_call(update, "POST", "/admin/products/prod_1", [("fields", "id")], json_body={"status": "published"})
    assert_call(update_metadata, "POST", "/admin/products/prod_1", [("fields", "id,metadata")], json_body={"metadata": {"a": "1"}})


def test_a_kit_create_that_timed_out_is_found_with_the_fields_asked(client, transport):
    transport.add(httpx.ReadTimeout("timed out"),
                  page("variants", [{"id": "variant_1", "sku": "KIT-5K", "product_id": "prod_1"}]),
                  ok({"product": PRODUCT}))
    assert client.products.create(KIT, fields="id,variants.id,variants.sku") == PRODUCT
    assert_call(transport.requests[-1], "GET", "/admin/products/prod_1", [("fields", "id,variants.id,variants.sku")])


def test_update_delete_iter(client, transport):
    transport.add(ok({"product": PRODUCT}), ok({"id": "prod_1", "deleted": True}), page("products", [PRODUCT]))
    client.products.update("prod_1", {"status": "published"})
    client.products.delete("prod_1")
    assert list(client.products.iter(fields="id", status="draft")) == [PRODUCT]
    update, delete, listing = transport.requests
    assert_call(update, "POST", "/admin/products/prod_1", json_body={"status": "published"})
    assert_call(delete, "DELETE", "/admin/products/prod_1")
    assert_call(listing, "GET", "/admin/products", [
        ("fields", "id"), ("limit", "1000"), ("offset", "0"), ("order", "id"), ("status", "draft")])
