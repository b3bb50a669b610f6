"""What the store should hold for each catalog record: item fields, kit products, metadata.

The metadata builders return every key medusa-sync owns, None where a record has no value
(see plan.metadata); create bodies carry only the keys with a value."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

import orjson

from medusa_sync.config import Rules
from medusa_sync.models import InventoryItem, Kit
from medusa_sync.plan.metadata import with_values
from medusa_sync.plan.model import Component, ItemFields, KitCreate, Price
from medusa_sync.store import MANAGED_BY


def _digest(value: Any) -> str:
    return hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()[:16]


def money(value: Decimal | None) -> str | None:
    return f"{value:.2f}" if value is not None else None


def item_digest(item: InventoryItem) -> str:
    """The digest of the item's normalized record (`metadata.feed_digest`)."""
    return _digest(item.model_dump(mode="json"))


class ItemDigests:
    """The items' digests, each computed the first time it is asked for, then kept. Half the
    cost of an item's metadata, and bookkeeping (it never makes a change on its own): a sync
    needs those of the items it writes, the items payload every item's, and a run's plan and
    outputs share one `ItemDigests`."""

    def __init__(self) -> None:
        self._known: dict[str, str] = {}

    def __call__(self, item: InventoryItem) -> str:
        digest = self._known.get(item.sku)
        if digest is None:
            digest = self._known[item.sku] = item_digest(item)
        return digest


def item_metadata(item: InventoryItem, digest: str | None) -> dict[str, Any]:
    return {
        "managed_by": MANAGED_BY,
        "distributor": item.distributor,
        "category": item.category.value,
        "source_file": item.source.file,
        "source_record": item.source.record,
        "source_id": item.source.original_id,
        "manufacturer": item.manufacturer,
        "model": item.model,
        "price_brl": money(item.price),
        "power_w": item.power_w,
        "flags": list(item.flags),
        "feed_digest": digest,
    }


def item_values(item: InventoryItem) -> dict[str, Any]:
    """The inventory-item fields Medusa should hold for this item, metadata aside."""
    return {
        "sku": item.sku,
        "title": item.title,
        "description": item.description,
        "thumbnail": item.thumbnail,
        "origin_country": item.origin_country,
        "material": item.material,
        "requires_shipping": item.requires_shipping,
        "unit_of_measure": item.unit.label,
    }


def item_body(item: InventoryItem, digest: str) -> dict[str, Any]:
    """The item as created (`ItemFields`), as plain data: the items payload writes one per item."""
    return {**item_values(item), "metadata": with_values(item_metadata(item, digest))}


def item_fields(item: InventoryItem, digest: str) -> ItemFields:
    """The item as created."""
    return ItemFields(**item_body(item, digest))


def kit_metadata(kit: Kit) -> dict[str, Any]:
    return {
        "managed_by": MANAGED_BY,
        "distributor": kit.distributor,
        "category": kit.category.value,
        "source_file": kit.source.file,
        "source_record": kit.source.record,
        "source_id": kit.source.original_id,
        "power_kwp": f"{kit.power_kwp}" if kit.power_kwp is not None else None,
        "price_brl": money(kit.price),
        "roof_type": kit.roof_type,
        "distribution_centre": kit.location,
        "feed_digest": _digest(kit.model_dump(mode="json")),
    }


def kit_price(kit: Kit, rules: Rules) -> Price | None:
    return Price(currency_code=rules.kits.currency, amount=kit.price.quantize(Decimal("0.01"))) if kit.price is not None else None


def kit_create(
    kit: Kit, rules: Rules, sales_channels: list[str] | None = None, shipping_profile_id: str | None = None
) -> KitCreate:
    return KitCreate(
        sku=kit.sku,
        title=kit.title,
        handle=kit.sku.lower().replace("_", "-"),
        status=rules.kits.status,
        thumbnail=kit.thumbnail,
        metadata=with_values(kit_metadata(kit)),
        price=kit_price(kit, rules),
        components=[Component(sku=c.sku, required_quantity=c.quantity) for c in kit.components],
        sales_channels=sales_channels or [],
        shipping_profile_id=shipping_profile_id,
    )
