"""Stock locations: create with recovery by name, list, retrieve."""

from __future__ import annotations

import httpx

from .conftest import assert_call, ok, page

LOCATION = {"id": "sloc_1", "name": "CD Sul"}


def test_create_sends_name_metadata_and_address(client, transport):
    transport.add(ok({"stock_location": LOCATION}))
    address = {"address_1": "Rua A, 1", "country_code": "br"}
    client.stock_locations.create("CD Sul", metadata={"owner": "medusa-sync"}, address=address)
    assert_call(transport.requests[0], "POST", "/admin/stock-locations",
                json_body={"name": "CD Sul", "metadata": {"owner": "medusa-sync"}, "address": address})


def test_a_create_that_timed_out_is_found_by_name(client, transport):
    transport.add(httpx.ReadTimeout("timed out"), page("stock_locations", [LOCATION]))
    assert client.stock_locations.create("CD Sul") == LOCATION
    post, lookup = transport.requests
    assert_call(lookup, "GET", "/admin/stock-locations",
                [("name", "CD Sul"), ("order", "-created_at"), ("limit", "1")])


def test_list_and_retrieve(client, transport):
    transport.add(page("stock_locations", [LOCATION]), ok({"stock_location": LOCATION}))
    assert client.stock_locations.list(name="CD Sul") == [LOCATION]
    assert client.stock_locations.retrieve("sloc_1", fields="id,name") == LOCATION
    listing, retrieve = transport.requests
    assert_call(listing, "GET", "/admin/stock-locations",
                [("limit", "1000"), ("name", "CD Sul"), ("offset", "0"), ("order", "id")])
    assert_call(retrieve, "GET", "/admin/stock-locations/sloc_1", [("fields", "id,name")])
