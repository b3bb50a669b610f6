"""Parsing a feed root's files, on two cores where there are two.

A large feed root is parsed by this process and by a worker process (`feeds.worker`) at once:
each takes the largest file left, until none is. The worker writes each file's result as JSON,
which pydantic validates here in about a fifth of the time the parse took (a pickle loads no
faster, and costs the worker three times as long to write). The results are those of a parse in
this process, in the same order: the catalog does not depend on who parsed what.

The worker is a new interpreter (`python -P -c`, importing `feeds.worker`), not a fork: this
process may be running other threads (a sync reads the store while the feeds are parsed), and a
`multiprocessing` child would run the caller's main module again. Anything that stops the worker
(it cannot start, it is killed, it fails on a file) leaves its files to this process, which
parses them as it would have without a worker: a file that fails the worker fails here too.
"""

from __future__ import annotations

import collections
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import IO, Annotated, NamedTuple

import orjson
from pydantic import Field, TypeAdapter, ValidationError

import medusa_sync
from medusa_sync.config import Rules
from medusa_sync.feeds.distributor import Distributor, ParsedKit, ParsedProduct
from medusa_sync.feeds.reader import FileContext, open_feed
from medusa_sync.feeds.registry import DISTRIBUTORS
from medusa_sync.models import FeedFile, ValidationIssue

log = logging.getLogger("medusa_sync")

PARALLEL_BYTES = 4 << 20
"""The feed root size from which a worker parses beside this process. Starting it takes about
0.3 s of another core; 4 MB of feeds (some 6,000 items) take about 0.4 s to parse."""
WORKER_GRACE_S = 10.0
"""Once this process has parsed what it took, how long the worker has to finish the files in its
hands, beyond twice the time this process took (it parses no larger file, at about the same
speed): a worker that hangs is ended and its files parsed here."""


class ParsedFile(NamedTuple):
    file: FeedFile
    records: list[Annotated[ParsedProduct | ParsedKit, Field(union_mode="left_to_right")]]  # validated in half the time of "smart"
    issues: list[ValidationIssue]
    issued: list[int]
    """For each record, how many of `issues` had been reported when it was parsed: a catalog's
    own issues about a record (a duplicate SKU) come right after the parse's."""


PARSED_FILE = TypeAdapter(ParsedFile)


def parse_file(feed_root: Path, distributor: Distributor, path: Path, rules: Rules) -> ParsedFile:
    ctx = FileContext(path=path.relative_to(feed_root).as_posix(), distributor=distributor)
    feed = open_feed(path, ctx)
    records, issued = [], []
    for parsed in distributor.parse(feed.records(), ctx, rules):
        records.append(parsed)
        issued.append(len(ctx.issues))
    file = FeedFile(path=ctx.path, distributor=distributor.name, records=feed.count, complete=feed.complete, digest=feed.digest)
    return ParsedFile(file, records, ctx.issues, issued)


def parse_files(feed_root: Path, found: Sequence[tuple[Distributor, Path]], rules: Rules) -> list[ParsedFile]:
    """Each of the `found` files (as `discover` lists them) parsed, in their order."""
    sizes = [_size(path) for _, path in found]
    parsed: dict[int, ParsedFile] = {}
    if len(found) > 1 and sum(sizes) >= PARALLEL_BYTES and _cores() > 1:
        shareable = [index for index, (distributor, _) in enumerate(found) if _known(distributor)]
        shared = collections.deque(sorted(shareable, key=sizes.__getitem__, reverse=True))
        worker = _Worker(feed_root, found, rules, shared, parsed)
        started = time.monotonic()
        try:
            while (index := _take(shared)) is not None:
                parsed[index] = parse_file(feed_root, *found[index], rules)
        except BaseException:
            worker.stop(within=0)
            raise
        worker.stop(within=WORKER_GRACE_S + 2 * (time.monotonic() - started))
        log.debug("feeds: %d of %d files parsed by a worker process", worker.count, len(found))
    for index, (distributor, path) in enumerate(found):  # all of them, or those the worker could not take
        if index not in parsed:
            parsed[index] = parse_file(feed_root, distributor, path, rules)
    return [parsed[index] for index in range(len(found))]


class _Worker:
    """The worker process, and the thread here that hands it the largest file left in `queue`
    (the files it can parse, largest first) and stores its results in `parsed`.

    The worker writes each result to a file in a temporary folder and says so on its output:
    read from a pipe, a result of megabytes would wait for this process's GIL at every 64 kB
    while the parse here holds it (a 7 MB result took 2 s to arrive)."""

    def __init__(
        self,
        feed_root: Path,
        found: Sequence[tuple[Distributor, Path]],
        rules: Rules,
        queue: collections.deque[int],
        parsed: dict[int, ParsedFile],
    ) -> None:
        self.count = 0
        self._found, self._queue, self._parsed = found, queue, parsed
        self._process: subprocess.Popen[bytes] | None = None
        self._stopping = False
        self._thread = threading.Thread(target=self._serve, args=(feed_root, rules), name="feed worker", daemon=True)
        self._thread.start()

    def _serve(self, feed_root: Path, rules: Rules) -> None:
        try:
            with tempfile.TemporaryDirectory(prefix="medusa-sync-feeds-") as folder, _start(feed_root, rules) as process:
                self._process = process
                try:
                    if not self._stopping:  # else `stop` found no process to end
                        self._hand_over(process, Path(folder))
                finally:
                    process.kill()  # it has sent what it was given, or this process stops early
        except (OSError, EOFError, ValueError, ValidationError) as exc:  # its files are parsed here
            log.debug("feeds: the worker process stopped (%s): parsing here", exc)

    def _hand_over(self, process: subprocess.Popen[bytes], folder: Path) -> None:
        assert process.stdin is not None
        _await_line(process)  # ready: until then, this process takes the largest files
        index = self._send(process.stdin, folder)
        while index is not None:
            _await_line(process)
            following = self._send(process.stdin, folder)  # before this result is read: the worker goes on meanwhile
            result = _result_path(folder, index)
            self._parsed[index] = PARSED_FILE.validate_json(result.read_bytes())
            result.unlink()
            self.count += 1
            index = following

    def _send(self, requests: IO[bytes], folder: Path) -> int | None:
        """Hand the worker the largest file left; its index, or None when none is."""
        index = _take(self._queue)
        if index is None:
            return None
        distributor, path = self._found[index]
        request = {"distributor": distributor.name, "path": str(path), "result": str(_result_path(folder, index))}
        requests.write(orjson.dumps(request) + b"\n")
        requests.flush()
        return index

    def stop(self, within: float) -> None:
        """End the worker once the results of the files in its hands are read, or after `within`
        seconds: the files of a worker that hangs are parsed here."""
        self._thread.join(within)
        if self._thread.is_alive():
            self._stopping = True
            self._queue.clear()
            if self._process is not None:
                self._process.kill()
            self._thread.join()


def _await_line(process: subprocess.Popen[bytes]) -> None:
    """The worker's next line (it is ready, or a result is written); EOFError when it has ended."""
    assert process.stdout is not None
    if not process.stdout.readline():
        raise EOFError(f"the worker ended ({process.wait()})")


def _result_path(folder: Path, index: int) -> Path:
    return folder / f"{index}.json"


_BOOTSTRAP = "import sys; sys.argv[1] in sys.path or sys.path.insert(0, sys.argv[1]); import medusa_sync.feeds.worker as w; w.main()"
"""The worker's command (`python -P -c`): it imports medusa-sync from where this process did."""


def _start(feed_root: Path, rules: Rules) -> subprocess.Popen[bytes]:
    package_root = str(Path(medusa_sync.__file__).resolve().parents[1])
    process = subprocess.Popen(
        [sys.executable, "-P", "-c", _BOOTSTRAP, package_root],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # what fails the worker fails here too, and is reported here
    )
    assert process.stdin is not None
    process.stdin.write(orjson.dumps({"feed_root": str(feed_root), "rules": rules.model_dump(mode="json")}) + b"\n")
    process.stdin.flush()
    return process


def _take(queue: collections.deque[int]) -> int | None:
    """The first index of `queue`, taken (None: it is empty). Both threads take from it: popleft
    is atomic, a test for emptiness then a popleft is not."""
    try:
        return queue.popleft()
    except IndexError:
        return None


_REGISTERED = dict(DISTRIBUTORS)
"""The registry as `feeds.registry` defines it: the worker's."""


def _known(distributor: Distributor) -> bool:
    """Whether the worker can parse this distributor's files: one `feeds.registry` defines (a
    distributor registered while this process runs is not in the worker's registry)."""
    return _REGISTERED.get(distributor.name) is distributor


def _cores() -> int:
    """The cores this process may use: those it may run on, within its cgroup's CPU quota (a
    container limited to one CPU on a larger host starts no worker)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
    quota = _cgroup_cpus()
    return cores if quota is None else max(1, min(cores, int(quota)))


CGROUP_ROOT = Path("/sys/fs/cgroup")
SELF_CGROUP = Path("/proc/self/cgroup")


def _cgroup_cpus() -> float | None:
    """The CPUs' worth of time cgroup v2 allows this process (`cpu.max` of its cgroup and of each
    parent: the smallest); None without a limit, or without cgroup v2."""
    try:
        path = next(line[3:] for line in SELF_CGROUP.read_text().splitlines() if line.startswith("0::"))
    except (OSError, StopIteration):
        return None
    limits = []
    for folder in (PurePosixPath(path), *PurePosixPath(path).parents):
        try:
            quota, period = (CGROUP_ROOT / folder.relative_to("/") / "cpu.max").read_text().split()
            if quota != "max":
                limits.append(int(quota) / int(period))
        except (OSError, ValueError, ZeroDivisionError):  # no limit set there, or not readable
            continue
    return min(limits, default=None)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # reported by the parse
        return 0
