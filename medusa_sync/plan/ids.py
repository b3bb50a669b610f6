"""The Medusa ids a plan's changes refer to: known from the snapshot, completed by an apply."""

from __future__ import annotations

from dataclasses import dataclass, field

from medusa_sync.store import StoreSnapshot


@dataclass
class StoreIds:
    """Medusa ids known after a plan (from the snapshot) or an apply (plus what it created)."""

    items: dict[str, str] = field(default_factory=dict)  # by SKU
    locations: dict[str, str] = field(default_factory=dict)  # by name
    kits: dict[str, tuple[str, str]] = field(default_factory=dict)  # SKU → (product id, variant id)

    @classmethod
    def from_snapshot(cls, snapshot: StoreSnapshot) -> StoreIds:
        return cls(
            items={sku: item.id for sku, item in snapshot.items.items()},
            locations={name: location.id for name, location in snapshot.locations.items()},
            kits={sku: (kit.product_id, kit.variant_id) for sku, kit in snapshot.kits.items()},
        )

    def copy(self) -> StoreIds:
        return StoreIds(items=dict(self.items), locations=dict(self.locations), kits=dict(self.kits))
