"""CSV for the reports: the data as it is, but inert in a spreadsheet.

Text cells lose their control characters but line breaks (`printable`; the csv module quotes a
cell with a line break). A text cell that starts with `=`, `+`, `-` or `@` would be read as a
formula by Excel, LibreOffice or Google Sheets (CSV injection: `=HYPERLINK(…)`, `=cmd|…`), so it
gets a leading `'`, which the spreadsheet shows as text. Numbers are written as they are (a
negative available quantity stays `-3`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from medusa_sync.normalize.text import printable

_FORMULA_STARTS = ("=", "+", "-", "@")


def cell(value: object) -> object:
    if not isinstance(value, str):
        return value
    text = printable(value.replace("\t", " "))
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def render(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The CSV text: `header`, then one line per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([cell(value) for value in row] for row in rows)
    return buffer.getvalue()
