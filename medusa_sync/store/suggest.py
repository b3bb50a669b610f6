""""Did you mean …?": the known names closest to one that was not found, ignoring case, accents
and spacing (the folding of location names, `location_key`), and the SKUs a store search finds
for a SKU that was not found.

An exact lookup stays one request; only a miss searches. The search never reads the whole
store: Medusa's `q` (a case-insensitive substring match on SKU and title) with fragments of the
typed SKU — the whole, then prefixes and suffixes cut at "-" and "_", longest first,
alternating — one page of at most `SEARCH_LIMIT` rows each, until a fragment gives a close
match, at most `MAX_SEARCHES` fragments.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from medusa_sync.client.resources.stock_locations import location_key

if TYPE_CHECKING:
    from medusa_sync.client import MedusaClient

SEARCH_LIMIT = 100
MAX_SEARCHES = 4
_MIN_FRAGMENT = 3
_CUTOFF = 0.6


def closest(typed: str, known: Iterable[str], *, n: int = 3) -> list[str]:
    """The `known` names closest to `typed` (difflib's ratio ≥ 0.6), best first and equally close
    ones in name order, compared with case, accents and spacing ignored; none when nothing is close."""
    matcher = difflib.SequenceMatcher(b=location_key(typed))
    scored: dict[str, float] = {}
    for name in sorted(known):
        matcher.set_seq1(location_key(name))
        scored.setdefault(name, matcher.ratio())
    ranked = sorted((-score, name) for name, score in scored.items() if score >= _CUTOFF)
    return [name for _, name in ranked[:n]]


def did_you_mean(names: list[str]) -> str | None:
    """The hint for an error: "did you mean 'A' or 'B'?"; None without names."""
    return f"did you mean {' or '.join(repr(name) for name in names)}?" if names else None


def fragments(sku: str) -> list[str]:
    """What to search for a SKU that was not found: the SKU, then its prefixes and suffixes cut
    at "-" and "_", longest first, alternating (a typo near the end or near the start)."""
    cuts = [match.start() for match in re.finditer(r"[-_]", sku)]
    prefixes = [sku[:cut] for cut in reversed(cuts)]
    suffixes = [sku[cut + 1 :] for cut in cuts]
    found: list[str] = []
    for part in [sku, *(part for pair in zip(prefixes, suffixes) for part in pair)]:
        if len(part) >= _MIN_FRAGMENT and part not in found:
            found.append(part)
    return found


def similar_skus(client: MedusaClient, sku: str, *, kits: bool = False) -> list[str]:
    """The inventory-item SKUs (with `kits`, also the product-variant SKUs) closest to `sku`,
    which was not found; best first, at most 3."""
    searches: list[Callable[[str], list[dict]]] = [
        lambda text: client.inventory_items.search(text, fields="id,sku", limit=SEARCH_LIMIT)
    ]
    if kits:
        searches.append(lambda text: client.product_variants.search(text, fields="id,sku", limit=SEARCH_LIMIT))
    for text in fragments(sku)[:MAX_SEARCHES]:
        found = {row["sku"] for search in searches for row in search(text) if row.get("sku")}
        close = closest(sku, found - {sku})
        if close:
            return close
    return []
