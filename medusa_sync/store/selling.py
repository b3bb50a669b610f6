"""What a store needs to sell: its default sales channel and shipping profile, its channels by
name, its currencies and the currencies its regions use."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from medusa_sync.client import list_field
from medusa_sync.client.capabilities import PRODUCT_SHIPPING_PROFILE
from medusa_sync.errors import ConfigError, NotFoundError

if TYPE_CHECKING:
    from medusa_sync.client import MedusaClient


@dataclass(frozen=True)
class StoreSelling:
    default_sales_channel_id: str | None = None
    default_shipping_profile_id: str | None = None
    sales_channels: dict[str, str] = field(default_factory=dict)  # name → id
    shipping_profiles: dict[str, str] = field(default_factory=dict)  # name → id
    currencies: frozenset[str] = frozenset()
    region_currencies: frozenset[str] = frozenset()
    products_have_shipping_profiles: bool = True
    """False where the server's products have no shipping profile (it answered so when read)."""

    def channel_ids(self, names_or_ids: list[str], key: str) -> list[str]:
        """The ids of these channels (names or ids; none given: the store's default channel).
        ConfigError names an unknown one and the rules-file key it came from."""
        if not names_or_ids:
            return [self.default_sales_channel_id] if self.default_sales_channel_id else []
        ids = set(self.sales_channels.values())
        resolved = []
        for value in names_or_ids:
            channel_id = value if value in ids else self.sales_channels.get(value)
            if channel_id is None:
                known = ", ".join(sorted(self.sales_channels)) or "none"
                raise ConfigError(f"{key}: no sales channel {value!r} in the store (it has: {known})")
            resolved.append(channel_id)
        return sorted(set(resolved))

    def shipping_profile_id(self, name_or_id: str | None, key: str) -> str | None:
        """The id of this profile (a name or an id; None: the store's default profile). None
        where products have no shipping profile."""
        if not self.products_have_shipping_profiles:
            return None
        if name_or_id is None:
            return self.default_shipping_profile_id
        if name_or_id in self.shipping_profiles.values():
            return name_or_id
        if name_or_id in self.shipping_profiles:
            return self.shipping_profiles[name_or_id]
        known = ", ".join(sorted(self.shipping_profiles)) or "none"
        raise ConfigError(f"{key}: no shipping profile {name_or_id!r} in the store (it has: {known})")


def read_selling(client: MedusaClient, products_read: Future[Any] | None = None) -> StoreSelling:
    """The store's selling setup: four list reads, made at once. Whether products have shipping
    profiles is what the client learned from reading products: `products_read`, a read of the
    products running beside this one (read_store's), is waited for before it is asked."""
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="medusa-selling") as pool:
        reading_store = pool.submit(client.sales.store)
        reading_profiles = pool.submit(client.sales.shipping_profiles)
        reading_channels = pool.submit(client.sales.sales_channels)
        reading_regions = pool.submit(client.sales.regions, fields="id,currency_code")
        store, profiles = reading_store.result(), reading_profiles.result()
        channels, regions = reading_channels.result(), reading_regions.result()
    if products_read is not None:
        wait_for([products_read])  # how it ended is its reader's to report
    default_profile = next((p["id"] for p in profiles if p.get("type") == "default"), None)
    return StoreSelling(
        default_sales_channel_id=store.get("default_sales_channel_id"),
        default_shipping_profile_id=default_profile,
        sales_channels={row["name"]: row["id"] for row in channels},
        currencies=frozenset(c["currency_code"] for c in list_field(store, "supported_currencies")),
        region_currencies=frozenset(r["currency_code"] for r in regions),
        shipping_profiles={p["name"]: p["id"] for p in profiles},
        products_have_shipping_profiles=client.capabilities.supports(PRODUCT_SHIPPING_PROFILE) is not False,
    )


def channel_location_ids(client: MedusaClient, name_or_id: str) -> list[str]:
    """The ids of the stock locations in a sales channel (a name or an id): the stock Medusa's
    storefront counts for that channel. NotFoundError for an unknown channel."""
    channels = client.sales.sales_channels()
    channel = next((row for row in channels if name_or_id in (row["id"], row["name"])), None)
    if channel is None:
        known = ", ".join(sorted(row["name"] for row in channels)) or "none"
        raise NotFoundError(f"no sales channel {name_or_id!r} in the store (it has: {known})")
    rows = client.stock_locations.list(fields="id", sales_channel_id=channel["id"])
    return sorted(row["id"] for row in rows)
