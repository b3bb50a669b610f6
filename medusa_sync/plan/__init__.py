"""Plan = desired state (a Catalog) against actual state (a StoreSnapshot).

A plan lists what would be created, updated (each changed field before → after), what the feed
no longer has (missing) and what exists but is not ours (conflict); unchanged things are only
counted. A plan is self-contained: `apply FILE` executes exactly its changes.
"""

from __future__ import annotations

from collections.abc import Mapping

from medusa_sync.config import Rules
from medusa_sync.gcpause import paused_gc
from medusa_sync.guard import shrink_guard
from medusa_sync.models import Catalog
from medusa_sync.plan.desired import ItemDigests, item_body, item_digest, item_fields, item_metadata, kit_create, kit_metadata
from medusa_sync.plan.ids import StoreIds
from medusa_sync.plan.model import (
    ACTIONS,
    BASE_PREFIX,
    FORMAT_VERSION,
    KINDS,
    WRITES,
    Action,
    Change,
    Component,
    FieldChange,
    ItemConflict,
    ItemCreate,
    ItemFields,
    ItemMissing,
    ItemUpdate,
    Kind,
    KitConflict,
    KitCreate,
    KitMissing,
    KitUpdate,
    LevelBase,
    LevelCreate,
    LevelDrift,
    LevelUpdate,
    LinkEdits,
    LocationCreate,
    LocationUpdate,
    Plan,
    PlanOptions,
    Price,
    base_key,
    base_value,
)
from medusa_sync.plan.planners import Context, ItemsAhead, plan_items, plan_kits, plan_levels, plan_locations, plan_missing
from medusa_sync.store import StoreSnapshot

__all__ = [
    "ACTIONS", "BASE_PREFIX", "FORMAT_VERSION", "KINDS", "WRITES", "Action", "Change", "Component", "FieldChange",
    "ItemConflict", "ItemCreate", "ItemFields", "ItemMissing", "ItemUpdate", "ItemsAhead", "Kind", "KitConflict",
    "KitCreate", "KitMissing", "KitUpdate", "LevelBase", "LevelCreate", "LevelDrift", "LevelUpdate", "LinkEdits", "LocationCreate", "LocationUpdate",
    "ItemDigests", "Plan", "PlanOptions", "Price", "StoreIds", "item_body", "item_digest", "item_fields", "item_metadata", "kit_create",
    "base_key", "base_value", "kit_metadata", "make_plan",
]


@paused_gc
def make_plan(
    catalog: Catalog,
    snapshot: StoreSnapshot,
    rules: Rules,
    options: PlanOptions,
    changed_by: Mapping[tuple[str, str], str] | None = None,
    digests: ItemDigests | None = None,
    ahead: ItemsAhead | None = None,
) -> Plan:
    """`changed_by`: (SKU, location id) → who last changed that level and when (the audit log).
    `digests`: the run's, which its outputs use too; `ahead`: the item updates planned while the
    store was read."""
    known = changed_by or {}
    ctx = Context(
        catalog,
        snapshot,
        rules,
        options,
        changed_by=lambda sku, location_id: known.get((sku, location_id)),
        digests=digests or ItemDigests(),
        ahead=ahead,
    )
    changes = [
        *plan_locations(ctx),
        *plan_items(ctx),
        *plan_levels(ctx),
        *plan_missing(ctx),
        *plan_kits(ctx),
    ]
    return Plan(
        store=snapshot.url,
        fingerprint=snapshot.fingerprint(),
        options=options,
        feed_digests={file.path: file.digest for file in catalog.files},
        changes=changes,
        unchanged=dict(ctx.unchanged),
        refusals=shrink_guard(catalog, snapshot, rules.guard),
        warnings=ctx.warnings,
    )
