"""A new distributor is one module and one registry line: proven with a fake one, "Voltix",
whose feed has its own shape, registered here without editing any other module."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

import pytest

from medusa_sync.config import LocationRules, Rules, load_rules
from medusa_sync.errors import ConfigError
from medusa_sync.feeds import load_catalog
from medusa_sync.feeds.distributor import Distributor, ParsedProduct, location_of
from medusa_sync.feeds.fields import choose_price, decide_quantities, identified, resolve_category, text_of
from medusa_sync.feeds.reader import FileContext
from medusa_sync.feeds.registry import DISTRIBUTORS
from medusa_sync.models import Category, InventoryItem, SourceRef, StockLevel
from medusa_sync.normalize.sku import item_sku

# --- the module a developer would write: medusa_sync/feeds/voltix.py ------------------------------


def parse_voltix(records: Iterable[tuple[int, object]], ctx: FileContext, rules: Rules) -> Iterator[ParsedProduct]:
    """Voltix lists {"codigo", "tipo", "descricao", "preco", "estoque"}."""
    for index, record in records:
        found = identified(record, index, ctx, "record")
        if found is None:
            continue
        record, _ = found
        code = text_of(record.get("codigo")) or str(record["id"])
        category = resolve_category(text_of(record.get("tipo")), rules, ctx)
        if category is None:
            ctx.issue("unknown_category", f"category {record.get('tipo')!r} is not known", "record skipped", record=index)
            continue
        sku = item_sku(ctx.distributor.name, category, code)
        price, suspect = choose_price(record.get("preco"), None, category, rules, ctx, record=index, sku=sku)
        location = location_of(ctx.distributor, rules)
        stock = decide_quantities(record, rules, ctx, record_index=index, sku=sku, where=location)
        item = InventoryItem(
            sku=sku,
            title=text_of(record.get("descricao")) or sku,
            category=category,
            distributor=ctx.distributor.name,
            price=price,
            source=SourceRef(file=ctx.path, record=index, original_id=code),
            flags=("price_suspect",) if suspect else (),
        )
        yield ParsedProduct(item=item, level=StockLevel(sku=sku, location=location, stocked=stock.stocked, incoming=stock.incoming))


VOLTIX = Distributor(
    name="voltix",
    parse=parse_voltix,
    location="Voltix Recife",
    categories={"microinversor": Category.INVERTERS, "placa": Category.PANELS},
)

# --- the registry line ----------------------------------------------------------------------------


@pytest.fixture
def voltix(monkeypatch) -> Distributor:
    monkeypatch.setitem(DISTRIBUTORS, VOLTIX.name, VOLTIX)
    return VOLTIX


VOLTIX_FEED = [
    {"id": 1, "codigo": "VX-MI-2000", "tipo": "Microinversor", "descricao": "Microinversor Voltix 2kW", "preco": 1890.5, "estoque": 12},
    {"id": 2, "codigo": "VX-PL-610", "tipo": "placa", "descricao": "Placa Voltix 610W", "preco": 699, "estoque": 0},
    {"id": 3, "codigo": "VX-GD-1", "tipo": "gadget", "descricao": "?", "preco": 1, "estoque": 1},
    {"id": 4, "codigo": "VX-CB-6", "tipo": "cabos", "descricao": "Cabo solar 6mm", "preco": 9.9, "estoque": 10**12},
]


def test_a_registered_distributor_is_read_normalized_stocked_and_cataloged(feeds, voltix, odex_record) -> None:
    feeds.write("voltix/voltix-catalogo.json", VOLTIX_FEED)
    feeds.write("odex/odex-inverters.json", [odex_record()])
    catalog = feeds.load()

    assert [(f.path, f.distributor, f.records, f.complete) for f in catalog.files] == [
        ("odex/odex-inverters.json", "odex", 1, True),
        ("voltix/voltix-catalogo.json", "voltix", 4, True),
    ]
    assert [(item.sku, item.distributor, item.category, item.title, item.price) for item in catalog.items] == [
        ("odex_inverters_ODEX-INV-SAJ-3000W", "odex", Category.INVERTERS, "Inversor Grid-Tie SAJ R5-3K-T2 BRL 3kW Monofásico 220V 2 MPPT", Decimal("1599.00")),
        ("voltix_cables_VX-CB-6", "voltix", Category.CABLES, "Cabo solar 6mm", Decimal("9.90")),
        ("voltix_inverters_VX-MI-2000", "voltix", Category.INVERTERS, "Microinversor Voltix 2kW", Decimal("1890.50")),
        ("voltix_panels_VX-PL-610", "voltix", Category.PANELS, "Placa Voltix 610W", Decimal("699.00")),
    ]
    assert [(level.sku, level.location, level.stocked) for level in catalog.levels] == [
        ("odex_inverters_ODEX-INV-SAJ-3000W", "Odex CD", 100),
        ("voltix_cables_VX-CB-6", "Voltix Recife", 0),
        ("voltix_inverters_VX-MI-2000", "Voltix Recife", 12),
        ("voltix_panels_VX-PL-610", "Voltix Recife", 0),
    ]
    assert catalog.locations == ("Odex CD", "Voltix Recife")
    assert [(i.file, i.record, i.sku, i.code, i.action) for i in catalog.issues] == [
        ("voltix/voltix-catalogo.json", 2, None, "unknown_category", "record skipped"),
        ("voltix/voltix-catalogo.json", 3, "voltix_cables_VX-CB-6", "bad_quantity", "stocked 0 at Voltix Recife"),
    ]


def test_the_rules_rename_its_location_and_its_availability_rules_apply(feeds, voltix) -> None:
    rules = Rules.model_validate(
        {
            "locations": {"voltix": "Voltix PE"},
            "stock": {"quantity_fields": [], "availability": [{"match": "", "distributor": "voltix", "stocked": 3}]},
        }
    )
    feeds.write("voltix/voltix-catalogo.json", VOLTIX_FEED[:1])
    catalog = load_catalog(feeds.root, rules)
    assert [(level.sku, level.location, level.stocked) for level in catalog.levels] == [("voltix_inverters_VX-MI-2000", "Voltix PE", 3)]
    assert location_of(voltix, Rules()) == "Voltix Recife"


def test_its_category_words_are_its_own(feeds, voltix, odex_record) -> None:
    feeds.write("odex/odex-misc.json", [odex_record(category="placa")])  # Odex never said "placa"
    catalog = feeds.load()
    assert [(i.code, i.action) for i in catalog.issues] == [("unknown_category", "record skipped")]


def test_rules_naming_an_unregistered_distributor_are_refused(tmp_path) -> None:
    path = tmp_path / "medusa-sync.toml"
    path.write_text('[locations]\nvoltix = "Voltix PE"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown distributor 'voltix' \\(known: odex, solfacil, fotus\\)"):
        load_rules(path)
    assert LocationRules(odex="Odex Curitiba").renamed("odex") == "Odex Curitiba"
