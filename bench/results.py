"""What one bench run measured, as typed records: one record per timed pass, one list per figure.

Every figure is taken in each of the run's N rounds; `stats.Spread` summarises the samples."""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any, TypeVar


@dataclass(frozen=True)
class Pass:
    """One timed pass of a client: `count` items or levels in `s` seconds with `requests` requests."""

    count: int
    s: float
    requests: int = 0
    client_cpu_s: float = 0.0
    others_cpu_s: float | None = None
    """CPU the rest of the machine used meanwhile (the server, its database; `cpu.Meter`)."""
    server_main_cpu_s: float | None = None
    """Of that, the server's main thread (Node's event loop; None: not measured)."""

    @property
    def per_min(self) -> float:
        return self.count / self.s * 60


@dataclass(frozen=True)
class Step:
    """One apply step of medusa-sync (as its `Progress` reports it)."""

    total: int
    s: float
    client_cpu_s: float
    server_main_cpu_s: float | None = None  # as `Pass.server_main_cpu_s`


@dataclass(frozen=True)
class SyncRun:
    """One medusa-sync import, in process: its wall time, requests, phases and apply steps."""

    wall_s: float
    requests: int
    writes: int
    by_method: dict[str, int]
    plan: dict[str, int]
    phases: dict[str, float]
    steps: dict[str, Step]
    client_cpu_s: float | None = None
    others_cpu_s: float | None = None  # as `Pass.others_cpu_s`
    server_main_cpu_s: float | None = None  # as `Pass.server_main_cpu_s`

    def step_s(self, name: str) -> float | None:
        step = self.steps.get(name)
        return step.s if step and step.s else None


@dataclass(frozen=True)
class LiveRound:
    """One round of the live scenario at one size: every figure once, minutes apart."""

    floor_create: Pass  # every item with its levels through the item create workflow, medusa-sync's batches 4 at a time
    floor_list: Pass  # every item with its levels, pages of 1000, those after the first at medusa-sync's concurrency
    floor_levels: Pass  # every level +1 and back through the batch endpoint, medusa-sync's chunks at once (count: both passes)
    naive_create: Pass  # sequential: one request per item and one per level, on a sample
    naive_create_concurrent: Pass  # the same at medusa-sync's concurrency
    full: SyncRun
    resync: SyncRun
    noop: SyncRun
    noop_command: Pass  # the real `medusa-sync import --yes` (count: items)
    naive_levels: Pass  # the changed levels, one request each, sequential
    naive_levels_concurrent: Pass
    naive_lookup: Pass  # one GET per SKU, sequential, on a sample
    naive_lookup_concurrent: Pass
    floor_list_sequential: Pass | None = None  # the same listing, one page after the other
    floor_levels_sequential: Pass | None = None  # the same level passes, batches of 1000 one after the other
    floor_create_single: Pass | None = None  # one POST per item with its levels, at medusa-sync's concurrency, on a sample
    noop_parsed: SyncRun | None = None  # the no-op with the feeds parsed: no catalog cache entry (`noop` loads the catalog)


@dataclass(frozen=True)
class LiveSize:
    size: int
    concurrency: int
    levels: int
    levels_changed: int
    rounds: list[LiveRound]


@dataclass(frozen=True)
class OfflineRun:
    """One fresh child process: parse + normalize, plans, its peak memory."""

    items: int
    levels: int
    kits: int
    parse_s: float
    plan_empty_s: float
    plan_synced_s: float
    peak_rss_mb: float
    traced_peak_mb: float  # from a second child running under tracemalloc
    worker_peak_rss_mb: float = 0.0  # the feed parse's worker process (feeds.parsing); 0: none ran


@dataclass(frozen=True)
class OfflineSize:
    size: int
    runs: list[OfflineRun]


@dataclass(frozen=True)
class Machine:
    nproc: int | None
    cpu: str
    memory: str
    os: str
    python: str
    node: str
    postgres: str
    medusa: str
    load_start: str
    reference_loop_s: float | None = None  # `server.reference_loop_s` at the start


@dataclass
class BenchRun:
    command: str
    started: str
    machine: Machine
    seed: int
    rounds: int
    server: str = "—"
    finished: str = ""
    duration_min: float = 0.0
    load_end: str = "?"
    reference_loop_end_s: float | None = None  # ... and at the end
    offline: list[OfflineSize] = field(default_factory=list)
    live: list[LiveSize] = field(default_factory=list)


def from_json(data: dict[str, Any]) -> BenchRun:
    """A run back from its JSON (`dataclasses.asdict`), to render its report again."""
    return _record(BenchRun, data)


def merged(runs: list[BenchRun]) -> BenchRun:
    """Several runs as one report: the first one's machine, every run's sizes. A size measured
    by several runs is one size with every run's rounds, in run order (a run continued with
    more rounds by a second one)."""
    first, last = runs[0], runs[-1]
    live = _by_size([size for run in runs for size in run.live], "rounds")
    offline = _by_size([size for run in runs for size in run.offline], "runs")
    counts = [len(size.rounds) for size in live] + [len(size.runs) for size in offline]
    return dataclasses.replace(
        first,
        command=" ; ".join(run.command for run in runs),
        rounds=max(counts, default=first.rounds),
        finished=last.finished,
        duration_min=sum(run.duration_min for run in runs),
        load_end=last.load_end,
        offline=offline,
        live=live,
    )


SizeT = TypeVar("SizeT", LiveSize, OfflineSize)


def _by_size(sizes: list[SizeT], rounds: str) -> list[SizeT]:
    """`sizes` with those of one size folded into the first, their `rounds` lists joined in order."""
    folded: dict[int, SizeT] = {}
    for size in sizes:
        known = folded.get(size.size)
        if known is not None:
            size = dataclasses.replace(known, **{rounds: [*getattr(known, rounds), *getattr(size, rounds)]})
        folded[size.size] = size
    return list(folded.values())


def _record(cls: type, data: dict[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    return cls(**{f.name: _value(hints[f.name], data[f.name]) for f in dataclasses.fields(cls) if f.name in data})


def _value(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is list:
        return [_value(args[0], item) for item in value]
    if origin is dict:
        return {key: _value(args[1], item) for key, item in value.items()}
    if origin in (typing.Union, types.UnionType):
        return _value(next(arg for arg in args if arg is not type(None)), value)
    if dataclasses.is_dataclass(hint):
        return _record(hint, value)
    return value
