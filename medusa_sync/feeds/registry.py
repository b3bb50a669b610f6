"""The distributors medusa-sync reads, by name. A new distributor is a module that defines its
`Distributor` and one line here (docs/adding-a-distributor.md)."""

from medusa_sync.feeds.distributor import Distributor
from medusa_sync.feeds.fotus import FOTUS
from medusa_sync.feeds.odex import ODEX
from medusa_sync.feeds.solfacil import SOLFACIL

DISTRIBUTORS: dict[str, Distributor] = {
    distributor.name: distributor
    for distributor in (
        ODEX,
        SOLFACIL,
        FOTUS,
    )
}
