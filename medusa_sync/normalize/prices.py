"""Prices in BRL: pt-BR strings ("R$ 1.347,65") and feed numbers, to exact `Decimal`."""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

from babel.numbers import NumberFormatError, parse_decimal

from medusa_sync.normalize.text import shown

CENT = Decimal("0.01")
# No product of these feeds costs a billion reais; past this a price is a broken number (the
# category ceilings in the rules flag the merely implausible ones).
MAX_PRICE = Decimal(10**9)
_CURRENCY = re.compile(r"^\s*R\$\s*", re.IGNORECASE)
# The well-formed pt-BR numbers feeds carry ("1.347,65", "1347,65", "21,83"). They are read
# directly: babel's strict parse costs ~40 µs a call, the largest cost of parsing a feed. For
# these strings its result is the same (checked on 300k strings); anything else goes to babel.
_WELL_FORMED = re.compile(r"(?:[0-9]{1,15}|[1-9][0-9]{0,2}(?:\.[0-9]{3}){1,4})(?:,[0-9]{1,12})?")
# Anything else made of digits, dots and commas is left to babel, which refuses what is mangled.
_NUMERIC = re.compile(r"[\d.,]+")


class PriceError(ValueError):
    """The value is not a price."""


def parse_brl(text: str) -> Decimal:
    """Parse a pt-BR money string. Thousands groups must be well formed ("1.34765" is refused:
    babel's strict mode), so a mangled string fails instead of silently becoming another number."""
    body = _CURRENCY.sub("", text).replace("\u00a0", " ").strip()
    if _WELL_FORMED.fullmatch(body):
        return Decimal(body.replace(".", "").replace(",", ".")).quantize(CENT)
    if not _NUMERIC.fullmatch(body):
        raise PriceError(f"not a price: {text!r}")
    try:
        value = parse_decimal(body, locale="pt_BR", strict=True)
    except NumberFormatError:
        raise PriceError(f"not a pt-BR price: {text!r}") from None
    try:
        return value.quantize(CENT)
    except InvalidOperation:
        raise PriceError(f"not a price: {text!r}") from None


def price_from_number(value: object) -> Decimal:
    """A feed's numeric price (JSON number) as Decimal; via str() so 1347.65 stays 1347.65."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PriceError(f"not a number: {shown(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise PriceError(f"not a finite number: {value!r}")
    try:
        return Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError):  # ValueError: an int past 4300 digits
        raise PriceError(f"not a price: {shown(value)}") from None


def bounded(value: Decimal) -> Decimal:
    """The price if medusa-sync can store it: 0 ≤ value ≤ MAX_PRICE; else PriceError."""
    if value < 0:
        raise PriceError(f"negative price {value}")
    if value > MAX_PRICE:
        raise PriceError(f"price {value:.2E} is above the largest price accepted, {format_brl(MAX_PRICE)}")
    return value


def format_brl(value: Decimal) -> str:
    """1599.00 → "R$ 1.599,00" (for reports)."""
    units, cents = f"{value:,.2f}".split(".")
    return f"R$ {units.replace(',', '.')},{cents}"
