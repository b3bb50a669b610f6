"""What every reader of the store shares: the ownership mark, and levels as Medusa returns them."""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Mapping
from typing import Any

from medusa_sync.client import list_field, number_field

MANAGED_BY = "medusa-sync"

LEVEL_FIELDS = tuple(
    f"location_levels.{name}"
    for name in ("id", "location_id", "stocked_quantity", "reserved_quantity", "incoming_quantity")
)
"""The `fields` of an inventory-item query that bring its levels."""


def owned(metadata: dict[str, Any] | None) -> bool:
    """Whether medusa-sync created this record (`metadata.managed_by`); only those are changed."""
    return bool(metadata) and metadata.get("managed_by") == MANAGED_BY


@dataclass(frozen=True)
class ActualLevel:
    id: str
    location_id: str
    stocked: int
    reserved: int
    incoming: int

    @property
    def available(self) -> int:
        return self.stocked - self.reserved


def quantity(record: Mapping[str, Any], key: str) -> int:
    """A quantity as Medusa returns it (number, numeric string or null: 0) as an int; anything
    else is a MalformedAnswerError naming the request."""
    value = record.get(key)
    if type(value) is int:  # Medusa's usual answer, three per level read: no Decimal on the way
        return value
    number = number_field(record, key)
    return int(number) if number is not None else 0


def levels_of(row: Mapping[str, Any]) -> dict[str, ActualLevel]:
    """An inventory-item row's `location_levels`, by location id."""
    return {
        level["location_id"]: ActualLevel(
            id=level.get("id") or "",
            location_id=level["location_id"],
            stocked=quantity(level, "stocked_quantity"),
            reserved=quantity(level, "reserved_quantity"),
            incoming=quantity(level, "incoming_quantity"),
        )
        for level in list_field(row, "location_levels")
    }
