"""Stock locations by id, and what a person types (an id or a name) resolved to an id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from medusa_sync.client.resources.stock_locations import keyed, location_key
from medusa_sync.errors import NotFoundError, UsageError

from .suggest import closest, did_you_mean

if TYPE_CHECKING:
    from medusa_sync.client import MedusaClient


@dataclass(frozen=True)
class Locations:
    names: dict[str, str]  # id → name

    @classmethod
    def read(cls, client: MedusaClient) -> Locations:
        return cls({row["id"]: row.get("name") or row["id"] for row in client.stock_locations.list(fields="id,name")})

    def resolve(self, reference: str) -> str:
        """The id `reference` stands for: an id, else an exact name, else a name ignoring case,
        accents and spacing ("fotus cd espirito santo"). UsageError when a name fits several
        locations, NotFoundError (with the closest names) when it fits none."""
        if reference in self.names:
            return reference
        key = location_key(reference)
        for same in (lambda name: name == reference, lambda name: location_key(name) == key):
            found = sorted(location_id for location_id, name in self.names.items() if same(name))
            if len(found) > 1:
                raise UsageError(f"several stock locations are named {reference!r}: {', '.join(found)}; give the id")
            if found:
                return found[0]
        known = ", ".join(sorted(self.names.values())) or "none"
        hint = did_you_mean(closest(reference, self.names.values()))
        raise NotFoundError(f"no stock location {reference!r} (known: {known})", hint=hint)

    def name(self, location_id: str) -> str:
        return self.names.get(location_id, location_id)


def duplicate_locations(rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Location rows (id, name, metadata, created_at) → {name of the oldest: ids, oldest first}
    for every key that more than one location stands for."""
    keys = sorted({location_key(row.get("name") or "") for row in rows})
    found: dict[str, list[str]] = {}
    for key in keys:
        same = keyed(rows, key)
        if len(same) > 1:
            found[same[0]["name"]] = [row["id"] for row in same]
    return found
