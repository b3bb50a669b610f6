"""The reserved watch (store/watch.py): where it starts, and what a server that cannot answer gets."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from medusa_sync.client import MedusaClient
from medusa_sync.client.errors import ServerError
from medusa_sync.store import ReservedWatch, SharedCheck, read_store, watch_reserved


def client_answering(answer: httpx.Response, seen: list[httpx.Request]) -> MedusaClient:
    def medusa(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/admin/reservations":
            return answer
        key = request.url.path.rsplit("/", 1)[-1].replace("-", "_")
        return httpx.Response(200, json={key: [], "count": 0, "offset": 0, "limit": 1000})

    return MedusaClient("http://medusa.test", api_key="sk_test", transport=httpx.MockTransport(medusa))


def newest(updated_at: str) -> httpx.Response:
    return httpx.Response(200, json={"reservations": [{"id": "resitem_9", "updated_at": updated_at}], "count": 12, "offset": 0, "limit": 1})


def test_the_watch_starts_five_minutes_before_the_newest_reservation_on_the_servers_clock() -> None:
    seen: list[httpx.Request] = []
    with client_answering(newest("2026-11-27T01:19:02.125Z"), seen) as client:
        watch = watch_reserved(client)
    assert watch == ReservedWatch(since="2026-11-27T01:14:02.125Z")
    [request] = seen
    assert dict(request.url.params) == {"fields": "id,updated_at", "order": "-updated_at", "offset": "0", "limit": "1"}


def test_a_store_without_reservations_is_watched_from_its_first() -> None:
    with client_answering(httpx.Response(200, json={"reservations": [], "count": 0, "offset": 0, "limit": 1}), []) as client:
        assert watch_reserved(client) == ReservedWatch(since=None)


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(400, json={"type": "invalid_data", "message": "Invalid request: Unrecognized fields: 'updated_at'"}),
        httpx.Response(404, text="Cannot GET /admin/reservations"),
        newest("yesterday"),
    ],
    ids=["refused", "no route", "not a time"],
)
def test_a_server_that_cannot_say_gets_no_watch_and_every_lowered_level_is_read_again(answer: httpx.Response) -> None:
    with client_answering(answer, []) as client:
        assert watch_reserved(client) is None


def test_the_watch_is_taken_before_any_level_is_read() -> None:
    seen: list[httpx.Request] = []
    with client_answering(newest("2026-11-27T01:19:02.125Z"), seen) as client:
        snapshot = read_store(client, set())
    assert seen[0].url.path == "/admin/reservations"
    assert [request.url.path for request in seen].count("/admin/reservations") == 1
    assert snapshot.reserved_watch == ReservedWatch(since="2026-11-27T01:14:02.125Z")


def test_the_watch_lists_the_reservations_changed_since_it_started() -> None:
    seen: list[httpx.Request] = []
    rows = [
        {"id": "resitem_1", "inventory_item_id": "iitem_1", "location_id": "sloc_1"},
        {"id": "resitem_2", "inventory_item_id": "iitem_1", "location_id": "sloc_1"},
        {"id": "resitem_3", "inventory_item_id": "iitem_2", "location_id": "sloc_2"},
    ]
    answer = httpx.Response(200, json={"reservations": rows, "count": 3, "offset": 0, "limit": 1000})
    with client_answering(answer, seen) as client:
        changed = ReservedWatch(since="2026-11-27T01:14:02.125Z").changed(client)
    assert changed == {("iitem_1", "sloc_1"), ("iitem_2", "sloc_2")}
    [request] = seen
    assert request.url.params["updated_at[$gte]"] == "2026-11-27T01:14:02.125Z"
    assert request.url.params["fields"] == "id,inventory_item_id,location_id"


class GatedWatch:
    """A watch whose check is answered when the test opens the gate, counting its requests."""

    def __init__(self, answer: set[tuple[str, str]] | Exception) -> None:
        self.answer = answer
        self.requests = 0
        self.sent = threading.Event()
        self.gate = threading.Event()

    def changed(self, client: object) -> set[tuple[str, str]]:
        self.requests += 1
        self.sent.set()
        self.gate.wait(5)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def ask_together(shared: SharedCheck, watch: GatedWatch, callers: int) -> list[object]:
    """`callers` threads ask; all but the first while the first one's check is unanswered."""
    answers: list[object] = []

    def ask() -> None:
        try:
            answers.append(shared.changed())
        except Exception as exc:
            answers.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(callers)]
    threads[0].start()
    assert watch.sent.wait(5)
    for thread in threads[1:]:
        thread.start()
    time.sleep(0.2)  # the others reach the unanswered check
    watch.gate.set()
    for thread in threads:
        thread.join(5)
    return answers


def test_chunks_that_ask_while_a_check_is_unanswered_share_it_in_one_request() -> None:
    watch = GatedWatch({("iitem_1", "sloc_1")})
    shared = SharedCheck(watch, client=None)
    assert ask_together(shared, watch, 4) == [{("iitem_1", "sloc_1")}] * 4
    assert watch.requests == 1
    assert shared.changed() == {("iitem_1", "sloc_1")}  # answered: the next ask is a request of its own
    assert watch.requests == 2


def test_a_failed_shared_check_fails_every_chunk_that_asked() -> None:
    failure = ServerError("GET /admin/reservations: 500", method="GET", path="/admin/reservations", status=500)
    watch = GatedWatch(failure)
    answers = ask_together(SharedCheck(watch, client=None), watch, 3)
    assert answers == [failure] * 3 and watch.requests == 1
