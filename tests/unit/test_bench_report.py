"""The bench's pure parts: statistics, target evaluation, the report rendered from typed results."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for the bench package

from bench.report import RESULTS_END, RESULTS_START, render, write_results  # noqa: E402
from bench.results import BenchRun, LiveRound, from_json, merged, LiveSize, Machine, OfflineRun, OfflineSize, Pass, Step, SyncRun  # noqa: E402
from bench.cpu import listening_pid, machine_busy_s, main_thread_s  # noqa: E402
from bench.stats import Spread  # noqa: E402
from bench.targets import METRICS, TARGETS, Target, Verdict, evaluate, samples  # noqa: E402

MACHINE = Machine(2, "Test CPU", "4.0 GiB", "Linux", "3.11.7", "v20", "postgres 15", "2.21.2", "0.50 0.40 0.30")


def sync_run(
    wall_s: float,
    steps: dict[str, Step] | None = None,
    requests: int = 5,
    cpu: tuple[float, float] | None = None,
    server_main: float | None = None,
) -> SyncRun:
    phases = {"parse feeds": 0.5, "read store": 1.0, "plan": 0.25}
    return SyncRun(wall_s, requests, 0, {"GET": requests}, {}, phases, steps or {}, *(cpu or (None, None)), server_main)


def live_round(*, floor_s: float = 60.0, full_s: float = 60.0, noop_s: float = 2.0, list_s: float = 1.0, level_step_s: float = 1.0) -> LiveRound:
    """A round at 1,000 items, 1,000 levels of which 100 change; rates chosen to make ratios exact.
    The server's main thread: 36 s for the floor's creations, 48 s for the full import (75%);
    0.9 s for the listing, 1.2 s for the no-op (75%); 0.8 ms per level in the floor's level
    passes, 1 ms in the re-sync's level step (80%)."""
    return LiveRound(
        floor_create=Pass(1000, floor_s, 1000, 3.0, 40.0, 36.0),
        floor_list=Pass(1000, list_s, 1, 0.1, 1.5, 0.9),
        floor_levels=Pass(2000, 2.0, 2, 0.0, None, 1.6),  # 60,000 levels/min
        naive_create=Pass(100, 60.0, 200),  # 100 items/min
        naive_create_concurrent=Pass(100, 15.0, 200),  # 400 items/min
        full=sync_run(full_s, {"create items": Step(1000, 50.0, 2.0), "create kits": Step(17, 5.0, 0.1)}, cpu=(6.0, 55.0), server_main=48.0),
        resync=sync_run(3.0, {"stock levels": Step(100, level_step_s, 0.01, 0.1), "sync bases": Step(98, 0.5, 0.01)}),
        noop=sync_run(noop_s, requests=4, cpu=(1.0, 2.25), server_main=1.2),
        noop_command=Pass(1000, 3.0, 4),
        noop_parsed=sync_run(2.5, requests=4),
        naive_levels=Pass(100, 100.0, 100),  # 60 levels/min
        naive_levels_concurrent=Pass(100, 20.0, 100),  # 300 levels/min
        naive_lookup=Pass(100, 2.0, 100),
        naive_lookup_concurrent=Pass(100, 0.5, 100),
        floor_list_sequential=Pass(1000, 1.5 * list_s, 1),
        floor_levels_sequential=Pass(2000, 3.0, 2),  # 40,000 levels/min
        floor_create_single=Pass(100, 12.0, 100),  # 500 items/min
    )


def bench_run(rounds: list[LiveRound], offline: list[OfflineRun] | None = None) -> BenchRun:
    run = BenchRun("python bench/run.py --sizes 1000", "2026-11-25 10:00:00 UTC", MACHINE, 1, len(rounds), "http://127.0.0.1:9104 (test)")
    run.finished, run.duration_min, run.load_end = "2026-11-25 10:05:00 UTC", 5.0, "0.60 0.50 0.40"
    run.live.append(LiveSize(1000, 8, 1000, 100, rounds))
    if offline:
        run.offline.append(OfflineSize(50000, offline))
    return run


def offline_run(parse_s: float, rss: float, worker_rss: float = 0.0) -> OfflineRun:
    return OfflineRun(50000, 51000, 830, parse_s, 1.0, 0.5, rss, rss - 40, worker_rss)


# ------------------------------------------------------------------------------------------
# statistics


def test_a_spread_is_the_median_and_the_range() -> None:
    assert Spread.of([3.0, 1.0, 2.0]) == Spread(2.0, 1.0, 3.0, 3)
    assert Spread.of([4.0, 1.0, 2.0, 10.0]) == Spread(3.0, 1.0, 10.0, 4)
    assert Spread.of([5.0]) == Spread(5.0, 5.0, 5.0, 1)


def test_a_spread_needs_samples() -> None:
    with pytest.raises(ValueError):
        Spread.of([])


def test_a_spread_shows_its_range_only_with_several_samples() -> None:
    number = lambda value: f"{value:.2f}"  # noqa: E731
    assert Spread.of([1.5]).format(number, " s") == "1.50 s"
    assert Spread.of([1.5, 1.0, 2.0]).format(number, " s") == "1.50 s (1.00–2.00)"


# ------------------------------------------------------------------------------------------
# targets


def test_a_ratio_is_taken_within_each_round() -> None:
    run = bench_run([live_round(full_s=62.5), live_round(floor_s=30.0, full_s=50.0), live_round(full_s=80.0)])
    assert samples(METRICS["full import / creation floor"], run, 1000) == [0.96, 0.6, 0.75]
    # medusa-sync writes 100 levels in 1 s: 6,000/min, against the floor's 60,000 and the naive 60 and 300
    assert samples(METRICS["level writes / batch floor"], run, 1000) == [0.1, 0.1, 0.1]
    assert samples(METRICS["level writes / naive sequential"], run, 1000) == [100.0, 100.0, 100.0]
    assert samples(METRICS["level writes / naive concurrent"], run, 1000) == [20.0, 20.0, 20.0]
    assert samples(METRICS["no-op requests beyond the item pages"], run, 1000) == [3, 3, 3]


@pytest.mark.parametrize(
    ("full_s", "met"),
    [
        ((60.0, 62.5, 61.0), "yes"),  # 100%, 96%, 98%: every round ≥ 95%
        ((60.0, 62.5, 75.0), "median only"),  # 100%, 96%, 80%
        ((75.0, 70.0, 60.0), "no"),  # 80%, 86%, 100%: the median misses
    ],
)
def test_a_target_is_met_in_every_round_by_the_median_only_or_not(full_s: tuple[float, ...], met: str) -> None:
    target = Target("#14", "full import ≥ 95% of the creation floor", "full import / creation floor", at_least=0.95, sizes=(1000,))
    [verdict] = evaluate(bench_run([live_round(full_s=s) for s in full_s]), (target,))
    assert (verdict.size, verdict.met) == (1000, met)


def test_an_upper_bound_judges_the_worst_round_by_its_maximum() -> None:
    target = Target("#14", "offline parse + plan < 3 s", "offline parse + plan", at_most=3.0, sizes=(50000,))
    run = bench_run([live_round()], [offline_run(1.5, 250), offline_run(2.5, 260), offline_run(1.8, 240)])
    [verdict] = evaluate(run, (target,))
    assert verdict.spread == Spread(2.8, 2.5, 3.5, 3)
    assert verdict.met == "median only"


def test_a_size_the_run_did_not_measure_is_said_so() -> None:
    target = Target("#14", "no-op re-sync ≥ 80% of the listing floor", "no-op / listing floor", at_least=0.8, sizes=(1000, 10000))
    verdicts = evaluate(bench_run([live_round(noop_s=1.25)]), (target,))
    assert [(v.size, v.spread, v.met) for v in verdicts] == [(1000, Spread(0.8, 0.8, 0.8, 1), "yes"), (10000, None, "not measured")]


def test_a_target_without_sizes_covers_every_measured_size() -> None:
    target = Target("#6", "≥ 10×", "level writes / naive sequential", at_least=10.0)
    assert [v.size for v in evaluate(bench_run([live_round()]), (target,))] == [1000]


def test_each_floor_target_has_the_ceiling_the_servers_main_thread_sets() -> None:
    run = bench_run([live_round(), live_round()])
    at_1000 = tuple(replace(target, sizes=(1000,)) for target in TARGETS)  # the run measured 1,000 items
    ceilings = {verdict.target.metric: verdict.ceiling for verdict in evaluate(run, at_1000)}
    assert ceilings["full import / creation floor"] == Spread(0.75, 0.75, 0.75, 2)
    assert ceilings["level writes / batch floor"] == Spread(0.8, 0.8, 0.8, 2)
    assert ceilings["no-op / listing floor"] == Spread(0.75, 0.75, 0.75, 2)
    assert ceilings["no-op, in process"] is None  # no floor, no ceiling


def test_without_the_servers_main_thread_measured_there_is_no_ceiling() -> None:
    unmeasured = replace(live_round(), floor_create=Pass(1000, 60.0, 1000, 3.0, 40.0))
    [verdict] = [v for v in evaluate(bench_run([unmeasured]), TARGETS) if v.target.metric == "full import / creation floor" and v.size == 1000]
    assert verdict.spread == Spread(1.0, 1.0, 1.0, 1)
    assert verdict.ceiling is None


def test_a_round_without_a_level_step_gives_no_sample() -> None:
    quiet = replace(live_round(), resync=sync_run(3.0))
    run = bench_run([quiet, live_round(level_step_s=2.0)])
    assert samples(METRICS["level writes / batch floor"], run, 1000) == [0.05]
    assert Verdict(Target("#14", "t", "level writes / batch floor", at_least=0.9), 1000, None).met == "not measured"


# ------------------------------------------------------------------------------------------
# the report


def test_the_report_gives_median_and_range_for_tool_floor_and_naive_alike() -> None:
    # full import vs floor per round: 60/62.5 = 96%, 57/60 = 95%, 60/75 = 80%
    run = bench_run([live_round(full_s=62.5), live_round(full_s=60.0, floor_s=57.0), live_round(full_s=75.0)])
    target = Target(
        "#14", "full import ≥ 95% of the creation floor", "full import / creation floor", at_least=0.95, sizes=(1000,),
        ceiling="full import / creation floor, server work",
    )
    text = render(run, (target,))
    lines = text.splitlines()
    assert "Every figure is the **median of 3 rounds**, then (min–max)." in text
    assert "### Live: 1,000 items, 1,000 levels (8 concurrent requests)" in lines
    [full] = [line for line in lines if line.startswith("| full import from an empty store")]
    assert full == (
        "| full import from an empty store, end to end (items/min) | **960/min (800–1,000)** (62.50 s (60.00–75.00), 5 requests) "
        "| 1,000/min (1,000–1,053) (one POST per item, on 100 items: 500/min (500–500)) | **95% (80%–96%)** | 100/min (100–100) | 400/min (400–400) | 9.6× (8.0×–10.0×); 2.4× (2.0×–2.5×) |"
    )
    [levels] = [line for line in lines if line.startswith("| re-sync, 100 levels changed")]
    assert levels == (
        "| re-sync, 100 levels changed: level writes (levels/min) | **6,000/min (6,000–6,000)** (1.00 s (1.00–1.00)) "
        "| 60,000/min (60,000–60,000) (one batch of 1000 after the other: 40,000/min (40,000–40,000)) "
        "| **10% (10%–10%)** (vs one after the other: 15% (15%–15%)) | 60/min (60–60) | 300/min (300–300) "
        "| **100.0× (100.0×–100.0×)**; 20.0× (20.0×–20.0×) |"
    )
    [bases] = [line for line in lines if line.startswith("| — its sync bases")]
    assert bases == "| — its sync bases (98 items' metadata, after their levels) | 0.50 s (0.50–0.50) | — | — | — | — | — |"
    [noop] = [line for line in lines if line.startswith("| no-op re-sync (in process)")]
    assert noop == (
        "| no-op re-sync (in process) | **2.00 s (2.00–2.00)**, 4 requests | listing every item: 1.00 s (1.00–1.00) (one page after the other: 1.50 s (1.50–1.50)) "
            "| **50% (50%–50%)** (vs the sequential listing: 75% (75%–75%)) "
        "| ~20.00 s (20.00–20.00) (one GET per SKU) | ~5.00 s (5.00–5.00) | 10.0× (10.0×–10.0×); 2.5× (2.5×–2.5×) |"
    )
    [parsed] = [line for line in lines if line.startswith("| — the same no-op, the feeds parsed")]
    assert parsed == "| — the same no-op, the feeds parsed (no catalog cache entry) | 2.50 s (2.50–2.50) | — | 40% (40%–40%) | — | — | — |"
    assert "of the no-op with the feeds parsed: parse feeds 0.50 s (0.50–0.50), read store 1.00 s (1.00–1.00). " in text
    # full import's create-items step: 2.0 s CPU for 1,000 items; the floor's client 3.0 s
    assert "Client CPU per created item: medusa-sync 2.00 ms (2.00–2.00), the floor's client 3.00 ms (3.00–3.00)." in text
    assert (
        "CPU, the client's own + the rest of the machine's (the server and its database, on the same cores): "
        "the no-op 1.00 s (1.00–1.00) + 2.25 s (2.25–2.25), the listing floor 0.10 s (0.10–0.10) + 1.50 s (1.50–1.50); "
        "the full import 6.00 s (6.00–6.00) + 55.00 s (55.00–55.00), the creation floor 3.00 s (3.00–3.00) + 40.00 s (40.00–40.00)."
    ) in text
    # the server's main thread: 48 s of 62.5, 60 and 75 s; 36 s of the floor's 60, 57 and 60 s
    assert (
        "Of that, the server's main thread, busy (its share of the wall time): "
        "the full import 48.00 s (48.00–48.00) (77% (64%–80%)), the creation floor 36.00 s (36.00–36.00) (60% (60%–63%)); "
        "the no-op 1.20 s (1.20–1.20) (60% (60%–60%)), the listing floor 0.90 s (0.90–0.90) (90% (90%–90%)); "
        "the re-sync's level step 0.10 s (0.10–0.10) (10% (10%–10%)), the floor's level passes 1.60 s (1.60–1.60) (80% (80%–80%))."
    ) in text
    assert lines[-2] == "| --- | --- | --- | --- | --- | --- |"
    assert lines[-1] == "| #14 | full import ≥ 95% of the creation floor | 1,000 | 95% (80%–96%) | *median only* | 75% (75%–75%) |"


def test_the_offline_table_summarises_every_round() -> None:
    """Peak RSS: the process's and its parse worker's, added (the target's figure); then the worker's alone."""
    text = render(bench_run([live_round()], [offline_run(1.5, 250, 60), offline_run(2.5, 260, 70), offline_run(1.8, 240, 65)]), ())
    [row] = [line for line in text.splitlines() if line.startswith("| 50,000")]
    assert row == (
        "| 50,000 (51,000, 830) | 1.80 s (1.50–2.50) | 1.00 s (1.00–1.00) | **2.80 s (2.50–3.50)** | 0.50 s (0.50–0.50) "
        "| **310 MB (305–330)** | 65 MB (60–70) | 210 MB (200–220) |"
    )


def test_the_results_file_keeps_its_notes_around_the_markers(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    path.write_text(f"# notes\n\nbefore\n\n{RESULTS_START}\nold figures\n{RESULTS_END}\n\nafter\n")
    write_results(path, "new figures")
    assert path.read_text() == f"# notes\n\nbefore\n\n{RESULTS_START}\nnew figures\n{RESULTS_END}\n\nafter\n"
    fresh = tmp_path / "new.md"
    write_results(fresh, "figures")
    assert fresh.read_text() == f"# medusa-sync benchmark\n\n{RESULTS_START}\nfigures\n{RESULTS_END}\n"


def sample_run() -> BenchRun:
    return bench_run([live_round(), live_round(noop_s=3.0)], [offline_run(2.5, 240.0), offline_run(2.7, 250.0)])


def test_a_run_read_back_from_its_json_renders_the_same_report() -> None:
    run = sample_run()
    again = from_json(json.loads(json.dumps(asdict(run))))
    assert again == run
    assert render(again) == render(run)


def test_runs_merged_keep_every_size_and_the_first_machine() -> None:
    first = sample_run()
    other_size = [replace(size, size=size.size * 5) for size in first.live]
    second = replace(sample_run(), command="python bench/run.py --sizes 50000", live=other_size, offline=[], duration_min=2.0)
    both = merged([first, second])
    assert [size.size for size in both.live] == [size.size for size in first.live] + [size.size * 5 for size in first.live]
    assert both.offline == first.offline
    assert both.machine == first.machine
    assert both.command == f"{first.command} ; python bench/run.py --sizes 50000"
    assert both.duration_min == first.duration_min + 2.0


def test_a_size_measured_by_two_runs_is_one_size_with_the_rounds_of_both() -> None:
    first = bench_run([live_round(full_s=60.0), live_round(full_s=62.0)], [offline_run(2.0, 150.0), offline_run(2.2, 151.0)])
    second = bench_run([live_round(full_s=70.0)], [offline_run(2.4, 152.0)])
    both = merged([first, second])
    assert [(size.size, [r.full.wall_s for r in size.rounds]) for size in both.live] == [(first.live[0].size, [60.0, 62.0, 70.0])]
    assert [(size.size, [r.parse_s for r in size.runs]) for size in both.offline] == [(first.offline[0].size, [2.0, 2.2, 2.4])]
    assert both.rounds == 3
    assert "**median of 3 rounds**" in render(both)


def test_a_report_merged_from_runs_of_different_lengths_says_how_many_rounds_each_size_had() -> None:
    first = bench_run([live_round(), live_round(), live_round()], [offline_run(2.0, 150.0)] * 3)
    second = bench_run([live_round(full_s=70.0)])
    second = replace(second, live=[replace(size, size=50000) for size in second.live])
    text = render(merged([first, second]))
    size = f"{first.live[0].size:,}"
    assert f"**median of its size's rounds** (3 rounds at {size}, {first.offline[0].size:,} offline; 1 round at 50,000;" in text


# ------------------------------------------------------------------------------------------
# CPU


def test_the_machine_is_busy_for_all_but_its_idle_and_iowait_ticks(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    # user nice system idle iowait irq softirq steal (guest columns after them are not added)
    stat.write_text("cpu  1000 50 300 9000 200 10 40 100 0 0\ncpu0 500 25 150 4500 100 5 20 50 0 0\n")
    assert machine_busy_s(stat, ticks_per_s=100) == 15.0


def test_without_proc_stat_there_is_no_machine_figure(tmp_path: Path) -> None:
    assert machine_busy_s(tmp_path / "absent", ticks_per_s=100) is None


def test_the_main_thread_cpu_is_its_user_and_system_ticks(tmp_path: Path) -> None:
    task = tmp_path / "123" / "task" / "123"
    task.mkdir(parents=True)
    # pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
    task.joinpath("stat").write_text("123 (node (main)) S 1 123 123 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0\n")
    assert main_thread_s(123, tmp_path, ticks_per_s=100) == 3.0
    assert main_thread_s(124, tmp_path, ticks_per_s=100) is None
    assert main_thread_s(None, tmp_path) is None


def test_the_server_is_the_process_holding_the_listening_socket_of_its_port(tmp_path: Path) -> None:
    (tmp_path / "net").mkdir()
    header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    tcp = (
        "   0: 0100007F:24B8 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 444 1\n"  # a connection to 9400
        "   1: 0100007F:24B8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 555 1\n"  # listening on 9400
    )
    (tmp_path / "net" / "tcp").write_text(header + tcp)
    (tmp_path / "net" / "tcp6").write_text(header)
    for pid, inode in ((70, 444), (77, 555)):
        (tmp_path / str(pid) / "fd").mkdir(parents=True)
        (tmp_path / str(pid) / "fd" / "3").symlink_to(f"socket:[{inode}]")
    assert listening_pid(9400, tmp_path) == 77
    assert listening_pid(9401, tmp_path) is None
