"""Issue 11.6: out-of-range CLI arguments are usage errors (exit 64) with a clear message,
rejected before any store is contacted; unknown `audit --operation` values list the valid ones."""

from __future__ import annotations

import pytest

from medusa_sync.cli.main import main


@pytest.fixture(autouse=True)
def no_store(monkeypatch, tmp_path) -> None:
    """A store URL nobody listens on: the arguments must be refused before it is tried."""
    monkeypatch.setenv("MEDUSA_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("MEDUSA_SYNC_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["adjust", "odex_x", "-l", "Odex CD", "--delta", "9223372036854775807", "--reason", "r"],
         "Invalid value for '--delta': Input should be less than or equal to 1000000000"),
        (["adjust", "odex_x", "-l", "Odex CD", "--delta", "-1000000001", "--reason", "r"],
         "Invalid value for '--delta': Input should be greater than or equal to -1000000000"),
        (["set", "odex_x", "-l", "Odex CD", "-q", str(2**64 + 1), "--reason", "r"],
         "Invalid value for '--quantity' / '-q': Input should be less than or equal to 1000000000"),
        (["reserve", "odex_x", "-l", "Odex CD", "-q", str(2**70)],
         "Invalid value for '--quantity' / '-q': Input should be less than or equal to 1000000000"),
        (["availability", "odex_x", "-q", "1000000001"],
         "Invalid value for '--quantity' / '-q': Input should be less than or equal to 1000000000"),
    ],
)
def test_quantities_outside_the_range_are_usage_errors(argv: list[str], message: str, capsys) -> None:
    assert main(argv) == 64
    err = capsys.readouterr().err
    assert err == f"usage error: {message}\nTry 'medusa-sync --help'.\n"
    assert "unexpected error" not in err


@pytest.mark.parametrize("age", ["99999999999d", "36601d", "9" * 5000])
def test_an_absurd_stale_age_is_a_usage_error(age: str, capsys) -> None:
    assert main(["release", "--stale-older-than", age, "--dry-run"]) == 64
    err = capsys.readouterr().err
    assert err == f"error: {age!r} is too long an age: at most 36600d\n"


def test_an_unknown_audit_operation_lists_the_valid_ones(capsys) -> None:
    assert main(["audit", "--operation", "reserv"]) == 64
    err = capsys.readouterr().err
    assert (
        "usage error: Invalid value for '--operation': Value error, 'reserv' is not one of "
        "'reserve', 'release', 'fulfill', 'adjust', 'set', 'transfer'." in err
    )


def test_a_known_audit_operation_filters(capsys) -> None:
    assert main(["audit", "--operation", "set"]) == 0
    assert capsys.readouterr().out == "0 records\n"
