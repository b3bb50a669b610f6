"""Stock quantities from what feeds say: explicit numbers win, then the availability rules."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import NamedTuple

from medusa_sync.config import StockRules
from medusa_sync.normalize.text import fold, shown, strip_accents

# More than a billion units of one product at one place is a broken number, and Medusa (and
# JSON writers) refuse integers past 64 bits: such a quantity is refused, never stored.
MAX_QUANTITY = 10**9


class Quantities(NamedTuple):
    stocked: int
    incoming: int
    rule: str  # what decided it, for the validation report and metadata


class UnknownAvailability(ValueError):
    pass


class BadQuantity(ValueError):
    pass


def explicit_quantity(record: Mapping[str, object], rules: StockRules) -> tuple[str, int] | None:
    """The first configured quantity field present in the record, as an int in 0…MAX_QUANTITY."""
    for name in rules.quantity_fields:
        if name not in record or record[name] is None:
            continue
        value = raw = record[name]
        if isinstance(value, bool):
            raise BadQuantity(f"{name}={value!r} is not a quantity")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*\d{1,18}\s*", value):
            value = int(value)
        if not isinstance(value, int) or value < 0:
            raise BadQuantity(f"{name}={shown(raw)} is not a whole quantity >= 0")
        if value > MAX_QUANTITY:
            raise BadQuantity(f"{name}={shown(raw)} is above the largest quantity accepted, {MAX_QUANTITY:_}")
        return name, value
    return None


@functools.cache
def _availability_pattern(match: str) -> re.Pattern[str]:
    """A rule's `match`, accents stripped as the folded text is, compiled once (every record
    is tried against the rules)."""
    return re.compile(strip_accents(match), re.IGNORECASE)


def quantities(
    distributor: str, availability: str | None, record: Mapping[str, object], rules: StockRules
) -> Quantities:
    """Raises UnknownAvailability when no rule matches and BadQuantity for a broken number."""
    explicit = explicit_quantity(record, rules)
    if explicit is not None:
        name, value = explicit
        return Quantities(stocked=value, incoming=0, rule=f"field {name}")
    text = fold(availability or "")
    for index, rule in enumerate(rules.availability):
        if rule.distributor not in (None, distributor):
            continue
        if _availability_pattern(rule.match).search(text):
            stocked = rules.default_quantity if rule.stocked is None else rule.stocked
            return Quantities(stocked=stocked, incoming=rule.incoming, rule=f"availability rule {index + 1}")
    raise UnknownAvailability(f"no availability rule matches {availability!r}")
