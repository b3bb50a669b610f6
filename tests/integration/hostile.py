"""The hostile-feed corpus of issue 11: the October-2025 feeds with rich markup, terminal escape
sequences and absurd numbers put into some records' names, ids, Fotus centres, stock and prices."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

LINK = "[link=file:///etc/passwd]x[/link]"
CLEAR = "\x1b[2J"
TITLE = "\x1b]0;title\x07"
HUGE_STOCK = "99999999999999999999999"
LONG_PRICE = "9" * 5000
# A control character as the issue counts them: C0 but the line feed and the tab, DEL and C1.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _edit(path: Path, edits: dict[int, dict[str, object]], raw: dict[str, str] | None = None) -> None:
    """Change some records; `raw` puts text no JSON encoder writes (NaN, a 5000-digit number)
    in place of a placeholder string."""
    records = json.loads(path.read_text(encoding="utf-8"))
    for index, fields in edits.items():
        records[index].update(fields)
    text = json.dumps(records, ensure_ascii=False)
    for placeholder, literal in (raw or {}).items():
        text = text.replace(json.dumps(placeholder), literal)
    path.write_text(text, encoding="utf-8")


def build(real_feeds: Path, root: Path) -> Path:
    """A copy of `real_feeds` under `root`, made hostile; returns its root."""
    shutil.copytree(real_feeds, root)
    inverters = json.loads((root / "odex" / "odex-inverters.json").read_text(encoding="utf-8"))
    _edit(
        root / "odex" / "odex-inverters.json",
        {
            0: {"name": f"INVERSOR {LINK} {CLEAR}SAJ 3kW {TITLE}"},
            1: {"id": f"{inverters[1]['id']}{TITLE}"},
            2: {"estoque": "@HUGE_STOCK@"},
            3: {"price": "@LONG_PRICE@"},
            4: {"price": "@NAN@"},
        },
        raw={"@HUGE_STOCK@": HUGE_STOCK, "@LONG_PRICE@": LONG_PRICE, "@NAN@": "NaN"},
    )
    _edit(
        root / "solfacil" / "solfacil-inverters.json",
        {0: {"name": f"[/] ENPHASE {CLEAR}IQ8P [bold]X[/bold]", "manufacturer": "[/]"}, 1: {"pricing": {"price": "@NAN@", "currency": "BRL"}}},
        raw={"@NAN@": "NaN"},
    )
    _edit(root / "fotus" / "fotus-kits.json", {0: {"centro_distribuicao": "[/]"}, 1: {"centro_distribuicao": f"CD {CLEAR}SUL{TITLE}"}})
    _edit(root / "fotus" / "fotus-kits-hibridos.json", {0: {"price_brl": "@NAN@"}}, raw={"@NAN@": "NaN"})
    return root


def assert_inert(text: str, where: str) -> None:
    found = CONTROL.findall(text)
    assert not found, f"{where}: control characters {found!r}"
