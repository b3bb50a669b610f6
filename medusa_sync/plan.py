"""Plan = desired state (a Catalog) against actual state (a StoreSnapshot).

A plan lists what would be created, updated (each changed field before → after), what the feed
no longer has (missing) and what exists but is not ours (conflict); unchanged things are only
counted. A plan is self-contained: `apply FILE` executes exactly its changes.
"""

from __future__ import annotations

import functools
import hashlib
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Literal

import orjson
from pydantic import BaseModel, Field

from medusa_sync.config import Rules
from medusa_sync.gcpause import paused_gc
from medusa_sync.guard import shrink_guard
from medusa_sync.models import Catalog, InventoryItem, Kit, StockLevel
from medusa_sync.store import ITEM_FIELDS, MANAGED_BY, ActualItem, ActualKit, StoreSnapshot

Kind = Literal["location", "item", "level", "kit"]
Action = Literal["create", "update", "missing", "conflict"]
KINDS: tuple[Kind, ...] = ("location", "item", "level", "kit")
WRITES: tuple[Action, ...] = ("create", "update")


class PlanOptions(BaseModel):
    missing: Literal["keep", "zero"] = "keep"
    """What happens to managed items a feed no longer lists: keep them, or set their stock to 0."""
    allow_below_reserved: bool = False
    """Let stocked_quantity fall below reserved_quantity instead of clamping it."""
    force: bool = False
    """Apply even when the shrink guard refuses."""


class FieldChange(BaseModel):
    field: str
    before: Any = None
    after: Any = None


class Change(BaseModel):
    kind: Kind
    action: Action
    key: str
    # default_factory, not `= []`: pydantic deep-copies a mutable default for every instance,
    # and a large catalog's plan holds two Changes per item.
    fields: list[FieldChange] = Field(default_factory=list)
    note: str | None = None
    target: dict[str, str] = Field(default_factory=dict)
    """Ids already known: item_id, location_id, product_id, variant_id."""
    body: dict[str, Any] = Field(default_factory=dict)
    """What apply sends; stock locations appear by name and kit components by SKU until then."""


class Plan(BaseModel):
    format_version: int = 1
    store: str | None
    fingerprint: str
    options: PlanOptions
    feed_digests: dict[str, str]
    changes: list[Change]
    unchanged: dict[str, int] = Field(default_factory=dict)
    refusals: list[str] = []
    """Why the shrink guard refuses to apply this plan (empty: it may be applied)."""
    warnings: list[str] = []

    @property
    def has_changes(self) -> bool:
        return any(change.action in WRITES for change in self.changes)

    def counts(self) -> dict[str, dict[str, int]]:
        tally = Counter((change.kind, change.action) for change in self.changes)
        return {
            kind: {
                "create": tally[(kind, "create")],
                "update": tally[(kind, "update")],
                "unchanged": self.unchanged.get(kind, 0),
                "missing": tally[(kind, "missing")],
                "conflict": tally[(kind, "conflict")],
            }
            for kind in KINDS
        }

    def writes(self, kind: Kind, action: Action) -> list[Change]:
        return [change for change in self.changes if change.kind == kind and change.action == action]


def _digest(value: Any) -> str:
    return hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()[:16]


def _compact(mapping: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if value is not None and value != [] and value != ""}


def item_metadata(item: InventoryItem) -> dict[str, Any]:
    meta = _compact(
        {
            "managed_by": MANAGED_BY,
            "distributor": item.distributor,
            "category": item.category.value,
            "source_file": item.source.file,
            "source_record": item.source.record,
            "source_id": item.source.original_id,
            "manufacturer": item.manufacturer,
            "model": item.model,
            "price_brl": f"{item.price:.2f}" if item.price is not None else None,
            "power_w": item.power_w,
            "flags": list(item.flags),
        }
    )
    meta["feed_digest"] = _digest(item.model_dump(mode="json"))
    return meta


def item_body(item: InventoryItem) -> dict[str, Any]:
    """The inventory-item fields Medusa should hold for this item (create and update share it)."""
    return {
        "sku": item.sku,
        "title": item.title,
        "description": item.description,
        "thumbnail": item.thumbnail,
        "origin_country": item.origin_country,
        "material": item.material,
        "requires_shipping": item.requires_shipping,
        "unit_of_measure": item.unit.label,
        "metadata": item_metadata(item),
    }


def kit_metadata(kit: Kit) -> dict[str, Any]:
    meta = _compact(
        {
            "managed_by": MANAGED_BY,
            "distributor": kit.distributor,
            "category": kit.category.value,
            "source_file": kit.source.file,
            "source_record": kit.source.record,
            "source_id": kit.source.original_id,
            "power_kwp": f"{kit.power_kwp}" if kit.power_kwp is not None else None,
            "price_brl": f"{kit.price:.2f}" if kit.price is not None else None,
            "roof_type": kit.roof_type,
            "distribution_centre": kit.location,
        }
    )
    meta["feed_digest"] = _digest(kit.model_dump(mode="json"))
    return meta


def kit_body(kit: Kit, rules: Rules) -> dict[str, Any]:
    """POST /admin/products body; `inventory_items` name components by SKU until apply."""
    prices = [{"currency_code": rules.kits.currency, "amount": f"{kit.price:.2f}"}] if kit.price is not None else []
    return {
        "title": kit.title,
        "handle": kit.sku.lower().replace("_", "-"),
        "status": rules.kits.status,
        "thumbnail": kit.thumbnail,
        "metadata": kit_metadata(kit),
        "options": [{"title": "Default", "values": ["Default"]}],
        "variants": [
            {
                "title": kit.title,
                "sku": kit.sku,
                "manage_inventory": True,
                "options": {"Default": "Default"},
                "prices": prices,
                "inventory_items": [{"sku": c.sku, "required_quantity": c.quantity} for c in kit.components],
            }
        ],
    }


def _same(before: Any, after: Any) -> bool:
    if before in (None, "") and after in (None, ""):
        return True
    return before == after


@paused_gc
def make_plan(catalog: Catalog, snapshot: StoreSnapshot, rules: Rules, options: PlanOptions) -> Plan:
    builder = _Builder(catalog, snapshot, rules, options)
    builder.locations()
    builder.items()
    builder.missing_items()
    builder.kits()
    return Plan(
        store=snapshot.url,
        fingerprint=snapshot.fingerprint(),
        options=options,
        feed_digests={file.path: file.digest for file in catalog.files},
        changes=builder.changes,
        unchanged=dict(builder.unchanged),
        refusals=shrink_guard(catalog, snapshot, rules.guard),
        warnings=builder.warnings,
    )


class _Builder:
    def __init__(self, catalog: Catalog, snapshot: StoreSnapshot, rules: Rules, options: PlanOptions) -> None:
        self.catalog = catalog
        self.snapshot = snapshot
        self.rules = rules
        self.options = options
        self.changes: list[Change] = []
        self.unchanged: Counter[str] = Counter()
        self.warnings: list[str] = []
        self.levels_by_sku: dict[str, list[StockLevel]] = {}
        for level in catalog.levels:
            self.levels_by_sku.setdefault(level.sku, []).append(level)

    @functools.cached_property
    def sku_of_item(self) -> dict[str, str]:
        """Store SKUs by item id (built once: every kit's links need it)."""
        return {item.id: sku for sku, item in self.snapshot.items.items()}

    def add(self, change: Change) -> None:
        self.changes.append(change)

    def location_id(self, name: str) -> str | None:
        location = self.snapshot.locations.get(name)
        return location.id if location else None

    def locations(self) -> None:
        for name in self.catalog.locations:
            if name in self.snapshot.locations:
                self.unchanged["location"] += 1
            else:
                self.add(Change(kind="location", action="create", key=name, body={"name": name, "metadata": {"managed_by": MANAGED_BY}}))

    def items(self) -> None:
        for item in self.catalog.items:
            actual = self.snapshot.items.get(item.sku)
            body = item_body(item)
            levels = self.levels_by_sku.get(item.sku, [])
            if actual is None:
                body["location_levels"] = [
                    {"location": level.location, "stocked_quantity": level.stocked, "incoming_quantity": level.incoming}
                    for level in levels
                ]
                self.add(Change(kind="item", action="create", key=item.sku, body=body))
                for level in levels:
                    self.add(
                        Change(
                            kind="level",
                            action="create",
                            key=f"{item.sku} @ {level.location}",
                            note="created with the item",
                            fields=[FieldChange(field="stocked_quantity", after=level.stocked)]
                            + ([FieldChange(field="incoming_quantity", after=level.incoming)] if level.incoming else []),
                            body={"inline": True},
                        )
                    )
            elif not actual.owned:
                self.add(
                    Change(
                        kind="item",
                        action="conflict",
                        key=item.sku,
                        target={"item_id": actual.id},
                        note="exists and is not managed by medusa-sync: left alone, levels included",
                    )
                )
            else:
                self._item_update(item, actual, body)
                for level in levels:
                    self._level(actual, level)

    def _item_update(self, item: InventoryItem, actual: ActualItem, body: dict[str, Any]) -> None:
        changed = [
            FieldChange(field=name, before=actual.fields.get(name), after=body[name])
            for name in ITEM_FIELDS
            if name != "sku" and not _same(actual.fields.get(name), body[name])
        ]
        wanted = body["metadata"]
        changed += [
            FieldChange(field=f"metadata.{key}", before=actual.metadata.get(key), after=wanted.get(key))
            for key in sorted(set(wanted) | {k for k in actual.metadata if k in _OUR_METADATA})
            if actual.metadata.get(key) != wanted.get(key)
        ]
        if not changed:
            self.unchanged["item"] += 1
            return
        update = {change.field: body[change.field] for change in changed if not change.field.startswith("metadata.")}
        if any(change.field.startswith("metadata.") for change in changed):
            kept = {key: value for key, value in actual.metadata.items() if key not in _OUR_METADATA}
            update["metadata"] = {**kept, **wanted}
        self.add(Change(kind="item", action="update", key=item.sku, fields=changed, target={"item_id": actual.id}, body=update))

    def _level(self, actual: ActualItem, level: StockLevel) -> None:
        key = f"{level.sku} @ {level.location}"
        location_id = self.location_id(level.location)
        current = actual.levels.get(location_id) if location_id else None
        target = {"item_id": actual.id} | ({"location_id": location_id} if location_id else {})
        body = {"location": level.location, "stocked_quantity": level.stocked, "incoming_quantity": level.incoming}
        if current is None:
            self.add(
                Change(
                    kind="level",
                    action="create",
                    key=key,
                    target=target,
                    body=body,
                    fields=[FieldChange(field="stocked_quantity", after=level.stocked)],
                )
            )
            return
        stocked, note = self._clamped(key, level.stocked, current.reserved)
        body["stocked_quantity"] = stocked
        changed = [
            FieldChange(field=name, before=before, after=after)
            for name, before, after in (
                ("stocked_quantity", current.stocked, stocked),
                ("incoming_quantity", current.incoming, level.incoming),
            )
            if before != after
        ]
        if changed:
            self.add(Change(kind="level", action="update", key=key, target=target, body=body, fields=changed, note=note))
        else:
            self.unchanged["level"] += 1

    def _clamped(self, key: str, stocked: int, reserved: int) -> tuple[int, str | None]:
        if stocked >= reserved or self.options.allow_below_reserved:
            return stocked, None
        note = f"clamped to reserved {reserved} (feed says {stocked})"
        self.warnings.append(f"{key}: {note}")
        return reserved, note

    def missing_items(self) -> None:
        desired = {item.sku for item in self.catalog.items}
        names = {location.id: location.name for location in self.snapshot.locations.values()}
        for sku in sorted(self.snapshot.items):
            actual = self.snapshot.items[sku]
            if sku in desired or not actual.owned:
                continue
            verb = "stock set to 0" if self.options.missing == "zero" else "kept (--missing keep)"
            self.add(Change(kind="item", action="missing", key=sku, target={"item_id": actual.id}, note=f"no longer in the feed: {verb}"))
            if self.options.missing != "zero":
                continue
            for location_id, current in sorted(actual.levels.items()):
                key = f"{sku} @ {names.get(location_id, location_id)}"
                stocked, note = self._clamped(key, 0, current.reserved)
                if current.stocked == stocked:
                    continue
                self.add(
                    Change(
                        kind="level",
                        action="update",
                        key=key,
                        target={"item_id": actual.id, "location_id": location_id},
                        body={"stocked_quantity": stocked, "incoming_quantity": current.incoming},
                        fields=[FieldChange(field="stocked_quantity", before=current.stocked, after=stocked)],
                        note=note or "missing from the feed",
                    )
                )

    def kits(self) -> None:
        desired = {kit.sku for kit in self.catalog.kits}
        for kit in self.catalog.kits:
            actual = self.snapshot.kits.get(kit.sku)
            body = kit_body(kit, self.rules)
            if actual is None:
                self.add(Change(kind="kit", action="create", key=kit.sku, body=body))
            elif not actual.owned:
                self.add(
                    Change(
                        kind="kit",
                        action="conflict",
                        key=kit.sku,
                        target={"product_id": actual.product_id},
                        note="a product variant with this SKU exists and is not managed by medusa-sync: left alone",
                    )
                )
            else:
                self._kit_update(kit, actual, body)
        for sku in sorted(set(self.snapshot.kits) - desired):
            actual = self.snapshot.kits[sku]
            if actual.owned:
                self.add(
                    Change(kind="kit", action="missing", key=sku, target={"product_id": actual.product_id}, note="no longer in the feed: kept")
                )

    def _kit_update(self, kit: Kit, actual: ActualKit, body: dict[str, Any]) -> None:
        currency = self.rules.kits.currency
        changed: list[FieldChange] = []
        update: dict[str, Any] = {}
        if actual.title != kit.title:
            changed.append(FieldChange(field="title", before=actual.title, after=kit.title))
            update["product"] = {"title": kit.title}
        wanted_meta = body["metadata"]
        if {k: actual.metadata.get(k) for k in wanted_meta} != wanted_meta:
            changed.append(FieldChange(field="metadata.feed_digest", before=actual.metadata.get("feed_digest"), after=wanted_meta["feed_digest"]))
            kept = {key: value for key, value in actual.metadata.items() if key not in wanted_meta}
            update.setdefault("product", {})["metadata"] = {**kept, **wanted_meta}
        price = actual.prices.get(currency)
        if kit.price is not None and price != kit.price:
            changed.append(FieldChange(field=f"price.{currency}", before=_money(price), after=_money(kit.price)))
            update["variant"] = {"prices": [{"currency_code": currency, "amount": f"{kit.price:.2f}"}]}
        links = self._link_changes(kit, actual, changed)
        if links:
            update["links"] = links
        if not changed:
            self.unchanged["kit"] += 1
            return
        target = {"product_id": actual.product_id, "variant_id": actual.variant_id}
        self.add(Change(kind="kit", action="update", key=kit.sku, fields=changed, target=target, body=update))

    def _link_changes(self, kit: Kit, actual: ActualKit, changed: list[FieldChange]) -> dict[str, list[dict[str, Any]]]:
        """Link edits by component SKU (create/update) and by item id (delete)."""
        sku_of = self.sku_of_item
        current = {sku_of.get(item_id, item_id): quantity for item_id, quantity in actual.links.items()}
        wanted = {component.sku: component.quantity for component in kit.components}
        links: dict[str, list[dict[str, Any]]] = {}
        for sku, quantity in sorted(wanted.items()):
            if sku not in current:
                links.setdefault("create", []).append({"sku": sku, "required_quantity": quantity})
            elif current[sku] != quantity:
                links.setdefault("update", []).append({"sku": sku, "required_quantity": quantity})
            else:
                continue
            changed.append(FieldChange(field=f"component.{sku}", before=current.get(sku), after=quantity))
        for sku in sorted(set(current) - set(wanted)):
            item_id = next(item_id for item_id, owner in ((i, sku_of.get(i, i)) for i in actual.links) if owner == sku)
            links.setdefault("delete", []).append({"inventory_item_id": item_id})
            changed.append(FieldChange(field=f"component.{sku}", before=current[sku], after=None))
        return links


_OUR_METADATA = frozenset(
    {
        "managed_by",
        "distributor",
        "category",
        "source_file",
        "source_record",
        "source_id",
        "manufacturer",
        "model",
        "price_brl",
        "power_w",
        "flags",
        "feed_digest",
    }
)


def _money(value: Decimal | None) -> str | None:
    return f"{value:.2f}" if value is not None else None


def changes_of(plan: Plan, kinds: Iterable[Kind]) -> list[Change]:
    wanted = set(kinds)
    return [change for change in plan.changes if change.kind in wanted]
