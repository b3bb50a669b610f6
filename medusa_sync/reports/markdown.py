"""Markdown tables for the reports: the same rows always give the same bytes.

Store and feed text is data, never markup: control characters are removed (`printable`), line
breaks folded, and the characters that would end a table cell or start markup are escaped with
a backslash: `\\`, `|` (a cell), `[` `]` (a link or image, `[x](file:///…)`), `<` `>` (HTML, an
autolink) and `` ` `` (a code span). Emphasis (`*`, `_`) is left alone: it cannot inject
anything, and escaping it would garble every SKU (`odex_inverters_…`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from medusa_sync.normalize.text import printable

_MARKUP = re.compile(r"([\\|\[\]<>`])")


def inline(value: object) -> str:
    """Text for one line of Markdown (a cell, a heading): inert, on one line."""
    return _MARKUP.sub(r"\\\1", " ".join(printable(str(value)).split()))


def cell(value: object) -> str:
    """One table cell: text made inert (`inline`), nothing shown as an em dash."""
    if value is None or value == "":
        return "—"
    return inline(value)


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], *, numeric: Sequence[str] = ()) -> list[str]:
    """The lines of a table; the `numeric` columns are right-aligned."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---:" if h in numeric else "---" for h in headers) + "|"]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return lines
