"""What every resource service shares: the requestor, list queries, paths with ids."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from typing import Any
from urllib.parse import quote

from ..chunking import MAX_VALUES_PER_PARAM, value_chunks
from ..errors import InvalidRequestError
from ..pagination import DEFAULT_PAGE_SIZE, DEFAULT_READ_CONCURRENCY, Convert, paginate, read_all
from ..requestor import Requestor

Record = dict[str, Any]
Records = list[Record]
Fields = str | Sequence[str] | None

ID_ONLY = "id"
"""The answer fields of a write whose caller keeps no more than the record's id. Medusa re-reads
every record it writes for its answer; with its default fields (an item's levels, reservations
and variants; a product's variants, options, images, channels) that re-read cost 2.21.2 a fifth
to a third of the write."""


class Resource:
    def __init__(
        self,
        requestor: Requestor,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        read_concurrency: int = DEFAULT_READ_CONCURRENCY,
    ) -> None:
        self._requestor = requestor
        self._page_size = page_size
        self._read_concurrency = read_concurrency

    def _paginate(self, path: str, key: str, params: dict[str, Any]) -> Iterator[Record]:
        return paginate(self._requestor, path, key, params, page_size=self._page_size)

    def _search(self, path: str, key: str, text: str, fields: Fields, limit: int) -> list[Record]:
        """At most `limit` rows whose searchable fields contain `text` (Medusa's `q`, a
        case-insensitive substring match): one request, never the whole list."""
        return [*islice(paginate(self._requestor, path, key, list_query(fields, order="id", q=text), page_size=limit), limit)]

    def _read_all(self, path: str, key: str, params: dict[str, Any], convert: Convert | None = None) -> list[Any]:
        return read_all(
            self._requestor, path, key, params, page_size=self._page_size, concurrency=self._read_concurrency, convert=convert
        )

    def _by_values(
        self, path: str, key: str, name: str, values: Iterable[str], params: dict[str, Any]
    ) -> list[Record]:
        """All rows whose `name` is one of `values`, in as few requests as the limits allow: one
        per chunk of values (the URL's budget, ~170 ids), `read_concurrency` chunks at a time."""
        chunks = list(value_chunks(name, values))

        def read(chunk: dict[str, Any]) -> Records:
            return list(self._paginate(path, key, {**params, **chunk}))

        if len(chunks) < 2 or self._read_concurrency < 2:
            return [row for chunk in chunks for row in read(chunk)]
        workers = min(self._read_concurrency, len(chunks))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="medusa-chunk") as pool:
            return [row for rows in pool.map(read, chunks) for row in rows]


def segment(value: str) -> str:
    """An id as one path segment."""
    return quote(value, safe="")


def list_query(fields: Fields = None, **params: Any) -> dict[str, Any]:
    """Query parameters of a list or retrieve call; None values are left out."""
    query = {name: value for name, value in params.items() if value is not None}
    for name, value in query.items():
        if isinstance(value, (list, tuple, set, frozenset)) and len(value) > MAX_VALUES_PER_PARAM:
            raise InvalidRequestError(
                f"filter {name!r} has {len(value)} values; Medusa accepts at most "
                f"{MAX_VALUES_PER_PARAM} per parameter (use a list_by_… method)"
            )
        if isinstance(value, (tuple, set, frozenset)):
            query[name] = list(value)
    if fields:
        query["fields"] = fields if isinstance(fields, str) else ",".join(fields)
    return query


def field_names(fields: Fields) -> list[str]:
    """The names a `fields` argument holds, in order: a comma-separated string or a sequence."""
    if not fields:
        return []
    return [name.strip() for name in fields.split(",")] if isinstance(fields, str) else list(fields)


def answer_fields(fields: Fields, body: Mapping[str, Any]) -> Fields:
    """The fields to ask in the answer of an update of `body`: `fields`, with `metadata` when the
    body sets some (client/metadata.py learns from the answer's metadata). None: the defaults."""
    if not fields or not isinstance(body.get("metadata"), Mapping):
        return fields
    names = field_names(fields)
    return fields if "metadata" in names else [*names, "metadata"]


def positive_int(name: str, value: Any) -> int:
    """Medusa accepts 0 and negative quantities where they corrupt stock; refuse them here."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidRequestError(f"{name} must be a positive integer, got {value!r}")
    return value


def positive_number(name: str, value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise InvalidRequestError(f"{name} must be a positive number, got {value!r}")
    return value
