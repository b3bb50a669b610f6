"""Odex: inverters, panels, string boxes and structures, every id prefixed "odex_inverters_"."""

from medusa_sync.feeds.distributor import Distributor
from medusa_sync.feeds.products import parse_products

ODEX = Distributor(name="odex", parse=parse_products, location="Odex CD")
