"""Stock as the operations and reports see it: locations by id or name, items with their levels,
kits (variants linked to several items) and reservations with the names people need.

Every read is a list call with trimmed `fields`, chunked by the client, so the number of
requests grows with pages and id chunks, never with the number of rows.
"""

from .items import StockItem, all_items, find_item, item_by_id, item_by_sku, items_by_ids, numbers, write_stocked
from .kits import Kit, buildable, kit_by_sku, kits_by_variant_ids
from .locations import Locations
from .reservations import FULFILL_MARKER, Reserved, StockContext, read_reservations

__all__ = [
    "FULFILL_MARKER",
    "Kit",
    "Locations",
    "Reserved",
    "StockContext",
    "StockItem",
    "all_items",
    "buildable",
    "find_item",
    "item_by_id",
    "item_by_sku",
    "items_by_ids",
    "kit_by_sku",
    "kits_by_variant_ids",
    "numbers",
    "read_reservations",
    "write_stocked",
]
