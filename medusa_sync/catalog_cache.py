"""The catalog of a feed root's last parse, kept for the next run over the same feed files.

A run over feeds that have not changed since the last run (a retry after an interruption, the
import after its plan, a second sync of the same night's files) loads the catalog instead of
parsing the feeds again: pydantic validates the stored JSON in a fifth of the parse's time, and
the CPU the parse would take is left to the read of the store, which runs meanwhile.

The entry's key is everything the catalog is made from: the path and SHA-256 of every feed file
found, the rules, and medusa-sync's code with the libraries that shape values (`code_digest`).
So any change to a feed file, the rules or the code parses again. One entry per feed root, in
`Settings.cache_dir`, written atomically; the `KEEP` entries used last are kept (a cron that
downloads each night's feeds into a new folder would otherwise add an entry a night). The
cache never fails a run: an entry that cannot be read or written is parsed (and written) again,
with a debug log.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson
from pydantic import TypeAdapter

from medusa_sync.config import Rules
from medusa_sync.feeds import discover, load_catalog
from medusa_sync.models import Catalog, FeedFile, InventoryItem, Kit, StockLevel, ValidationIssue
from medusa_sync.outputs import code_digest, remove_stale_temporaries, write_atomic

log = logging.getLogger("medusa_sync")

FORMAT = 2
"""Of an entry: a line with the key's 64 hex digits; then each of the catalog's fields (`PARTS`)
as lines `NAME [up to CHUNK records as JSON]`; then a line `end {NAME: count}`. Read and written
a line at a time: validated from one document, the catalog held the document and the JSON
decoder's copy of it at once (at 50,000 items, a load peaked at 258 MB RSS; a line at a time, 93 MB)."""
CHUNK = 1000
"""Records per line."""
PARTS: dict[str, TypeAdapter[list[Any]]] = {
    name: TypeAdapter(list[kind])  # type: ignore[valid-type]
    for name, kind in (("items", InventoryItem), ("levels", StockLevel), ("kits", Kit), ("files", FeedFile), ("issues", ValidationIssue))
}
KEEP = 4
"""Entries kept: those of the feed roots used last (an entry is as large as its items payload)."""
ENTRIES = "catalog-*.json"
ENTRY_NAMES = re.escape(ENTRIES).replace(r"\*", "[0-9a-f]{16}")
"""`ENTRIES` as `entry_path` names them (16 hex digits), as a regular expression."""


def load_catalog_cached(
    feed_root: Path, rules: Rules, cache_dir: Path | None, write_later: Callable[[Callable[[], None]], None] | None = None
) -> Catalog:
    """`load_catalog`, from the cache when its entry for `feed_root` has the key of these feed
    files, rules and code; else parsed, and the entry written (by `write_later`, when given: a
    run hands it to a thread, so the caller does not wait for it). `cache_dir` None: parsed only."""
    if cache_dir is None:
        return load_catalog(feed_root, rules)
    entry = entry_path(cache_dir, feed_root)
    files = _feed_files(feed_root)
    catalog = _read(entry, catalog_key(files, rules)) if files is not None else None
    if catalog is None:
        catalog = load_catalog(feed_root, rules)
        write = functools.partial(_write, entry, catalog, rules)
        if write_later is None:
            write()
        else:
            write_later(write)
    return catalog


FileKey = tuple[str, str, str]
"""A feed file's distributor, path (relative to the feed root, POSIX) and SHA-256."""


def catalog_key(files: list[FileKey], rules: Rules) -> str:
    """A digest of what a catalog is made from: its feed files, the rules and the code."""
    inputs = {"format": FORMAT, "code": code_digest(), "rules": rules.model_dump(mode="json"), "files": sorted(files)}
    return hashlib.sha256(orjson.dumps(inputs)).hexdigest()


def _feed_files(feed_root: Path) -> list[FileKey] | None:
    """The files `load_catalog` reads, hashed; None when one cannot be read (the parse reports it)."""
    files = []
    try:
        for distributor, path in discover(feed_root):
            with path.open("rb") as stream:
                digest = hashlib.file_digest(stream, "sha256").hexdigest()
            files.append((distributor.name, path.relative_to(feed_root).as_posix(), digest))
    except OSError:
        return None
    return files


def entry_path(cache_dir: Path, feed_root: Path) -> Path:
    """The one entry of a feed root, named after its absolute path."""
    return cache_dir / ENTRIES.replace("*", hashlib.sha256(str(feed_root.resolve()).encode()).hexdigest()[:16])


def _read(entry: Path, key: str) -> Catalog | None:
    try:
        with entry.open("rb") as stream:
            if stream.readline().rstrip(b"\n") != key.encode():
                return None
            catalog = _catalog(stream)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:  # ValueError: pydantic's ValidationError, or not an entry
        log.debug("catalog cache %s not read (%s): parsing the feeds", entry, type(exc).__name__)
        return None
    with contextlib.suppress(OSError):  # a cache that can be read and not written still serves
        entry.touch()  # used: kept by `_prune`
    return catalog


def _catalog(lines: Iterable[bytes]) -> Catalog:
    """The catalog of an entry's lines after its key (ValueError: not a whole entry)."""
    parts: dict[str, list[Any]] = {part: [] for part in PARTS}
    for line in lines:
        label, _, records = line.partition(b" ")
        part = label.decode()
        if part == "end":
            if orjson.loads(records) != {name: len(values) for name, values in parts.items()}:
                raise ValueError("an entry's records are not those it counts")
            return Catalog(**{name: tuple(values) for name, values in parts.items()})
        if part not in PARTS:
            raise ValueError(f"an entry line of no part: {label[:40]!r}")
        parts[part] += PARTS[part].validate_json(records)
    raise ValueError("an entry without its end line")


def _lines(key: str, catalog: Catalog) -> Iterator[bytes]:
    yield key.encode() + b"\n"
    for part, adapter in PARTS.items():
        records = getattr(catalog, part)
        for start in range(0, len(records), CHUNK):
            yield part.encode() + b" " + adapter.dump_json(list(records[start : start + CHUNK])) + b"\n"
    yield b"end " + orjson.dumps({part: len(getattr(catalog, part)) for part in PARTS}) + b"\n"


def _write(entry: Path, catalog: Catalog, rules: Rules) -> None:
    """Under the key of the files as the parse read them: a file rewritten during the run is
    stored under its new bytes, never the old ones. Not when a file could not be read."""
    if any(not file.digest for file in catalog.files):
        return
    key = catalog_key([(file.distributor, file.path, file.digest) for file in catalog.files], rules)
    try:
        write_atomic(entry, _lines(key, catalog))
        _prune(entry.parent)
    except (OSError, ValueError) as exc:  # ValueError: a value JSON cannot hold (pydantic's serializer)
        log.debug("catalog cache %s not written (%s)", entry, type(exc).__name__)


def _prune(cache_dir: Path) -> None:
    """Remove the entries beyond the `KEEP` used last, and what killed writers left of any entry
    (a feed root in a new folder each night never writes the same entry again)."""
    remove_stale_temporaries(cache_dir, ENTRY_NAMES)
    used = []
    for entry in cache_dir.glob(ENTRIES):
        with contextlib.suppress(FileNotFoundError):  # another run's prune took it
            used.append((entry.stat().st_mtime, entry))
    for _, entry in sorted(used, reverse=True)[KEEP:]:
        entry.unlink(missing_ok=True)
