"""The one metadata diff, shared by items and kits.

medusa-sync's metadata keys are exactly those its builders return (`desired.item_metadata`,
`desired.kit_metadata`): a key whose value is None there is one medusa-sync writes for other
records, or wrote for this one before, and must be absent, so a value the store still holds is
removed. The update sends the record's whole metadata with the removed keys as "", and the
API client removes a key sent as "" on every release (client/metadata.py: Medusa 2.21 deletes
it; 2.3.0 replaces a product's metadata, so the key is omitted, and keeps an item's key as "",
which reads as absent).

Bookkeeping keys (where a record came from, digests, the sync base of each level) are written along with a real change but
never make a change on their own: reordering a feed file must not rewrite every item.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from medusa_sync.client.metadata import REMOVE
from medusa_sync.plan.model import BASE_PREFIX, FieldChange

BOOKKEEPING = frozenset({"source_file", "source_record", "feed_digest"})


def is_bookkeeping(key: str) -> bool:
    return key in BOOKKEEPING or key.endswith("_digest") or key.startswith(BASE_PREFIX)


_ABSENT = (None, "", [])
"""The values that mean "no value": such a key is left out on create and removed on update."""


def absent(value: Any) -> bool:
    return value in _ABSENT


def with_values(wanted: dict[str, Any]) -> dict[str, Any]:
    """The metadata as written on create: the keys that have a value."""
    return {key: value for key, value in wanted.items() if value not in _ABSENT}  # no call per key: every item's metadata


@dataclass(frozen=True)
class MetadataDiff:
    changes: list[FieldChange]
    """Real changes (bookkeeping excluded), each `metadata.KEY` before → after or removed."""
    write: dict[str, Any] | None
    """The metadata to send with an update (None: the store already holds all of it)."""


def diff_metadata(actual: dict[str, Any], wanted: dict[str, Any]) -> MetadataDiff:
    """Compare the metadata a record holds with what medusa-sync wants (None: must be absent).

    Keys medusa-sync does not own are left as they are."""
    changes: list[FieldChange] = []
    removed: list[str] = []
    stale = False
    for key in sorted(wanted):
        before, after = actual.get(key), wanted[key]
        if before == after:  # most keys of most records: checked first
            continue
        if absent(after):
            if absent(before):
                continue
            removed.append(key)
            change = FieldChange(field=f"metadata.{key}", before=before, after=None, removed=True)
        else:
            change = FieldChange(field=f"metadata.{key}", before=before, after=after)
        if is_bookkeeping(key):
            stale = True
        else:
            changes.append(change)
    if not changes and not stale:
        return MetadataDiff([], None)
    kept = {key: value for key, value in actual.items() if key not in wanted}
    return MetadataDiff(changes, {**kept, **with_values(wanted), **dict.fromkeys(removed, REMOVE)})
