"""What a Medusa store holds: items, levels, locations, kits and reservations, read for both the
sync and the stock operations and reports.

    rows          the ownership mark (`managed_by`) and levels as Medusa returns them
    snapshot      the whole store as the sync plans against it (StoreSnapshot, read_store)
    locations     stock locations, and an id or a name resolved to an id
    suggest       "did you mean": the closest location names, the closest SKUs in the store
    items         items with their levels by SKU or id (StockItem), and the one stock write
    kits          variants linked to several items (StockKit), and what their stock makes
    reservations  reservations with the names people need
    orders        the order (number, states, SKU ordered) of a reservation's line item
    watch         which levels may have gained reserved stock since the store was read

Every read is a list call with trimmed `fields`, chunked by the client, so the number of
requests grows with pages and id chunks, never with the number of rows.
"""

from .items import StockItem, all_items, find_item, item_by_id, item_by_sku, items_by_ids, levels_now, numbers, write_stocked
from .kits import Component, LocationStock, StockKit, buildable, kit_by_sku, kit_components, kits_by_variant_ids, stock_at
from .locations import Locations
from .orders import MANUAL, ORDER, ORPHANED, OrderLine, classify, order_by_number, order_lines
from .reservations import FULFILL_MARKER, Reserved, StockContext, read_reservations
from .rows import LEVEL_FIELDS, MANAGED_BY, ActualLevel, levels_of, owned, quantity
from .selling import StoreSelling, channel_location_ids, read_selling
from .snapshot import (
    ITEM_FIELDS,
    ITEM_QUERY_FIELDS,
    ActualItem,
    ActualKit,
    ActualLocation,
    StoreSnapshot,
    read_store,
    read_store_to_sell,
)
from .suggest import closest, did_you_mean, similar_skus
from .watch import ReservedWatch, SharedCheck, watch_reserved

__all__ = [
    "FULFILL_MARKER",
    "ITEM_FIELDS",
    "ITEM_QUERY_FIELDS",
    "LEVEL_FIELDS",
    "MANAGED_BY",
    "MANUAL",
    "ORDER",
    "ORPHANED",
    "ActualItem",
    "ActualKit",
    "ActualLevel",
    "ActualLocation",
    "Component",
    "LocationStock",
    "Locations",
    "OrderLine",
    "Reserved",
    "ReservedWatch",
    "SharedCheck",
    "StockContext",
    "StockItem",
    "StockKit",
    "StoreSelling",
    "StoreSnapshot",
    "all_items",
    "buildable",
    "channel_location_ids",
    "classify",
    "closest",
    "did_you_mean",
    "find_item",
    "item_by_id",
    "item_by_sku",
    "items_by_ids",
    "kit_by_sku",
    "kit_components",
    "kits_by_variant_ids",
    "levels_now",
    "levels_of",
    "numbers",
    "order_by_number",
    "order_lines",
    "owned",
    "quantity",
    "read_reservations",
    "read_selling",
    "read_store",
    "read_store_to_sell",
    "similar_skus",
    "stock_at",
    "watch_reserved",
    "write_stocked",
]
