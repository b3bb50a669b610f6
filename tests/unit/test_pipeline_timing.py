"""The pipeline's public timing hook: each phase of a run reported to a PhaseTimer."""

from __future__ import annotations

from pathlib import Path

from medusa_sync import pipeline, timing
from medusa_sync.config import Rules, Settings
from medusa_sync.plan import PlanOptions
from medusa_sync.timing import PhaseTimer

SAMPLE_FEEDS = Path(__file__).resolve().parents[2] / "distributors"


def test_a_phase_run_twice_is_summed(monkeypatch) -> None:
    clock = iter([10.0, 11.0, 20.0, 22.5, 30.0, 30.25])
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(clock))
    timer = PhaseTimer()
    for name in ("plan", "plan", "outputs"):
        with timer.phase(name):
            pass
    assert timer.seconds == {"plan": 3.5, "outputs": 0.25}


def test_a_phase_that_raises_is_still_timed(monkeypatch) -> None:
    clock = iter([1.0, 4.0])
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(clock))
    timer = PhaseTimer()
    try:
        with timer.phase("read store"):
            raise ValueError("boom")
    except ValueError:
        pass
    assert timer.seconds == {"read store": 3.0}


def test_an_offline_dry_run_reports_its_phases(tmp_path: Path) -> None:
    timer = PhaseTimer()
    result = pipeline.run_import(
        SAMPLE_FEEDS, Settings(medusa_url=None), Rules(), PlanOptions(), out_dir=tmp_path, dry_run=True, timer=timer
    )
    assert result.plan.has_changes
    # offline: no store to read, and a dry run applies nothing
    assert list(timer.seconds) == ["parse feeds", "plan", "reservations report", "outputs"]
