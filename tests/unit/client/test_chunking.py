"""Chunked SKU lookups and batch splitting: the exact chunks and bodies sent."""

from __future__ import annotations

import json
import threading

import httpx

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medusa_sync.client import InvalidRequestError
from medusa_sync.client.chunking import split_batch, value_chunks
from medusa_sync.client.codec import encode_json

from .conftest import assert_call, page

SKUS_45 = [f"SKU-{n:04d}" for n in range(45)]  # 8 characters each
COMMA_SKUS_45 = [f"KIT,{n:02d}" for n in range(45)]
PAGING = [("limit", "1000"), ("offset", "0"), ("order", "id")]


def test_plain_skus_go_in_one_comma_form_parameter():
    assert list(value_chunks("sku", SKUS_45)) == [{"sku[]": ",".join(SKUS_45)}]


def test_the_comma_form_is_cut_at_the_url_budget():
    # 8 characters a SKU plus 3 for each encoded comma: 8 SKUs cost 8*8 + 7*3 = 85 <= 90, 9 cost 96.
    chunks = list(value_chunks("sku", SKUS_45, max_chars=90))
    assert [chunk["sku[]"].split(",") for chunk in chunks] == [
        SKUS_45[0:8], SKUS_45[8:16], SKUS_45[16:24], SKUS_45[24:32], SKUS_45[32:40], SKUS_45[40:45]]


def test_skus_the_comma_form_would_split_are_repeated_20_at_most():
    odd = [*COMMA_SKUS_45[:44], " PADDED "]
    assert list(value_chunks("sku", odd)) == [
        {"sku": odd[0:20]}, {"sku": odd[20:40]}, {"sku": odd[40:45]}]


def test_duplicates_and_empty_values_are_dropped_and_order_kept():
    assert list(value_chunks("sku", ["B", "A", "", "B", "A,1"])) == [{"sku[]": "B,A"}, {"sku": ["A,1"]}]
    assert list(value_chunks("sku", [])) == []


def test_list_by_skus_sends_every_chunk_at_once_and_keeps_their_order(client, transport):
    in_flight = threading.Barrier(4, timeout=10)  # no chunk is answered before all four were sent

    def answer(request: httpx.Request) -> httpx.Response:
        in_flight.wait()
        skus = request.url.params.get_list("sku") or request.url.params["sku[]"].split(",")
        wanted = {SKUS_45[0]: "iitem_1", COMMA_SKUS_45[0]: "iitem_2", COMMA_SKUS_45[44]: "iitem_3"}
        return page("inventory_items", [{"id": wanted[sku], "sku": sku} for sku in skus if sku in wanted])

    transport.add(answer, answer, answer, answer)
    rows = client.inventory_items.list_by_skus([*SKUS_45, *COMMA_SKUS_45], fields="id,sku")
    assert [row["id"] for row in rows] == ["iitem_1", "iitem_2", "iitem_3"]
    fields = [("fields", "id,sku")]
    expected = [
        [*PAGING, *fields, ("sku[]", ",".join(SKUS_45))],
        *([*PAGING, *fields, *(("sku", s) for s in chunk)] for chunk in (COMMA_SKUS_45[0:20], COMMA_SKUS_45[20:40], COMMA_SKUS_45[40:])),
    ]
    assert sorted(sorted(request.url.params.multi_items()) for request in transport.requests) == sorted(
        sorted(params) for params in expected
    )
    assert {(request.method, request.url.path) for request in transport.requests} == {("GET", "/admin/inventory-items")}


def test_variants_by_sku_with_kit_availability(client, transport):
    transport.add(page("variants", [{"id": "variant_1", "sku": "KIT-1", "inventory_quantity": 3}]))
    rows = client.product_variants.list_by_skus(["KIT-1", "KIT-2"], fields="id,sku,inventory_quantity")
    assert rows == [{"id": "variant_1", "sku": "KIT-1", "inventory_quantity": 3}]
    assert_call(transport.requests[0], "GET", "/admin/product-variants",
                [*PAGING, ("fields", "id,sku,inventory_quantity"), ("sku[]", "KIT-1,KIT-2")])


def test_lookups_by_id(client, transport):
    ids = [f"iitem_{n:02d}" for n in range(30)]
    transport.add(page("inventory_items", [{"id": "iitem_00"}]), page("variants", [{"id": "variant_1"}]))
    assert client.inventory_items.list_by_ids(ids, fields=("id", "sku")) == [{"id": "iitem_00"}]
    assert client.product_variants.list_by_ids(["variant_1"]) == [{"id": "variant_1"}]
    items, variants = transport.requests
    assert_call(items, "GET", "/admin/inventory-items", [*PAGING, ("fields", "id,sku"), ("id[]", ",".join(ids))])
    assert_call(variants, "GET", "/admin/product-variants", [*PAGING, ("id[]", "variant_1")])


def update(n: int) -> dict:
    return {"inventory_item_id": f"iitem_{n:05d}", "location_id": "sloc_1", "stocked_quantity": n}


def test_a_batch_is_cut_by_entries_in_order():
    creates = [update(n) for n in range(300)]
    updates = [update(n) for n in range(300, 2500)]
    bodies = split_batch({"create": creates, "update": updates, "delete": ["ilev_1"]}, max_entries=1000)
    assert bodies == [
        {"create": creates, "update": updates[:700]},
        {"update": updates[700:1700]},
        {"update": updates[1700:], "delete": ["ilev_1"]},
    ]


def test_a_batch_is_cut_by_bytes():
    updates = [update(n) for n in range(100)]
    entry_size = len(json.dumps(updates[0], separators=(",", ":")))
    bodies = split_batch({"update": updates}, max_bytes=10 * entry_size)
    assert [len(body["update"]) for body in bodies] == [9] * 11 + [1]  # 9 make 13 + 9 * 79 - 1 = 723 bytes, 10 make 802
    assert all(len(json.dumps(body, separators=(",", ":"))) <= 10 * entry_size for body in bodies)


def test_an_entry_too_large_alone_is_refused():
    with pytest.raises(InvalidRequestError):
        split_batch({"update": [update(1)]}, max_bytes=20)


entries = st.lists(
    st.fixed_dictionaries({"inventory_item_id": st.text(max_size=30), "stocked_quantity": st.integers(0, 10**9)}),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(creates=entries, updates=entries, deletes=st.lists(st.text(max_size=20), max_size=30),
       max_entries=st.integers(1, 50), max_bytes=st.integers(200, 3000))
def test_any_batch_splits_within_limits_and_loses_nothing(creates, updates, deletes, max_entries, max_bytes):
    sections = {"create": creates, "update": updates, "delete": deletes}
    bodies = split_batch(sections, max_entries=max_entries, max_bytes=max_bytes)
    for body in bodies:
        assert 0 < sum(len(v) for v in body.values()) <= max_entries
        assert len(encode_json(body)) <= max_bytes  # the bytes the client sends
    for name, wanted in sections.items():
        assert [entry for body in bodies for entry in body.get(name, [])] == wanted
    for body, following in zip(bodies, bodies[1:]):  # each body is as full as the limits allow
        section, entries = next(iter(following.items()))
        grown = {**body, section: [*body.get(section, []), entries[0]]}
        assert sum(len(v) for v in body.values()) == max_entries or len(encode_json(grown)) > max_bytes
