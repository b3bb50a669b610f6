"""Kits: product variants linked to inventory items with a required quantity each."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from medusa_sync.client import MedusaClient

VARIANT_FIELDS = "id,sku,title,inventory_items.inventory_item_id,inventory_items.required_quantity"


@dataclass(frozen=True)
class Kit:
    variant_id: str
    sku: str
    title: str
    components: dict[str, Decimal] = field(default_factory=dict)  # item id → required per kit

    @property
    def is_kit(self) -> bool:
        """Several components: a kit, not a plain variant with its own item."""
        return len(self.components) > 1


def kit_from_row(row: Mapping[str, Any]) -> Kit:
    """Links with a required quantity ≤ 0 (Medusa accepts them) take nothing, so they are left out."""
    required = {
        link["inventory_item_id"]: Decimal(str(link.get("required_quantity", 1)))
        for link in row.get("inventory_items") or []
        if link.get("inventory_item_id")
    }
    return Kit(
        variant_id=row["id"],
        sku=row.get("sku") or "",
        title=row.get("title") or "",
        components={item_id: amount for item_id, amount in required.items() if amount > 0},
    )


def kit_by_sku(client: MedusaClient, sku: str) -> Kit | None:
    """The variant with this SKU when it is linked to at least one inventory item."""
    kits = [kit_from_row(row) for row in client.product_variants.list_by_skus([sku], fields=VARIANT_FIELDS)]
    return next((kit for kit in kits if kit.components), None)


def kits_by_variant_ids(client: MedusaClient, variant_ids: Iterable[str]) -> list[Kit]:
    """The kits among these variants, in SKU order."""
    ids = sorted(set(variant_ids))
    rows = client.product_variants.list_by_ids(ids, fields=VARIANT_FIELDS) if ids else []
    return sorted((kit for kit in map(kit_from_row, rows) if kit.is_kit), key=lambda kit: (kit.sku, kit.variant_id))


def buildable(available: int, required: Decimal) -> int:
    """How many kits `available` units of a component make when each kit takes `required` (> 0)."""
    return math.floor(Decimal(available) / required) if available > 0 else 0
