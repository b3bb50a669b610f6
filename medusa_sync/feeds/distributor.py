"""What medusa-sync must know of one distributor to read its feed (see docs/adding-a-distributor.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from medusa_sync.config import Rules
from medusa_sync.models import Category, InventoryItem, Kit, StockLevel

if TYPE_CHECKING:
    from medusa_sync.feeds.reader import FileContext


class ParsedProduct(NamedTuple):
    item: InventoryItem
    level: StockLevel | None


class ParsedKit(NamedTuple):
    kit: Kit
    components: tuple[InventoryItem, ...]
    levels: tuple[StockLevel, ...]


Parser = Callable[[Iterable[tuple[int, object]], "FileContext", Rules], Iterator[ParsedProduct | ParsedKit]]
"""(index, record) pairs of one feed file → what they normalize to; every problem is reported on
the FileContext, and a record that cannot be used is skipped."""


@dataclass(frozen=True)
class Distributor:
    name: str
    """Its feed folder (FEED_ROOT/<name>/**/*.json), the first word of its SKUs and its items'
    `metadata.distributor`: lower case, no "_"."""
    parse: Parser
    location: str
    """The stock location its items are stocked at; the rules may rename it (`[locations]
    <name> = "…"`). A distributor stocked per distribution centre uses it as the centres' prefix."""
    categories: Mapping[str, Category] = field(default_factory=dict)
    """Its own words for categories, beyond the shared ones ("inversores", "paineis"…) and the rules'."""


def location_of(distributor: Distributor, rules: Rules) -> str:
    """Where the distributor's items are stocked: the rules' name for it, else its own."""
    return rules.locations.renamed(distributor.name) or distributor.location
