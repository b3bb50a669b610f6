"""The Markdown report of a bench run (typed results in, text out), and its place in RESULTS.md."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from bench.results import BenchRun, LiveRound, LiveSize, OfflineSize, Pass, SyncRun
from bench.server import REFERENCE_LOOP
from bench.stats import Spread
from bench.targets import METRICS, TARGETS, Target, evaluate, samples

RESULTS_START = "<!-- bench:results:start -->"
RESULTS_END = "<!-- bench:results:end -->"

NUMBER: dict[str, Callable[[float], str]] = {
    "%": lambda value: f"{value:.0%}",
    "×": lambda value: f"{value:.1f}×",
    "s": lambda value: f"{value:.2f}",
    "ms": lambda value: f"{value:.2f}",
    "MB": lambda value: f"{value:.0f}",
    "": lambda value: f"{value:,.0f}",
    "/min": lambda value: f"{value:,.0f}",
}
UNIT = {"%": "", "×": "", "s": " s", "ms": " ms", "MB": " MB", "": "", "/min": "/min"}


def spread(values: Sequence[float | None], unit: str) -> str:
    """The median (min–max) of the values that exist, or "—"."""
    present = [value for value in values if value is not None]
    if not present:
        return "—"
    return Spread.of(present).format(NUMBER[unit], UNIT[unit])


def _metric(run: BenchRun, name: str, size: int) -> str:
    metric = METRICS[name]
    return spread(samples(metric, run, size), metric.unit)


def render(run: BenchRun, targets: tuple[Target, ...] = TARGETS) -> str:
    lines = [
        f"Run {run.started} → {run.finished} ({run.duration_min:.1f} min): `{run.command}`",
        "",
        _machine(run),
        "",
        f"Every figure is the {_medians(run)}, then (min–max). In each round every figure — "
        "medusa-sync, the server floor and the naive clients — is measured once, in the same order, after the same "
        "warm-up; a ratio (\"vs floor\", \"vs naive\") is taken within each round, then summarised.",
    ]
    if run.offline:
        lines += ["", *_offline(run.offline)]
    for live in run.live:
        lines += ["", *_live(run, live)]
    if run.live or run.offline:
        lines += ["", *_targets(run, targets)]
    return "\n".join(lines)


def _medians(run: BenchRun) -> str:
    """What each figure is the median of: the run's rounds, or, in runs merged from runs of
    different lengths, each size's."""
    counts = {f"{size.size:,}": len(size.rounds) for size in run.live}
    counts |= {f"{size.size:,} offline": len(size.runs) for size in run.offline}
    if len(set(counts.values())) <= 1:
        return f"**median of {run.rounds} rounds**"
    sizes_by_count: dict[int, list[str]] = {}
    for size, count in counts.items():
        sizes_by_count.setdefault(count, []).append(size)
    each = "; ".join(
        f"{count} round{'s' if count != 1 else ''} at {', '.join(sizes)}" for count, sizes in sorted(sizes_by_count.items(), reverse=True)
    )
    return f"**median of its size's rounds** ({each}; a figure measured once has no range)"


def _machine(run: BenchRun) -> str:
    m = run.machine
    return (
        f"Machine: {m.nproc} cores ({m.cpu}), {m.memory} RAM, {m.os}; Python {m.python}, Node {m.node}, {m.postgres}, "
        f"Medusa {m.medusa} on {run.server}. Load average (1/5/15 min) at start {m.load_start}, at end {run.load_end}. "
        f"{_speed(run)}The machine is shared with other work, so every ratio compares figures taken in the same round, minutes apart, "
        "against the same server."
    )


def _speed(run: BenchRun) -> str:
    start, end = run.machine.reference_loop_s, run.reference_loop_end_s
    if start is None:
        return ""
    at_end = f", at the end {end:.2f} s" if end is not None else ""
    return (
        f"Speed: {REFERENCE_LOOP:,} additions in a pure-Python loop took {start:.2f} s at the start{at_end} "
        "(a coarse guide: absolute figures do not compare across runs where these differ). "
    )


def _offline(sizes: list[OfflineSize]) -> list[str]:
    lines = [
        "### Offline: parse + normalize, plan",
        "",
        "| items (levels, kits) | parse + normalize | plan vs empty store | parse + plan | plan vs synced store | peak RSS (process + worker) | "
        "the worker's | peak Python heap (tracemalloc) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for offline in sizes:
        runs, first = offline.runs, offline.runs[0]
        lines.append(
            f"| {offline.size:,} ({first.levels:,}, {first.kits:,}) | {spread([r.parse_s for r in runs], 's')} | "
            f"{spread([r.plan_empty_s for r in runs], 's')} | **{spread([r.parse_s + r.plan_empty_s for r in runs], 's')}** | "
            f"{spread([r.plan_synced_s for r in runs], 's')} | **{spread([r.peak_rss_mb + r.worker_peak_rss_mb for r in runs], 'MB')}** | "
            f"{spread([r.worker_peak_rss_mb for r in runs], 'MB')} | {spread([r.traced_peak_mb for r in runs], 'MB')} |"
        )
    lines += [
        "",
        "Each round is a fresh child process. Peak RSS: its high-water mark (VmHWM, the Linux figure behind `getrusage` "
        "ru_maxrss; interpreter and imports, ~40 MB, included) after parse + plan vs an empty store, plus the high-water "
        "mark of the worker process that parses feed files beside it (from 4 MB of feeds on 2 cores; `getrusage` of the "
        "child once it has ended): an upper bound, since the worker ends before the plan. Peak Python heap: "
        "`tracemalloc`'s peak over the same work, in a second child (tracing slows it). The synced store is built "
        "offline from the catalog (as a full import leaves it) and checked to plan zero writes.",
    ]
    return lines


def _live(run: BenchRun, live: LiveSize) -> list[str]:
    rounds, size, metric = live.rounds, live.size, lambda name: _metric(run, name, live.size)

    def over(value: Callable[[LiveRound], float | None], unit: str) -> str:
        return spread([value(r) for r in rounds], unit)

    def per_min(count: int, seconds: Callable[[LiveRound], float | None]) -> Callable[[LiveRound], float | None]:
        return lambda r: count / s * 60 if (s := seconds(r)) else None

    def times(value: Callable[[LiveRound], float | None], naive: Callable[[LiveRound], float]) -> str:
        return over(lambda r: value(r) / naive(r) if value(r) else None, "×")

    full_rate = per_min(size, lambda r: r.full.wall_s)
    step_rate = per_min(size, lambda r: r.full.step_s("create items"))
    level_rate = per_min(live.levels_changed, lambda r: r.resync.step_s("stock levels"))
    naive_noop_s = [lambda r: size * r.naive_lookup.s / r.naive_lookup.count, lambda r: size * r.naive_lookup_concurrent.s / r.naive_lookup_concurrent.count]
    first = rounds[0]
    kits = first.full.steps.get("create kits")
    bases = first.resync.steps.get("sync bases")
    single_floor = (
        f" (one POST per item, on {first.floor_create_single.count:,} items: "
        f"{over(lambda r: r.floor_create_single.per_min if r.floor_create_single else None, '/min')})"
        if first.floor_create_single
        else ""
    )
    lines = [
        f"### Live: {size:,} items, {live.levels:,} levels ({live.concurrency} concurrent requests)",
        "",
        f"| figure | medusa-sync | server floor | vs floor | naive, sequential | naive, {live.concurrency} concurrent | vs naive (sequential; concurrent) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        f"| full import from an empty store, end to end (items/min) | **{over(full_rate, '/min')}** ({over(lambda r: r.full.wall_s, 's')}, "
        f"{first.full.requests:,} requests) | {over(lambda r: r.floor_create.per_min, '/min')}{single_floor} | **{metric('full import / creation floor')}** | "
        f"{over(lambda r: r.naive_create.per_min, '/min')} | {over(lambda r: r.naive_create_concurrent.per_min, '/min')} | "
        f"{times(full_rate, lambda r: r.naive_create.per_min)}; {times(full_rate, lambda r: r.naive_create_concurrent.per_min)} |",
        f"| — its item-creation step (items/min) | {over(step_rate, '/min')} ({over(lambda r: r.full.step_s('create items'), 's')}) | "
        f"{over(lambda r: r.floor_create.per_min, '/min')} | {metric('item-creation step / creation floor')} | — | — | "
        f"{times(step_rate, lambda r: r.naive_create.per_min)}; {times(step_rate, lambda r: r.naive_create_concurrent.per_min)} |",
        f"| — its kit step ({kits.total if kits else 0} products with their links) | {over(lambda r: r.full.step_s('create kits'), 's')} | — | — | — | — | — |",
        f"| re-sync, {live.levels_changed:,} levels changed: level writes (levels/min) | **{over(level_rate, '/min')}** "
        f"({over(lambda r: r.resync.step_s('stock levels'), 's')}) | {over(lambda r: r.floor_levels.per_min, '/min')} "
        f"(one batch of 1000 after the other: {over(lambda r: r.floor_levels_sequential.per_min if r.floor_levels_sequential else None, '/min')}) | "
        f"**{metric('level writes / batch floor')}** (vs one after the other: {metric('level writes / sequential batches')}) | "
        f"{over(lambda r: r.naive_levels.per_min, '/min')} | "
        f"{over(lambda r: r.naive_levels_concurrent.per_min, '/min')} | **{metric('level writes / naive sequential')}**; "
        f"{metric('level writes / naive concurrent')} |",
        f"| — its sync bases ({bases.total if bases else 0:,} items' metadata, after their levels) | {over(lambda r: r.resync.step_s('sync bases'), 's')} | — | — | — | — | — |",
        f"| — the whole re-sync, end to end | {over(lambda r: r.resync.wall_s, 's')}, {first.resync.requests:,} requests | — | — | "
        f"{over(lambda r: r.naive_levels.s, 's')} | {over(lambda r: r.naive_levels_concurrent.s, 's')} | "
        f"{times(lambda r: r.naive_levels.s, lambda r: r.resync.wall_s)}; {times(lambda r: r.naive_levels_concurrent.s, lambda r: r.resync.wall_s)} |",
        f"| no-op re-sync (in process) | **{metric('no-op, in process')}**, {first.noop.requests} requests | "
        f"listing every item: {over(lambda r: r.floor_list.s, 's')} (one page after the other: "
        f"{over(lambda r: r.floor_list_sequential.s if r.floor_list_sequential else None, 's')}) | "
        f"**{metric('no-op / listing floor')}** (vs the sequential listing: {metric('no-op / sequential listing')}) | "
        f"~{over(naive_noop_s[0], 's')} (one GET per SKU) | ~{over(naive_noop_s[1], 's')} | "
        f"{times(naive_noop_s[0], lambda r: r.noop.wall_s)}; {times(naive_noop_s[1], lambda r: r.noop.wall_s)} |",
        f"| — the same no-op, the feeds parsed (no catalog cache entry) | {metric('no-op, feeds parsed, in process')} | — | "
        f"{metric('no-op, feeds parsed / listing floor')} | — | — | — |",
        f"| no-op re-sync (the `medusa-sync import --yes --json` command) | **{metric('no-op, as the command')}**, "
        f"{first.noop_command.requests} requests | — | — | — | — | — |",
        "",
        _stages(live),
    ]
    return lines


def _stages(live: LiveSize) -> str:
    rounds, first = live.rounds, live.rounds[0]

    def phases(run_of: Callable[[LiveRound], SyncRun], names: Sequence[str]) -> str:
        return ", ".join(f"{name} {spread([run_of(r).phases.get(name) for r in rounds], 's')}" for name in names)

    def cpu(pass_of: Callable[[LiveRound], SyncRun | Pass]) -> str:
        return " + ".join(spread([getattr(pass_of(r), name) for r in rounds], "s") for name in ("client_cpu_s", "others_cpu_s"))

    def busy(seconds: Callable[[LiveRound], float | None], wall: Callable[[LiveRound], float | None]) -> str:
        """The server main thread's CPU seconds, and that as a share of the wall time."""
        shares = [(cpu / s if (cpu := seconds(r)) is not None and (s := wall(r)) else None) for r in rounds]
        return f"{spread([seconds(r) for r in rounds], 's')} ({spread(shares, '%')})"

    def level_step(field: str) -> Callable[[LiveRound], float | None]:
        return lambda r: getattr(r.resync.steps["stock levels"], field) if "stock levels" in r.resync.steps else None

    steps = ", ".join(f"{name} {spread([r.full.step_s(name) for r in rounds], 's')}" for name in first.full.steps)
    return (
        "Phases (the feeds are parsed while the run signs in and takes the writer lease, and the store is read while "
        "they are parsed: 'parse feeds' is what the parse takes beyond the lease, 'read store' what the read takes "
        "beyond the parse) "
        f"of the no-op: {phases(lambda r: r.noop, ('parse feeds', 'read store', 'plan', 'reservations report', 'outputs'))}; "
        f"of the no-op with the feeds parsed: {phases(lambda r: r.noop_parsed, ('parse feeds', 'read store')) if first.noop_parsed else '—'}. "
        f"Of the full import: {phases(lambda r: r.full, ('parse feeds', 'read store', 'plan'))}, apply steps: {steps}; "
        f"{phases(lambda r: r.full, ('outputs',))}. "
        f"Requests by method (first round) — full import {first.full.by_method}, re-sync {first.resync.by_method}, "
        f"no-op {first.noop.by_method} (plus one login each). Client CPU per created item: medusa-sync "
        f"{spread([r.full.steps['create items'].client_cpu_s / live.size * 1000 if 'create items' in r.full.steps else None for r in rounds], 'ms')}, "
        f"the floor's client {spread([r.floor_create.client_cpu_s / r.floor_create.count * 1000 for r in rounds], 'ms')}. "
        "CPU, the client's own + the rest of the machine's (the server and its database, on the same cores): "
        f"the no-op {cpu(lambda r: r.noop)}, the listing floor {cpu(lambda r: r.floor_list)}; "
        f"the full import {cpu(lambda r: r.full)}, the creation floor {cpu(lambda r: r.floor_create)}. "
        "Of that, the server's main thread, busy (its share of the wall time): "
        f"the full import {busy(lambda r: r.full.server_main_cpu_s, lambda r: r.full.wall_s)}, "
        f"the creation floor {busy(lambda r: r.floor_create.server_main_cpu_s, lambda r: r.floor_create.s)}; "
        f"the no-op {busy(lambda r: r.noop.server_main_cpu_s, lambda r: r.noop.wall_s)}, "
        f"the listing floor {busy(lambda r: r.floor_list.server_main_cpu_s, lambda r: r.floor_list.s)}; "
        f"the re-sync's level step {busy(level_step('server_main_cpu_s'), level_step('s'))}, "
        f"the floor's level passes {busy(lambda r: r.floor_levels.server_main_cpu_s, lambda r: r.floor_levels.s)}. "
        f"The naive clients create {first.naive_create.count:,} items spread over the catalog ({first.naive_create.requests:,} requests) "
        f"and look up {first.naive_lookup.count:,} SKUs; their no-op time is extrapolated to every item. "
        "Timing boundaries: the floor and the naive clients build and serialise their bodies inside their timers, "
        "as medusa-sync does; medusa-sync's end-to-end figures include parsing the feeds (or, in the no-op over "
        "the same feeds, loading them from the catalog cache), reading the store, planning and writing the outputs. "
        "The full import and the re-sync parse: each starts with an empty catalog cache."
    )


def _targets(run: BenchRun, targets: tuple[Target, ...]) -> list[str]:
    lines = [
        "### Targets",
        "",
        "Met: **yes** in every round, *median only* when a round missed it, **no** when the median misses it. "
        "Ceiling: the same ratio taken over the CPU seconds of the server's main thread (Node's event loop, which runs "
        "every request's JavaScript one at a time), the floor's over medusa-sync's: while that thread is the bottleneck, "
        "medusa-sync's timed ratio cannot go above it, however its requests are sent.",
        "",
        "| issue | target | size | measured | met | ceiling |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for verdict in evaluate(run, targets):
        unit = METRICS[verdict.target.metric].unit
        measured, ceiling = (spread.format(NUMBER[unit], UNIT[unit]) if spread else "—" for spread in (verdict.spread, verdict.ceiling))
        met = {"yes": "yes", "no": "**no**", "median only": "*median only*"}.get(verdict.met, verdict.met)
        lines.append(f"| {verdict.target.issue} | {verdict.target.text} | {verdict.size:,} | {measured} | {met} | {ceiling} |")
    return lines


def write_results(path: Path, text: str) -> None:
    """Replace what lies between the markers in `path`, keeping the notes around them."""
    existing = path.read_text() if path.exists() else f"# medusa-sync benchmark\n\n{RESULTS_START}\n{RESULTS_END}\n"
    if RESULTS_START not in existing or RESULTS_END not in existing:
        existing = existing.rstrip() + f"\n\n{RESULTS_START}\n{RESULTS_END}\n"
    head, rest = existing.split(RESULTS_START, 1)
    _, tail = rest.split(RESULTS_END, 1)
    path.write_text(f"{head}{RESULTS_START}\n{text}\n{RESULTS_END}{tail}")
