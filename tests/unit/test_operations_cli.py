"""The commands in-process: parse, call, render; JSON on stdout, errors on stderr, exit codes."""

from __future__ import annotations

import contextlib
import json

import pytest

from medusa_sync.cli import render
from medusa_sync.cli.main import main
from medusa_sync.client import MedusaClient

from .medusa_fake import standard_store


@pytest.fixture
def leases(monkeypatch) -> list[tuple[str, float]]:
    """The writer leases the commands took, as (command, wait); the lease itself is tested in
    test_lease.py, and here it must not add requests to the fake's exact sequences."""
    taken: list[tuple[str, float]] = []

    @contextlib.contextmanager
    def writer_lease(settings, command, *, wait, signed_in=None):
        taken.append((command, wait))
        yield None

    monkeypatch.setattr("medusa_sync.cli.live.writer_lease", writer_lease)
    return taken


@pytest.fixture
def fake(monkeypatch, tmp_path, leases):
    store = standard_store()
    monkeypatch.setattr(MedusaClient, "from_settings", classmethod(lambda cls, settings: store.client()))
    monkeypatch.setenv("MEDUSA_SYNC_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.setenv("MEDUSA_SYNC_ACTOR", "ana")
    monkeypatch.chdir(tmp_path)
    return store


def run(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_reserve_prints_the_record_as_json(fake, capsys):
    code, out, _ = run(capsys, "reserve", "PNL-1", "--location", "Odex CD", "--quantity", "3", "--line-item", "li_1", "--json")
    assert code == 0
    [record] = json.loads(out)
    assert (record["operation"], record["quantity"], record["after"]["reserved"], record["line_item"]) == ("reserve", 3, 3, "li_1")


def test_a_refusal_exits_4_with_the_numbers_on_stderr(fake, capsys):
    code, out, err = run(capsys, "reserve", "PNL-1", "-l", "Odex CD", "-q", "11", "--json")
    assert (code, out) == (4, "")
    assert err.strip() == "error: reserve 11 of PNL-1 at Odex CD: only 10 available (stocked 10, reserved 0)"
    assert fake.writes() == []


def test_availability_exit_code_says_whether_it_can_be_confirmed(fake, capsys):
    code, out, _ = run(capsys, "availability", "INV-1", "--quantity", "5")
    assert code == 0
    assert out.splitlines()[-1] == "5 can be confirmed"
    code, out, _ = run(capsys, "availability", "KIT-1", "-q", "6", "--json")
    assert code == 1
    data = json.loads(out)
    assert (data["available"], data["confirmed"], data["limiting"]["sku"]) == (5, False, "INV-1")  # a tie: first SKU
    code, out, _ = run(capsys, "availability", "KIT-1", "-q", "2", "--location", "Solfacil CD")
    assert code == 1
    assert "limited by PNL-1 (Panel 550 W): 0 available (nowhere), 2 per kit" in out


def test_unknown_sku_exits_9(fake, capsys):
    code, _, err = run(capsys, "availability", "NOPE")
    assert code == 9 and "no inventory item or kit with SKU 'NOPE'" in err


def test_adjust_takes_a_negative_delta(fake, capsys):
    code, out, _ = run(capsys, "adjust", "PNL-1", "--location", "sloc_a", "--delta", "-3", "--reason", "damaged")
    assert code == 0
    assert out.startswith("adjust PNL-1 at Odex CD by -3: stocked 10 → 7, reserved 0 → 0, available 10 → 7")


def test_set_and_transfer(fake, capsys):
    assert run(capsys, "set", "INV-1", "-l", "Odex CD", "-q", "6", "--reason", "count")[0] == 0
    code, out, _ = run(capsys, "transfer", "INV-1", "--from", "Odex CD", "--to", "Solfacil CD", "-q", "4", "--reason", "rebalance")
    assert code == 0
    assert out.splitlines() == [
        "transfer 4 of INV-1",
        "  from Odex CD: stocked 6 → 2, reserved 0 → 0, available 6 → 2",
        "  to Solfacil CD: stocked 2 → 6, reserved 0 → 0, available 2 → 6",
    ]


def test_release_fulfill_and_the_sweeper(fake, capsys):
    fake.reservation("resitem_1", "iitem_pnl", "sloc_a", 2, line_item="li_1", created_at="2020-01-01T00:00:00.000Z")
    fake.reservation("resitem_2", "iitem_pnl", "sloc_a", 3, line_item="li_2", created_at="2020-01-01T00:00:00.000Z")
    code, out, _ = run(capsys, "release", "--stale-older-than", "7d", "--dry-run", "--json")
    assert code == 0 and [r["id"] for r in json.loads(out)["stale"]] == ["resitem_1", "resitem_2"]
    assert fake.writes() == []
    assert run(capsys, "release", "resitem_1", "--quantity", "1")[0] == 0
    code, out, _ = run(capsys, "fulfill", "--line-item", "li_2", "--json")
    assert code == 0 and json.loads(out)[0]["after"] == {"stocked": 7, "reserved": 1, "available": 6}


@pytest.mark.parametrize(
    "args",
    [
        ("release", "--dry-run"),
        ("release", "resitem_1", "--stale-older-than", "7d"),
        ("release",),
        ("release", "--stale-older-than", "soon"),
    ],
)
def test_release_usage_errors_exit_64(fake, capsys, args):
    assert run(capsys, *args)[0] == 64
    assert fake.writes() == []


def test_report_reservations_writes_the_file_and_prints_it(fake, capsys, tmp_path):
    fake.reservation("resitem_1", "iitem_pnl", "sloc_a", 2)
    code, out, err = run(capsys, "report", "reservations", "--out", str(tmp_path / "reports"))
    written = (tmp_path / "reports" / "inventory_reservations_report.md").read_text()
    assert code == 0 and out == written and written.startswith("# Inventory reservations")
    code, out, _ = run(capsys, "report", "reservations", "--out", str(tmp_path / "reports"), "--min-age", "12h", "--json")
    assert code == 0 and json.loads(out)["filters"] == {"minimum age": "12h"}


def test_report_stock_formats(fake, capsys):
    code, out, _ = run(capsys, "report", "stock", "--format", "csv", "--status", "low_stock")
    assert code == 0
    assert out.splitlines()[1:] == [
        "INV-1,Inverter 5 kW,Odex CD,sloc_a,3,0,3,0,5,low_stock",
        "INV-1,Inverter 5 kW,Solfacil CD,sloc_b,2,0,2,0,5,low_stock",
    ]
    code, out, _ = run(capsys, "report", "stock", "--json")
    assert json.loads(out)["summary"]["by_status"] == {"in_stock": 1, "low_stock": 2, "out_of_stock": 0, "backordered": 0}


def test_report_stock_table_is_a_terminal_table_and_md_is_markdown(fake, capsys, monkeypatch):
    monkeypatch.setattr(render.out, "width", 200)
    for args in (("report", "stock"), ("report", "stock", "--format", "table")):
        code, out, _ = run(capsys, *args, "--status", "low_stock")
        assert code == 0
        assert "| SKU |" not in out and "# Stock report" not in out
        rows = [line for line in out.splitlines() if "INV-1" in line]
        assert [row.split("│")[3].strip() for row in rows] == ["Odex CD", "Solfacil CD"]
        assert all(row.split("│")[9].strip() == "low_stock" for row in rows)
    code, out, _ = run(capsys, "report", "stock", "--format", "md", "--status", "low_stock")
    assert code == 0
    assert out.startswith("# Stock report")
    assert "| SKU | Title | Location |" in out


def test_audit_lists_and_filters(fake, capsys):
    run(capsys, "reserve", "PNL-1", "-l", "Odex CD", "-q", "1")
    run(capsys, "reserve", "INV-1", "-l", "Odex CD", "-q", "0")
    code, out, _ = run(capsys, "audit", "--sku", "INV-1", "--json")
    [record] = json.loads(out)
    assert (code, record["actor"], record["result"]) == (0, "ana", "refused")
    code, out, _ = run(capsys, "audit", "--operation", "reserve", "--since", "1d")
    assert code == 0 and out.splitlines()[-1] == "2 records"
    assert " ana reserve PNL-1 at Odex CD, quantity 1: ok; stocked 10 → 10, reserved 0 → 1 [resitem_new1]" in out


def test_writing_commands_take_the_writer_lease_and_reads_do_not(fake, leases, capsys):
    assert run(capsys, "reserve", "PNL-1", "--location", "Odex CD", "--quantity", "3", "--wait", "30")[0] == 0
    assert run(capsys, "availability", "PNL-1")[0] == 0
    assert run(capsys, "adjust", "PNL-1", "--location", "Odex CD", "--delta", "2", "--reason", "found")[0] == 0
    assert run(capsys, "release", "--stale-older-than", "7d", "--dry-run")[0] == 0
    assert leases == [("reserve", 30.0), ("adjust", 0.0)]
