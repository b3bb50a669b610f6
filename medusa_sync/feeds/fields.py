"""Field helpers shared by the distributor parsers: tolerant of any JSON value."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from medusa_sync.config import Rules
from medusa_sync.feeds.reader import FileContext
from medusa_sync.models import Category
from medusa_sync.normalize.stock import BadQuantity, Quantities, UnknownAvailability, quantities
from medusa_sync.normalize.prices import PriceError, bounded, format_brl, parse_brl, price_from_number
from medusa_sync.normalize.text import fold, printable

_CATEGORY_ALIASES = {
    "inversores": Category.INVERTERS,
    "inversor": Category.INVERTERS,
    "paineis": Category.PANELS,
    "modulos": Category.PANELS,
    "estruturas": Category.STRUCTURES,
    "string-boxes": Category.STRINGBOXES,
    "stringbox": Category.STRINGBOXES,
    "cabos": Category.CABLES,
    "baterias": Category.BATTERIES,
    "acessorios": Category.ACCESSORIES,
}


_CATEGORY_VALUES = {category.value: category for category in Category}


def text_of(value: object) -> str | None:
    """A stripped, non-empty string without control characters, or None (numbers become their
    text; other JSON is None). Control characters and terminal escape sequences never reach the
    store, where other tools would show them raw."""
    if isinstance(value, str):  # first: most feed values are strings
        if not value.isprintable():  # fast path: almost every feed string is printable
            value = "\t".join(printable(part) for part in value.split("\t"))  # a tab is whitespace
        return value.strip() or None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(value)
    return None


def resolve_category(value: str | None, rules: Rules, ctx: FileContext) -> Category | None:
    """Our category for a feed's word: ours, the rules' aliases, the distributor's, the shared ones."""
    if not value:
        return None
    if value in _CATEGORY_VALUES:  # the usual case: a feed's category is already ours
        return _CATEGORY_VALUES[value]
    key = fold(value)
    for category in Category:
        if key == category.value:
            return category
    for aliases in (rules.categories, ctx.distributor.categories):
        folded = {fold(alias): category for alias, category in aliases.items()}
        if key in folded:
            return folded[key]
    return _CATEGORY_ALIASES.get(key)


def choose_price(
    number: object,
    text: object,
    category: Category,
    rules: Rules,
    ctx: FileContext,
    *,
    record: int,
    sku: str,
) -> tuple[Decimal | None, bool]:
    """The record's BRL price and whether it is suspect: the number where present, else the parsed string.

    Disagreement and absurd values (above the category's ceiling: a thousands-separator error)
    are reported; an absurd number with a plausible string yields the string."""
    from_number = from_text = None
    if number is not None:
        try:
            from_number = bounded(price_from_number(number))
        except PriceError as exc:
            ctx.issue("bad_price", str(exc), "ignored the numeric price", record=record, sku=sku, severity="warning")
    if isinstance(text, str) and text.strip():
        try:
            from_text = bounded(parse_brl(text))
        except PriceError as exc:
            if from_number is None:
                ctx.issue("bad_price", str(exc), "price left empty", record=record, sku=sku)
    elif text is not None and not isinstance(text, str):
        try:
            from_text = bounded(price_from_number(text))
        except PriceError as exc:
            if from_number is None:
                ctx.issue("bad_price", str(exc), "price left empty", record=record, sku=sku)
    if from_number is None and from_text is None:
        if number is None and (text is None or (isinstance(text, str) and not text.strip())):
            ctx.issue("missing_price", "the record has no price", "price left empty", record=record, sku=sku)
        return None, False

    ceiling = rules.prices.ceilings.get(category)

    def absurd(value: Decimal | None) -> bool:
        return value is not None and (value <= 0 or (ceiling is not None and value > ceiling))

    chosen = from_number if from_number is not None else from_text
    if from_number is not None and from_text is not None and from_number != from_text:
        if absurd(from_number) and not absurd(from_text):
            chosen = from_text
        ctx.issue(
            "price_mismatch",
            f"numeric price {from_number} and text price {from_text} disagree",
            f"used {chosen}",
            record=record,
            sku=sku,
            severity="warning",
        )
    suspect = absurd(chosen)
    if suspect:
        limit = f"above the {category.value} ceiling {format_brl(ceiling)}" if ceiling is not None and chosen > 0 else "not positive"
        ctx.issue(
            "price_suspect",
            f"price {format_brl(chosen) if chosen > 0 else chosen} is {limit} (thousands-separator error?)",
            "kept and flagged price_suspect",
            record=record,
            sku=sku,
            severity="warning",
        )
    return chosen, suspect


def mapping_or_empty(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def decide_quantities(
    record: Mapping[str, object], rules: Rules, ctx: FileContext, *, record_index: int, sku: str, where: str
) -> Quantities:
    """The record's stock by the rules; a broken number or unknown availability text is
    reported and stocks 0 (never a guess)."""
    try:
        return quantities(ctx.distributor.name, text_of(record.get("availability")), record, rules.stock)
    except BadQuantity as exc:
        code = "bad_quantity"
        reason = str(exc)
    except UnknownAvailability as exc:
        code = "unknown_availability"
        reason = str(exc)
    ctx.issue(code, reason, f"stocked 0 at {where}", record=record_index, sku=sku, severity="warning")
    return Quantities(stocked=0, incoming=0, rule="reported")


def identified(record: object, index: int, ctx: FileContext, what: str) -> tuple[Mapping[str, object], str] | None:
    """The record and its id, or None after reporting a record that is no object or has no id."""
    if not isinstance(record, Mapping):
        ctx.issue("record_not_object", f"{what} is a JSON {type(record).__name__}, not an object", f"{what} skipped", record=index)
        return None
    raw_id = record.get("id")
    record_id = text_of(raw_id)
    if record_id is None:
        ctx.issue("missing_id", f"{what} has no id", f"{what} skipped", record=index)
        return None
    if isinstance(raw_id, str) and not raw_id.isprintable() and printable(raw_id) != raw_id:  # fast path as in text_of
        ctx.issue(
            "control_characters",
            "the id holds control characters or terminal escape sequences",
            f"removed: id {record_id!r}",
            record=index,
            severity="warning",
        )
    return record, record_id
