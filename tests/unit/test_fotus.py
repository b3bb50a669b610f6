"""Fotus kits: kits, their shared component items, distribution centres and component stock."""

from __future__ import annotations

from decimal import Decimal

import pytest

from medusa_sync.config import LocationRules, Rules
from medusa_sync.feeds.fotus import location_for_centre
from medusa_sync.models import Category, InventoryItem, Kit, KitComponent, SourceRef, StockLevel

DEYE = {
    "brand": "DEYE",
    "power_kw": 2.25,
    "quantity": 1,
    "description": "MICROINVERSOR DEYE 2.25KW (SUN-M225G4-EU-Q0-I) MONOFÁSICO 220V (4 MLPE)",
}
TSUNESS = {
    "brand": "TSUNESS",
    "power_kw": 2.25,
    "quantity": 1,
    "description": "MICROINVERSOR TSUNESS 2.25KW (TSOL-MX2250) MONOFÁSICO 220V (4 MLPE)",
}


def _panel(brand: str, watts: int, description: str, quantity: int = 2) -> dict:
    return {"brand": brand, "power_w": watts, "quantity": quantity, "description": description}


@pytest.fixture
def snapshot_kits(feeds, fotus_kit):
    """The four kits of the October 2025 snapshot, in its two files."""
    kp04 = fotus_kit()
    kp02 = fotus_kit(
        id="FOTUS-KP02-kits",
        name="KP02 - SOLAR N PLUS 600W N-TYPE BF DG - MICROINVERSOR TSUNESS2250W",
        potencia_kwp=1.2,
        price_brl=2679.49,
        price="R$ 2.679,49",
        pricing={"price": 2679.49, "currency": "BRL"},
        centro_distribuicao="CD SUDESTE| PRONTA ENTREGA",
        panels=[_panel("SOLAR N PLUS", 600, "SOLAR N PLUS | 600W N-TYPE BIFACIAL DG (21,9% EF.) | 78 CELLS | FRAME DE FIBRA DE VIDRO")],
        inverters=[TSUNESS],
        image_url="/images/FOTUS-KITS/FOTUS-KP02-kits.jpg",
    )
    kp03 = fotus_kit(
        id="FOTUS-KP03-kits",
        name="KP03 - TRINA | TIER 1 | 710W N-TYPE BIFACIAL - MICROINVERSOR DEYE 2.25KW",
        potencia_kwp=1.42,
        price_brl=2896.41,
        price="R$ 2.896,41",
        pricing={"price": 2896.41, "currency": "BRL"},
        estrutura="Mini Trilho",
        centro_distribuicao="CD SUDESTE | PRONTA ENTREGA",
        panels=[_panel("TRINA", 710, "TRINA | TIER 1 | 710W N-TYPE BIFACIAL")],
        inverters=[DEYE],
        image_url="/images/FOTUS-KITS/FOTUS-KP03-kits.jpg",
    )
    hybrid = fotus_kit(
        id="FOTUS-KP04-kits-hibridos",
        name="KP04 - ASTRONERGY | TIER 1 | 600W N-TYPE BIFACIAL (22,2% EF.) - MICROINVERSOR TSUNESS2250W",
        type="kits-hibridos",
        potencia_kwp=1.2,
        price_brl=2706.07,
        price="R$ 2.706,07",
        pricing={"price": 2706.07, "currency": "BRL"},
        panels=[_panel("ASTRONERGY", 600, "ASTRONERGY | TIER 1 | 600W N-TYPE BIFACIAL (22,2% EF.)")],
        inverters=[TSUNESS],
        image_url="/images/FOTUS-KITS-HIBRIDOS/FOTUS-KP04-kits-hibridos.jpg",
    )
    feeds.write("fotus/fotus-kits.json", [kp04, kp02, kp03])
    feeds.write("fotus/fotus-kits-hibridos.json", [hybrid])
    return feeds


def test_four_kits_share_six_components(snapshot_kits) -> None:
    catalog = snapshot_kits.load()
    assert [kit.sku for kit in catalog.kits] == ["fotus_kits-hibridos_KP04", "fotus_kits_KP02", "fotus_kits_KP03", "fotus_kits_KP04"]
    assert [item.sku for item in catalog.items] == [
        "fotus_inverters_SUN-M225G4-EU-Q0-I",
        "fotus_inverters_TSOL-MX2250",
        "fotus_panels_ASTRONERGY-600W",
        "fotus_panels_SOLAR-N-PLUS-570W",
        "fotus_panels_SOLAR-N-PLUS-600W",
        "fotus_panels_TRINA-710W",
    ]
    users: dict[str, list[str]] = {}
    for kit in catalog.kits:
        for component in kit.components:
            users.setdefault(component.sku, []).append(kit.sku)
    assert users == {
        "fotus_inverters_SUN-M225G4-EU-Q0-I": ["fotus_kits_KP03", "fotus_kits_KP04"],
        "fotus_inverters_TSOL-MX2250": ["fotus_kits-hibridos_KP04", "fotus_kits_KP02"],
        "fotus_panels_ASTRONERGY-600W": ["fotus_kits-hibridos_KP04"],
        "fotus_panels_SOLAR-N-PLUS-570W": ["fotus_kits_KP04"],
        "fotus_panels_SOLAR-N-PLUS-600W": ["fotus_kits_KP02"],
        "fotus_panels_TRINA-710W": ["fotus_kits_KP03"],
    }
    # sharing is not a duplicate: the only issue is the respelled centre
    assert [(i.code, i.file, i.record) for i in catalog.issues] == [("centre_respelled", "fotus/fotus-kits.json", 1)]


def test_a_kit_is_fully_normalized(snapshot_kits) -> None:
    kits = {kit.sku: kit for kit in snapshot_kits.load().kits}
    assert kits["fotus_kits_KP04"] == Kit(
        sku="fotus_kits_KP04",
        title="KP04 - SOLAR N PLUS | 570W N-TYPE BIFACIAL DG (22,1% EF.) | FRAME DE FIBRA DE VIDRO - MICROINVERSOR DEYE 2.25KW",
        distributor="fotus",
        category=Category.KITS,
        power_kwp=Decimal("1.14"),
        price=Decimal("2507.99"),
        roof_type="Cerâmico",
        location="Fotus CD ESPÍRITO SANTO",
        components=(
            KitComponent(sku="fotus_panels_SOLAR-N-PLUS-570W", quantity=2),
            KitComponent(sku="fotus_inverters_SUN-M225G4-EU-Q0-I", quantity=1),
        ),
        thumbnail="/images/FOTUS-KITS/FOTUS-KP04-kits.jpg",
        source=SourceRef(file="fotus/fotus-kits.json", record=0, original_id="FOTUS-KP04-kits"),
    )
    hybrid = kits["fotus_kits-hibridos_KP04"]
    assert (hybrid.category, hybrid.price, hybrid.power_kwp, hybrid.roof_type) == (
        Category.HYBRID_KITS,
        Decimal("2706.07"),
        Decimal("1.2"),
        "Cerâmico",
    )
    assert kits["fotus_kits_KP03"].roof_type == "Mini Trilho"


def test_a_shared_component_is_one_item_defined_by_its_first_kit(snapshot_kits) -> None:
    items = {item.sku: item for item in snapshot_kits.load().items}
    assert items["fotus_inverters_SUN-M225G4-EU-Q0-I"] == InventoryItem(
        sku="fotus_inverters_SUN-M225G4-EU-Q0-I",
        title="MICROINVERSOR DEYE 2.25KW (SUN-M225G4-EU-Q0-I) MONOFÁSICO 220V (4 MLPE)",
        description="MICROINVERSOR DEYE 2.25KW (SUN-M225G4-EU-Q0-I) MONOFÁSICO 220V (4 MLPE)",
        manufacturer="DEYE",
        model="SUN-M225G4-EU-Q0-I",
        category=Category.INVERTERS,
        distributor="fotus",
        power_w=2250,  # power_kw 2.25
        source=SourceRef(file="fotus/fotus-kits.json", record=0, original_id="FOTUS-KP04-kits"),
        flags=("kit_component",),
    )
    # files are read in path order: fotus-kits-hibridos.json before fotus-kits.json
    assert items["fotus_inverters_TSOL-MX2250"].source == SourceRef(
        file="fotus/fotus-kits-hibridos.json", record=0, original_id="FOTUS-KP04-kits-hibridos"
    )
    assert (items["fotus_panels_TRINA-710W"].power_w, items["fotus_panels_TRINA-710W"].model) == (710, None)


def test_spacing_variants_of_a_centre_are_one_location(snapshot_kits) -> None:
    catalog = snapshot_kits.load()
    assert catalog.locations == ("Fotus CD ESPÍRITO SANTO", "Fotus CD SUDESTE | PRONTA ENTREGA")
    assert {kit.sku: kit.location for kit in catalog.kits} == {
        "fotus_kits-hibridos_KP04": "Fotus CD ESPÍRITO SANTO",
        "fotus_kits_KP02": "Fotus CD SUDESTE | PRONTA ENTREGA",  # "CD SUDESTE| PRONTA ENTREGA"
        "fotus_kits_KP03": "Fotus CD SUDESTE | PRONTA ENTREGA",  # "CD SUDESTE | PRONTA ENTREGA"
        "fotus_kits_KP04": "Fotus CD ESPÍRITO SANTO",
    }
    (issue,) = catalog.issues
    assert (issue.code, issue.severity, issue.sku, issue.reason, issue.action) == (
        "centre_respelled",
        "warning",
        "fotus_kits_KP02",
        "distribution centre 'CD SUDESTE| PRONTA ENTREGA' is irregularly spaced",
        "normalized to 'CD SUDESTE | PRONTA ENTREGA' (location 'Fotus CD SUDESTE | PRONTA ENTREGA')",
    )


def test_components_are_stocked_at_each_kits_centre(snapshot_kits) -> None:
    assert snapshot_kits.load().levels == (
        StockLevel(sku="fotus_inverters_SUN-M225G4-EU-Q0-I", location="Fotus CD ESPÍRITO SANTO", stocked=100),
        StockLevel(sku="fotus_inverters_SUN-M225G4-EU-Q0-I", location="Fotus CD SUDESTE | PRONTA ENTREGA", stocked=100),
        StockLevel(sku="fotus_inverters_TSOL-MX2250", location="Fotus CD ESPÍRITO SANTO", stocked=100),
        StockLevel(sku="fotus_inverters_TSOL-MX2250", location="Fotus CD SUDESTE | PRONTA ENTREGA", stocked=100),
        StockLevel(sku="fotus_panels_ASTRONERGY-600W", location="Fotus CD ESPÍRITO SANTO", stocked=100),
        StockLevel(sku="fotus_panels_SOLAR-N-PLUS-570W", location="Fotus CD ESPÍRITO SANTO", stocked=100),
        StockLevel(sku="fotus_panels_SOLAR-N-PLUS-600W", location="Fotus CD SUDESTE | PRONTA ENTREGA", stocked=100),
        StockLevel(sku="fotus_panels_TRINA-710W", location="Fotus CD SUDESTE | PRONTA ENTREGA", stocked=100),
    )


@pytest.mark.parametrize(
    ("raw", "location"),
    [
        ("CD SUDESTE| PRONTA ENTREGA", "Fotus CD SUDESTE | PRONTA ENTREGA"),
        ("CD SUDESTE | PRONTA ENTREGA", "Fotus CD SUDESTE | PRONTA ENTREGA"),
        ("CD SUDESTE |PRONTA ENTREGA", "Fotus CD SUDESTE | PRONTA ENTREGA"),
        ("  CD  SUDESTE  |  PRONTA  ENTREGA ", "Fotus CD SUDESTE | PRONTA ENTREGA"),
        ("CD ESPÍRITO SANTO", "Fotus CD ESPÍRITO SANTO"),
        (None, "Fotus"),
        ("", "Fotus"),
    ],
)
def test_location_for_centre(raw: str | None, location: str) -> None:
    assert location_for_centre(raw, Rules()) == location


def test_configured_centre_names_match_ignoring_spacing_case_and_accents() -> None:
    rules = Rules(
        locations=LocationRules(
            fotus_prefix="Fotus -",
            fotus={"cd sudeste | pronta entrega": "Fotus Sudeste (Serra/ES)", "CD ESPIRITO SANTO": "Fotus Espírito Santo"},
        )
    )
    assert location_for_centre("CD SUDESTE| PRONTA ENTREGA", rules) == "Fotus Sudeste (Serra/ES)"
    assert location_for_centre("CD SUDESTE | PRONTA ENTREGA", rules) == "Fotus Sudeste (Serra/ES)"
    assert location_for_centre("CD ESPÍRITO SANTO", rules) == "Fotus Espírito Santo"
    assert location_for_centre("CD NORDESTE", rules) == "Fotus - CD NORDESTE"


def test_a_kit_without_a_centre_is_stocked_under_the_prefix(feeds, fotus_kit) -> None:
    feeds.write("fotus/fotus-kits.json", [fotus_kit(centro_distribuicao=None)])
    catalog = feeds.load()
    assert catalog.kits[0].location == "Fotus"
    assert [(i.code, i.severity, i.action) for i in catalog.issues] == [("missing_centre", "warning", "stocked at 'Fotus'")]


@pytest.mark.parametrize("quantity", [0, -1, "2", 1.5, True, None, [2]])
def test_an_invalid_component_quantity_skips_the_kit(feeds, fotus_kit, quantity) -> None:
    broken_inverter = dict(TSUNESS, quantity=quantity)
    feeds.write(
        "fotus/fotus-kits.json",
        [
            fotus_kit(id="FOTUS-KP02-kits", inverters=[broken_inverter], panels=[_panel("TRINA", 710, "TRINA 710W")]),
            fotus_kit(),
        ],
    )
    catalog = feeds.load()
    assert [(i.code, i.file, i.record, i.sku, i.severity, i.reason, i.action) for i in catalog.issues] == [
        (
            "bad_component",
            "fotus/fotus-kits.json",
            0,
            "fotus_kits_KP02",
            "error",
            f"inverters[0] quantity {quantity!r} is not a whole number > 0",
            "kit skipped",
        )
    ]
    assert [kit.sku for kit in catalog.kits] == ["fotus_kits_KP04"]
    # nothing of the skipped kit is left behind: no component item, no level
    assert [item.sku for item in catalog.items] == ["fotus_inverters_SUN-M225G4-EU-Q0-I", "fotus_panels_SOLAR-N-PLUS-570W"]
    assert {level.sku for level in catalog.levels} == {"fotus_inverters_SUN-M225G4-EU-Q0-I", "fotus_panels_SOLAR-N-PLUS-570W"}


def test_a_whole_float_quantity_is_accepted(feeds, fotus_kit) -> None:
    feeds.write("fotus/fotus-kits.json", [fotus_kit(inverters=[dict(DEYE, quantity=2.0)])])
    catalog = feeds.load()
    assert catalog.kits[0].components[1] == KitComponent(sku="fotus_inverters_SUN-M225G4-EU-Q0-I", quantity=2)
    assert catalog.issues == ()


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"inverters": {"brand": "DEYE"}}, "'inverters' is not a list"),
        ({"inverters": ["DEYE"]}, "inverters[0] is not an object"),
        ({"inverters": [{"quantity": 1, "power_kw": 2.25}]}, "inverters[0] has neither brand nor description"),
    ],
)
def test_other_broken_components_skip_the_kit(feeds, fotus_kit, fields: dict, reason: str) -> None:
    feeds.write("fotus/fotus-kits.json", [fotus_kit(**fields)])
    catalog = feeds.load()
    assert [(i.code, i.record, i.reason, i.action) for i in catalog.issues] == [("bad_component", 0, reason, "kit skipped")]
    assert catalog.kits == () and catalog.items == ()


def test_a_kit_without_components_is_skipped(feeds, fotus_kit) -> None:
    feeds.write("fotus/fotus-kits.json", [fotus_kit(panels=[], inverters=None)])
    catalog = feeds.load()
    assert [(i.code, i.sku, i.reason, i.action) for i in catalog.issues] == [
        ("no_components", "fotus_kits_KP04", "kit lists no components", "kit skipped")
    ]
    assert catalog.kits == ()


def test_a_battery_power_kw_is_its_capacity_not_a_power(feeds, fotus_kit) -> None:
    hybrid = fotus_kit(
        id="FOTUS-KH01-kits-hibridos",
        type="kits-hibridos",
        inverters=[{"brand": "DEYE", "power_kw": 5, "quantity": 1, "description": "INVERSOR HÍBRIDO DEYE 5KW (SUN-5K-SG04LP1-EU) MONOFÁSICO 220V 48V"}],
        batteries=[
            {"brand": "DEYE", "power_kw": 5.12, "quantity": 1, "description": "BATERIA DEYE 5.12KWH (SE-G5.1PRO-B) LÍTIO 51.2V"},
            {"brand": "PYLONTECH", "power_kw": 3.55, "quantity": 2, "description": "BATERIA PYLONTECH 3.55KWH"},
        ],
    )
    feeds.write("fotus/fotus-kits-hibridos.json", [hybrid])
    catalog = feeds.load()
    items = {item.sku: item for item in catalog.items}
    assert items["fotus_batteries_SE-G5.1PRO-B"].power_w is None
    assert items["fotus_batteries_SE-G5.1PRO-B"].category is Category.BATTERIES
    # without a code, brand + description: not "PYLONTECH-3550W"
    assert items["fotus_batteries_PYLONTECH-BATERIA-PYLONTECH-3-55KWH"].power_w is None
    assert items["fotus_inverters_SUN-5K-SG04LP1-EU"].power_w == 5000
    assert [(c.sku, c.quantity) for c in catalog.kits[0].components] == [
        ("fotus_panels_SOLAR-N-PLUS-570W", 2),
        ("fotus_inverters_SUN-5K-SG04LP1-EU", 1),
        ("fotus_batteries_SE-G5.1PRO-B", 1),
        ("fotus_batteries_PYLONTECH-BATERIA-PYLONTECH-3-55KWH", 2),
    ]


def test_a_component_without_a_power_field_takes_it_from_the_description(feeds, fotus_kit) -> None:
    feeds.write("fotus/fotus-kits.json", [fotus_kit(panels=[{"brand": "JINKO", "quantity": 4, "description": "JINKO | TIER 1 | 620W TIGER NEO"}])])
    items = {item.sku: item for item in feeds.load().items}
    assert items["fotus_panels_JINKO-620W"].power_w == 620


def test_a_component_repeated_in_one_kit_adds_its_quantities(feeds, fotus_kit) -> None:
    panel = _panel("SOLAR N PLUS", 570, "SOLAR N PLUS | 570W", quantity=2)
    feeds.write("fotus/fotus-kits.json", [fotus_kit(panels=[panel, dict(panel, quantity=3)])])
    catalog = feeds.load()
    assert catalog.kits[0].components == (
        KitComponent(sku="fotus_panels_SOLAR-N-PLUS-570W", quantity=5),
        KitComponent(sku="fotus_inverters_SUN-M225G4-EU-Q0-I", quantity=1),
    )
    assert catalog.issues == ()


def test_a_duplicate_kit_is_reported_and_the_first_kept(feeds, fotus_kit) -> None:
    feeds.write("fotus/fotus-kits.json", [fotus_kit(), fotus_kit(name="KP04 again", price_brl=1999.0, price="R$ 1.999,00")])
    catalog = feeds.load()
    assert [(i.code, i.record, i.sku, i.reason, i.action) for i in catalog.issues] == [
        ("duplicate_sku", 1, "fotus_kits_KP04", "SKU already defined by fotus/fotus-kits.json record 0", "kit skipped; the first definition is kept")
    ]
    assert [(kit.sku, kit.price) for kit in catalog.kits] == [("fotus_kits_KP04", Decimal("2507.99"))]


def test_an_unknown_kit_type_falls_back_to_the_file(feeds, fotus_kit) -> None:
    feeds.write("fotus/fotus-kits-hibridos.json", [fotus_kit(id="FOTUS-KH09-kits-hibridos", type="combo")])
    catalog = feeds.load()
    assert [kit.sku for kit in catalog.kits] == ["fotus_kits-hibridos_KH09"]
    assert [(i.code, i.severity, i.reason, i.action) for i in catalog.issues] == [
        ("unknown_category", "warning", "kit type 'combo' is not known", "used 'kits-hibridos'")
    ]


def test_kit_availability_sets_its_components_stock(feeds, fotus_kit) -> None:
    feeds.write(
        "fotus/fotus-kits.json",
        [
            fotus_kit(availability="indisponivel"),
            fotus_kit(id="FOTUS-KP09-kits", availability="talvez", panels=[_panel("TRINA", 710, "TRINA 710W")], inverters=[]),
            fotus_kit(id="FOTUS-KP10-kits", estoque=3, panels=[_panel("JINKO", 620, "JINKO 620W")], inverters=[]),
        ],
    )
    catalog = feeds.load()
    assert [(l.sku, l.stocked) for l in catalog.levels] == [
        ("fotus_inverters_SUN-M225G4-EU-Q0-I", 0),
        ("fotus_panels_JINKO-620W", 3),
        ("fotus_panels_SOLAR-N-PLUS-570W", 0),
        ("fotus_panels_TRINA-710W", 0),
    ]
    assert [(i.code, i.record, i.sku, i.reason, i.action) for i in catalog.issues] == [
        ("unknown_availability", 1, "fotus_kits_KP09", "no availability rule matches 'talvez'", "stocked 0 at Fotus CD ESPÍRITO SANTO (its components)")
    ]


def test_a_kit_price_disagreement_is_reported(feeds, fotus_kit) -> None:
    feeds.write("fotus/fotus-kits.json", [fotus_kit(price_brl=2599.99)])
    catalog = feeds.load()
    assert catalog.kits[0].price == Decimal("2599.99")
    assert [(i.code, i.sku, i.reason, i.action) for i in catalog.issues] == [
        ("price_mismatch", "fotus_kits_KP04", "numeric price 2599.99 and text price 2507.99 disagree", "used 2599.99")
    ]


def test_a_kit_price_thousands_error_uses_the_string(feeds, fotus_kit) -> None:
    feeds.write("fotus/fotus-kits.json", [fotus_kit(price_brl=2507990.0)])
    catalog = feeds.load()
    assert catalog.kits[0].price == Decimal("2507.99")
    assert [(i.code, i.action) for i in catalog.issues] == [("price_mismatch", "used 2507.99")]


@pytest.mark.parametrize(
    ("array", "entry"),
    [
        ("inverters", dict(DEYE, power_kw="1e999999")),  # would overflow Decimal's context when made watts
        ("inverters", dict(DEYE, power_kw="1" * 5000)),
        ("panels", _panel("TRINA", 0, "TRINA | TIER 1 | 710W N-TYPE BIFACIAL") | {"power_w": "1e5000"}),  # a 5001-digit int in the SKU
    ],
)
def test_an_absurd_component_power_is_ignored_not_fatal(feeds, fotus_kit, array: str, entry: dict) -> None:
    feeds.write("fotus/fotus-kits.json", [fotus_kit(**{array: [entry]})])
    catalog = feeds.load()
    assert [kit.sku for kit in catalog.kits] == ["fotus_kits_KP04"]
    items = {item.sku: item for item in catalog.items}
    if array == "inverters":  # the code names it; the power comes from the description instead
        assert items["fotus_inverters_SUN-M225G4-EU-Q0-I"].power_w == 2250
    else:
        assert items["fotus_panels_TRINA-710W"].power_w == 710
