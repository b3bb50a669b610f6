"""For cron: a JSON-lines record of every sync run (the lock is medusa_sync.lease)."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson


class RunLog:
    """Appends one JSON object per event to the run log; every event carries the run id."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{os.getpid()}"
        self.started = time.monotonic()

    def event(self, event: str, **fields: Any) -> None:
        record = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "run": self.run_id, "event": event, **fields}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("ab") as stream:
            stream.write(orjson.dumps(record, default=str) + b"\n")

    @property
    def elapsed(self) -> float:
        return round(time.monotonic() - self.started, 3)
