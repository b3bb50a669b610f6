"""What one bench run measured, as typed records: one record per timed pass, one list per figure.

Every figure is taken in each of the run's N rounds; `stats.Spread` summarises the samples."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Pass:
    """One timed pass of a client: `count` items or levels in `s` seconds with `requests` requests."""

    count: int
    s: float
    requests: int = 0
    client_cpu_s: float = 0.0

    @property
    def per_min(self) -> float:
        return self.count / self.s * 60


@dataclass(frozen=True)
class Step:
    """One apply step of medusa-sync (as its `Progress` reports it)."""

    total: int
    s: float
    client_cpu_s: float


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

    def step_s(self, name: str) -> float | None:
        step = self.steps.get(name)
        return step.s if step and step.s else None


@dataclass(frozen=True)
class LiveRound:
    """One round of the live scenario at one size: every figure once, minutes apart."""

    floor_create: Pass  # every item with its levels, one POST each, at medusa-sync's concurrency
    floor_list: Pass  # every item with its levels, pages of 1000, those after the first at medusa-sync's concurrency
    floor_levels: Pass  # every level +1 and back through the batch endpoint (count: both passes)
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
    offline: list[OfflineSize] = field(default_factory=list)
    live: list[LiveSize] = field(default_factory=list)
