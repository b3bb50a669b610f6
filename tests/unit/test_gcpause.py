"""The cyclic garbage collector is paused around the big builds and always given back."""

from __future__ import annotations

import gc

import httpx
import pytest

from medusa_sync.client import MedusaClient
from medusa_sync.gcpause import gc_paused
from medusa_sync.store import read_store


def test_a_pause_gives_the_collector_back_even_when_the_block_fails() -> None:
    assert gc.isenabled()
    with pytest.raises(ValueError), gc_paused():
        assert not gc.isenabled()
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_pause_inside_a_pause_leaves_the_collector_to_the_outer_one() -> None:
    with gc_paused():
        with gc_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def _scanned_by_the_collector(objects: list[list[int]]) -> int:
    tracked = {id(tracked_object) for tracked_object in gc.get_objects()}
    return sum(id(one) in tracked for one in objects)


def test_what_a_pause_built_and_kept_is_frozen_so_the_collector_never_scans_it_again() -> None:
    frozen_before = gc.get_freeze_count()
    with gc_paused():
        built = [[index] for index in range(1000)]
    assert _scanned_by_the_collector(built) == 0
    assert gc.get_freeze_count() - frozen_before >= 1001  # the rows and their list
    del built  # reference counting still frees frozen objects


def test_what_a_failed_pause_built_is_left_to_the_collector() -> None:
    built: list[list[int]] = []
    with pytest.raises(ValueError), gc_paused():
        built.extend([index] for index in range(1000))
        raise ValueError("boom")
    assert _scanned_by_the_collector(built) == 1000


def test_the_store_is_read_with_the_collector_paused() -> None:
    seen: list[bool] = []

    def medusa(request: httpx.Request) -> httpx.Response:
        seen.append(gc.isenabled())
        key = request.url.path.rsplit("/", 1)[-1].replace("-", "_")
        return httpx.Response(200, json={key: [], "count": 0, "offset": 0, "limit": 1000})

    with MedusaClient("http://medusa.test", api_key="sk_test", transport=httpx.MockTransport(medusa)) as client:
        read_store(client, set())
    assert (len(seen), any(seen), gc.isenabled()) == (4, False, True)  # reservations, locations, products, items
