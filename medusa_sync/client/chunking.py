"""Splitting long value lists into query strings and batch bodies Medusa accepts.

Query strings: qs (Express's parser) documents an `arrayLimit` of 20 values per parameter, past
which the array becomes an object and Medusa answers 400 (a 2.21.2 install seen live accepted
21; the client never relies on it), and very long URLs break header limits. Values go in the single
comma form `sku[]=A,B,C` (Medusa splits a one-element array on commas), packed up to a URL
budget; values that contain a comma or surrounding spaces cannot use it and go as repeated
`sku=..` parameters, at most 20 per request.

Batch bodies: batch routes take at most 2 MB of JSON; bodies are cut by entries and bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from .codec import encode_json
from .errors import InvalidRequestError

MAX_VALUES_PER_PARAM = 20
MAX_QUERY_CHARS = 6000
"""Budget of the encoded values of one comma-form parameter (Node's header limit is 16 KB)."""
BATCH_MAX_ENTRIES = 1000
BATCH_MAX_BYTES = 1_000_000
"""Half of the 2 MB limit of Medusa's batch routes."""


def value_chunks(
    name: str, values: Iterable[str], *, max_chars: int = MAX_QUERY_CHARS
) -> Iterator[dict[str, str | list[str]]]:
    """Query parameters for `name` in values, one dict per request; duplicates and '' dropped."""
    unique = [v for v in dict.fromkeys(values) if v]
    comma_safe = [v for v in unique if "," not in v and v == v.strip()]
    others = [v for v in unique if "," in v or v != v.strip()]
    for chunk in _pack(comma_safe, max_chars):
        yield {f"{name}[]": ",".join(chunk)}
    for start in range(0, len(others), MAX_VALUES_PER_PARAM):
        yield {name: others[start : start + MAX_VALUES_PER_PARAM]}


def _pack(values: Sequence[str], max_chars: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    size = 0
    for value in values:
        cost = len(quote(value, safe="")) + (3 if chunk else 0)  # an encoded comma is %2C
        if chunk and size + cost > max_chars:
            yield chunk
            chunk, size, cost = [], 0, cost - 3
        chunk.append(value)
        size += cost
    if chunk:
        yield chunk


def split_batch(
    sections: Mapping[str, Sequence[Any]],
    *,
    max_entries: int = BATCH_MAX_ENTRIES,
    max_bytes: int = BATCH_MAX_BYTES,
) -> list[dict[str, list[Any]]]:
    """Cut `{section: entries}` into bodies of at most `max_entries` entries and `max_bytes` of
    compact JSON each, keeping the order of sections and entries."""
    bodies: list[dict[str, list[Any]]] = []
    body: dict[str, list[Any]] = {}
    size = 2  # {}
    for section, entries in sections.items():
        for entry in entries:
            entry_size = len(encode_json(entry))
            cost = _added_bytes(body, section, entry_size)
            if body and (_count(body) >= max_entries or size + cost > max_bytes):
                bodies.append(body)
                body, size = {}, 2
                cost = _added_bytes(body, section, entry_size)
            if size + cost > max_bytes:
                raise InvalidRequestError(f"one {section} entry alone exceeds {max_bytes} bytes")
            body.setdefault(section, []).append(entry)
            size += cost
    if body:
        bodies.append(body)
    return bodies


def _added_bytes(body: Mapping[str, list[Any]], section: str, entry_size: int) -> int:
    """Growth of the JSON of `body` when an entry of `entry_size` bytes joins `section`."""
    if section in body:
        return entry_size + 1  # ,entry
    return entry_size + len(section) + 5 + (1 if body else 0)  # ,"section":[entry]


def _count(body: Mapping[str, list[Any]]) -> int:
    return sum(len(entries) for entries in body.values())
