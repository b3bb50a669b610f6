"""The shrink guard: a truncated or emptied feed must never wipe stock.

It compares what the store holds from each distributor and feed file (managed items, by their
metadata) with what the feeds hold now, and refuses the whole apply when too much vanished.
"""

from __future__ import annotations

from collections import Counter

from medusa_sync.config import GuardRules
from medusa_sync.models import Catalog
from medusa_sync.normalize.text import plural
from medusa_sync.store import StoreSnapshot


def shrink_guard(catalog: Catalog, snapshot: StoreSnapshot, rules: GuardRules) -> list[str]:
    """The reasons to refuse (empty: nothing suspicious)."""
    desired = {item.sku for item in catalog.items}
    held: Counter[tuple[str, str]] = Counter()  # by (distributor, feed file)
    lost: Counter[tuple[str, str]] = Counter()
    for sku, item in snapshot.items.items():
        if item.owned:
            source = (str(item.metadata.get("distributor", "?")), str(item.metadata.get("source_file", "?")))
            held[source] += 1
            if sku not in desired:
                lost[source] += 1
    held_by_distributor, held_by_file = _by_part(held)
    lost_by_distributor, lost_by_file = _by_part(lost)

    reasons: list[str] = []
    records_by_distributor: Counter[str] = Counter()
    for file in catalog.files:
        records_by_distributor[file.distributor] += file.records
        if not file.complete and held_by_file[file.path]:
            reasons.append(
                f"feed file {file.path} is empty, unreadable or truncated "
                f"({plural(file.records, 'record')} read; the store holds {plural(held_by_file[file.path], 'item')} from it)"
            )
    for distributor, held in sorted(held_by_distributor.items()):
        if records_by_distributor[distributor] == 0:
            reasons.append(f"distributor {distributor}: the feed has no records; the store holds {plural(held, 'item')} from it")
    for scope, held_counts, lost_counts in (
        ("distributor", held_by_distributor, lost_by_distributor),
        ("feed file", held_by_file, lost_by_file),
    ):
        for name, lost in sorted(lost_counts.items()):
            held = held_counts[name]
            if lost > rules.shrink_min_items and lost > rules.shrink_ratio * held:
                reasons.append(
                    f"{scope} {name}: {lost} of its {plural(held, 'item')} in the store are missing from the feed "
                    f"({lost / held:.0%} > {rules.shrink_ratio:.0%} and more than {rules.shrink_min_items})"
                )
    return reasons


def _by_part(counts: Counter[tuple[str, str]]) -> tuple[Counter[str], Counter[str]]:
    """Counts by (distributor, feed file) → by distributor, and by feed file."""
    by_distributor: Counter[str] = Counter()
    by_file: Counter[str] = Counter()
    for (distributor, source_file), count in counts.items():
        by_distributor[distributor] += count
        by_file[source_file] += count
    return by_distributor, by_file
