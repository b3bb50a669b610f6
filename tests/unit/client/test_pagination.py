"""Offset pagination: exact offsets, limits and order sent; lazy; stops at `count`."""

from __future__ import annotations

import pytest

from medusa_sync.client import MedusaAPIError, MedusaClient

from .conftest import API_KEY, BASE_URL, assert_call, ok, page


def items(start: int, stop: int) -> list[dict]:
    return [{"id": f"iitem_{n:05d}"} for n in range(start, stop)]


def test_all_pages_are_read_with_order_and_offsets_and_stop_at_count(client, transport):
    transport.add(
        page("inventory_items", items(0, 1000), count=2500),
        page("inventory_items", items(1000, 2000), count=2500, offset=1000),
        page("inventory_items", items(2000, 2500), count=2500, offset=2000),
    )
    rows = list(client.inventory_items.iter(fields="id,sku", sku="A"))
    assert rows == items(0, 2500)
    for request, offset in zip(transport.requests, [0, 1000, 2000], strict=True):
        assert_call(request, "GET", "/admin/inventory-items", [
            ("fields", "id,sku"), ("limit", "1000"), ("offset", str(offset)), ("order", "id"), ("sku", "A")])


def test_an_exact_multiple_of_the_page_needs_no_extra_request(client, transport):
    transport.add(page("stock_locations", items(0, 1000), count=1000))
    assert len(client.stock_locations.list()) == 1000
    assert len(transport.requests) == 1


def test_pages_are_requested_lazily(client, transport):
    transport.add(page("inventory_items", items(0, 1000), count=1500),
                  page("inventory_items", items(1000, 1500), count=1500, offset=1000))
    rows = client.inventory_items.iter()
    assert transport.requests == []
    next(rows)
    assert len(transport.requests) == 1
    assert len(list(rows)) == 1499
    assert len(transport.requests) == 2


def test_an_empty_page_stops_even_if_count_promised_more(client, transport):
    transport.add(page("inventory_items", items(0, 10), count=50), page("inventory_items", [], count=50))
    assert len(list(client.inventory_items.iter())) == 10
    assert len(transport.requests) == 2


def test_page_size_and_order_can_be_chosen(transport, policy):
    transport.add(page("reservations", items(0, 2), count=3, limit=2),
                  page("reservations", items(2, 3), count=3, offset=2, limit=2))
    with MedusaClient(BASE_URL, api_key=API_KEY, retry=policy, transport=transport, page_size=2) as client:
        assert len(list(client.reservations.iter(order="-created_at", fields="id"))) == 3
    assert [dict(r.url.params) for r in transport.requests] == [
        {"fields": "id", "order": "-created_at", "offset": "0", "limit": "2"},
        {"fields": "id", "order": "-created_at", "offset": "2", "limit": "2"},
    ]


def test_a_malformed_page_is_never_taken_for_an_empty_store(client, transport):
    transport.add(ok({"products": [], "count": 0}))
    with pytest.raises(MedusaAPIError, match="the answer has no 'inventory_items' list"):
        list(client.inventory_items.iter())


def test_list_filters_with_more_than_20_values_are_refused_before_sending(client, transport):
    with pytest.raises(ValueError, match="at most 20"):
        client.stock_locations.list(id=[f"sloc_{n}" for n in range(21)])
    assert transport.requests == []


def test_list_filters_repeat_values(client, transport):
    transport.add(page("stock_locations", [], count=0))
    client.stock_locations.list(id=("sloc_1", "sloc_2"))
    assert_call(transport.requests[0], "GET", "/admin/stock-locations", [
        ("id", "sloc_1"), ("id", "sloc_2"), ("limit", "1000"), ("offset", "0"), ("order", "id")])
