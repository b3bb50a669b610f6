"""The Medusa server the bench measures against, and the machine it runs on."""

from __future__ import annotations

import os
import platform
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench.cpu import listening_pid
from bench.results import Machine


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


REFERENCE_LOOP = 5_000_000


def reference_loop_s() -> float:
    """Seconds this machine takes for REFERENCE_LOOP additions in pure Python, on one core. The
    same machine kind runs this at very different speeds, and a run's absolute figures (the
    offline ones above all) do not compare with another's where it differs. It is a coarse
    guide: a machine's speed can also change within seconds."""
    started, total = time.perf_counter(), 0
    for number in range(REFERENCE_LOOP):
        total += number
    return time.perf_counter() - started


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


@dataclass(frozen=True)
class Server:
    url: str
    email: str
    password: str
    reset_command: list[str] | None
    description: str
    pid: int | None = None
    """The server's process, when it runs on this machine (its main thread's CPU is measured)."""

    def reset(self) -> None:
        """Empty the store (products, inventory, locations, ...)."""
        if not self.reset_command:
            raise SystemExit("cannot empty the store: give --reset-cmd (or use the project's scripts/medusa-server)")
        done = subprocess.run(self.reset_command, capture_output=True, text=True, timeout=300, check=False)
        if done.returncode:
            raise SystemExit(f"reset failed ({shlex.join(self.reset_command)}):\n{done.stderr[-2000:]}")


def given_server(url: str, email: str | None, password: str | None, reset_cmd: str | None) -> Server:
    """A server someone else runs; emptied only with their reset command."""
    if not (email and password):
        raise SystemExit("--url needs --email and --password (or MEDUSA_EMAIL and MEDUSA_PASSWORD)")
    reset = shlex.split(reset_cmd) if reset_cmd else None
    return Server(url.rstrip("/"), email, password, reset, f"{url} (given)", local_pid(url))


def started_server(script: Path) -> Server:
    """`SCRIPT up` (scripts/medusa-server or a copy; its ports from MEDUSA_SERVER_PORT and
    MEDUSA_SERVER_PG_PORT), emptied with `SCRIPT reset`."""
    log(f"starting the Medusa server: {script} up")
    done = subprocess.run([str(script), "up"], capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode:
        raise SystemExit(f"{script} up failed:\n{done.stderr[-3000:]}")
    printed = subprocess.run([str(script), "env"], capture_output=True, text=True, check=True).stdout
    env = dict(word.split("=", 1) for word in shlex.split(printed) if "=" in word)  # `export NAME='value'` lines
    url = env["MEDUSA_URL"]
    return Server(url, env["MEDUSA_EMAIL"], env["MEDUSA_PASSWORD"], [str(script), "reset"], f"{url} ({script})", local_pid(url))


def local_pid(url: str) -> int | None:
    """The process serving `url` when it listens on this machine's loopback, else None."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not (host.startswith("127.") or host in ("localhost", "::1")):
        return None
    return listening_pid(parts.port or (443 if parts.scheme == "https" else 80))


def machine() -> Machine:
    def run(command: list[str]) -> str:
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=30, check=False).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"

    postgres = next((run([str(binary), "--version"]) for binary in sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), reverse=True)), "?")
    memory = cpu = "?"
    try:
        kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")).split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name"))
    except (OSError, StopIteration, ValueError):
        pass
    return Machine(
        nproc=os.cpu_count(),
        cpu=cpu,
        memory=memory,
        os=platform.platform(),
        python=platform.python_version(),
        node=run(["node", "--version"]),
        postgres=postgres,
        medusa="2.21.2",
        load_start=loadavg(),
        reference_loop_s=reference_loop_s(),
    )
