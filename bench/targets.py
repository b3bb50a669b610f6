"""The figures the targets are about (one value per round) and the targets themselves, as data."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from bench.results import BenchRun, LiveRound, LiveSize, OfflineRun
from bench.stats import Spread

PAGE = 1000  # list page size and level batch size, as medusa-sync uses

LiveValue = Callable[[LiveSize, LiveRound], float | None]
OfflineValue = Callable[[OfflineRun], float]


def _level_rate(size: LiveSize, run: LiveRound) -> float | None:
    """medusa-sync's level writes per minute in the re-sync's level step."""
    step_s = run.resync.step_s("stock levels")
    return size.levels_changed / step_s * 60 if step_s else None


def _ratio(value: float | None, reference: float | None) -> float | None:
    return value / reference if value and reference else None


def _level_work(size: LiveSize, run: LiveRound) -> float | None:
    """The floor's server main-thread seconds per level over medusa-sync's, in its level step."""
    step = run.resync.steps.get("stock levels")
    if step is None or not step.server_main_cpu_s or not run.floor_levels.server_main_cpu_s:
        return None
    return (run.floor_levels.server_main_cpu_s / run.floor_levels.count) / (step.server_main_cpu_s / size.levels_changed)


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str  # "%" (a ratio shown as a percentage), "×", "s", "MB" or "" (a count)
    live: LiveValue | None = None
    offline: OfflineValue | None = None


METRICS = {
    metric.name: metric
    for metric in (
        Metric("full import / creation floor", "%", live=lambda s, r: r.floor_create.s / r.full.wall_s),
        Metric("item-creation step / creation floor", "%", live=lambda s, r: _ratio(r.floor_create.s, r.full.step_s("create items"))),
        Metric("level writes / batch floor", "%", live=lambda s, r: _ratio(_level_rate(s, r), r.floor_levels.per_min)),
        Metric(
            "level writes / sequential batches",
            "%",
            live=lambda s, r: _ratio(_level_rate(s, r), r.floor_levels_sequential.per_min) if r.floor_levels_sequential else None,
        ),
        Metric("level writes / naive sequential", "×", live=lambda s, r: _ratio(_level_rate(s, r), r.naive_levels.per_min)),
        Metric("level writes / naive concurrent", "×", live=lambda s, r: _ratio(_level_rate(s, r), r.naive_levels_concurrent.per_min)),
        Metric(
            "full import / creation floor, server work",
            "%",
            live=lambda s, r: _ratio(r.floor_create.server_main_cpu_s, r.full.server_main_cpu_s),
        ),
        Metric("level writes / batch floor, server work", "%", live=_level_work),
        Metric("no-op / listing floor, server work", "%", live=lambda s, r: _ratio(r.floor_list.server_main_cpu_s, r.noop.server_main_cpu_s)),
        Metric("no-op / listing floor", "%", live=lambda s, r: r.floor_list.s / r.noop.wall_s),
        Metric("no-op / sequential listing", "%", live=lambda s, r: r.floor_list_sequential.s / r.noop.wall_s if r.floor_list_sequential else None),
        Metric(
            "no-op, feeds parsed / listing floor", "%", live=lambda s, r: r.floor_list.s / r.noop_parsed.wall_s if r.noop_parsed else None
        ),
        Metric("no-op, in process", "s", live=lambda s, r: r.noop.wall_s),
        Metric("no-op, feeds parsed, in process", "s", live=lambda s, r: r.noop_parsed.wall_s if r.noop_parsed else None),
        Metric("no-op, as the command", "s", live=lambda s, r: r.noop_command.s),
        Metric("no-op requests beyond the item pages", "", live=lambda s, r: r.noop.requests - math.ceil(s.size / PAGE)),
        Metric("offline parse + plan", "s", offline=lambda r: r.parse_s + r.plan_empty_s),
        Metric("offline peak RSS", "MB", offline=lambda r: r.peak_rss_mb + r.worker_peak_rss_mb),
        Metric("offline peak Python heap", "MB", offline=lambda r: r.traced_peak_mb),
    )
}


@dataclass(frozen=True)
class Target:
    issue: str
    text: str
    metric: str
    at_least: float | None = None
    at_most: float | None = None
    sizes: tuple[int, ...] = ()  # empty: every size the run measured
    ceiling: str | None = None
    """A metric of the same ratio in the server's main-thread work: the floor's over medusa-sync's.
    Where that thread is the bottleneck, the timed ratio cannot exceed it."""

    def holds(self, value: float) -> bool:
        return (self.at_least is None or value >= self.at_least) and (self.at_most is None or value <= self.at_most)

    def worst(self, spread: Spread) -> float:
        return spread.low if self.at_least is not None else spread.high


TARGETS = (
    Target(
        "#14", "no-op re-sync ≥ 80% of the listing floor", "no-op / listing floor", at_least=0.80, sizes=(10000, 50000),
        ceiling="no-op / listing floor, server work",
    ),
    Target(
        "#14",
        "the same, the feeds parsed (no catalog cache entry)",
        "no-op, feeds parsed / listing floor",
        at_least=0.80,
        sizes=(10000, 50000),
    ),
    Target(
        "#14", "full import ≥ 95% of the creation floor", "full import / creation floor", at_least=0.95, sizes=(1000, 10000, 50000),
        ceiling="full import / creation floor, server work",
    ),
    Target(
        "#14", "level changes ≥ 90% of the batch floor", "level writes / batch floor", at_least=0.90, sizes=(10000, 50000),
        ceiling="level writes / batch floor, server work",
    ),
    Target("#14", "offline parse + plan < 3 s", "offline parse + plan", at_most=3.0, sizes=(50000,)),
    Target("#14", "offline peak RSS < 300 MB", "offline peak RSS", at_most=300.0, sizes=(50000,)),
    Target("#6", "level changes ≥ 10× the naive sequential client", "level writes / naive sequential", at_least=10.0),
    Target("#6", "no-op re-sync < 5 s (in process)", "no-op, in process", at_most=5.0, sizes=(10000,)),
    Target("#6", "no-op re-sync < 5 s (the command)", "no-op, as the command", at_most=5.0, sizes=(10000,)),
    Target("#6", "no-op requests grow with pages, not items (≤ 10 beyond the item pages)", "no-op requests beyond the item pages", at_most=10),
)


def samples(metric: Metric, run: BenchRun, size: int) -> list[float]:
    """The metric's value in each round at `size` (rounds where it has none left out)."""
    values: list[float | None] = []
    if metric.live is not None:
        for live in run.live:
            if live.size == size:
                values = [metric.live(live, round_) for round_ in live.rounds]
    elif metric.offline is not None:
        for offline in run.offline:
            if offline.size == size:
                values = [metric.offline(one) for one in offline.runs]
    return [value for value in values if value is not None]


@dataclass(frozen=True)
class Verdict:
    target: Target
    size: int
    spread: Spread | None  # None: not measured at this size
    ceiling: Spread | None = None  # the target's `ceiling` metric at this size

    @property
    def met(self) -> str:
        """"yes" when every round meets the target, "median only" when the median does and a round
        does not, "no", or "not measured"."""
        if self.spread is None:
            return "not measured"
        if not self.target.holds(self.spread.median):
            return "no"
        return "yes" if self.target.holds(self.target.worst(self.spread)) else "median only"


def evaluate(run: BenchRun, targets: tuple[Target, ...] = TARGETS) -> list[Verdict]:
    verdicts = []
    for target in targets:
        metric = METRICS[target.metric]
        measured = [live.size for live in run.live] if metric.live else [offline.size for offline in run.offline]
        for size in target.sizes or measured:
            values = samples(metric, run, size)
            bounds = samples(METRICS[target.ceiling], run, size) if target.ceiling else []
            verdicts.append(Verdict(target, size, Spread.of(values) if values else None, Spread.of(bounds) if bounds else None))
    return verdicts
