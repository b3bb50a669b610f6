"""Product records (Odex's and Solfacil's shape) → inventory items and their stock levels.

Any distributor publishing this general record shape can use `parse_products` as its parser;
what differs (Odex's wrong id prefix, Solfacil's shifted panel columns) is detected from the
data, not from the distributor's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import PurePosixPath
from typing import NamedTuple

from medusa_sync.config import Rules
from medusa_sync.feeds.distributor import ParsedProduct, location_of
from medusa_sync.feeds.fields import (
    choose_price,
    decide_quantities,
    identified,
    mapping_or_empty,
    resolve_category,
    text_of,
)
from medusa_sync.feeds.reader import FileContext
from medusa_sync.models import Category, InventoryItem, SourceRef, StockLevel
from medusa_sync.normalize import sku as skus
from medusa_sync.normalize.prices import PriceError, parse_brl
from medusa_sync.normalize.text import fold, power_w, unit_of_measure

_URL = re.compile(r"https?://\S+")
_WORD = re.compile(r"[A-Za-zÀ-ÿ]{3,}")


def parse_products(records: Iterable[tuple[int, object]], ctx: FileContext, rules: Rules) -> Iterator[ParsedProduct]:
    file_category = _category_from_file_name(ctx, rules)
    location = location_of(ctx.distributor, rules)
    for index, record in records:
        parsed = _parse_product(record, index, ctx, rules, file_category, location)
        if parsed is not None:
            yield parsed


def _category_from_file_name(ctx: FileContext, rules: Rules) -> Category | None:
    stem = PurePosixPath(ctx.path).stem
    return resolve_category(re.sub(rf"^{re.escape(ctx.distributor.name)}[-_]", "", stem, flags=re.IGNORECASE), rules, ctx)


def _parse_product(
    record: object, index: int, ctx: FileContext, rules: Rules, file_category: Category | None, location: str
) -> ParsedProduct | None:
    found = identified(record, index, ctx, "record")
    if found is None:
        return None
    record, record_id = found

    category = _category(record, index, ctx, rules, file_category)
    if category is None:
        return None
    sku = skus.item_sku(ctx.distributor.name, category, record_id)
    prefix = skus.id_prefix_category(ctx.distributor.name, record_id)
    if prefix is not None and prefix != category.value:
        ctx.issue(
            "id_prefix_mismatch",
            f"id prefix says {prefix!r} but the record is {category.value!r}",
            "SKU built from the record's category",
            record=index,
            sku=sku,
            severity="warning",
        )

    fields = _Fields.of(record)
    flags: list[str] = []
    if _looks_shifted(fields, text_of(record.get("manufacturer"))):
        fields = _recover_shifted(fields)
        flags.append("recovered_shifted_columns")
        ctx.issue(
            "shifted_columns",
            "columns are shifted: 'price' holds the product name, 'description' the model",
            "recovered title, model and image from the shifted columns; price unknown",
            record=index,
            sku=sku,
            severity="warning",
        )

    title = fields.name or fields.description
    if title is None:
        ctx.issue("missing_title", "record has neither name nor description", "title set to the SKU", record=index, sku=sku, severity="warning")
        title = sku

    price = None
    if not flags:  # shifted columns carry no price at all: reported above
        price, suspect = choose_price(
            mapping_or_empty(record.get("pricing")).get("price"), fields.price_text, category, rules, ctx, record=index, sku=sku
        )
        if suspect:
            flags.append("price_suspect")

    unit = unit_of_measure(title) or unit_of_measure(fields.description)
    if category is Category.CABLES and unit is None:
        ctx.issue("unit_unknown", "cable text gives no length (C/ 25 MT, POR METRO…)", "sold per unit", record=index, sku=sku, severity="warning")

    item = InventoryItem(
        sku=sku,
        title=title,
        description=fields.description,
        manufacturer=text_of(record.get("manufacturer")),
        model=fields.model,
        category=category,
        distributor=ctx.distributor.name,
        price=price,
        unit=unit or InventoryItem.__pydantic_fields__["unit"].default,
        power_w=power_w(title, fields.description),
        thumbnail=fields.image,
        source=SourceRef(file=ctx.path, record=index, original_id=record_id),
        flags=tuple(flags),
    )
    return ParsedProduct(item=item, level=_level(item, record, index, ctx, rules, location))


def _category(
    record: Mapping[str, object], index: int, ctx: FileContext, rules: Rules, file_category: Category | None
) -> Category | None:
    raw = text_of(record.get("category"))
    category = resolve_category(raw, rules, ctx)
    if category is not None:
        return category
    if file_category is not None:
        ctx.issue(
            "unknown_category",
            f"category {raw!r} is not known" if raw else "record has no category",
            f"used {file_category.value!r} from the file name",
            record=index,
            severity="warning",
        )
        return file_category
    ctx.issue("unknown_category", f"category {raw!r} is not known", "record skipped", record=index)
    return None


def _level(
    item: InventoryItem, record: Mapping[str, object], index: int, ctx: FileContext, rules: Rules, location: str
) -> StockLevel:
    decided = decide_quantities(record, rules, ctx, record_index=index, sku=item.sku, where=location)
    return StockLevel(sku=item.sku, location=location, stocked=decided.stocked, incoming=decided.incoming)


class _Fields(NamedTuple):
    name: str | None
    description: str | None
    model: str | None
    price_text: object
    image: str | None

    @classmethod
    def of(cls, record: Mapping[str, object]) -> _Fields:
        return cls(
            name=text_of(record.get("name")),
            description=text_of(record.get("description")),
            model=text_of(record.get("model")),
            price_text=record.get("price"),
            image=text_of(record.get("image")),
        )


def _looks_shifted(fields: _Fields, manufacturer: str | None) -> bool:
    """Solfacil's panel defect: a product name in 'price' (not a price, has words) while 'name'
    holds an image URL and/or just the manufacturer. Both must show, so a price column saying
    "Preço sob consulta" is a bad price, not a shift."""
    if not isinstance(fields.price_text, str) or len(_WORD.findall(fields.price_text)) < 2:
        return False  # the cheap test first: a price has no words
    try:
        parse_brl(fields.price_text)
        return False
    except PriceError:
        pass
    name = _URL.sub("", fields.name or "").strip()
    return name == "" or (manufacturer is not None and fold(name) == fold(manufacturer)) or name != (fields.name or "")


def _recover_shifted(fields: _Fields) -> _Fields:
    url = _URL.search(fields.name or "")
    return _Fields(
        name=fields.price_text.strip(),  # type: ignore[union-attr]
        description=fields.price_text.strip(),  # type: ignore[union-attr]
        model=fields.description,
        price_text=None,
        image=url.group(0) if url else fields.image,
    )
