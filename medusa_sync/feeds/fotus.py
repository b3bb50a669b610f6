"""Fotus kit records → kits, their component items and the components' stock levels.

Components carry no SKU: each becomes an item keyed by its model code (or brand + power), so a
component used by several kits is one item that all of them link to.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath

from medusa_sync.config import Rules
from medusa_sync.feeds.distributor import Distributor, ParsedKit, location_of
from medusa_sync.feeds.fields import (
    choose_price,
    decide_quantities,
    identified,
    mapping_or_empty,
    resolve_category,
    text_of,
)
from medusa_sync.feeds.reader import FileContext
from medusa_sync.models import Category, InventoryItem, Kit, KitComponent, SourceRef, StockLevel
from medusa_sync.normalize import sku as skus
from medusa_sync.normalize.stock import MAX_QUANTITY
from medusa_sync.normalize.text import MAX_POWER_W, fold, model_code, power_w, shown, tidy

# component array → (category, the field holding its power, watts per unit of that field).
# A battery's "power_kw" holds its capacity in kWh: not a power.
_COMPONENT_ARRAYS = {
    "panels": (Category.PANELS, "power_w", 1),
    "inverters": (Category.INVERTERS, "power_kw", 1000),
    "batteries": (Category.BATTERIES, None, 1),
    "structures": (Category.STRUCTURES, "power_w", 1),
}


def location_for_centre(raw: str | None, rules: Rules) -> str:
    """The stock-location name of a Fotus distribution centre: irregular spacing around "|" is
    normalized; configured names match ignoring case, accents and spacing."""
    prefix = location_of(FOTUS, rules)
    if not raw:
        return prefix
    key = fold(tidy(raw))
    for centre, name in rules.locations.centre_names(FOTUS.name).items():
        if fold(tidy(centre)) == key:
            return name
    return f"{prefix} {tidy(raw)}"


def parse_kits(records: Iterable[tuple[int, object]], ctx: FileContext, rules: Rules) -> Iterator[ParsedKit]:
    file_type = resolve_category(PurePosixPath(ctx.path).stem.removeprefix("fotus-"), rules, ctx)
    for index, record in records:
        parsed = _parse_kit(record, index, ctx, rules, file_type)
        if parsed is not None:
            yield parsed


def _parse_kit(record: object, index: int, ctx: FileContext, rules: Rules, file_type: Category | None) -> ParsedKit | None:
    found = identified(record, index, ctx, "kit")
    if found is None:
        return None
    record, record_id = found
    kit_type = resolve_category(text_of(record.get("type")), rules, ctx)
    if kit_type not in (Category.KITS, Category.HYBRID_KITS):
        fallback = file_type if file_type in (Category.KITS, Category.HYBRID_KITS) else Category.KITS
        ctx.issue(
            "unknown_category",
            f"kit type {record.get('type')!r} is not known",
            f"used {fallback.value!r}",
            record=index,
            severity="warning",
        )
        kit_type = fallback
    sku = skus.kit_sku(kit_type, record_id)

    raw_centre = text_of(record.get("centro_distribuicao"))
    location = location_for_centre(raw_centre, rules)
    if raw_centre is None:
        ctx.issue("missing_centre", "kit has no distribution centre", f"stocked at {location!r}", record=index, sku=sku, severity="warning")
    elif tidy(raw_centre) != raw_centre:
        ctx.issue(
            "centre_respelled",
            f"distribution centre {raw_centre!r} is irregularly spaced",
            f"normalized to {tidy(raw_centre)!r} (location {location!r})",
            record=index,
            sku=sku,
            severity="warning",
        )

    components = _components(record, index, ctx, sku)
    if components is None:
        return None

    price, _ = choose_price(
        record.get("price_brl", mapping_or_empty(record.get("pricing")).get("price")),
        record.get("price"),
        kit_type,
        rules,
        ctx,
        record=index,
        sku=sku,
    )
    source = SourceRef(file=ctx.path, record=index, original_id=record_id)
    stock = decide_quantities(record, rules, ctx, record_index=index, sku=sku, where=f"{location} (its components)")
    items = tuple(
        InventoryItem(
            sku=component.sku,
            title=description,
            description=description,
            manufacturer=brand,
            model=code,
            category=category,
            distributor=FOTUS.name,
            power_w=watts,
            source=source,
            flags=("kit_component",),
        )
        for component, (category, brand, code, watts, description) in components
    )
    kit = Kit(
        sku=sku,
        title=text_of(record.get("name")) or sku,
        distributor=FOTUS.name,
        category=kit_type,
        power_kwp=_decimal(record.get("potencia_kwp")),
        price=price,
        roof_type=text_of(record.get("estrutura")),
        location=location,
        components=tuple(component for component, _ in components),
        thumbnail=text_of(record.get("image_url")),
        source=source,
    )
    levels = tuple(
        StockLevel(sku=item.sku, location=location, stocked=stock.stocked, incoming=stock.incoming) for item in items
    )
    return ParsedKit(kit=kit, components=items, levels=levels)


_ComponentFacts = tuple[Category, str, str | None, int | None, str]


def _components(
    record: Mapping[str, object], index: int, ctx: FileContext, kit_sku: str
) -> list[tuple[KitComponent, _ComponentFacts]] | None:
    """The kit's components, one entry per SKU (quantities of a repeated SKU are added), or None
    when any component is unusable: a kit sold with a part missing is worse than no kit."""
    found: dict[str, tuple[int, _ComponentFacts]] = {}
    for array, (category, power_field, watts_per_unit) in _COMPONENT_ARRAYS.items():
        entries = record.get(array) or []
        if not isinstance(entries, list):
            ctx.issue("bad_component", f"{array!r} is not a list", "kit skipped", record=index, sku=kit_sku)
            return None
        for position, entry in enumerate(entries):
            where = f"{array}[{position}]"
            if not isinstance(entry, Mapping):
                ctx.issue("bad_component", f"{where} is not an object", "kit skipped", record=index, sku=kit_sku)
                return None
            quantity = entry.get("quantity")
            if isinstance(quantity, float) and quantity.is_integer():
                quantity = int(quantity)
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
                ctx.issue("bad_component", f"{where} quantity {shown(quantity)} is not a whole number > 0", "kit skipped", record=index, sku=kit_sku)
                return None
            if quantity > MAX_QUANTITY:
                ctx.issue("bad_component", f"{where} quantity {shown(quantity)} is above the largest quantity accepted, {MAX_QUANTITY:_}", "kit skipped", record=index, sku=kit_sku)
                return None
            brand = text_of(entry.get("brand"))
            description = text_of(entry.get("description"))
            if brand is None and description is None:
                ctx.issue("bad_component", f"{where} has neither brand nor description", "kit skipped", record=index, sku=kit_sku)
                return None
            code = model_code(description)
            power = _decimal(entry.get(power_field)) if power_field else None
            watts = int((power * watts_per_unit).to_integral_value()) if power else power_w(description)
            sku = skus.component_sku(category, code, brand or "", watts, description or "")
            facts = (category, brand or "", code, watts, description or brand or sku)
            previous = found.get(sku)
            found[sku] = ((previous[0] if previous else 0) + quantity, facts)
    if not found:
        ctx.issue("no_components", "kit lists no components", "kit skipped", record=index, sku=kit_sku)
        return None
    return [(KitComponent(sku=sku, quantity=quantity), facts) for sku, (quantity, facts) in found.items()]


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        return None
    return number if number.is_finite() and 0 < number <= MAX_POWER_W else None


FOTUS = Distributor(name="fotus", parse=parse_kits, location="Fotus")
"""Solar kits, stocked per distribution centre ("Fotus CD SUDESTE | PRONTA ENTREGA")."""
