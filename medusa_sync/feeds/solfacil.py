"""Solfacil: inverters, panels (some with shifted columns), structures, cables, batteries, accessories."""

from medusa_sync.feeds.distributor import Distributor
from medusa_sync.feeds.products import parse_products

SOLFACIL = Distributor(name="solfacil", parse=parse_products, location="Solfacil CD")
