"""Odex and Solfacil product records → normalized inventory items and stock levels."""

from __future__ import annotations

from decimal import Decimal

import pytest

from medusa_sync.config import LocationRules, Rules
from medusa_sync.feeds.distributor import location_of
from medusa_sync.feeds.products import parse_products
from medusa_sync.feeds.reader import FileContext
from medusa_sync.feeds.registry import DISTRIBUTORS
from medusa_sync.models import Category, InventoryItem, SourceRef, StockLevel, UnitOfMeasure


def _parse(records: list, path: str = "odex/odex-inverters.json", rules: Rules | None = None):
    distributor = DISTRIBUTORS[path.split("/")[0]]
    ctx = FileContext(path=path, distributor=distributor)
    parsed = list(parse_products(enumerate(records), ctx, rules or Rules()))
    return parsed, ctx.issues


def test_an_odex_record_becomes_one_normalized_item(odex_record) -> None:
    (parsed,), issues = _parse([odex_record()])
    assert issues == []
    assert parsed.item == InventoryItem(
        sku="odex_inverters_ODEX-INV-SAJ-3000W",
        title="Inversor Grid-Tie SAJ R5-3K-T2 BRL 3kW Monofásico 220V 2 MPPT",
        description="Inversor Grid-Tie SAJ R5-3K-T2 BRL 3kW Monofásico 220V 2 MPPT",
        manufacturer="SAJ",
        model=None,  # "" in the feed
        category=Category.INVERTERS,
        distributor="odex",
        price=Decimal("1599.00"),
        unit=UnitOfMeasure(kind="unit"),
        power_w=3000,
        thumbnail="/catalog/images/ODEX-INVERTERS/276954.jpg",
        requires_shipping=True,
        origin_country="BR",
        material="photovoltaic equipment",
        source=SourceRef(file="odex/odex-inverters.json", record=0, original_id="odex_inverters_ODEX-INV-SAJ-3000W"),
        flags=(),
    )
    assert str(parsed.item.price) == "1599.00"
    assert parsed.level == StockLevel(sku="odex_inverters_ODEX-INV-SAJ-3000W", location="Odex CD", stocked=100, incoming=0)


def test_a_solfacil_record_becomes_one_normalized_item(solfacil_record) -> None:
    (parsed,), issues = _parse([solfacil_record()], "solfacil/solfacil-inverters.json")
    assert issues == []
    item = parsed.item
    assert (item.sku, item.distributor, item.category, item.manufacturer, item.model) == (
        "solfacil_inverters_1",
        "solfacil",
        Category.INVERTERS,
        "GROWATT",
        None,  # Solfacil has no model field
    )
    assert (str(item.price), item.power_w) == ("3184.90", 5000)
    assert parsed.level == StockLevel(sku="solfacil_inverters_1", location="Solfacil CD", stocked=100, incoming=0)


def test_an_empty_image_is_no_thumbnail(odex_record) -> None:
    (parsed,), _ = _parse([odex_record(image="")])
    assert parsed.item.thumbnail is None


def test_a_model_field_is_kept(odex_record) -> None:
    (parsed,), _ = _parse([odex_record(model="R5-3K-T2")])
    assert parsed.item.model == "R5-3K-T2"


def test_the_price_comes_from_the_string_when_there_is_no_number(odex_record) -> None:
    (parsed,), issues = _parse([odex_record(pricing=None, price="R$ 1.347,65")])
    assert (parsed.item.price, issues) == (Decimal("1347.65"), [])


def test_an_inverter_priced_671683_is_flagged_price_suspect(odex_record) -> None:
    record = odex_record(id="odex_inverters_ODEX-INV-SUNGROW-110000W", price="R$ 671.683,00", pricing={"price": 671683.0, "currency": "BRL"})
    (parsed,), issues = _parse([record])
    assert parsed.item.price == Decimal("671683.00")
    assert parsed.item.flags == ("price_suspect",)
    assert [(i.code, i.severity, i.record, i.sku, i.action) for i in issues] == [
        ("price_suspect", "warning", 0, "odex_inverters_ODEX-INV-SUNGROW-110000W", "kept and flagged price_suspect")
    ]
    assert issues[0].reason == "price R$ 671.683,00 is above the inverters ceiling R$ 200.000,00 (thousands-separator error?)"


def test_a_thousands_error_in_the_number_uses_the_string(odex_record) -> None:
    record = odex_record(price="R$ 38.416,50", pricing={"price": 384165.0, "currency": "BRL"})
    (parsed,), issues = _parse([record])
    assert (parsed.item.price, parsed.item.flags) == (Decimal("38416.50"), ())
    assert [(i.code, i.action) for i in issues] == [("price_mismatch", "used 38416.50")]


def test_a_panel_above_its_ceiling_is_flagged(odex_record) -> None:
    record = odex_record(id="odex_panels_P", category="panels", name="Painel Solar 600W", price="R$ 51.200,00", pricing={"price": 51200.0})
    (parsed,), issues = _parse([record], "odex/odex-panels.json")
    assert parsed.item.flags == ("price_suspect",)
    assert "panels ceiling R$ 5.000,00" in issues[0].reason


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("CABO FLEX 1KV 25MM VM C/RL 2,5MT", UnitOfMeasure(kind="roll", length_m=Decimal("2.5"))),
        ("CABO SOLAR 6MM PRETO C/ 25 MT", UnitOfMeasure(kind="roll", length_m=Decimal("25"))),
        ("CABO SOLAR 4MM VERMELHO C/ 100 M", UnitOfMeasure(kind="roll", length_m=Decimal("100"))),
        ("CABO SOLAR 4,0MM2 PRETO POR METRO (PROTECAO UV 1,8KVCC)", UnitOfMeasure(kind="metre")),
    ],
)
def test_cables_are_sold_by_the_metre_or_by_the_roll(solfacil_record, name: str, unit: UnitOfMeasure) -> None:
    record = solfacil_record(id="solfacil_cables_1", category="cables", name=name, description=name, price="R$ 21,83", pricing={"price": 21.83})
    (parsed,), issues = _parse([record], "solfacil/solfacil-cables.json")
    assert parsed.item.unit == unit
    assert parsed.item.power_w is None  # "1,8KVCC" is a voltage
    assert issues == []


def test_a_cable_length_in_the_description_is_used(solfacil_record) -> None:
    record = solfacil_record(id="solfacil_cables_1", category="cables", name="CABO SOLAR 6MM PRETO", description="CABO SOLAR 6MM PRETO C/ 50M")
    (parsed,), _ = _parse([record], "solfacil/solfacil-cables.json")
    assert parsed.item.unit == UnitOfMeasure(kind="roll", length_m=Decimal("50"))


def test_a_cable_without_a_length_is_reported(solfacil_record) -> None:
    record = solfacil_record(id="solfacil_cables_9", category="cables", name="CABO SOLAR 6MM PRETO", description="CABO SOLAR 6MM PRETO")
    (parsed,), issues = _parse([record], "solfacil/solfacil-cables.json")
    assert parsed.item.unit == UnitOfMeasure(kind="unit")
    assert [(i.code, i.severity, i.sku, i.action) for i in issues] == [("unit_unknown", "warning", "solfacil_cables_9", "sold per unit")]


def test_a_length_outside_cables_is_still_the_selling_unit(solfacil_record) -> None:
    record = solfacil_record(id="solfacil_accessories_1", category="accessories", name="FITA ISOLANTE C/ 20 M", description=None)
    (parsed,), issues = _parse([record], "solfacil/solfacil-accessories.json")
    assert parsed.item.unit.label == "roll 20 m"
    assert issues == []


def test_a_record_without_name_or_description_is_titled_by_its_sku(odex_record) -> None:
    (parsed,), issues = _parse([odex_record(name=None, description="")])
    assert parsed.item.title == "odex_inverters_ODEX-INV-SAJ-3000W"
    assert [(i.code, i.severity, i.action) for i in issues] == [("missing_title", "warning", "title set to the SKU")]


def test_the_description_titles_a_record_without_a_name(odex_record) -> None:
    (parsed,), _ = _parse([odex_record(name="  ", description="Inversor SAJ 3kW")])
    assert (parsed.item.title, parsed.item.power_w) == ("Inversor SAJ 3kW", 3000)


def test_wrong_odex_prefixes_are_warned_for_every_category(odex_record) -> None:
    records = [
        odex_record(id="odex_inverters_ODEX-PAINEL-ODEX-585W", category="panels", name="Painel Solar Odex 585W"),
        odex_record(id="odex_inverters_ODEX-ESTRUTURA-1", category="structures", name="Estrutura Telhado Cerâmico"),
        odex_record(id="odex_inverters_ODEX-SB-1", category="stringboxes", name="String Box 2E/2S 1000V"),
        odex_record(id="odex_inverters_ODEX-INV-2", category="inverters"),
    ]
    parsed, issues = _parse(records)
    assert [p.item.sku for p in parsed] == [
        "odex_panels_ODEX-PAINEL-ODEX-585W",
        "odex_structures_ODEX-ESTRUTURA-1",
        "odex_stringboxes_ODEX-SB-1",
        "odex_inverters_ODEX-INV-2",
    ]
    assert [(i.code, i.record, i.reason) for i in issues] == [
        ("id_prefix_mismatch", 0, "id prefix says 'inverters' but the record is 'panels'"),
        ("id_prefix_mismatch", 1, "id prefix says 'inverters' but the record is 'structures'"),
        ("id_prefix_mismatch", 2, "id prefix says 'inverters' but the record is 'stringboxes'"),
    ]


@pytest.mark.parametrize(
    ("fields", "stocked", "incoming"),
    [
        ({"availability": "disponivel"}, 100, 0),
        ({"availability": "indisponivel"}, 0, 0),
        ({"availability": "sob encomenda"}, 0, 20),
        ({"availability": None}, 100, 0),
        ({"availability": "indisponivel", "estoque": 12}, 12, 0),
        ({"estoque": "7"}, 7, 0),
    ],
)
def test_levels_follow_the_availability_rules(odex_record, fields: dict, stocked: int, incoming: int) -> None:
    (parsed,), issues = _parse([odex_record(**fields)])
    assert (parsed.level.stocked, parsed.level.incoming) == (stocked, incoming)
    assert issues == []


def test_location_names_are_configurable(odex_record, solfacil_record) -> None:
    rules = Rules(locations=LocationRules(odex="Odex Curitiba", solfacil="Solfacil SP"))
    assert location_of(DISTRIBUTORS["odex"], rules) == "Odex Curitiba"
    assert location_of(DISTRIBUTORS["solfacil"], rules) == "Solfacil SP"
    (odex,), _ = _parse([odex_record()], rules=rules)
    (solfacil,), _ = _parse([solfacil_record()], "solfacil/solfacil-inverters.json", rules)
    assert (odex.level.location, solfacil.level.location) == ("Odex Curitiba", "Solfacil SP")


def test_extra_category_aliases_come_from_the_rules(odex_record) -> None:
    rules = Rules(categories={"microinversores": Category.INVERTERS})
    (parsed,), issues = _parse([odex_record(category="Microinversores")], "odex/odex-misc.json", rules)
    assert (parsed.item.category, issues) == (Category.INVERTERS, [])


def test_fields_of_the_wrong_json_type_are_ignored_not_fatal(odex_record) -> None:
    record = odex_record(name=["Inversor"], manufacturer={"name": "SAJ"}, image=["/x.jpg"], model=False, description="Inversor SAJ 3kW")
    (parsed,), issues = _parse([record])
    item = parsed.item
    assert (item.title, item.manufacturer, item.thumbnail, item.model) == ("Inversor SAJ 3kW", None, None, None)
    assert issues == []


def test_words_in_the_price_column_alone_are_a_bad_price_not_a_shift(solfacil_record) -> None:
    record = solfacil_record(name="INVERSOR GOODWE 3KW", price="Preço sob consulta")
    record.pop("pricing", None)
    parsed, issues = _parse([record], path="solfacil/solfacil-inverters.json")
    assert parsed[0].item.title == "INVERSOR GOODWE 3KW"
    assert parsed[0].item.flags == ()
    assert [(i.code, i.action) for i in issues] == [("bad_price", "price left empty")]
