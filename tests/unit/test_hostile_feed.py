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


def test_json_keeps_the_text_as_data(hostile_root: Path, capsys) -> None:
    assert main(["plan", str(hostile_root), "--offline", "--json"]) == 0
    assert "\\u001b[2J" in capsys.readouterr().out
