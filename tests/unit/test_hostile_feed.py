"""Issue 11.6: feed text is data. Rich markup in names, ids or centres is shown as written
(never interpreted: a centre named "[/]" crashed `validate` with MarkupError) and no control
character reaches the terminal, the .md or the .csv outputs."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from medusa_sync.cli.main import main

CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
LINK = "[link=file:///etc/passwd]click[/link]"


@pytest.fixture(autouse=True)
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("MEDUSA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def hostile_root(feeds, odex_record, solfacil_record, fotus_kit) -> Path:
    feeds.write("odex/odex-inverters.json", [odex_record(name=f"INVERSOR {LINK} \x1b[2J 5KW", id="odex_inverters_A\x1b]0;pwned\x07")])
    feeds.write("solfacil/solfacil-inverters.json", [solfacil_record(name="INVERSOR [bold]X[/bold] \x1b[31mRED\x08", manufacturer="[/]")])
    feeds.write("fotus/fotus-kits.json", [fotus_kit(centro_distribuicao="[/]"), fotus_kit(id="FOTUS-KP05-kits", centro_distribuicao="CD \x1b[2JSUL")])
    return feeds.root


def _no_control(text: str, where: str) -> None:
    found = CONTROL.findall(text)
    assert not found, f"{where}: {found!r}"


def test_validate_shows_markup_as_written_and_no_control_character(hostile_root: Path, capsys) -> None:
    code = main(["validate", str(hostile_root)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "unexpected error" not in err
    assert "Fotus [/]" in out
    _no_control(out, "stdout")
    _no_control(err, "stderr")


def test_plan_and_its_outputs_show_markup_as_written_and_no_control_character(hostile_root: Path, tmp_path: Path, capsys) -> None:
    code = main(["plan", str(hostile_root), "--offline", "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert LINK in out
    assert "[bold]X[/bold]" in out
    _no_control(out, "stdout")
    _no_control(err, "stderr")
    written = sorted((tmp_path / "out").iterdir())
    assert [path.suffix for path in written if path.suffix in (".md", ".csv")], written
    for path in written:
        if path.suffix in (".md", ".csv"):
            _no_control(path.read_text(encoding="utf-8"), path.name)


def test_json_keeps_markup_as_data_and_control_characters_never_reach_the_store(hostile_root: Path, capsys) -> None:
    """Control characters are removed where the feeds are read, so neither the plan nor the
    store ever holds them; markup is text and stays as written. An id that lost some is reported."""
    assert main(["plan", str(hostile_root), "--offline", "--json"]) == 0
    out, err = capsys.readouterr()
    assert "\\u001b" not in out and "\\u0007" not in out and "\\b" not in out
    assert f'"INVERSOR {LINK}  5KW"' in out
    assert '"odex_inverters_A"' in out
    assert (
        "  warning: control_characters (1): the id holds control characters or terminal escape sequences: "
        "odex/odex-inverters.json record 0"
    ) in err.splitlines()


def test_text_of_removes_control_characters_and_keeps_the_rest() -> None:
    from medusa_sync.feeds.fields import text_of

    assert text_of(" CD \x1b[2JSUL\x1b]0;t\x07 ") == "CD SUL"
    assert text_of("Inversor\tSolar\x08") == "Inversor\tSolar"
    assert text_of("Módulo [bold]610W[/bold]") == "Módulo [bold]610W[/bold]"
    assert text_of("\x1b[2J") is None
