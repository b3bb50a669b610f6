"""One planner per kind: each compares the catalog with the snapshot and returns its changes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from medusa_sync.config import Rules
from medusa_sync.models import Catalog, InventoryItem, Kit, StockLevel
from medusa_sync.plan.desired import ItemDigests, item_fields, item_metadata, item_values, kit_create, kit_metadata, kit_price, money
from medusa_sync.plan.metadata import diff_metadata
from medusa_sync.plan.model import (
    Component,
    FieldChange,
    ItemConflict,
    ItemCreate,
    ItemMissing,
    ItemUpdate,
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
    PlanOptions,
    base_key,
    base_value,
)
from medusa_sync.store import ITEM_FIELDS, MANAGED_BY, ActualItem, ActualKit, ActualLevel, ActualLocation, StoreSnapshot


@dataclass
class Context:
    catalog: Catalog
    snapshot: StoreSnapshot
    rules: Rules
    options: PlanOptions
    changed_by: Callable[[str, str], str | None] = lambda sku, location_id: None
    """Who last changed a level (SKU, location id) outside the sync and when, from the audit log."""
    digests: ItemDigests = field(default_factory=ItemDigests)
    ahead: ItemsAhead | None = None
    """Item updates planned while the store was read."""
    unchanged: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        """The channels and profile kits and locations should have, from the rules and the
        store's defaults (none when the store's selling setup was not read: offline)."""
        selling = self.snapshot.selling
        self.kit_channels: list[str] = []
        self.kit_profile: str | None = None
        self.location_channels: list[str] = []
        if selling is None:
            return
        self.kit_channels = selling.channel_ids(self.rules.kits.sales_channels, "[kits] sales_channels")
        self.kit_profile = selling.shipping_profile_id(self.rules.kits.shipping_profile, "[kits] shipping_profile")
        if self.rules.kits.shipping_profile and not selling.products_have_shipping_profiles:
            self.warnings.append("[kits] shipping_profile is ignored: the server's products have no shipping profile")
        self.location_channels = selling.channel_ids(self.rules.locations.sales_channels, "[locations] sales_channels")
        currency = self.rules.kits.currency
        if self.catalog.kits and currency not in selling.currencies:
            self.warnings.append(
                f"kits are priced in {currency}, which is not one of the store's currencies "
                f"({', '.join(sorted(selling.currencies)) or 'none'}): add it in the store settings to sell them"
            )
        if self.catalog.kits and currency not in selling.region_currencies:
            self.warnings.append(f"no region uses {currency}, the kits' currency: a storefront cannot sell them")

    def clamped(self, key: str, stocked: int, reserved: int) -> tuple[int, str | None]:
        """Stocked never below reserved unless allowed; a clamp is noted and warned."""
        if stocked >= reserved or self.options.allow_below_reserved:
            return stocked, None
        note = f"clamped to reserved {reserved} (feed says {stocked})"
        self.warnings.append(f"{key}: {note}")
        return reserved, note


def plan_locations(ctx: Context) -> list[LocationCreate | LocationUpdate]:
    changes: list[LocationCreate | LocationUpdate] = []
    for name in ctx.catalog.locations:
        actual = ctx.snapshot.locations.get(name)
        if actual is None:
            changes.append(
                LocationCreate(name=name, metadata={"managed_by": MANAGED_BY}, sales_channels=ctx.location_channels)
            )
            continue
        missing = sorted(set(ctx.location_channels) - set(actual.sales_channels)) if actual.owned else []
        if not missing:
            ctx.unchanged["location"] += 1
            continue
        after = sorted({*actual.sales_channels, *missing})
        changes.append(
            LocationUpdate(
                name=name,
                location_id=actual.id,
                add_sales_channels=missing,
                fields=[FieldChange(field="sales_channels", before=list(actual.sales_channels), after=after)],
            )
        )
    return changes


def _same(before: object, after: object) -> bool:
    if before in (None, "") and after in (None, ""):
        return True
    return before == after


def plan_items(ctx: Context) -> list[ItemCreate | ItemUpdate | ItemConflict]:
    changes: list[ItemCreate | ItemUpdate | ItemConflict] = []
    for item in ctx.catalog.items:
        actual = ctx.snapshot.items.get(item.sku)
        if actual is None:
            changes.append(ItemCreate(sku=item.sku, item=item_fields(item, ctx.digests(item))))
        elif not actual.owned:
            changes.append(
                ItemConflict(
                    sku=item.sku,
                    item_id=actual.id,
                    note="exists and is not managed by medusa-sync: left alone, levels included",
                )
            )
        else:
            update = ctx.ahead.update(item, actual) if ctx.ahead is not None else _item_update(item, actual, ctx.digests)
            if update is None:
                ctx.unchanged["item"] += 1
            else:
                changes.append(update)
    return changes


class ItemsAhead:
    """Items and their levels planned while the store is still being read: each owned item of
    the catalog, as its page arrives (`plan`), is compared with its record as `plan_items`
    compares it, and its levels are checked as `plan_levels` first checks them (store, feed and
    base agree), while the item's objects are fresh in memory: at 50k items, the same checks
    after the read took two to three times as long. `plan_items` and `plan_levels` then take
    what was planned for the very `ActualItem` the snapshot holds (a page read twice, when rows
    moved meanwhile, is planned again).

    The levels need the locations' ids (`know_locations`, from `read_store`'s `on_locations`):
    an item that arrives before them has its levels checked once they are known."""

    def __init__(self, catalog: Catalog, digests: ItemDigests) -> None:
        self._items = {item.sku: item for item in catalog.items}
        self._digests = digests
        self._updates: dict[str, tuple[ActualItem, ItemUpdate | None]] = {}
        self._levels: dict[str, list[StockLevel]] = {}
        for level in catalog.levels:
            self._levels.setdefault(level.sku, []).append(level)
        self.location_ids: dict[str, str] | None = None
        self._waiting: list[ActualItem] = []  # arrived before the locations
        self._levels_agree: dict[str, ActualItem] = {}

    def know_locations(self, locations: Mapping[str, ActualLocation]) -> None:
        self.location_ids = _location_ids(locations)
        waiting, self._waiting = self._waiting, []
        for actual in waiting:
            self._check_levels(actual)

    def plan(self, actual: ActualItem) -> None:
        item = self._items.get(actual.sku)
        if item is None or not actual.owned:
            return
        self._updates[actual.sku] = (actual, _item_update(item, actual, self._digests))
        if self.location_ids is None:
            self._waiting.append(actual)
        else:
            self._check_levels(actual)

    def _check_levels(self, actual: ActualItem) -> None:
        location_ids = self.location_ids
        assert location_ids is not None
        for level in self._levels.get(actual.sku, ()):
            location_id = location_ids.get(level.location)
            if not _agrees(level, actual, location_id, _current(actual, location_id)):
                return
        self._levels_agree[actual.sku] = actual

    def update(self, item: InventoryItem, actual: ActualItem) -> ItemUpdate | None:
        """The update `actual` needs (None: none): as planned ahead, or planned now."""
        planned = self._updates.get(actual.sku)
        if planned is not None and planned[0] is actual:
            return planned[1]
        return _item_update(item, actual, self._digests)

    def levels_agreeing(self, location_ids: Mapping[str, str]) -> Mapping[str, ActualItem]:
        """SKU → the item whose levels all agree with the feed's (checked against these location ids)."""
        return self._levels_agree if self.location_ids == location_ids else {}


def _item_update(item: InventoryItem, actual: ActualItem, digests: ItemDigests) -> ItemUpdate | None:
    wanted = item_values(item)
    changed = (
        []
        if actual.fields == wanted  # the common case, in one comparison
        else [
            FieldChange(field=name, before=actual.fields.get(name), after=wanted[name])
            for name in ITEM_FIELDS
            if name != "sku" and not _same(actual.fields.get(name), wanted[name])
        ]
    )
    # The digest the item holds stands in for the record's until a change is found: a digest
    # never makes a change on its own, and most items of a sync have none to write.
    metadata = diff_metadata(actual.metadata, item_metadata(item, actual.metadata.get("feed_digest")))
    if not changed and not metadata.changes:
        return None
    metadata = diff_metadata(actual.metadata, item_metadata(item, digests(item)))
    return ItemUpdate(
        sku=item.sku,
        item_id=actual.id,
        fields=changed + metadata.changes,
        set={change.field: change.after for change in changed},
        metadata=metadata.write,
    )


def plan_levels(ctx: Context) -> list[LevelCreate | LevelUpdate | LevelDrift]:
    """The catalog's levels; an item's levels are left alone when the item is not ours. An
    existing level is merged three ways (feed, store, base: `_merge`)."""
    changes: list[LevelCreate | LevelUpdate | LevelDrift] = []
    items = ctx.snapshot.items
    location_ids = _location_ids(ctx.snapshot.locations)
    agreeing = ctx.ahead.levels_agreeing(location_ids) if ctx.ahead is not None else {}
    unchanged = 0
    for level in ctx.catalog.levels:
        actual = items.get(level.sku)
        if actual is not None and agreeing.get(level.sku) is actual:
            unchanged += 1  # checked as its page arrived
            continue
        location_id = location_ids.get(level.location)
        if actual is None:
            changes.append(LevelCreate(**_level_key(level, location_id), stocked=level.stocked, with_item=True, note="created with the item"))
        elif actual.owned:
            current = _current(actual, location_id)
            if current is None:
                base = LevelBase(stocked=level.stocked, incoming=level.incoming)
                changes.append(LevelCreate(**_level_key(level, location_id), stocked=level.stocked, item_id=actual.id, base=base))
            elif _agrees(level, actual, location_id, current):
                unchanged += 1
            else:
                change = _level_merge(ctx, level, actual, location_id, current.stocked, current.reserved, current.incoming)
                if change is None:
                    unchanged += 1
                else:
                    changes.append(change)
    ctx.unchanged["level"] += unchanged
    return changes


def _location_ids(locations: Mapping[str, ActualLocation]) -> dict[str, str]:
    return {name: location.id for name, location in locations.items()}


def _current(actual: ActualItem, location_id: str | None) -> ActualLevel | None:
    """The item's level at the location (None: it has none, or the location does not exist)."""
    return actual.levels.get(location_id) if location_id else None


def _agrees(level: StockLevel, actual: ActualItem, location_id: str | None, current: ActualLevel | None) -> bool:
    """Store (`current`, `_current(actual, location_id)`), feed and base agree, above reserved:
    most levels of most syncs."""
    return (
        current is not None
        and current.stocked == level.stocked >= current.reserved
        and current.incoming == level.incoming
        and actual.metadata.get(base_key(location_id)) == base_value(level.stocked, level.incoming)
    )


def _level_key(level: StockLevel, location_id: str | None) -> dict[str, Any]:
    return {"sku": level.sku, "location": level.location, "location_id": location_id, "incoming": level.incoming}


def stored_base(actual: ActualItem, location_id: str) -> LevelBase | None:
    """The base recorded for this level, None when there is none (or it is not readable)."""
    value = actual.metadata.get(base_key(location_id))
    if isinstance(value, list) and len(value) == 2 and all(isinstance(n, int) for n in value):
        return LevelBase(stocked=value[0], incoming=value[1])
    return None


def _merge(feed: int, store: int, base: int | None, on_drift: str) -> tuple[int, bool]:
    """One quantity, three ways: (value to hold, whether the store's value is someone else's
    change that differs from the feed). No base, or the store still at the base: the feed.
    The feed at the base: the store's value stands. Both moved: --on-drift decides."""
    if base is None or store == base or feed == store:
        return feed, False
    if feed == base or on_drift == "keep":
        return store, True
    return feed, True


def _level_merge(
    ctx: Context, level: StockLevel, actual: ActualItem, location_id: str, stocked: int, reserved: int, incoming: int
) -> LevelUpdate | LevelDrift | None:
    """A level whose store, feed and base do not all agree (`plan_levels` counts those that do);
    None when the merge leaves the store as it is."""
    key = f"{level.sku} @ {level.location}"
    base = stored_base(actual, location_id)
    feed = LevelBase(stocked=level.stocked, incoming=level.incoming)
    want_stocked, stocked_drift = _merge(feed.stocked, stocked, base and base.stocked, ctx.options.on_drift)
    want_incoming, incoming_drift = _merge(feed.incoming, incoming, base and base.incoming, ctx.options.on_drift)
    # A drifted value is either the store's (kept) or the feed's (overridden): only the feed's is clamped.
    stocked_from_feed = not stocked_drift or want_stocked == feed.stocked
    incoming_from_feed = not incoming_drift or want_incoming == feed.incoming
    note = None
    if stocked_from_feed:
        want_stocked, note = ctx.clamped(key, want_stocked, reserved)
    changed = [
        FieldChange(field=name, before=before, after=after)
        for name, before, after in (("stocked_quantity", stocked, want_stocked), ("incoming_quantity", incoming, want_incoming))
        if before != after
    ]
    # The new base: what was written from the feed; for a kept value the feed's (unchanged, or
    # kept over with --on-drift keep, so the same feed does not ask again next time).
    new_base = LevelBase(
        stocked=want_stocked if stocked_from_feed else feed.stocked,
        incoming=want_incoming if incoming_from_feed else feed.incoming,
    )
    record = new_base if new_base != base else None
    common = {"sku": level.sku, "location": level.location, "location_id": location_id, "item_id": actual.id}
    if stocked_drift or incoming_drift:
        assert base is not None  # a drift needs a base
        who = ctx.changed_by(level.sku, location_id)
        moved = "the feed did not change" if feed == base else "both the feed and the store changed"
        by = f" ({who})" if who else ""
        sides = (
            f"store {stocked}/{incoming}{by}, feed {feed.stocked}/{feed.incoming}, "
            f"base {base.stocked}/{base.incoming} (stocked/incoming)"
        )
        if not changed:
            verb = "drift kept" if feed == base else f"drift kept (--on-drift {ctx.options.on_drift})"
            return LevelDrift(
                **common, stocked=stocked, incoming=incoming, feed=feed, changed_by=who, base=record,
                note=f"{verb}: {moved}; {sides}",
            )
        overridden = (stocked_drift and stocked_from_feed) or (incoming_drift and incoming_from_feed)
        verb = f"drift overridden (--on-drift {ctx.options.on_drift})" if overridden else "drift kept"
        note = f"{verb}: {moved}; {sides}" + (f"; {note}" if note else "")
    if not changed:
        return None
    return LevelUpdate(**common, stocked=want_stocked, incoming=want_incoming, fields=changed, note=note, base=record)


def plan_missing(ctx: Context) -> list[ItemMissing | LevelUpdate]:
    """Managed items the feeds no longer list: reported, and with --missing zero their stock set to 0."""
    desired = {item.sku for item in ctx.catalog.items}
    names = {location.id: location.name for location in ctx.snapshot.locations.values()}
    verb = "stock set to 0" if ctx.options.missing == "zero" else "kept (--missing keep)"
    changes: list[ItemMissing | LevelUpdate] = []
    for sku in sorted(ctx.snapshot.items.keys() - desired):  # not every SKU: sorting 50k took 0.1 s
        actual = ctx.snapshot.items[sku]
        if not actual.owned:
            continue
        changes.append(ItemMissing(sku=sku, item_id=actual.id, note=f"no longer in the feed: {verb}"))
        if ctx.options.missing != "zero":
            continue
        for location_id, current in sorted(actual.levels.items()):
            location = names.get(location_id, location_id)
            stocked, note = ctx.clamped(f"{sku} @ {location}", 0, current.reserved)
            if current.stocked == stocked:
                continue
            changes.append(
                LevelUpdate(
                    sku=sku,
                    location=location,
                    location_id=location_id,
                    item_id=actual.id,
                    stocked=stocked,
                    incoming=current.incoming,
                    fields=[FieldChange(field="stocked_quantity", before=current.stocked, after=stocked)],
                    note=note or "missing from the feed",
                    # what the sync wrote: should the item come back, the feed's value is written
                    base=LevelBase(stocked=stocked, incoming=current.incoming),
                )
            )
    return changes


def plan_kits(ctx: Context) -> list[KitCreate | KitUpdate | KitConflict | KitMissing]:
    changes: list[KitCreate | KitUpdate | KitConflict | KitMissing] = []
    sku_of_item = {item.id: sku for sku, item in ctx.snapshot.items.items()}
    for kit in ctx.catalog.kits:
        actual = ctx.snapshot.kits.get(kit.sku)
        if actual is None:
            changes.append(kit_create(kit, ctx.rules, ctx.kit_channels, ctx.kit_profile))
        elif not actual.owned:
            changes.append(
                KitConflict(
                    sku=kit.sku,
                    product_id=actual.product_id,
                    note="a product variant with this SKU exists and is not managed by medusa-sync: left alone",
                )
            )
        else:
            update = _kit_update(ctx, kit, actual, sku_of_item)
            if update is None:
                ctx.unchanged["kit"] += 1
            else:
                changes.append(update)
    desired = {kit.sku for kit in ctx.catalog.kits}
    for sku in sorted(set(ctx.snapshot.kits) - desired):
        actual = ctx.snapshot.kits[sku]
        if actual.owned:
            changes.append(KitMissing(sku=sku, product_id=actual.product_id, note="no longer in the feed: kept"))
    return changes


def _kit_update(ctx: Context, kit: Kit, actual: ActualKit, sku_of_item: dict[str, str]) -> KitUpdate | None:
    changed: list[FieldChange] = []
    title = None
    if actual.title != kit.title:
        changed.append(FieldChange(field="title", before=actual.title, after=kit.title))
        title = kit.title
    metadata = diff_metadata(actual.metadata, kit_metadata(kit))
    changed += metadata.changes
    wanted_price = kit_price(kit, ctx.rules)
    price = None
    if wanted_price is not None:
        before = actual.prices.get(wanted_price.currency_code)
        if before != wanted_price.amount:
            changed.append(FieldChange(field=f"price.{wanted_price.currency_code}", before=money(before), after=money(wanted_price.amount)))
            price = wanted_price
    links = _link_edits(kit, actual, sku_of_item, changed)
    add_channels = sorted(set(ctx.kit_channels) - set(actual.sales_channels))
    if add_channels:
        after = sorted({*actual.sales_channels, *add_channels})
        changed.append(FieldChange(field="sales_channels", before=list(actual.sales_channels), after=after))
    profile = ctx.kit_profile if actual.shipping_profile_id is None else None
    if profile is not None:
        changed.append(FieldChange(field="shipping_profile_id", before=None, after=profile))
    if not changed:
        return None
    return KitUpdate(
        sku=kit.sku,
        product_id=actual.product_id,
        variant_id=actual.variant_id,
        fields=changed,
        title=title,
        metadata=metadata.write,
        price=price,
        links=links,
        add_sales_channels=add_channels,
        shipping_profile_id=profile,
    )


def _link_edits(kit: Kit, actual: ActualKit, sku_of_item: dict[str, str], changed: list[FieldChange]) -> LinkEdits:
    """Link edits by component SKU (create/update) and by item id (delete)."""
    current = {sku_of_item.get(item_id, item_id): (item_id, quantity) for item_id, quantity in actual.links.items()}
    wanted = {component.sku: component.quantity for component in kit.components}
    edits = LinkEdits()
    for sku, quantity in sorted(wanted.items()):
        before = current[sku][1] if sku in current else None
        if before == quantity:
            continue
        (edits.create if before is None else edits.update).append(Component(sku=sku, required_quantity=quantity))
        changed.append(FieldChange(field=f"component.{sku}", before=before, after=quantity))
    for sku in sorted(set(current) - set(wanted)):
        item_id, before = current[sku]
        edits.delete.append(item_id)
        changed.append(FieldChange(field=f"component.{sku}", before=before, after=None, removed=True))
    return edits
