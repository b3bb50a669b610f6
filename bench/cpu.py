"""Where a pass's CPU went: this process, and the rest of the machine (the server under test and
its database, on a machine that runs nothing else), of which the server's main thread.

On a machine whose few cores the client shares with Medusa and PostgreSQL, a client's CPU is
time the server's single Node thread may wait for a core; these figures show it. The main
thread is Node's event loop: it runs the JavaScript of every request, one at a time, so the
seconds it is busy bound what any client can get from the server."""

from __future__ import annotations

import os
import time
from pathlib import Path

_TICKS_PER_S = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_LISTEN = "0A"  # the TCP state of a listening socket in /proc/net/tcp


def machine_busy_s(stat: Path = Path("/proc/stat"), ticks_per_s: int = _TICKS_PER_S) -> float | None:
    """CPU seconds every core of the machine has spent busy since boot (Linux `/proc/stat`: all
    but idle and iowait); None where there is no such file."""
    try:
        first = stat.read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    ticks = [int(value) for value in first[1:9]]  # user nice system idle iowait irq softirq steal
    return (sum(ticks) - ticks[3] - ticks[4]) / ticks_per_s


def main_thread_s(pid: int | None, proc: Path = Path("/proc"), ticks_per_s: int = _TICKS_PER_S) -> float | None:
    """CPU seconds (user + system) the main thread of process `pid` has used; None without one."""
    if pid is None:
        return None
    try:
        stat = (proc / str(pid) / "task" / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / ticks_per_s


def listening_pid(port: int, proc: Path = Path("/proc")) -> int | None:
    """The process of this machine that listens on TCP `port` (Linux /proc), or None."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            rows = (proc / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            columns = row.split()
            if columns[3] == _LISTEN and int(columns[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{columns[9]}]")
    for process in proc.glob("[0-9]*"):
        try:
            if any(os.readlink(fd) in inodes for fd in (process / "fd").iterdir()):
                return int(process.name)
        except OSError:
            continue
    return None


class Meter:
    """Started at construction; `own_s()`, `server_main_s()` and `others_s()` read the CPU used since.
    `server_pid`: the server's process (None: its main thread is not measured)."""

    def __init__(self, server_pid: int | None = None) -> None:
        self._server_pid = server_pid
        self._machine = machine_busy_s()
        self._server_main = main_thread_s(server_pid)
        self._own = time.process_time()

    def own_s(self) -> float:
        return time.process_time() - self._own

    def server_main_s(self) -> float | None:
        now = main_thread_s(self._server_pid)
        return None if now is None or self._server_main is None else now - self._server_main

    def others_s(self) -> float | None:
        """The machine's busy CPU beyond this process's own (never below 0: the two counters tick apart)."""
        busy = machine_busy_s()
        if busy is None or self._machine is None:
            return None
        return max(0.0, busy - self._machine - self.own_s())
