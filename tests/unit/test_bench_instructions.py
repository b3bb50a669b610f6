"""bench/instructions.py: the counts read from valgrind and the figures made of them; and each
stage really runs (natively here: valgrind is not needed to check what it would count)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.instructions import STAGES, figures, instructions, run_stage  # noqa: E402

VALGRIND_SUMMARY = """==17730== Cachegrind, a high-precision tracing profiler
==17730==
==17730== I   refs:      3,655,874,050
"""


def test_the_count_is_read_from_valgrinds_summary() -> None:
    assert instructions(VALGRIND_SUMMARY) == 3_655_874_050


def test_no_count_is_an_error_that_shows_valgrinds_output() -> None:
    with pytest.raises(ValueError, match="no instruction count") as raised:
        instructions(VALGRIND_SUMMARY.replace("I   refs:", "D   refs:"))
    assert "Cachegrind, a high-precision tracing profiler" in str(raised.value)


def test_each_figure_is_the_difference_of_two_stages() -> None:
    counts = {"imports": 1_000, "parse": 1_700, "plan": 2_000, "snapshot": 2_900, "synced": 3_350}
    assert figures(counts) == {
        "parse + normalize": 700,
        "plan vs an empty store": 300,
        "plan vs a synced store": 450,
    }


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_runs_on_the_sample_feeds(stage: str) -> None:
    run_stage(stage, Path(__file__).resolve().parents[2] / "distributors")
