"""The whole store as the sync plans against it, read in as few requests as the API allows.

Everything medusa-sync creates carries `metadata.managed_by = "medusa-sync"`; anything without
it is never changed.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import orjson

from medusa_sync.client import list_field, number_field
from medusa_sync.gcpause import paused_gc

from .locations import duplicate_locations
from .selling import StoreSelling, read_selling
from .rows import LEVEL_FIELDS, ActualLevel, levels_of, owned, quantity
from .watch import ReservedWatch, watch_reserved

if TYPE_CHECKING:
    from medusa_sync.client import MedusaClient

ITEM_FIELDS = (
    "sku",
    "title",
    "description",
    "thumbnail",
    "origin_country",
    "material",
    "requires_shipping",
    "unit_of_measure",
)
"""The Medusa inventory-item fields medusa-sync manages (compared and written by the sync)."""
ITEM_QUERY_FIELDS = ",".join(("id", *ITEM_FIELDS, "metadata", *LEVEL_FIELDS))
_PRODUCT_QUERY_FIELDS = ",".join(
    (
        "id",
        "title",
        "status",
        "metadata",
        "variants.id",
        "variants.sku",
        "variants.prices.amount",
        "variants.prices.currency_code",
        "variants.inventory_items.inventory_item_id",
        "variants.inventory_items.required_quantity",
        "sales_channels.id",
        "shipping_profile.id",
    )
)


@dataclass(frozen=True)
class ActualItem:
    id: str
    sku: str
    fields: dict[str, Any]
    metadata: dict[str, Any]
    levels: dict[str, ActualLevel]  # by location id
    digest: bytes = field(init=False, repr=False, compare=False)
    """SHA-256 of all of the above, for the snapshot's fingerprint: taken when the item is built,
    which `read_store` does as each page of items arrives, while the next pages are listed."""
    owned: bool = field(init=False, repr=False, compare=False)
    """Whether medusa-sync created it (`rows.owned`), settled once: a plan asks it for every level."""

    def __post_init__(self) -> None:
        state = {"id": self.id, "sku": self.sku, "fields": self.fields, "metadata": self.metadata, "levels": self.levels}
        object.__setattr__(self, "digest", hashlib.sha256(orjson.dumps(state, option=orjson.OPT_SORT_KEYS, default=str)).digest())
        object.__setattr__(self, "owned", owned(self.metadata))


@dataclass(frozen=True)
class ActualLocation:
    id: str
    name: str
    metadata: dict[str, Any]
    sales_channels: tuple[str, ...] = ()  # ids, sorted

    @property
    def owned(self) -> bool:
        return owned(self.metadata)


@dataclass(frozen=True)
class ActualKit:
    product_id: str
    variant_id: str
    sku: str
    title: str
    status: str
    prices: dict[str, Decimal]  # by currency code
    links: dict[str, int]  # inventory item id → required quantity
    metadata: dict[str, Any]
    sales_channels: tuple[str, ...] = ()  # ids, sorted
    shipping_profile_id: str | None = None

    @property
    def owned(self) -> bool:
        return owned(self.metadata)


@dataclass
class StoreSnapshot:
    """What the store holds. `url` None means the empty store of an offline dry run."""

    url: str | None = None
    locations: dict[str, ActualLocation] = field(default_factory=dict)  # by name
    items: dict[str, ActualItem] = field(default_factory=dict)  # by SKU
    kits: dict[str, ActualKit] = field(default_factory=dict)  # by variant SKU
    duplicate_locations: dict[str, list[str]] = field(default_factory=dict)  # name → ids, oldest first
    selling: StoreSelling | None = None
    """The store's channels, profiles and currencies (None: not read, e.g. offline: kits and
    locations are then planned without channels)."""
    reserved_watch: ReservedWatch | None = None
    """Reservations changed since the read (None: not known: writes re-read every level they lower)."""

    def fingerprint(self) -> str:
        """A digest of everything a plan was based on; `apply FILE` refuses if it moved. The
        items enter by their own digests (`ActualItem.digest`), taken as they were read."""
        items = hashlib.sha256(b"".join(self.items[sku].digest for sku in sorted(self.items)))
        state = {
            "locations": [_as_dict(self.locations[name]) for name in sorted(self.locations)],
            "items": items.hexdigest(),
            "kits": [_as_dict(self.kits[sku]) for sku in sorted(self.kits)],
        }
        payload = orjson.dumps(state, option=orjson.OPT_SORT_KEYS, default=str)
        return hashlib.sha256(payload).hexdigest()

    def keep_kits(self, kit_skus: Collection[str]) -> None:
        """Keep the kits `read_store` keeps for `kit_skus`, of a snapshot read with none named."""
        self.kits = {sku: kit for sku, kit in self.kits.items() if _wanted_kit(sku, kit.metadata, kit_skus)}


def _as_dict(record: Any) -> dict[str, Any]:
    """`dataclasses.asdict` without its deep copy (the digest's bytes are the same: nested
    dicts serialize alike). asdict deep-copied every record's fields and metadata."""
    return {name: getattr(record, name) for name in _field_names(type(record))}


@functools.cache
def _field_names(record_type: type) -> tuple[str, ...]:
    """Asked once per type: `dataclasses.fields` per record was a third of the fingerprint."""
    return tuple(column.name for column in dataclass_fields(record_type))


@paused_gc
def read_store(
    client: MedusaClient,
    kit_skus: Collection[str] | None,
    *,
    selling: bool = False,
    on_item: Callable[[ActualItem], None] | None = None,
    on_locations: Callable[[dict[str, ActualLocation]], None] | None = None,
) -> StoreSnapshot:
    """Locations, every inventory item with its levels, and the kit products (owned ones and any
    product whose variant has a desired kit SKU). `kit_skus` None: every variant with a SKU, for
    a caller that learns the kit SKUs later and then calls `keep_kits`. `selling`: also what
    selling kits needs (`read_selling`).

    The locations, the products and the selling setup are read while the items are listed (the
    items take Medusa seconds; the rest, a few short requests that would otherwise follow them).
    The reservations are watched from right before (`watch_reserved`). `on_item` is given each
    item as its page arrives (in the reading thread), `on_locations` the locations by name as
    the snapshot holds them, once read (in another thread, usually before the first page)."""
    reserved_watch = watch_reserved(client)
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="medusa-read") as pool:
        reading_locations = pool.submit(
            client.stock_locations.list, fields="id,name,metadata,created_at,sales_channels.id", order="created_at"
        )
        if on_locations is not None:
            reading_locations.add_done_callback(_handing_on_locations(on_locations))
        reading_products = pool.submit(client.products.list_all, fields=_PRODUCT_QUERY_FIELDS)
        reading_selling = pool.submit(read_selling, client, reading_products) if selling else None
        convert = _actual_item if on_item is None else _handing_on(on_item)
        items = client.inventory_items.list_all(fields=ITEM_QUERY_FIELDS, convert=convert)
        locations = reading_locations.result()
        product_rows = reading_products.result()
        store_selling = reading_selling.result() if reading_selling is not None else None
    snapshot = StoreSnapshot(url=client.base_url, selling=store_selling, reserved_watch=reserved_watch)
    snapshot.locations = _locations_by_name(locations)
    snapshot.duplicate_locations = duplicate_locations(locations)
    snapshot.items = {item.sku: item for item in items if item is not None}
    for product in product_rows:
        for variant in list_field(product, "variants"):
            sku = variant.get("sku")
            if not sku or not (kit_skus is None or _wanted_kit(sku, product.get("metadata"), kit_skus)):
                continue
            snapshot.kits[sku] = ActualKit(
                product_id=product["id"],
                variant_id=variant["id"],
                sku=sku,
                title=product.get("title") or "",
                status=product.get("status") or "",
                prices={
                    price["currency_code"]: number_field(price, "amount").quantize(Decimal("0.01"))
                    for price in list_field(variant, "prices")
                    if price.get("amount") is not None
                },
                links={
                    link["inventory_item_id"]: quantity(link, "required_quantity")
                    for link in list_field(variant, "inventory_items")
                },
                metadata=product.get("metadata") or {},
                sales_channels=_channel_ids(product),
                shipping_profile_id=(product.get("shipping_profile") or {}).get("id"),
            )
    return snapshot


def _locations_by_name(rows: list[dict[str, Any]]) -> dict[str, ActualLocation]:
    """Of two locations with one name, the oldest (the one `locations merge` keeps); `rows` oldest first."""
    locations: dict[str, ActualLocation] = {}
    for row in rows:
        locations.setdefault(row["name"], ActualLocation(row["id"], row["name"], row.get("metadata") or {}, _channel_ids(row)))
    return locations


def _actual_item(row: dict[str, Any]) -> ActualItem | None:
    """An item row as the snapshot holds it; None for an item without a SKU (never the sync's)."""
    if not row.get("sku"):
        return None
    return ActualItem(
        id=row["id"],
        sku=row["sku"],
        fields={name: row.get(name) for name in ITEM_FIELDS},
        metadata=row.get("metadata") or {},
        levels=levels_of(row),
    )


def _handing_on(on_item: Callable[[ActualItem], None]) -> Callable[[dict[str, Any]], ActualItem | None]:
    def convert(row: dict[str, Any]) -> ActualItem | None:
        item = _actual_item(row)
        if item is not None:
            on_item(item)
        return item

    return convert


def _handing_on_locations(on_locations: Callable[[dict[str, ActualLocation]], None]) -> Callable[[Future[Any]], None]:
    def hand_on(read: Future[Any]) -> None:
        if read.exception() is None:  # else the read raises it
            on_locations(_locations_by_name(read.result()))

    return hand_on


def _wanted_kit(sku: str, product_metadata: dict[str, Any] | None, kit_skus: Collection[str]) -> bool:
    """A variant the snapshot keeps as a kit: its product is medusa-sync's, or the feeds want its SKU."""
    return owned(product_metadata) or sku in kit_skus


def _channel_ids(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(sorted(channel["id"] for channel in list_field(row, "sales_channels")))


def read_store_to_sell(
    client: MedusaClient,
    kit_skus: Collection[str] | None,
    on_item: Callable[[ActualItem], None] | None = None,
    on_locations: Callable[[dict[str, ActualLocation]], None] | None = None,
) -> StoreSnapshot:
    """`read_store`, and what selling kits needs (the sync plans against this one)."""
    return read_store(client, kit_skus, selling=True, on_item=on_item, on_locations=on_locations)
