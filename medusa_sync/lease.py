"""One writer at a time, across hosts: the writer lease, held in the store itself.

Every command that writes (import, apply, sync, the stock operations) runs under
`writer_lease(settings, command, wait=…)`: the local file lock (same host), then the store lease.

The store lease is a draft product with the reserved handle `medusa-sync-lease`, no variant, no
sales channel, its holder (host, pid, run id, command, since, expiry) in its metadata. Medusa
keeps product handles unique among non-deleted products, so creating it is an atomic
test-and-set: of two hosts creating at once, one gets `400 … already exists` and reads who holds
it. The holder renews the expiry every `ttl/4` seconds from a thread and deletes the record at the
end (also on error). A record whose expiry passed more than `grace` seconds ago, or whose holder
ran on this host and is gone (killed), is read again, and if unchanged deleted by id and created anew: deleting by id can only
remove that expired record, never the next holder's. See docs/operations.md, "One writer at a
time", for the guarantee and its limits, and why a product (and not a stock location, an
inventory item or the store's metadata).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout

from medusa_sync.client import ID_ONLY, MedusaClient
from medusa_sync.errors import LockedError, MedusaSyncError

if TYPE_CHECKING:
    from medusa_sync.config import Settings

log = logging.getLogger("medusa_sync.lease")

LEASE_HANDLE = "medusa-sync-lease"
LEASE_TITLE = "medusa-sync writer lease (do not edit)"
METADATA_KEY = "medusa_sync_lease"
TTL_S = 60.0
"""A lease not renewed for this long may be taken over. Renewed every TTL/4."""
GRACE_S = 5.0
"""Slack for clock skew between hosts: an expired lease is taken over only this much later."""
POLL_S = 2.0
RECORD_FIELDS = "id,handle,metadata"


@dataclass(frozen=True)
class Holder:
    host: str
    pid: int
    run: str
    command: str
    since: datetime
    expires: datetime

    def metadata(self) -> dict[str, Any]:
        return {
            METADATA_KEY: {
                "host": self.host,
                "pid": self.pid,
                "run": self.run,
                "command": self.command,
                "since": self.since.isoformat(timespec="seconds"),
                "expires": self.expires.isoformat(timespec="seconds"),
            }
        }

    @classmethod
    def of(cls, record: dict[str, Any]) -> Holder:
        """The holder a lease record names; an unreadable record counts as expired long ago."""
        data = (record.get("metadata") or {}).get(METADATA_KEY) or {}
        try:
            return cls(
                host=str(data["host"]),
                pid=int(data["pid"]),
                run=str(data["run"]),
                command=str(data["command"]),
                since=datetime.fromisoformat(data["since"]),
                expires=datetime.fromisoformat(data["expires"]),
            )
        except (KeyError, TypeError, ValueError):
            epoch = datetime.fromtimestamp(0, UTC)
            return cls("?", 0, "?", "?", epoch, epoch)

    def describe(self) -> str:
        return (
            f"`{self.command}` on host {self.host} (pid {self.pid}, run {self.run}), "
            f"since {self.since:%Y-%m-%d %H:%M:%S} UTC, lease expires {self.expires:%H:%M:%S} UTC"
        )


class LeaseHeldError(LockedError):
    """Another writer holds the lease (exit 6); `holder` says who."""

    def __init__(self, holder: Holder, waited: float) -> None:
        waited_text = f" (waited {waited:.0f} s)" if waited >= 1 else ""
        super().__init__(
            f"another medusa-sync writer holds the store: {holder.describe()}{waited_text}",
            hint="nothing was done; try again later, or pass --wait SECONDS",
        )
        self.holder = holder


class LeaseLostError(LockedError):
    """The lease could not be renewed before it expired: another writer may have interleaved."""


Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _died_here(holder: Holder) -> bool:
    """The holder ran on this host and its process is gone (killed): no need to wait for the
    expiry. A reused pid looks alive, which only means waiting for the expiry."""
    if holder.host != socket.gethostname() or holder.pid <= 0:
        return False
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class StoreLease:
    """The lease record in one store. `acquire`, then `start_renewing`, then `release`."""

    def __init__(
        self,
        client: MedusaClient,
        command: str,
        *,
        ttl: float = TTL_S,
        grace: float = GRACE_S,
        poll: float = POLL_S,
        clock: Clock = _utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.command = command
        self.ttl = ttl
        self.grace = grace
        self.poll = poll
        self.clock = clock
        self.sleep = sleep
        self.run = f"{_utc_now():%Y%m%dT%H%M%SZ}-{os.getpid()}-{os.urandom(3).hex()}"
        self.record_id: str | None = None
        self.holder: Holder | None = None
        self.lost: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the record ------------------------------------------------------------------------

    def _find(self) -> dict[str, Any] | None:
        rows = list(self.client.products.iter(handle=LEASE_HANDLE, fields=RECORD_FIELDS))
        return rows[0] if rows else None

    def _mine(self, now: datetime) -> Holder:
        since = self.holder.since if self.holder else now
        return Holder(socket.gethostname(), os.getpid(), self.run, self.command, since, now + timedelta(seconds=self.ttl))

    def _create(self) -> dict[str, Any] | None:
        """Create the record naming this run; the created record, or None when another writer's
        exists (or the answer was lost: `_find` then says whose it is)."""
        from medusa_sync.client import AmbiguousWriteError, InvalidDataError

        holder = self._mine(self.clock())
        body = {
            "title": LEASE_TITLE,
            "handle": LEASE_HANDLE,
            "status": "draft",
            "options": [{"title": "Default", "values": ["Default"]}],
            "metadata": holder.metadata(),
        }
        try:
            return self.client.products.create(body, fields=RECORD_FIELDS)
        except InvalidDataError as exc:
            if "already exists" not in str(exc):
                raise
            log.info("lease: another writer holds it")
        except AmbiguousWriteError:
            log.warning("lease: the create may have been applied; reading it back")
        return None

    # -- acquire / renew / release ---------------------------------------------------------

    def acquire(self, wait: float = 0.0) -> None:
        """Hold the lease, waiting up to `wait` seconds for another holder; LeaseHeldError else.

        The first attempt creates the record straight away: the handle is unique, so a create
        that succeeds holds the lease, in one request. Later attempts (a holder was found) read
        first, so that waiting does not fail a create on the server every poll."""
        started = time.monotonic()
        record = self._create()
        while True:
            if record is None:
                record = self._find()
                if record is None:
                    record = self._create()
                    continue  # created, or lost the race: read again unless it is ours
            holder = Holder.of(record)
            if holder.run == self.run:
                self.record_id = record["id"]
                self.holder = holder
                log.info("lease acquired: %s", holder.describe())
                return
            if self.clock() > holder.expires + timedelta(seconds=self.grace) or _died_here(holder):
                self._take_over(record, holder)
                record = None
                continue
            waited = time.monotonic() - started
            if waited >= wait:
                raise LeaseHeldError(holder, waited)
            self.sleep(min(self.poll, wait - waited))
            record = None

    def _take_over(self, record: dict[str, Any], holder: Holder) -> None:
        """Delete an expired lease by id, after reading it once more unchanged."""
        again = self._find()
        if again is None or again["id"] != record["id"] or Holder.of(again) != holder:
            return
        log.warning("lease: taking over an expired lease of %s", holder.describe())
        self.client.products.delete(record["id"])

    def renew(self) -> None:
        """Push the expiry out; a holder past its own expiry never renews (it lost the lease)."""
        from medusa_sync.client import ResourceNotFoundError as NotFoundError

        assert self.record_id is not None and self.holder is not None
        now = self.clock()
        if now > self.holder.expires:
            self.lost = f"not renewed before it expired at {self.holder.expires:%H:%M:%S} UTC"
            return
        holder = self._mine(now)
        try:
            self.client.products.update(self.record_id, {"metadata": holder.metadata()}, fields=ID_ONLY)
        except NotFoundError:
            self.lost = "the lease record was deleted (taken over by another writer)"
            return
        self.holder = holder

    def start_renewing(self) -> None:
        def loop() -> None:
            while not self._stop.wait(self.ttl / 4) and self.lost is None:
                try:
                    self.renew()
                except MedusaSyncError as exc:
                    log.warning("lease: renewal failed (%s); retrying", exc)
                if self.lost:
                    log.error("lease lost: %s", self.lost)

        self._thread = threading.Thread(target=loop, name="medusa-sync-lease", daemon=True)
        self._thread.start()

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.record_id is None:
            return
        try:  # by id: only ever our own record, gone already if another writer took it over
            self.client.products.delete(self.record_id)
            log.info("lease released")
        except MedusaSyncError as exc:
            log.warning("lease: could not release it (%s); it expires at %s", exc, self.holder and self.holder.expires)
        self.record_id = None

    def check(self) -> None:
        """LeaseLostError when the lease was lost while held."""
        if self.lost:
            raise LeaseLostError(
                f"the writer lease was lost during this run: {self.lost}",
                hint="another writer may have interleaved: run the command again",
            )


@contextlib.contextmanager
def local_lock(lock_file: Path, wait: float) -> Iterator[None]:
    """The same-host lock (flock: the OS drops it when the process dies)."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_file, timeout=wait)
    try:
        lock.acquire()
    except Timeout:
        raise LockedError(
            f"another medusa-sync writer is running on this host (lock {lock_file} is held)",
            hint="nothing was done; wait for it to finish, or pass --wait SECONDS",
        ) from None
    try:
        yield
    finally:
        lock.release()


_held = threading.local()


@contextlib.contextmanager
def writer_lease(
    settings: Settings, command: str, *, wait: float = 0.0, signed_in: MedusaClient | None = None
) -> Iterator[StoreLease | None]:
    """Hold the local lock and the store lease for `command`, renewed while the block runs and
    released at its end, also on error. Nested use in one thread (sync → import) is a no-op.
    `signed_in`: the run's own client, whose login the lease shares (its requests are still
    counted apart, so a run's counts hold only its own)."""
    if getattr(_held, "lease", None) is not None:
        yield _held.lease
        return
    started = time.monotonic()
    lease_client = MedusaClient.from_settings(settings) if signed_in is None else signed_in.companion()
    with local_lock(settings.lock_file, wait), lease_client as client:
        client.require_supported_server()  # a Medusa 2.0-2.2 is refused before the lease, the first write
        lease = StoreLease(client, command)
        lease.acquire(max(0.0, wait - (time.monotonic() - started)))
        lease.start_renewing()
        _held.lease = lease
        try:
            yield lease
        finally:
            _held.lease = None
            lease.release()
        lease.check()


def check_held() -> None:
    """In a leased block: LeaseLostError if the lease was lost (call before writing)."""
    lease = getattr(_held, "lease", None)
    if lease is not None:
        lease.check()
