"""The HTTP layer: request counters, connection limits and timeouts, base URL, thread safety."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from medusa_sync.client import MedusaClient, RequestCounts
from medusa_sync.client import transport as transport_module

from .conftest import API_KEY, BASE_URL, EMAIL, PASSWORD, ScriptedTransport, error, ok, page


def test_stats_count_every_request_by_method_and_logins_apart(policy):
    transport = ScriptedTransport([
        ok({"token": "jwt"}), page("stock_locations", []),
        error(503, "down"), page("stock_locations", [{"id": "sloc_1"}]),  # a create, its lookup
        ok({"inventory_item": {}}), ok({"id": "x", "deleted": True}),
    ])
    with MedusaClient(BASE_URL, email=EMAIL, password=PASSWORD, retry=policy, transport=transport) as client:
        client.stock_locations.list()
        before = client.stats.snapshot()
        client.stock_locations.create("CD")
        client.inventory_items.update("iitem_1", {})
        client.inventory_items.delete("iitem_1")
        after = client.stats.snapshot()
    assert after == RequestCounts({"GET": 2, "POST": 2, "DELETE": 1}, auth=1)
    assert (after.total, after.writes) == (6, 3)
    assert after - before == RequestCounts({"GET": 1, "POST": 2, "DELETE": 1}, auth=0)
    assert (client.stats.total, client.stats.writes) == (6, 3)


def test_a_read_only_run_counts_no_write(client, transport):
    transport.add(page("inventory_items", []), page("variants", []))
    list(client.inventory_items.iter())
    client.product_variants.list_by_skus(["A"])
    assert client.stats.writes == 0
    assert client.stats.snapshot().by_method == {"GET": 2}


def test_counts_are_exact_under_concurrency():
    with MedusaClient(BASE_URL, api_key=API_KEY,
                      transport=httpx.MockTransport(lambda request: ok({"stock_location": {}}))) as client:
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(lambda n: client.stock_locations.retrieve(f"sloc_{n}"), range(500)))
    assert client.stats.snapshot() == RequestCounts({"GET": 500}, auth=0)


def test_the_network_transport_gets_explicit_limits_and_timeouts(monkeypatch):
    made: dict = {}

    class RecordingTransport(httpx.HTTPTransport):
        def __init__(self, **kwargs):
            made.update(kwargs)
            super().__init__(**kwargs)

    monkeypatch.setattr(transport_module.httpx, "HTTPTransport", RecordingTransport)
    client = MedusaClient(BASE_URL, api_key=API_KEY, timeout=12.0, max_connections=7)
    limits = made["limits"]
    assert (limits.max_connections, limits.max_keepalive_connections) == (7, 7)
    timeout = client._http._client.timeout
    assert (timeout.connect, timeout.read, timeout.write, timeout.pool) == (10.0, 12.0, 12.0, 12.0)
    client.close()


def test_a_base_url_with_a_path_prefixes_every_call(policy):
    transport = ScriptedTransport([ok({"token": "jwt"}), ok({"stock_location": {}})])
    with MedusaClient("http://shop.test/medusa/", email=EMAIL, password=PASSWORD, retry=policy,
                      transport=transport) as client:
        client.stock_locations.retrieve("sloc_1")
        assert client.stats.snapshot() == RequestCounts({"GET": 1}, auth=1)
    assert [str(r.url) for r in transport.requests] == [
        "http://shop.test/medusa/auth/user/emailpass", "http://shop.test/medusa/admin/stock-locations/sloc_1"]


def test_requests_declare_json_and_the_client(client, transport):
    transport.add(ok({"inventory_item": {}}))
    client.inventory_items.update("iitem_1", {"title": "Inversor ção"})
    [request] = transport.requests
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"].startswith("medusa-sync/")
    assert request.content == '{"title":"Inversor ção"}'.encode()
