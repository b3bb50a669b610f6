"""For cron: a JSON-lines record of every sync run (the lock is medusa_sync.lease)."""

from __future__ import annotations

import itertools
import logging
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from filelock import FileLock, Timeout

log = logging.getLogger("medusa_sync.runlog")


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


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """The JSON objects of a JSON-lines file written by `append_private`, in order, a line at a
    time (no file: none); a line that is not a JSON object (a torn write) is skipped."""
    if not path.exists():
        return
    with path.open("rb") as lines:
        for line in lines:
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if isinstance(record, dict):
                yield record


def previous_part(path: Path) -> Path:
    """Where `RunLog` moves the run log once it is too large: `runs.jsonl` → `runs.jsonl.1`."""
    return path.with_name(path.name + ".1")


def rotate_if_larger(path: Path, max_bytes: int) -> None:
    """Move `path` to its previous part (replacing it) when it holds more than `max_bytes`.
    Under a lock, the size checked again, so that of two processes starting a run together
    only one moves it (the other would replace the full part with a nearly empty one). A
    writer that opened the file before the move appends to the previous part: readers read
    both. A log that cannot be moved is left to grow (a warning), never failing the run."""
    try:
        if path.stat().st_size <= max_bytes:
            return
        with FileLock(path.with_name(path.name + ".lock"), timeout=5):
            if path.stat().st_size > max_bytes:
                os.replace(path, previous_part(path))
    except FileNotFoundError:
        return
    except Timeout:  # another process holds it for longer than a rename takes: it rotates
        return
    except OSError as exc:  # e.g. a log file writable in a folder that is not: the run goes on
        log.warning("the run log %s could not be moved to %s: %s", path, previous_part(path), exc)


_RUNS_IN_THIS_PROCESS = itertools.count(1)


class RunLog:
    """Appends one JSON object per event to the run log; every event carries the run id: the
    start second, the process id and the run's number in this process (a process may run
    several commands in one second: the bench, a library user, the tests). A run's `start`
    first rotates a log past `max_bytes` (0: never)."""

    def __init__(self, path: Path, max_bytes: int = 0) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{os.getpid()}-{next(_RUNS_IN_THIS_PROCESS)}"
        self.started = time.monotonic()

    def event(self, event: str, **fields: Any) -> None:
        if event == "start" and self.max_bytes:
            rotate_if_larger(self.path, self.max_bytes)
        record = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "run": self.run_id, "event": event, **fields}
        append_private(self.path, orjson.dumps(record, default=str) + b"\n")

    @property
    def elapsed(self) -> float:
        return round(time.monotonic() - self.started, 3)
