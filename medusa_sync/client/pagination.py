"""Offset pagination over Medusa's list answers `{<key>: [...], count, offset, limit}`.

Medusa has no default order and no maximum `limit`: callers send an explicit `order` for stable
paging, and a large page so the number of requests grows with pages, not items.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import MalformedAnswerError
from .requestor import Requestor, records

DEFAULT_PAGE_SIZE = 1000


@dataclass
class OffsetPaginator:
    """Holds the position in a list; reads each page to decide whether another one follows."""

    limit: int = DEFAULT_PAGE_SIZE
    offset: int = 0
    count: int | None = None

    def params(self) -> dict[str, int]:
        return {"offset": self.offset, "limit": self.limit}

    def advance(self, page: Mapping[str, Any], rows: int) -> bool:
        """Move past a page of `rows` rows; True when there is more to read."""
        self.offset += rows
        count = page.get("count")
        if isinstance(count, int):
            self.count = count
            return rows > 0 and self.offset < count
        return rows >= self.limit > 0


def paginate(
    requestor: Requestor,
    path: str,
    key: str,
    params: Mapping[str, Any],
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> Iterator[dict[str, Any]]:
    """Yield the rows of every page lazily: a page is requested only when the previous is used up."""
    paginator = OffsetPaginator(limit=page_size)
    while True:
        page = requestor.request("GET", path, params={**params, **paginator.params()})
        if not isinstance(page.get(key), list):
            # Never read a malformed page as empty: a caller could take the store for empty.
            raise MalformedAnswerError(f"the answer has no {key!r} list", method="GET", path=path)
        rows = records(page, key, "GET", path)
        yield from rows
        if not paginator.advance(page, len(rows)):
            return
