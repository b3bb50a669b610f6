"""Resource services: each method says only the method, path, parameters and lookup of a call."""

from .inventory_items import InventoryItems
from .orders import Orders
from .product_variants import ProductVariants
from .products import Products
from .reservations import Reservations
from .sales import Sales
from .stock_locations import StockLocations

__all__ = ["InventoryItems", "Orders", "ProductVariants", "Products", "Reservations", "Sales", "StockLocations"]
