"""Facts read out of product text: power, selling unit, model codes; and text folding."""

from __future__ import annotations

import functools
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from medusa_sync.models import UnitOfMeasure

# "3kW", "2.25KW", "0.475KW", "585W", "4,2 kW" — but not "KWH" (energy) nor "KVCC" (voltage).
# The number's first digit must not follow a letter, digit, "." or ",": checked after that digit,
# so that the pattern starts with a digit and the regex engine skips to the digits of a text.
_POWER = re.compile(r"(\d(?<![\w.,]\d)\d*(?:[.,]\d+)?)\s*(k?W)(?![\w])", re.IGNORECASE)
# "POR METRO" / "P/ METRO": sold by the metre.
_PER_METRE = re.compile(r"\b(POR|P/)\s*METRO\b", re.IGNORECASE)
# "C/ 25 MT", "C/25 MT", "C/ 100 M", "C/ 50M", "C/RL 2,5MT": a roll of that length.
_ROLL = re.compile(r"\bC/\s*(?:RL\s*)?(\d+(?:[.,]\d+)?)\s*(?:MT|M)\b", re.IGNORECASE)
# Above this a number followed by "W" is not a product's power (and too long to build a SKU from).
MAX_POWER_W = 10**9
# A model code in parentheses: letters and digits with a hyphen or digit, no spaces, no "%".
_MODEL_CODE = re.compile(r"\(([A-Z0-9][A-Z0-9./-]*[A-Z0-9])\)", re.IGNORECASE)


# Folding runs on every record's availability and category: a handful of distinct strings,
# so both functions are memoized (a bounded cache).
@functools.lru_cache(maxsize=1024)
def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@functools.lru_cache(maxsize=1024)
def fold(text: str) -> str:
    """Lower-case, accents removed, spaces collapsed: "Disponível " → "disponivel"."""
    return " ".join(strip_accents(text).lower().split())


def shown(value: object, limit: int = 60) -> str:
    """A feed value for a message: its repr, cut so a pathological value cannot flood a report."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        # str() of an int past 4300 digits raises; 2**14000 has 4215
        return f"a {len(str(abs(value)))}-digit number" if value.bit_length() < 14_000 else "a number of over 4000 digits"
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text)} characters)"


# C0 and C1 control characters but the line feed: ESC starts terminal escape sequences
# (`\x1b[2J` clears the screen, `\x1b]0;…` sets the title), CR and BS overwrite what is shown.
# A whole CSI sequence (ESC [ or its C1 form) and a terminated OSC sequence (ESC ] … BEL or ESC \)
# go with their ESC, so no "[2J" is left behind; any other control character goes alone.
_CONTROL = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|[\x00-\x09\x0b-\x1f\x7f-\x9f]"
)


def printable(text: str) -> str:
    """`text` without control characters and escape sequences, for a terminal, a .md or a .csv
    (JSON keeps the data)."""
    return _CONTROL.sub("", text)


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """ "1 item", "2 items", "0 items"; `nouns` where adding "s" is wrong ("1 entry", "2 entries")."""
    return f"{n} {noun if n == 1 else nouns or noun + 's'}"


def tidy(text: str) -> str:
    """Spaces collapsed and "|" set off by single spaces: "CD SUDESTE| X" → "CD SUDESTE | X"."""
    return " ".join(re.sub(r"\s*\|\s*", " | ", text).split())


def slug(text: str) -> str:
    """Upper-case ASCII words joined by "-": "Solar N Plus" → "SOLAR-N-PLUS"."""
    return re.sub(r"[^A-Z0-9]+", "-", fold(text).upper()).strip("-")


def _decimal(number: str) -> Decimal | None:
    try:
        return Decimal(number.replace(",", "."))
    except InvalidOperation:
        return None


def power_w(*texts: str | None) -> int | None:
    """The first power the texts state, in whole watts."""
    for text in texts:
        if not text:
            continue
        match = _POWER.search(text)
        if match:
            value = _decimal(match.group(1))
            if value is None:
                continue
            watts = value * 1000 if match.group(2).lower() == "kw" else value
            if watts > MAX_POWER_W:
                continue
            return int(watts.to_integral_value())
    return None


def unit_of_measure(text: str | None) -> UnitOfMeasure | None:
    """How a cable is sold, or None when the text does not say."""
    if not text:
        return None
    # Each pattern is tried at every position of the text; the words they need, looked for
    # first, rule out almost every product's text at a fraction of the cost.
    upper = text.upper()
    if "METRO" in upper and _PER_METRE.search(text):
        return UnitOfMeasure(kind="metre")
    match = _ROLL.search(text) if "C/" in upper else None
    if match:
        length = _decimal(match.group(1))
        if length and length > 0:
            return UnitOfMeasure(kind="roll", length_m=length)
    return None


def model_code(text: str | None) -> str | None:
    """ "MICROINVERSOR DEYE 2.25KW (SUN-M225G4-EU-Q0-I) …" → "SUN-M225G4-EU-Q0-I".

    A code has a letter and a digit; "(4 MLPE)" (a space) and "(22,2% EF.)" are not codes."""
    if not text:
        return None
    for match in _MODEL_CODE.finditer(text):
        code = match.group(1)
        if re.search(r"[A-Z]", code, re.IGNORECASE) and re.search(r"\d", code):
            return code.upper()
    return None
