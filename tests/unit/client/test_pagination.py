"""Offset pagination: exact offsets, limits and order sent; lazy; stops at `count`; whole-list
reads with concurrent pages, in order, re-read when the list moved."""

from __future__ import annotations

import gc
import threading
import time
import tracemalloc

import httpx
import pytest

from medusa_sync.client import MedusaAPIError, MedusaClient
from medusa_sync.client.errors import ListMovedError

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


# -- read_all: the whole list, its pages after the first read concurrently ------------------


class PagedList(httpx.MockTransport):
    """Answers `GET /admin/inventory-items` by offset from `versions[n]`: the rows of the list
    as the n-th read of it sees them (a read starts at offset 0). `fail` answers the given
    (read, offset) pairs with a status first; every request is recorded, thread-safely."""

    def __init__(self, *versions: tuple[list[dict], int], fail: dict | None = None, barrier: int = 0) -> None:
        self.versions = list(versions)
        self.fail = dict(fail or {})
        self.requests: list[tuple[int, int]] = []  # (offset, limit)
        self.reads = -1
        self.lock = threading.Lock()
        self.barrier = threading.Barrier(barrier) if barrier else None
        self.first_pages: dict[int, tuple[list[dict], int]] = {}  # offset → (page, count) of the first read only
        super().__init__(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        assert (request.method, request.url.path) == ("GET", "/admin/inventory-items")
        assert (params["order"], params["fields"]) == ("id", "id,sku")
        offset, limit = int(params["offset"]), int(params["limit"])
        with self.lock:
            self.requests.append((offset, limit))
            if offset == 0:
                self.reads += 1
            read = self.reads
            status = self.fail.pop((read, offset), None)
        if status is not None:
            return httpx.Response(status, json={"type": "unknown_error", "message": "busy"})
        if self.barrier is not None and offset:
            self.barrier.wait(timeout=5)  # every page after the first is in flight at once
        if read == 0 and offset in self.first_pages:
            page_rows, count = self.first_pages[offset]
            return httpx.Response(200, json={"inventory_items": page_rows, "count": count})
        rows, count = self.versions[min(read, len(self.versions) - 1)]
        if offset == 1000:
            time.sleep(0.05)  # answered last: the order of the rows must not follow the answers
        return httpx.Response(200, json={"inventory_items": rows[offset : offset + limit], "count": count, "offset": offset, "limit": limit})


def client_on(transport: httpx.MockTransport, policy, concurrency: int = 4) -> MedusaClient:
    return MedusaClient(BASE_URL, api_key=API_KEY, retry=policy, transport=transport, read_concurrency=concurrency)


def test_read_all_reads_the_first_page_then_the_others_concurrently_and_keeps_their_order(policy):
    store = PagedList((items(0, 3500), 3500), barrier=3)
    with client_on(store, policy) as client:
        rows = client.inventory_items.list_all(fields="id,sku")
    assert rows == items(0, 3500)
    assert store.requests[0] == (0, 1000)
    assert sorted(store.requests) == [(0, 1000), (1000, 1000), (2000, 1000), (3000, 1000)]


def test_read_all_of_one_page_sends_one_request(policy):
    store = PagedList((items(0, 1000), 1000))
    with client_on(store, policy) as client:
        assert client.inventory_items.list_all(fields="id,sku") == items(0, 1000)
    assert store.requests == [(0, 1000)]


def test_read_all_concurrency_is_bounded(policy):
    in_flight, peak, lock = [0], [0], threading.Lock()
    pages = PagedList((items(0, 6000), 6000))

    def counted(request: httpx.Request) -> httpx.Response:
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        try:
            time.sleep(0.02)
            return pages.handle(request)
        finally:
            with lock:
                in_flight[0] -= 1

    with client_on(httpx.MockTransport(counted), policy, concurrency=2) as client:
        assert client.inventory_items.list_all(fields="id,sku") == items(0, 6000)
    assert len(pages.requests) == 6
    assert peak[0] == 2


def test_a_page_that_fails_transiently_is_retried_by_the_one_policy(policy, sleeps):
    store = PagedList((items(0, 2500), 2500), fail={(0, 2000): 503})
    with client_on(store, policy) as client:
        assert client.inventory_items.list_all(fields="id,sku") == items(0, 2500)
    assert sorted(store.requests) == [(0, 1000), (1000, 1000), (2000, 1000), (2000, 1000)]
    assert sleeps == [0.0]


def test_a_page_refused_for_good_fails_the_read(policy):
    store = PagedList((items(0, 2500), 2500), fail={(0, 1000): 400})
    with client_on(store, policy) as client, pytest.raises(MedusaAPIError, match="busy"):
        client.inventory_items.list_all(fields="id,sku")
    # Sent once each: a refused page is not retried, and the list is not read again; the page
    # at 2000 may or may not have been sent before the failure cancelled it.
    assert store.requests[:1] == [(0, 1000)]
    assert store.requests.count((1000, 1000)) == 1
    assert set(store.requests) <= {(0, 1000), (1000, 1000), (2000, 1000)}
    assert len(store.requests) == len(set(store.requests))


def test_a_count_that_moves_during_the_read_makes_it_read_again(policy, caplog):
    # An item added (iitem_00500-new) after the first page was read: the later pages see 2501
    # rows, shifted by one (iitem_00999 would be read twice). The second read sees a steady list.
    grown = sorted([*items(0, 2500), {"id": "iitem_00500-new"}], key=lambda row: row["id"])
    store = PagedList((grown, 2501))
    store.first_pages = {0: (items(0, 1000), 2500)}  # the first read's first page predates the insert
    with client_on(store, policy) as client:
        rows = client.inventory_items.list_all(fields="id,sku")
    assert rows == grown
    assert store.requests[0] == (0, 1000)
    assert sorted(store.requests[1:3]) == [(1000, 1000), (2000, 1000)]
    assert store.requests[3] == (0, 1000)  # read again
    assert sorted(store.requests[4:]) == [(1000, 1000), (2000, 1000)]
    assert "the list moved while it was read (count went from 2500 to 2501); read 1 of 3" in caplog.text


def test_a_row_read_twice_is_kept_once_and_makes_the_read_be_read_again(policy, caplog):
    # One item added before offset 1000 and one deleted at the end: the count stays 2500, but
    # the second page starts with iitem_00999 again, so the first read holds 2499 distinct rows.
    moved = sorted([*items(0, 2499), {"id": "iitem_00500-new"}], key=lambda row: row["id"])
    store = PagedList((moved, 2500))
    store.first_pages = {0: (items(0, 1000), 2500)}
    with client_on(store, policy) as client:
        rows = client.inventory_items.list_all(fields="id,sku")
    assert rows == moved
    assert len(store.requests) == 6
    assert "the list moved while it was read (2499 distinct rows read of 2500); read 1 of 3" in caplog.text


def test_a_list_that_keeps_moving_fails_after_three_reads(policy):
    calls = [0]

    def moving(request: httpx.Request) -> httpx.Response:
        calls[0] += 1
        offset = int(request.url.params["offset"])
        count = 1500 + calls[0]  # every answer sees one more row
        return httpx.Response(200, json={"inventory_items": items(offset, min(offset + 1000, count)), "count": count})

    with client_on(httpx.MockTransport(moving), policy) as client, pytest.raises(ListMovedError) as raised:
        client.inventory_items.list_all(fields="id,sku")
    assert calls[0] == 6  # three reads of two pages
    assert "the list kept changing while it was read, 3 times" in str(raised.value)
    assert raised.value.hint == "something else is adding or deleting records right now; run the command again"


def test_convert_runs_as_each_page_arrives_before_the_last_is_answered(policy):
    """The last page is answered only once the second page's rows were converted: converting
    after the whole list was read would hold it back (the wait would time out)."""
    second_page_converted = threading.Event()
    waited: list[bool] = []
    pages = PagedList((items(0, 2500), 2500))

    def last_page_waits(request: httpx.Request) -> httpx.Response:
        if request.url.params["offset"] == "2000":
            waited.append(second_page_converted.wait(timeout=5))
        return pages.handle(request)

    def convert(row: dict) -> str:
        if row["id"] == items(1999, 2000)[0]["id"]:
            second_page_converted.set()
        return row["id"].upper()

    with client_on(httpx.MockTransport(last_page_waits), policy) as client:
        rows = client.inventory_items.list_all(fields="id,sku", convert=convert)
    assert waited == [True]
    assert rows == [row["id"].upper() for row in items(0, 2500)]


def test_the_other_pages_are_requested_before_the_first_page_is_converted(policy):
    """Converting a page takes the client a while (a 1000-row page of items: tens of ms); the
    pages after the first are requested before it, not after (the conversion would time out)."""
    second_page_asked = threading.Event()
    waited: list[bool] = []
    pages = PagedList((items(0, 2500), 2500))

    def noted(request: httpx.Request) -> httpx.Response:
        if request.url.params["offset"] != "0":
            second_page_asked.set()
        return pages.handle(request)

    def convert(row: dict) -> str:
        if row["id"] == items(0, 1)[0]["id"]:
            waited.append(second_page_asked.wait(timeout=5))
        return row["id"]

    with client_on(httpx.MockTransport(noted), policy) as client:
        rows = client.inventory_items.list_all(fields="id,sku", convert=convert)
    assert waited == [True]
    assert rows == [row["id"] for row in items(0, 2500)]
    assert sorted(pages.requests) == [(0, 1000), (1000, 1000), (2000, 1000)]


def test_convert_sees_each_row_once_and_a_list_read_again_is_converted_again(policy):
    moved = sorted([*items(0, 2499), {"id": "iitem_00500-new"}], key=lambda row: row["id"])
    store = PagedList((moved, 2500))
    store.first_pages = {0: (items(0, 1000), 2500)}
    converted: list[str] = []

    def convert(row: dict) -> str:
        converted.append(row["id"])
        return row["id"]

    with client_on(store, policy) as client:
        rows = client.inventory_items.list_all(fields="id,sku", convert=convert)
    assert rows == [row["id"] for row in moved]
    assert len(converted) == 2499 + 2500  # the first read's distinct rows (iitem_00999 once), then the second read's


def test_each_page_is_let_go_once_its_rows_are_converted(policy):
    """A read of 12 pages whose rows are converted to their ids holds, while it converts the
    last page, that page and the first (kept for its count), not all twelve: each page is
    answered only after the one before it was converted, and let go once converted."""
    blob = "x" * 2000
    converted = {offset: threading.Event() for offset in range(0, 12000, 1000)}
    held: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        if offset:
            assert converted[offset - 1000].wait(timeout=5)
        rows = [{"id": f"iitem_{n:05d}", "blob": blob} for n in range(offset, offset + 1000)]
        return httpx.Response(200, json={"inventory_items": rows, "count": 12000})

    def convert(row: dict) -> str:
        number = int(row["id"][6:])
        if number == 11999:
            gc.collect()  # what is held, not garbage of earlier answers not yet collected
            held.append(tracemalloc.get_traced_memory()[0])
        if number % 1000 == 999:
            converted[number - 999].set()
        return row["id"]

    tracemalloc.start()
    try:
        with client_on(httpx.MockTransport(answer), policy) as client:
            ids = client.inventory_items.list_all(fields="id,blob", convert=convert)
    finally:
        tracemalloc.stop()
    assert ids == [f"iitem_{n:05d}" for n in range(12000)]
    page = 1000 * len(blob)  # a page's blobs alone: 2 MB
    assert held[0] < 5 * page  # measured: ~6 MB (the first page, the last and its answer); all twelve held: ~29 MB


def test_pages_are_converted_as_they_arrive_and_the_rows_kept_in_list_order(policy):
    """The second page is answered only once the fourth was converted: read in order, the
    fourth would wait for the second and the read would stop with a timeout."""
    fourth_converted = threading.Event()
    converted: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        if offset == 1000:
            assert fourth_converted.wait(timeout=5), "the fourth page waited for the second"
        return httpx.Response(200, json={"inventory_items": items(offset, min(offset + 1000, 4000)), "count": 4000})

    def convert(row: dict) -> str:
        number = int(row["id"][6:])
        if number % 1000 == 999:
            converted.append(number // 1000)
        if number == 3999:
            fourth_converted.set()
        return row["id"]

    with client_on(httpx.MockTransport(answer), policy) as client:
        ids = client.inventory_items.list_all(fields="id,sku", convert=convert)
    assert ids == [row["id"] for row in items(0, 4000)]
    assert converted[0] == 0 and converted.index(3) < converted.index(1)
