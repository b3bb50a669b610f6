"""`find_or_create`: a stock location is looked up before, after an ambiguous failure, and after its create."""

from __future__ import annotations

import httpx
import pytest

from medusa_sync.client.resources import stock_locations
from medusa_sync.client.resources.stock_locations import location_key

from .conftest import body, ok, page

PATH = "/admin/stock-locations"
KEYED = {"fields": "id,name,metadata,created_at", "order": "created_at", "limit": "1000", "offset": "0"}
ODEX = {"id": "sloc_old", "name": "Odex CD", "metadata": {"medusa_sync_key": "odex cd"}, "created_at": "2026-01-10T12:00:00Z"}
OURS = {"id": "sloc_new", "name": "Odex CD", "metadata": {"medusa_sync_key": "odex cd"}, "created_at": "2026-01-10T12:00:01Z"}


@pytest.fixture
def settles(monkeypatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(stock_locations.time, "sleep", waits.append)
    return waits


def test_the_key_ignores_case_accents_and_spacing() -> None:
    assert location_key("  Fotus  CD  ESPÍRITO SANTO ") == location_key("fotus cd espirito santo") == "fotus cd espirito santo"


def test_an_existing_location_is_found_by_name_or_key_and_not_created(client, transport) -> None:
    legacy = {"id": "sloc_1", "name": "odex  cd", "metadata": None, "created_at": "2026-01-10T12:00:00Z"}
    transport.add(page("stock_locations", [legacy]))
    assert client.stock_locations.find_or_create("Odex CD") == legacy
    assert [(r.method, dict(r.url.params)) for r in transport.requests] == [("GET", KEYED)]


def test_a_create_carries_the_key_and_is_checked_after(client, transport) -> None:
    transport.add(page("stock_locations", []), ok({"stock_location": OURS}), page("stock_locations", [OURS]))
    assert client.stock_locations.find_or_create("Odex CD", metadata={"managed_by": "medusa-sync"}) == OURS
    assert body(transport.requests[1]) == {"name": "Odex CD", "metadata": {"managed_by": "medusa-sync", "medusa_sync_key": "odex cd"}}
    assert [r.method for r in transport.requests] == ["GET", "POST", "GET"]


def test_of_two_made_at_once_ours_is_deleted_when_empty(client, transport) -> None:
    transport.add(
        page("stock_locations", []),
        ok({"stock_location": OURS}),
        page("stock_locations", [OURS, ODEX]),
        ok({"inventory_items": [], "count": 0, "offset": 0, "limit": 1}),
        ok({"id": "sloc_new", "object": "stock_location", "deleted": True}),
    )
    assert client.stock_locations.find_or_create("Odex CD") == ODEX
    assert dict(transport.requests[3].url.params) == {"location_levels.location_id": "sloc_new", "fields": "id", "limit": "1"}
    assert (transport.requests[4].method, transport.requests[4].url.path) == ("DELETE", f"{PATH}/sloc_new")


def test_after_a_timeout_it_waits_for_the_create_in_flight_before_re_sending(client, transport, settles) -> None:
    transport.add(
        page("stock_locations", []),
        httpx.ReadTimeout("held"),
        page("stock_locations", []),  # the held create has not landed yet
        page("stock_locations", [ODEX]),  # ... and has after the wait
        page("stock_locations", [ODEX]),  # the look-up after the create
    )
    assert client.stock_locations.find_or_create("Odex CD") == ODEX
    assert settles == [30.0]
    assert [r.method for r in transport.requests] == ["GET", "POST", "GET", "GET", "GET"]  # never re-sent


def test_a_create_that_never_landed_is_re_sent_after_the_wait(client, transport, settles) -> None:
    transport.add(
        page("stock_locations", []),
        httpx.ReadTimeout("lost"),
        page("stock_locations", []),
        page("stock_locations", []),
        ok({"stock_location": OURS}),
        page("stock_locations", [OURS]),
    )
    assert client.stock_locations.find_or_create("Odex CD") == OURS
    assert [r.method for r in transport.requests] == ["GET", "POST", "GET", "GET", "POST", "GET"]
