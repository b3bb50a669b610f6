"""Markdown tables for the reports: the same rows always give the same bytes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def cell(value: object) -> str:
    """One table cell: pipes escaped, line breaks folded, nothing shown as an em dash."""
    if value is None or value == "":
        return "—"
    return " ".join(str(value).split()).replace("|", "\\|")


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], *, numeric: Sequence[str] = ()) -> list[str]:
    """The lines of a table; the `numeric` columns are right-aligned."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---:" if h in numeric else "---" for h in headers) + "|"]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return lines
