"""Issue 11.6 on the real server: the hostile-feed corpus end to end (no crash, no control
character in any output, the good records imported), and an unwritable --out refused before
anything is written to the store."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from medusa_sync.cli.main import main

from . import hostile
from .raw import RawAdmin
from .test_sync import REAL_FEEDS, client, store_counts  # noqa: F401 (fixtures)

pytestmark = pytest.mark.integration

KIT_AT_MARKUP_CENTRE = "fotus_kits_KP04"  # its centre is "[/]"
LINKED_ITEM = "odex_inverters_ODEX-INV-SAJ-3000W"  # its name holds a [link=…] and escape sequences
NOTE = f"=HYPERLINK(1) {hostile.CLEAR}{hostile.TITLE}| [x](file:///etc/passwd)"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    if not REAL_FEEDS.is_dir():
        pytest.skip(f"the real feed snapshot is not at {REAL_FEEDS}")
    return hostile.build(REAL_FEEDS, tmp_path / "feeds")


def run(capsys, *args: object) -> tuple[int, str, str]:
    """Run a command in-process; no control character may reach stdout or stderr."""
    capsys.readouterr()
    code = main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    hostile.assert_inert(out, f"{args[0]} stdout")
    hostile.assert_inert(err, f"{args[0]} stderr")
    assert "unexpected error" not in err, err
    return code, out, err


def everything(raw: RawAdmin) -> dict[str, int]:
    """Every record of the store, whoever owns it (a lease or a half-run would show here)."""
    return {
        "locations": len(raw.all("/admin/stock-locations", "stock_locations", fields="id")),
        "items": len(raw.all("/admin/inventory-items", "inventory_items", fields="id")),
        "products": len(raw.all("/admin/products", "products", fields="id")),
    }


def test_an_unwritable_out_is_refused_before_anything_is_written(store, raw_admin, corpus, tmp_path, capsys) -> None:  # noqa: F811
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    before = everything(raw_admin)
    for command in (["import", corpus, "--yes"], ["sync", corpus]):
        code, _, err = run(capsys, *command, "--out", blocker / "out")
        assert code == 64, err
        assert f"error: --out {blocker}/out: cannot write there (Not a directory); nothing was changed" in err.splitlines()
    assert everything(raw_admin) == before


def test_the_hostile_corpus_end_to_end(store, client, raw_admin, corpus, tmp_path, capsys) -> None:  # noqa: F811
    code, out, err = run(capsys, "validate", corpus)
    assert code == 0, err
    assert "Fotus [/]" in out
    assert "bad_quantity: estoque=99999999999999999999999 is above the largest quantity accepted" in err
    assert "odex/odex-inverters.json record 3: unreadable_record: a number too long to read (more than 4300 digits)" in err

    code, out, err = run(capsys, "plan", corpus, "--out", tmp_path / "plan", "--detailed-exitcode")
    assert code == 2, err
    assert hostile.LINK in out

    code, out, err = run(capsys, "import", corpus, "--yes", "--out", tmp_path / "out")
    assert code == 0, err
    # 241 items of the snapshot less the record with the 5000-digit price (unreadable, skipped);
    # two more Fotus centres ("[/]" and "CD SUL"), each with the levels of its kit's components
    assert store_counts(client, raw_admin) == {"locations": 6, "items": 240, "levels": 242, "kits": 4}
    # control characters are removed where the feeds are read: the store never holds them
    items = raw_admin.items()
    stored = [f"{row['sku']} {row['title']}" for row in items]
    stored += [row["name"] for row in raw_admin.all("/admin/stock-locations", "stock_locations", fields="id,name")]
    hostile.assert_inert("\n".join(stored), "the store's SKUs, titles and location names")
    assert "odex_inverters_ODEX-INV-SAJ-4200W" in {row["sku"] for row in items}  # its id held an OSC sequence

    code, out, err = run(capsys, "availability", KIT_AT_MARKUP_CENTRE, "--quantity", "1")
    assert code == 0, err
    assert "Fotus [/]" in out

    code, _, err = run(capsys, "reserve", LINKED_ITEM, "--location", "Odex CD", "--quantity", "2", "--note", NOTE)
    assert code == 0, err

    reports = tmp_path / "reports"
    code, out, err = run(capsys, "report", "reservations", "--out", reports)
    assert code == 0, err
    code, reservations_csv, err = run(capsys, "report", "reservations", "--out", reports, "--format", "csv")
    assert code == 0, err
    (reports / "reservations.csv").write_text(reservations_csv, encoding="utf-8")
    for output_format in ("md", "csv"):
        code, text, err = run(capsys, "report", "stock", "--format", output_format)
        assert code == 0, err
        (reports / f"stock.{output_format}").write_text(text, encoding="utf-8")

    written = sorted(path for folder in (tmp_path / "plan", tmp_path / "out", reports) for path in folder.iterdir() if path.suffix in (".md", ".csv"))
    assert [path.name for path in written] == [
        "inventory_reservations_report.md",  # of plan
        "inventory_reservations_report.md",  # of import
        "inventory_reservations_report.md",
        "reservations.csv",
        "stock.csv",
        "stock.md",
    ]
    for path in written:
        hostile.assert_inert(path.read_text(encoding="utf-8"), str(path))

    reservations_md = (reports / "inventory_reservations_report.md").read_text(encoding="utf-8")
    escaped_link = "\\[link=file:///etc/passwd\\]x\\[/link\\]"
    assert f"| {LINKED_ITEM} | INVERSOR {escaped_link} SAJ 3kW | 2 | manual |" in reservations_md
    assert "| =HYPERLINK(1) \\| \\[x\\](file:///etc/passwd) |" in reservations_md
    rows = list(csv.DictReader(io.StringIO(reservations_csv)))
    assert [(row["sku"], row["quantity"], row["description"]) for row in rows] == [
        (LINKED_ITEM, "2", "'=HYPERLINK(1) | [x](file:///etc/passwd)")
    ]
    stock_md = (reports / "stock.md").read_text(encoding="utf-8")
    assert f"| {LINKED_ITEM} | INVERSOR {escaped_link} SAJ 3kW | Odex CD |" in stock_md
    stock_rows = list(csv.DictReader(io.StringIO((reports / "stock.csv").read_text(encoding="utf-8"))))
    assert len(stock_rows) == 242
    assert {row["location"] for row in stock_rows} == {
        "Fotus CD ESPÍRITO SANTO", "Fotus CD SUDESTE | PRONTA ENTREGA", "Fotus CD SUL", "Fotus [/]", "Odex CD", "Solfacil CD"
    }
