"""For cron: one sync at a time (a file lock), and a JSON-lines record of every run."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from filelock import FileLock, Timeout

from medusa_sync.errors import LockedError


def append_private(path: Path, data: bytes) -> None:
    """Append `data` with one `write` (O_APPEND: concurrent writers never interleave inside it) to
    a file only its owner may read: created 0600, and narrowed to 0600 if it was wider."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        if os.fstat(descriptor).st_mode & 0o077:
            os.fchmod(descriptor, 0o600)
        os.write(descriptor, data)
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    """Hold the sync lock, or raise LockedError at once. The OS drops the lock if the process
    dies, so a killed run never blocks the next one (filelock uses flock)."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_file, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise LockedError(
            f"another medusa-sync sync is running (lock {lock_file} is held)", hint="wait for it to finish; nothing was done"
        ) from None
    try:
        yield
    finally:
        lock.release()


class RunLog:
    """Appends one JSON object per event to the run log; every event carries the run id."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{os.getpid()}"
        self.started = time.monotonic()

    def event(self, event: str, **fields: Any) -> None:
        record = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "run": self.run_id, "event": event, **fields}
        append_private(self.path, orjson.dumps(record, default=str) + b"\n")

    @property
    def elapsed(self) -> float:
        return round(time.monotonic() - self.started, 3)
