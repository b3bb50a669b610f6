"""The writer lease against a fake products endpoint that keeps handles unique, as Medusa does."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from medusa_sync.cli.exit_codes import exit_code_of
from medusa_sync.client import MedusaClient, RetryPolicy
from medusa_sync.errors import LockedError
from medusa_sync.lease import LEASE_HANDLE, Holder, LeaseHeldError, LeaseLostError, StoreLease

T0 = datetime(2026, 1, 10, 12, 0, 0, tzinfo=UTC)


class FakeProducts:
    """`/admin/products` with only what the lease uses; `rival` runs just before a create lands."""

    def __init__(self) -> None:
        self.rows: dict[str, dict] = {}
        self.calls: list[tuple[str, str]] = []
        self.answer_fields: list[str | None] = []  # the fields= of each write's answer
        self.rival = None
        self.lose_create_answers = False  # a create lands, its answer is a 502
        self._n = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.calls.append((request.method, path))
        if request.method == "POST":
            self.answer_fields.append(request.url.params.get("fields"))
        if request.method == "GET":
            rows = [row for row in self.rows.values() if row["handle"] == request.url.params.get("handle")]
            return httpx.Response(200, json={"products": rows, "count": len(rows), "offset": 0, "limit": 1000})
        if request.method == "POST" and path == "/admin/products":
            if self.rival is not None:
                rival, self.rival = self.rival, None
                rival()
            body = json.loads(request.content)
            if any(row["handle"] == body["handle"] for row in self.rows.values()):
                message = f"Product with handle: {body['handle']}, already exists."
                return httpx.Response(400, json={"type": "invalid_data", "message": message})
            created = self.add(body["handle"], body["metadata"])
            if self.lose_create_answers:
                return httpx.Response(502, text="Bad Gateway")
            return httpx.Response(200, json={"product": created})
        product_id = path.rsplit("/", 1)[1]
        if request.method == "DELETE":
            self.rows.pop(product_id, None)
            return httpx.Response(200, json={"id": product_id, "object": "product", "deleted": True})
        if product_id not in self.rows:
            return httpx.Response(404, json={"type": "not_found", "message": f"Product with id {product_id} not found"})
        self.rows[product_id]["metadata"] |= json.loads(request.content)["metadata"]
        return httpx.Response(200, json={"product": self.rows[product_id]})

    def add(self, handle: str, metadata: dict) -> dict:
        self._n += 1
        row = {"id": f"prod_{self._n}", "handle": handle, "metadata": metadata}
        self.rows[row["id"]] = row
        return row


def other_holder(expires: datetime) -> dict:
    return Holder("cron-host", 4242, "run-other", "sync", T0 - timedelta(minutes=5), expires).metadata()


@pytest.fixture
def fake() -> FakeProducts:
    return FakeProducts()


@pytest.fixture
def client(fake):
    policy = RetryPolicy(max_attempts=1)
    with MedusaClient("http://medusa.test", api_key="sk_test", retry=policy, transport=httpx.MockTransport(fake.handle)) as medusa:
        yield medusa


def lease(client, *, now=T0, sleeps=None, command="import") -> StoreLease:
    clock = [now]

    def sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)
        clock[0] += timedelta(seconds=seconds)

    return StoreLease(client, command, clock=lambda: clock[0], sleep=sleep)


def test_acquire_creates_the_record_naming_the_holder_and_release_deletes_it(fake, client) -> None:
    mine = lease(client)
    mine.acquire()
    (row,) = fake.rows.values()
    held = Holder.of(row)
    assert row["handle"] == LEASE_HANDLE
    assert (held.run, held.command, held.since, held.expires) == (mine.run, "import", T0, T0 + timedelta(seconds=60))
    assert fake.calls == [("POST", "/admin/products")]  # the handle is unique: a create that lands holds it
    assert fake.answer_fields == ["id,handle,metadata"]
    mine.release()
    assert fake.rows == {}


def test_a_second_writer_exits_6_naming_the_holder(fake, client) -> None:
    fake.add(LEASE_HANDLE, other_holder(T0 + timedelta(seconds=40)))
    with pytest.raises(LeaseHeldError) as caught:
        lease(client).acquire(wait=0)
    assert isinstance(caught.value, LockedError) and exit_code_of(caught.value) == 6
    assert str(caught.value) == (
        "another medusa-sync writer holds the store: `sync` on host cron-host (pid 4242, run run-other), "
        "since 2026-01-10 11:55:00 UTC, lease expires 12:00:40 UTC"
    )
    assert fake.calls == [("POST", "/admin/products"), ("GET", "/admin/products")]


def test_the_loser_of_a_simultaneous_create_reads_the_winner(fake, client) -> None:
    fake.rival = lambda: fake.add(LEASE_HANDLE, other_holder(T0 + timedelta(seconds=60)))
    with pytest.raises(LeaseHeldError, match="run run-other"):
        lease(client).acquire(wait=0)
    assert len(fake.rows) == 1


def test_a_create_whose_answer_was_lost_is_read_back_and_held(fake, client) -> None:
    fake.lose_create_answers = True
    mine = lease(client)
    mine.acquire(wait=0)
    assert fake.calls == [("POST", "/admin/products"), ("GET", "/admin/products")]
    assert mine.record_id == "prod_1" and Holder.of(fake.rows["prod_1"]).run == mine.run


def test_waiting_polls_until_the_holder_releases(fake, client) -> None:
    row = fake.add(LEASE_HANDLE, other_holder(T0 + timedelta(seconds=60)))
    sleeps: list[float] = []
    mine = lease(client, sleeps=sleeps)
    original_sleep = mine.sleep

    def sleep(seconds: float) -> None:
        original_sleep(seconds)
        if len(sleeps) == 3:
            fake.rows.pop(row["id"])

    mine.sleep = sleep
    mine.acquire(wait=30)
    assert sleeps == [2.0, 2.0, 2.0]
    # one create first; while a holder is there it only reads, so the server fails no create per poll
    assert [method for method, _ in fake.calls] == ["POST", "GET", "GET", "GET", "GET", "POST"]
    assert Holder.of(next(iter(fake.rows.values()))).run == mine.run


def test_an_expired_lease_is_taken_over_only_after_the_grace(fake, client) -> None:
    fake.add(LEASE_HANDLE, other_holder(T0 - timedelta(seconds=4)))  # expired 4 s ago: within the grace
    with pytest.raises(LeaseHeldError):
        lease(client).acquire(wait=0)
    fake.calls.clear()
    mine = lease(client, now=T0 + timedelta(seconds=2))  # now 6 s past the expiry
    mine.acquire(wait=0)
    assert fake.calls == [
        ("POST", "/admin/products"),  # refused: the expired record still holds the handle
        ("GET", "/admin/products"),
        ("GET", "/admin/products"),  # read once more, unchanged
        ("DELETE", "/admin/products/prod_1"),
        ("GET", "/admin/products"),
        ("POST", "/admin/products"),
    ]
    assert Holder.of(fake.rows["prod_2"]).run == mine.run


def test_renewal_pushes_the_expiry_and_a_deleted_record_means_lost(fake, client) -> None:
    mine = lease(client)
    mine.acquire()
    mine.clock = lambda: T0 + timedelta(seconds=15)
    mine.renew()
    assert Holder.of(fake.rows["prod_1"]).expires == T0 + timedelta(seconds=75)
    assert fake.answer_fields == ["id,handle,metadata", "id,metadata"]
    mine.check()
    fake.rows.clear()  # another writer took it over
    mine.renew()
    with pytest.raises(LeaseLostError, match="deleted"):
        mine.check()


def test_a_holder_past_its_own_expiry_does_not_renew(fake, client) -> None:
    mine = lease(client)
    mine.acquire()
    fake.calls.clear()
    mine.clock = lambda: T0 + timedelta(seconds=61)
    mine.renew()
    assert fake.calls == []
    with pytest.raises(LeaseLostError, match="not renewed before it expired at 12:01:00 UTC"):
        mine.check()


def test_a_killed_holder_on_this_host_is_taken_over_at_once(fake, client) -> None:
    import socket
    import subprocess
    import sys

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    dead = Holder(socket.gethostname(), int(gone.stdout), "run-killed", "import", T0, T0 + timedelta(seconds=60))
    fake.add(LEASE_HANDLE, dead.metadata())
    mine = lease(client)
    mine.acquire(wait=0)
    assert Holder.of(fake.rows["prod_2"]).run == mine.run
    alive = Holder(socket.gethostname(), os.getpid(), "run-alive", "sync", T0, T0 + timedelta(seconds=60))
    fake.rows.clear()
    fake.add(LEASE_HANDLE, alive.metadata())
    with pytest.raises(LeaseHeldError, match="run run-alive"):
        lease(client).acquire(wait=0)


def test_the_lease_shares_the_runs_login_and_keeps_its_requests_apart(fake, tmp_path) -> None:
    from medusa_sync.config import Settings
    from medusa_sync.lease import writer_lease

    logins: list[str] = []

    def medusa(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/user/emailpass":
            logins.append(request.method)
            return httpx.Response(200, json={"token": "jwt-1"})
        assert request.headers["authorization"] == "Bearer jwt-1"
        if request.url.path == "/admin/inventory-items/location-levels/batch":  # the supported-server probe
            return httpx.Response(200, json={"created": [], "updated": [], "deleted": []})
        return fake.handle(request)

    settings = Settings(medusa_url=None, lock_file=tmp_path / "medusa-sync.lock")  # the lease uses `signed_in`
    transport = httpx.MockTransport(medusa)
    with MedusaClient("http://medusa.test", email="a@b.test", password="pw", transport=transport) as run_client:
        with writer_lease(settings, "import", signed_in=run_client):
            assert [row["handle"] for row in fake.rows.values()] == [LEASE_HANDLE]
            run_client.products.list_all(fields="id")
        assert fake.rows == {}
    assert logins == ["POST"]
    assert (run_client.stats.snapshot().auth, run_client.stats.snapshot().by_method) == (1, {"GET": 1})
