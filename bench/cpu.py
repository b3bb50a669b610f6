"""Where a pass's CPU went: this process, and the rest of the machine (the server under test and
its database, on a machine that runs nothing else).

On a machine whose few cores the client shares with Medusa and PostgreSQL, a client's CPU is
time the server's single Node thread may wait for a core; these figures show it."""

from __future__ import annotations

import os
import time
from pathlib import Path

_TICKS_PER_S = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def machine_busy_s(stat: Path = Path("/proc/stat"), ticks_per_s: int = _TICKS_PER_S) -> float | None:
    """CPU seconds every core of the machine has spent busy since boot (Linux `/proc/stat`: all
    but idle and iowait); None where there is no such file."""
    try:
        first = stat.read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    ticks = [int(value) for value in first[1:9]]  # user nice system idle iowait irq softirq steal
    return (sum(ticks) - ticks[3] - ticks[4]) / ticks_per_s


class Meter:
    """Started at construction; `own_s()` and `others_s()` read the CPU used since."""

    def __init__(self) -> None:
        self._machine = machine_busy_s()
        self._own = time.process_time()

    def own_s(self) -> float:
        return time.process_time() - self._own

    def others_s(self) -> float | None:
        """The machine's busy CPU beyond this process's own (never below 0: the two counters tick apart)."""
        busy = machine_busy_s()
        if busy is None or self._machine is None:
            return None
        return max(0.0, busy - self._machine - self.own_s())
