"""The output files of an import: byte-identical for the same input and store.

    inventory_items_payload.json         each item as it is (or would be) created, with its id
    inventory_levels_by_location.json    per location, each SKU's stocked / reserved / incoming
    inventory_kits_definition.json       each kit with its components' SKUs and quantities
    inventory_reservations_report.md     the reservations (or why there are none)
    validation_report.json               every feed issue: file, record, SKU, reason, action
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import orjson

from medusa_sync import __version__
from medusa_sync.config import Rules
from medusa_sync.models import Catalog
from medusa_sync.plan import Plan, StoreIds, item_fields, kit_metadata
from medusa_sync.plan.metadata import with_values
from medusa_sync.store import StoreSnapshot

ITEMS_FILE = "inventory_items_payload.json"
LEVELS_FILE = "inventory_levels_by_location.json"
KITS_FILE = "inventory_kits_definition.json"
RESERVATIONS_FILE = "inventory_reservations_report.md"
VALIDATION_FILE = "validation_report.json"


def dump_json(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS, default=str) + b"\n"


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file and rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def items_payload(catalog: Catalog, plan: Plan, ids: StoreIds) -> dict[str, Any]:
    levels_by_sku: dict[str, list[dict[str, Any]]] = {}
    for level in catalog.levels:
        levels_by_sku.setdefault(level.sku, []).append(
            {
                "location": level.location,
                "location_id": ids.locations.get(level.location),
                "stocked_quantity": level.stocked,
                "incoming_quantity": level.incoming,
            }
        )
    items = [
        {"id": ids.items.get(item.sku), **item_fields(item).model_dump(), "location_levels": levels_by_sku.get(item.sku, [])}
        for item in catalog.items
    ]
    return {"generated_by": f"medusa-sync {__version__}", "store": plan.store, "count": len(items), "inventory_items": items}


def levels_by_location(catalog: Catalog, snapshot: StoreSnapshot, plan: Plan, ids: StoreIds) -> dict[str, Any]:
    """Stocked as the plan leaves it (clamped where it clamps), reserved as the store has it."""
    planned_stock = {(change.sku, change.location): change.stocked for change in plan.changes if change.kind == "level"}
    locations: dict[str, list[dict[str, Any]]] = {}
    for level in catalog.levels:
        actual_item = snapshot.items.get(level.sku)
        location_id = ids.locations.get(level.location)
        actual = actual_item.levels.get(location_id) if actual_item and location_id else None
        reserved = actual.reserved if actual else 0
        stocked = planned_stock.get((level.sku, level.location), actual.stocked if actual else level.stocked)
        locations.setdefault(level.location, []).append(
            {
                "sku": level.sku,
                "inventory_item_id": ids.items.get(level.sku),
                "stocked_quantity": stocked,
                "reserved_quantity": reserved,
                "incoming_quantity": level.incoming,
                "available_quantity": stocked - reserved,
            }
        )
    return {
        "store": plan.store,
        "locations": [
            {"name": name, "id": ids.locations.get(name), "count": len(rows), "levels": rows}
            for name, rows in sorted(locations.items())
        ],
    }


def kits_definition(catalog: Catalog, plan: Plan, ids: StoreIds, rules: Rules) -> dict[str, Any]:
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
    return {"store": plan.store, "count": len(kits), "kits": kits}


def validation_report(catalog: Catalog) -> dict[str, Any]:
    return {
        "files": [file.model_dump() for file in catalog.files],
        "issue_count": len(catalog.issues),
        "issues": [issue.model_dump() for issue in catalog.issues],
    }


OFFLINE_RESERVATIONS = """# Inventory reservations

No reservations: this plan was made against an empty store because no Medusa server was
configured (`MEDUSA_URL` unset), and an empty store holds no reservations. Run
`medusa-sync report reservations` against a live store for the real report.
"""


def write_outputs(
    out_dir: Path,
    catalog: Catalog,
    snapshot: StoreSnapshot,
    plan: Plan,
    ids: StoreIds,
    rules: Rules,
    reservations_markdown: str,
) -> list[Path]:
    files = {
        ITEMS_FILE: dump_json(items_payload(catalog, plan, ids)),
        LEVELS_FILE: dump_json(levels_by_location(catalog, snapshot, plan, ids)),
        KITS_FILE: dump_json(kits_definition(catalog, plan, ids, rules)),
        RESERVATIONS_FILE: reservations_markdown.encode("utf-8"),
        VALIDATION_FILE: dump_json(validation_report(catalog)),
    }
    written = []
    for name, data in files.items():
        write_atomic(out_dir / name, data)
        written.append(out_dir / name)
    return written
