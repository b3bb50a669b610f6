"""Offset pagination over Medusa's list answers `{<key>: [...], count, offset, limit}`.

Medusa has no default order and no maximum `limit`: callers send an explicit `order` for stable
paging, and a large page so the number of requests grows with pages, not items.

Two ways to read a list:

- `paginate`: lazily, one page after the other (a page is requested only when the previous one
  is used up), for callers that may stop early;
- `read_all`: the whole list at once. The first page gives `count`; the other pages are then
  requested `concurrency` at a time (the server's listing, not the round trips, is the limit,
  and a page takes Medusa ~0.1 s to produce), and the rows come back in order. A caller's
  `convert` turns each row into its own record as the row's page arrives, in whatever order the
  pages arrive, while the others are still being listed, instead of after the last one.

Offset pages shift when rows are added or removed during the read: a row can then be read
twice or not at all. `read_all` drops repeated ids (the row of the page that arrived first is
kept) and checks the read: every page must report the `count` of the first, and the distinct
rows must number `count`. When not, the list moved under the read, and it is read again (at
most `MAX_READS` times in all, then `ListMovedError`). A row removed and another added between
two pages leaves `count` unchanged and cannot be seen from offsets alone; a sequential read has
the same limit.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from .errors import ListMovedError, MalformedAnswerError
from .requestor import Requestor, records

logger = logging.getLogger("medusa_sync.client")

DEFAULT_PAGE_SIZE = 1000
DEFAULT_READ_CONCURRENCY = 8
MAX_READS = 3
"""Reads of a whole list before `read_all` gives up on a list that keeps moving."""

Convert = Callable[[dict[str, Any]], Any]
"""A row as read → the caller's record of it."""


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
        page, rows = _page(requestor, path, key, params, paginator.offset, page_size)
        yield from rows
        if not paginator.advance(page, len(rows)):
            return


def read_all(
    requestor: Requestor,
    path: str,
    key: str,
    params: Mapping[str, Any],
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    concurrency: int = DEFAULT_READ_CONCURRENCY,
    convert: Convert | None = None,
) -> list[Any]:
    """Every row of the list, in order, each id once (`convert`ed where given); the pages after
    the first are read `concurrency` at a time. ListMovedError when the list moved during each
    of `MAX_READS` reads (see the module docstring)."""
    for attempt in range(1, MAX_READS + 1):
        rows, moved = _read_once(requestor, path, key, params, page_size, concurrency, convert)
        if moved is None:
            return rows
        logger.warning("GET %s: the list moved while it was read (%s); read %d of %d", path, moved, attempt, MAX_READS)
    raise ListMovedError(
        f"the list kept changing while it was read, {MAX_READS} times ({moved})",
        method="GET",
        path=path,
        hint="something else is adding or deleting records right now; run the command again",
    )


def _read_once(
    requestor: Requestor,
    path: str,
    key: str,
    params: Mapping[str, Any],
    page_size: int,
    concurrency: int,
    convert: Convert | None,
) -> tuple[list[Any], str | None]:
    """One read of the whole list: its rows, each id once, and why it moved (None: it did not)."""
    unique = _EachIdOnce(convert)
    first, rows = _page(requestor, path, key, params, 0, page_size)
    count = first.get("count")
    if not isinstance(count, int):  # no count to plan the pages by (not Medusa): one after the other
        return unique.converted(paginate(requestor, path, key, params, page_size=page_size)), None
    step = len(rows) or page_size  # a server that caps `limit` sends fewer rows a page
    counts = {count}
    offsets = range(step, count, step) if rows else range(0)
    pages_read: dict[int, list[Any]] = {}
    with _pages_as_they_arrive(requestor, path, key, params, offsets, page_size, concurrency) as pages:
        pages_read[0] = unique.converted(rows)  # once the other pages are requested: converting takes a while
        for offset, page, page_rows in pages:
            counts.add(page.get("count"))
            pages_read[offset] = unique.converted(page_rows)  # while the others are listed
    records = [record for offset in sorted(pages_read) for record in pages_read[offset]]
    if len(counts) > 1:
        return records, f"count went from {count} to {sorted(c for c in counts if c != count)[0]}"
    if len(records) != count:
        return records, f"{len(records)} distinct rows read of {count}"
    return records, None


@contextlib.contextmanager
def _pages_as_they_arrive(
    requestor: Requestor,
    path: str,
    key: str,
    params: Mapping[str, Any],
    offsets: range,
    page_size: int,
    concurrency: int,
) -> Iterator[Iterator[tuple[int, dict[str, Any], list[dict[str, Any]]]]]:
    """The pages at `offsets` (offset, answer, rows), requested `concurrency` at a time from the
    moment the block is entered, and yielded as they arrive: a caller converting each page's rows
    converts the pages that came early while a slower one is still listed, instead of all of
    them after it. On a failure the pages not yet requested are not sent."""
    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="medusa-page") as pool:
        pending = {pool.submit(_page, requestor, path, key, params, offset, page_size): offset for offset in offsets}

        def arriving() -> Iterator[tuple[int, dict[str, Any], list[dict[str, Any]]]]:
            for done in as_completed(list(pending)):
                offset = pending.pop(done)
                yield (offset, *done.result())

        try:
            yield arriving()
        finally:
            for future in pending:
                future.cancel()


def _page(
    requestor: Requestor, path: str, key: str, params: Mapping[str, Any], offset: int, limit: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    page = requestor.request("GET", path, params={**params, "offset": offset, "limit": limit})
    if not isinstance(page.get(key), list):
        # Never read a malformed page as empty: a caller could take the store for empty.
        raise MalformedAnswerError(f"the answer has no {key!r} list", method="GET", path=path)
    return page, records(page, key, "GET", path)


class _EachIdOnce:
    """Converts the rows of one read, each id once: the row of the page that arrived first
    (rows without an id are all kept)."""

    def __init__(self, convert: Convert | None) -> None:
        self._seen: set[Any] = set()
        self._convert = convert

    def converted(self, rows: Iterable[dict[str, Any]]) -> list[Any]:
        records = []
        for row in rows:
            row_id = row.get("id")
            if row_id is not None:
                if row_id in self._seen:
                    continue
                self._seen.add(row_id)
            records.append(row if self._convert is None else self._convert(row))
        return records
