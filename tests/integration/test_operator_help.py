"""Issue 10.7 on the real server: an unknown SKU gets the closest SKUs of the store as a hint,
and a missing reservation says so (exit 9), on the real October-2025 feeds as imported."""

from __future__ import annotations

import json

from collections.abc import Iterator
from pathlib import Path

import pytest

from medusa_sync.cli.main import main

from .conftest import use_store

pytestmark = pytest.mark.integration

REAL_FEEDS = Path(__file__).resolve().parents[3] / "shared" / "feeds-2025-10"
SAJ = "odex_inverters_ODEX-INV-SAJ-3000W"


@pytest.fixture(scope="module")
def imported(medusa_server, tmp_path_factory) -> Iterator[Path]:
    """The real feeds imported into an emptied store, once for this module; the environment
    (store, logs, lock) set for the CLI. Yields the directory of the logs."""
    if not REAL_FEEDS.is_dir():
        pytest.skip("../shared/feeds-2025-10 is not present")
    medusa_server.reset()
    home = tmp_path_factory.mktemp("operator-help")
    with pytest.MonkeyPatch.context() as patch:
        use_store(patch, medusa_server, home)
        assert main(["import", str(REAL_FEEDS), "--yes", "--quiet", "--out", str(home / "out")]) == 0
        yield home


def run(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_availability_of_the_issues_typo_suggests_the_real_sku(imported, capsys) -> None:
    assert run(capsys, "availability", SAJ)[0] == 0  # the real SKU is there
    code, out, err = run(capsys, "availability", "odex_inverters_ODEX-INV-SAJ-3000")
    assert (code, out) == (9, "")
    assert err == (
        "error: no inventory item or kit with SKU 'odex_inverters_ODEX-INV-SAJ-3000'\n"
        f"hint: did you mean '{SAJ}'?\n"
    )


def test_a_kit_sku_in_the_wrong_case_suggests_the_kit(imported, capsys) -> None:
    code, _, err = run(capsys, "availability", "fotus_kits_kp04")
    assert code == 9
    assert err.splitlines() == [
        "error: no inventory item or kit with SKU 'fotus_kits_kp04'",
        "hint: did you mean 'fotus_kits_KP04'?",
    ]


def test_a_stock_operation_with_a_typo_suggests_and_writes_nothing(imported, capsys) -> None:
    before = run(capsys, "availability", SAJ, "--json")[1]
    code, _, err = run(capsys, "adjust", "odex_inverters_ODEX-INV-SAJ-300W", "-l", "Odex CD", "--delta", "1", "--reason", "count")
    assert code == 9
    assert err.splitlines() == [
        "error: no inventory item with SKU 'odex_inverters_ODEX-INV-SAJ-300W'",
        f"hint: did you mean '{SAJ}' or 'odex_inverters_ODEX-INV-SAJ-4200W' or 'odex_inverters_ODEX-INV-SAJ-5000W'?",
    ]  # the prefix …-SAJ finds the 10 SAJ; after the closest, the equally close in SKU order
    assert run(capsys, "availability", SAJ, "--json")[1] == before
    last = json.loads((imported / "audit.jsonl").read_text().splitlines()[-1])
    assert (last["operation"], last["sku"], last["result"], last["message"]) == (
        "adjust", "odex_inverters_ODEX-INV-SAJ-300W", "refused", "no inventory item with SKU 'odex_inverters_ODEX-INV-SAJ-300W'"
    )


@pytest.mark.parametrize("command", ["release", "fulfill"])
def test_a_missing_reservation_says_so_with_exit_9(imported, capsys, command) -> None:
    code, out, err = run(capsys, command, "resitem_NOPE")
    assert (code, out) == (9, "")
    assert err == "error: no reservation 'resitem_NOPE' (it may have been released or fulfilled: see `medusa-sync audit`)\n"
