"""The output files of an import: byte-identical for the same input and store.

    inventory_items_payload.json         each item as it is (or would be) created, with its id
    inventory_levels_by_location.json    per location, each SKU's stocked / reserved / incoming
    inventory_kits_definition.json       each kit with its components' SKUs and quantities
    inventory_reservations_report.md     the reservations (or why there are none)
    validation_report.json               every feed issue: file, record, SKU, reason, action
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import logging
import os
import re
import sys
import tempfile
import time
import types
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import babel
import orjson
import pydantic

import medusa_sync
from medusa_sync import __version__
from medusa_sync.config import Rules
from medusa_sync.gcpause import paused_gc
from medusa_sync.models import Catalog, StockLevel
from medusa_sync.plan import ItemDigests, Plan, StoreIds, item_body, kit_metadata
from medusa_sync.plan.metadata import with_values
from medusa_sync.store import StoreSnapshot

ITEMS_FILE = "inventory_items_payload.json"
LEVELS_FILE = "inventory_levels_by_location.json"
KITS_FILE = "inventory_kits_definition.json"
RESERVATIONS_FILE = "inventory_reservations_report.md"
VALIDATION_FILE = "validation_report.json"

log = logging.getLogger("medusa_sync.outputs")


_JSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS


class PlainRows(Iterator[Any]):
    """An iterator whose elements hold no stream: `json_chunks` writes them `_BATCH` at a time
    without looking into each one (that look was a third of writing 50,000 levels)."""

    __slots__ = ("rows",)

    def __init__(self, rows: Iterable[Any]) -> None:
        self.rows = iter(rows)

    def __next__(self) -> Any:
        return next(self.rows)


# What json_chunks writes one element at a time. Concrete types: `isinstance` against the
# Iterator ABC, run on every value of every row, was a fifth of writing the outputs.
_STREAMED = (types.GeneratorType, type(iter([])), PlainRows)
_STREAMED_TYPES = frozenset(_STREAMED)


def dump_json(value: Any) -> bytes:
    return orjson.dumps(value, option=_JSON_OPTIONS, default=str) + b"\n"


def json_chunks(value: Any) -> Iterator[bytes]:
    """The bytes of `dump_json(value)`, in pieces: a list given as a generator, a list iterator
    or `PlainRows` is written `_BATCH` elements at a time (an element that holds such a list,
    alone), so a document of a million rows is never held whole, as objects or as bytes. Everything else
    is encoded by orjson and indented to its depth (a JSON string never holds a raw newline, so
    re-indenting is safe)."""
    yield from _chunks(value, b"\n")
    yield b"\n"


_BATCH = 500
"""Plain elements of a streamed list encoded by one orjson call: per element, the calls and the
pieces cost more than the encoding."""


def _holds_stream(value: Any) -> bool:
    """Asked of every row: the member types are compared in C, without a Python loop per value."""
    return isinstance(value, dict) and not _STREAMED_TYPES.isdisjoint(map(type, value.values()))


def _chunks(value: Any, newline: bytes) -> Iterator[bytes]:
    inner = newline + b"  "
    if isinstance(value, _STREAMED):
        opening = b"["
        runs = [(False, value.rows)] if type(value) is PlainRows else itertools.groupby(value, key=_holds_stream)
        for nested, run in runs:
            if nested:
                for element in run:
                    yield opening + inner
                    yield from _chunks(element, inner)
                    opening = b","
            else:
                while batch := list(itertools.islice(run, _BATCH)):
                    yield opening + _elements(batch, newline)
                    opening = b","
        yield b"[]" if opening == b"[" else newline + b"]"
    elif _holds_stream(value):
        opening = b"{"
        for key in sorted(value):
            yield opening + inner + orjson.dumps(key) + b": "
            yield from _chunks(value[key], inner)
            opening = b","
        yield newline + b"}"
    else:
        yield orjson.dumps(value, option=_JSON_OPTIONS, default=str).replace(b"\n", newline)


def _elements(batch: list[Any], newline: bytes) -> bytes:
    """The elements of `batch` as they appear inside a list at this depth, each on its own
    line (orjson's list `[\n  a,\n  b\n]` without its brackets, re-indented)."""
    return orjson.dumps(batch, option=_JSON_OPTIONS, default=str)[1:-2].replace(b"\n", newline)


STALE_TEMPORARY_S = 3600
"""A temporary file of `write_atomic` this old is a killed writer's (a write takes seconds)."""


def write_atomic(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write via a temporary file and rename: a reader never sees half a file. The temporary
    files that killed writers of the same file left (SIGKILL, a power cut) are removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            if isinstance(data, bytes):
                stream.write(data)
            else:
                stream.writelines(data)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    remove_stale_temporaries(path.parent, re.escape(path.name))


def remove_stale_temporaries(folder: Path, names: str) -> None:
    """Remove the temporary files `write_atomic` made for the files whose names match `names` (a
    regular expression) and that are older than `STALE_TEMPORARY_S`. Only names `mkstemp` makes
    (`.NAME.` then 8 of its letters): another writer's file in progress, or a `.NAME.bak`, stays."""
    made = re.compile(rf"\.(?:{names})\.[a-z0-9_]{{8}}")
    cutoff = time.time() - STALE_TEMPORARY_S
    with contextlib.suppress(OSError), os.scandir(folder) as entries:  # a folder that cannot be listed: left
        for entry in entries:
            if made.fullmatch(entry.name):
                with contextlib.suppress(OSError):  # gone meanwhile, or not ours to remove
                    if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                        os.unlink(entry.path)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def items_payload(
    catalog: Catalog, plan: Plan, ids: StoreIds, inputs: str, digests: ItemDigests | None = None
) -> dict[str, Any]:
    """The items as created, each with its levels; `inventory_items` is an iterator (json_chunks).
    `inputs`: what they were made from (`items_inputs`); `digests`: the run's."""
    digest = digests or ItemDigests()
    levels_by_sku: dict[str, list[StockLevel]] = {}
    for level in catalog.levels:
        levels_by_sku.setdefault(level.sku, []).append(level)

    def items() -> Iterator[dict[str, Any]]:
        for item in catalog.items:
            levels = [
                {
                    "location": level.location,
                    "location_id": ids.locations.get(level.location),
                    "stocked_quantity": level.stocked,
                    "incoming_quantity": level.incoming,
                }
                for level in levels_by_sku.get(item.sku, ())
            ]
            yield {"id": ids.items.get(item.sku), **item_body(item, digest(item)), "location_levels": levels}

    return {
        "generated_by": f"medusa-sync {__version__}",
        "inputs_digest": inputs,
        "store": plan.store,
        "count": len(catalog.items),
        "inventory_items": PlainRows(items()),
    }


def items_inputs(catalog: Catalog, plan: Plan, ids: StoreIds, rules: Rules) -> str:
    """A digest of everything the items payload is made from: the feed files' bytes, the rules,
    the store and the ids of the catalog's items and locations, and the code that parses,
    normalizes and writes (medusa-sync's sources and the libraries that shape values). Equal
    digests, equal bytes: a file that holds this digest already is not written again."""
    inputs = {
        "code": code_digest(),
        "feeds": sorted((file.path, file.digest) for file in catalog.files),
        "rules": rules.model_dump(mode="json"),
        "store": plan.store,
        "items": [ids.items.get(item.sku) for item in catalog.items],
        "locations": sorted(ids.locations.items()),
    }
    return hashlib.sha256(orjson.dumps(inputs)).hexdigest()


@functools.cache
def code_digest() -> str:
    """medusa-sync's own sources, and the versions of Python and of the libraries that shape
    values: pydantic, orjson, and babel (which reads the prices the fast path does not)."""
    versions = f"{sys.version}|{pydantic.VERSION}|{orjson.__version__}|{babel.__version__}"
    digest = hashlib.sha256(versions.encode())
    package = Path(medusa_sync.__file__).parent
    for source in sorted(package.rglob("*.py")):
        digest.update(str(source.relative_to(package)).encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


_INPUTS_DIGEST = re.compile(rb'^  "inputs_digest": "([0-9a-f]{64})",$', re.MULTILINE)
_HEAD_BYTES = 65536
"""Where a file's `inputs_digest` is looked for: keys are sorted, and the validation report's
list of feed files comes before it. A digest further in is not found: the file is written again."""


def levels_inputs(items_digest: str, plan: Plan) -> str:
    """A digest of everything the levels file is made from: the items payload's inputs
    (`items_inputs`), the store's state the plan read (its fingerprint, which covers every item's
    levels) and the stocked quantities the plan sets."""
    planned = sorted((change.sku, change.location, change.stocked) for change in plan.changes if change.kind == "level")
    return hashlib.sha256(orjson.dumps([items_digest, plan.fingerprint, planned])).hexdigest()


def _write_unless_made_from(path: Path, inputs: str, data: Callable[[], bytes | Iterable[bytes]]) -> None:
    """Write `data()` to `path`, unless the file there names `inputs` as what it was made from
    (then it is left as it is, mtime included)."""
    if _written_from(path) == inputs:
        log.info("%s: made from the same inputs, left as it is", path.name)
    else:
        write_atomic(path, data())


def _written_from(path: Path) -> str | None:
    """The `inputs_digest` the file at `path` names in its head; None if it names none."""
    try:
        with path.open("rb") as stream:
            head = stream.read(_HEAD_BYTES)
    except OSError:
        return None
    found = _INPUTS_DIGEST.search(head)
    return found.group(1).decode() if found else None


def levels_by_location(catalog: Catalog, snapshot: StoreSnapshot, plan: Plan, ids: StoreIds, inputs: str) -> dict[str, Any]:
    """Stocked as the plan leaves it (clamped where it clamps), reserved as the store has it;
    each location's `levels` is an iterator (json_chunks). `inputs`: what they were made from
    (`levels_inputs`)."""
    planned_stock: dict[str, dict[str, int]] = {}  # by location, then SKU
    for change in plan.changes:
        if change.kind == "level":
            planned_stock.setdefault(change.location, {})[change.sku] = change.stocked
    by_location: dict[str, list[StockLevel]] = {}
    for level in catalog.levels:
        by_location.setdefault(level.location, []).append(level)
    items, item_ids = snapshot.items, ids.items

    def rows(levels: list[StockLevel], location_id: str | None, planned: dict[str, int] | None) -> Iterator[dict[str, Any]]:
        for level in levels:
            sku = level.sku
            actual_item = items.get(sku)
            actual = actual_item.levels.get(location_id) if actual_item is not None and location_id else None
            stocked, reserved = (level.stocked, 0) if actual is None else (actual.stocked, actual.reserved)
            if planned:
                stocked = planned.get(sku, stocked)
            yield {
                "sku": sku,
                "inventory_item_id": item_ids.get(sku),
                "stocked_quantity": stocked,
                "reserved_quantity": reserved,
                "incoming_quantity": level.incoming,
                "available_quantity": stocked - reserved,
            }

    locations = []
    for name, levels in sorted(by_location.items()):
        location_id = ids.locations.get(name)
        rows_here = PlainRows(rows(levels, location_id, planned_stock.get(name)))
        locations.append({"name": name, "id": location_id, "count": len(levels), "levels": rows_here})
    return {"inputs_digest": inputs, "store": plan.store, "locations": iter(locations)}


def kits_inputs(items_digest: str, catalog: Catalog, ids: StoreIds) -> str:
    """A digest of everything the kits file is made from: the items payload's inputs
    (`items_inputs`: the feeds, the rules, the store, the code), the kits' product and variant
    ids, and the ids of their components (a component need not be one of the catalog's items)."""
    components = [ids.items.get(component.sku) for kit in catalog.kits for component in kit.components]
    return hashlib.sha256(orjson.dumps([items_digest, sorted(ids.kits.items()), components])).hexdigest()


def kits_definition(catalog: Catalog, plan: Plan, ids: StoreIds, rules: Rules, inputs: str) -> dict[str, Any]:
    """`inputs`: what it was made from (`kits_inputs`)."""
    titles = {item.sku: item.title for item in catalog.items}
    kits = []
    for kit in catalog.kits:
        product_id, variant_id = ids.kits.get(kit.sku, (None, None))
        kits.append(
            {
                "sku": kit.sku,
                "title": kit.title,
                "product_id": product_id,
                "variant_id": variant_id,
                "status": rules.kits.status,
                "price": {"amount": f"{kit.price:.2f}", "currency_code": rules.kits.currency} if kit.price is not None else None,
                "metadata": with_values(kit_metadata(kit)),
                "components": [
                    {
                        "sku": component.sku,
                        "title": titles.get(component.sku),
                        "inventory_item_id": ids.items.get(component.sku),
                        "required_quantity": component.quantity,
                    }
                    for component in kit.components
                ],
            }
        )
    return {"inputs_digest": inputs, "store": plan.store, "count": len(kits), "kits": kits}


def validation_report(catalog: Catalog, inputs: str) -> dict[str, Any]:
    """`inputs`: what it was made from; the items payload's inputs (`items_inputs`) hold the
    feeds, the rules and the code, which make the catalog."""
    return {
        "inputs_digest": inputs,
        "files": [file.model_dump() for file in catalog.files],
        "issue_count": len(catalog.issues),
        "issues": PlainRows(issue.model_dump() for issue in catalog.issues),
    }


OFFLINE_RESERVATIONS = """# Inventory reservations

No reservations: this plan was made against an empty store because no Medusa server was
configured (`MEDUSA_URL` unset), and an empty store holds no reservations. Run
`medusa-sync report reservations` against a live store for the real report.
"""


@paused_gc
def write_item_outputs(
    out_dir: Path,
    catalog: Catalog,
    snapshot: StoreSnapshot,
    plan: Plan,
    ids: StoreIds,
    rules: Rules,
    digests: ItemDigests | None = None,
) -> str:
    """The items payload and the levels file, the two made from the items' and locations' ids
    (which a kit step does not change): an import writes them while its kits are created.
    Returns what the items payload was made from (`items_inputs`), which the other files need."""
    inputs = items_inputs(catalog, plan, ids, rules)
    _write_unless_made_from(out_dir / ITEMS_FILE, inputs, lambda: json_chunks(items_payload(catalog, plan, ids, inputs, digests)))
    level_inputs = levels_inputs(inputs, plan)
    _write_unless_made_from(
        out_dir / LEVELS_FILE, level_inputs, lambda: json_chunks(levels_by_location(catalog, snapshot, plan, ids, level_inputs))
    )
    return inputs


@paused_gc
def write_outputs(
    out_dir: Path,
    catalog: Catalog,
    snapshot: StoreSnapshot,
    plan: Plan,
    ids: StoreIds,
    rules: Rules,
    reservations_markdown: str,
    digests: ItemDigests | None = None,
    items_written: str | None = None,
) -> list[Path]:
    """`digests`: the run's (`plan.ItemDigests`), which holds those its plan computed;
    `items_written`: what `write_item_outputs` returned, when it already wrote those two files.

    The JSON files are left as they are when they were made from the same inputs (`items_inputs`,
    `levels_inputs`, `kits_inputs`): a re-run over unchanged feeds, ids and store does not write
    them again, and one after a sync writes only the levels file. The reservations report is
    written every time."""
    inputs = items_written or write_item_outputs(out_dir, catalog, snapshot, plan, ids, rules, digests)
    kit_inputs = kits_inputs(inputs, catalog, ids)
    _write_unless_made_from(out_dir / KITS_FILE, kit_inputs, lambda: dump_json(kits_definition(catalog, plan, ids, rules, kit_inputs)))
    write_atomic(out_dir / RESERVATIONS_FILE, reservations_markdown.encode("utf-8"))
    _write_unless_made_from(out_dir / VALIDATION_FILE, inputs, lambda: json_chunks(validation_report(catalog, inputs)))
    return [out_dir / name for name in (ITEMS_FILE, LEVELS_FILE, KITS_FILE, RESERVATIONS_FILE, VALIDATION_FILE)]
