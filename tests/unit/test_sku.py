"""The SKU rule: stable across a distributor fixing its prefix, deterministic, unique."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medusa_sync.models import Category
from medusa_sync.normalize.sku import component_sku, id_prefix_category, item_sku, kit_sku, own_code


def test_the_documented_example_comes_out_unchanged() -> None:
    assert item_sku("odex", Category.INVERTERS, "odex_inverters_ODEX-INV-SAJ-3000W") == "odex_inverters_ODEX-INV-SAJ-3000W"


@pytest.mark.parametrize(
    "record_id",
    [
        "odex_inverters_ODEX-PAINEL-X",  # Odex's wrong prefix, as in every Odex feed
        "odex_panels_ODEX-PAINEL-X",  # ... and once Odex fixes it
        "ODEX_INVERTERS_ODEX-PAINEL-X",
        "ODEX-PAINEL-X",  # no prefix at all
        "  odex_inverters_ODEX-PAINEL-X  ",
    ],
)
def test_an_odex_panel_sku_takes_the_category_from_the_record(record_id: str) -> None:
    assert item_sku("odex", Category.PANELS, record_id) == "odex_panels_ODEX-PAINEL-X"


@pytest.mark.parametrize(
    ("category", "record_id", "sku"),
    [
        (Category.PANELS, "solfacil_panels_1", "solfacil_panels_1"),
        (Category.INVERTERS, "solfacil_inverters_83", "solfacil_inverters_83"),
        (Category.CABLES, "solfacil_cables_12", "solfacil_cables_12"),
        (Category.PANELS, "solfacil_cables_7", "solfacil_panels_7"),  # a wrong prefix, same rule as Odex
    ],
)
def test_solfacil_ids(category: Category, record_id: str, sku: str) -> None:
    assert item_sku("solfacil", category, record_id) == sku


def test_another_distributors_prefix_is_part_of_the_code() -> None:
    assert item_sku("solfacil", Category.PANELS, "odex_panels_X") == "solfacil_panels_odex_panels_X"


@pytest.mark.parametrize(
    ("record_id", "prefix", "code"),
    [
        ("odex_inverters_ODEX-INV-SAJ-3000W", "inverters", "ODEX-INV-SAJ-3000W"),
        ("odex_structures_ODEX-ESTRUTURA-1", "structures", "ODEX-ESTRUTURA-1"),
        ("ODEX_Panels_X", "panels", "X"),
        ("ODEX-PAINEL-X", None, "ODEX-PAINEL-X"),
        ("solfacil_panels_1", None, "solfacil_panels_1"),  # not Odex's prefix
    ],
)
def test_own_code_and_prefix_category(record_id: str, prefix: str | None, code: str) -> None:
    assert id_prefix_category("odex", record_id) == prefix
    assert own_code("odex", record_id) == code


@given(
    code=st.from_regex(r"[A-Z0-9][A-Z0-9-]{0,30}", fullmatch=True),
    distributor=st.sampled_from(["odex", "solfacil"]),
    category=st.sampled_from(list(Category)),
    claimed=st.sampled_from(["inverters", "panels", "structures", "cables", "x"]),
)
def test_the_prefix_never_changes_the_sku(code: str, distributor: str, category: Category, claimed: str) -> None:
    expected = f"{distributor}_{category.value}_{code}"
    assert item_sku(distributor, category, code) == expected
    assert item_sku(distributor, category, f"{distributor}_{claimed}_{code}") == expected


@pytest.mark.parametrize(
    ("kit_type", "record_id", "sku"),
    [
        (Category.KITS, "FOTUS-KP04-kits", "fotus_kits_KP04"),
        (Category.HYBRID_KITS, "FOTUS-KP04-kits-hibridos", "fotus_kits-hibridos_KP04"),
        (Category.KITS, "FOTUS-KP02-kits", "fotus_kits_KP02"),
        (Category.KITS, "fotus-kp03-KITS", "fotus_kits_kp03"),
        (Category.KITS, "KP09", "fotus_kits_KP09"),
        (Category.KITS, "FOTUS-KP04-kits-hibridos", "fotus_kits_KP04-kits-hibridos"),  # suffix of another type is kept
    ],
)
def test_kit_sku(kit_type: Category, record_id: str, sku: str) -> None:
    assert kit_sku(kit_type, record_id) == sku


def test_standard_and_hybrid_kits_with_the_same_code_do_not_collide() -> None:
    assert kit_sku(Category.KITS, "FOTUS-KP04-kits") != kit_sku(Category.HYBRID_KITS, "FOTUS-KP04-kits-hibridos")


@pytest.mark.parametrize(
    ("category", "code", "brand", "watts", "description", "sku"),
    [
        # a model code wins over everything
        (Category.INVERTERS, "SUN-M225G4-EU-Q0-I", "DEYE", 2250, "MICROINVERSOR DEYE 2.25KW (SUN-M225G4-EU-Q0-I)", "fotus_inverters_SUN-M225G4-EU-Q0-I"),
        (Category.INVERTERS, "TSOL-MX2250", "TSUNESS", 2250, "MICROINVERSOR TSUNESS", "fotus_inverters_TSOL-MX2250"),
        # no code: brand + power
        (Category.PANELS, None, "ASTRONERGY", 600, "ASTRONERGY | TIER 1 | 600W N-TYPE BIFACIAL (22,2% EF.)", "fotus_panels_ASTRONERGY-600W"),
        (Category.PANELS, None, "SOLAR N PLUS", 570, "SOLAR N PLUS | 570W", "fotus_panels_SOLAR-N-PLUS-570W"),
        # no code, no power: brand + description
        (Category.STRUCTURES, None, "SOLAR GROUP", None, "ESTRUTURA CERÂMICO P/ 4 MÓDULOS", "fotus_structures_SOLAR-GROUP-ESTRUTURA-CERAMICO-P-4-MODULOS"),
        (Category.BATTERIES, None, "PYLONTECH", None, "BATERIA PYLONTECH 3.55KWH", "fotus_batteries_PYLONTECH-BATERIA-PYLONTECH-3-55KWH"),
    ],
)
def test_component_sku(category: Category, code: str | None, brand: str, watts: int | None, description: str, sku: str) -> None:
    assert component_sku(category, code, brand, watts, description) == sku


def test_a_long_description_is_cut_to_60_characters_without_a_trailing_hyphen() -> None:
    description = "ESTRUTURA DE ALUMINIO PARA TELHADO CERAMICO COM GANCHOS E TRILHOS PARA QUATRO MODULOS"
    sku = component_sku(Category.STRUCTURES, None, "ROMAGNOLE", None, description)
    code = sku.removeprefix("fotus_structures_ROMAGNOLE-")
    assert code == "ESTRUTURA-DE-ALUMINIO-PARA-TELHADO-CERAMICO-COM-GANCHOS-E-TR"
    assert len(code) == 60
    cut_at_hyphen = component_sku(Category.STRUCTURES, None, "X", None, "A" * 59 + " B")
    assert cut_at_hyphen == "fotus_structures_X-" + "A" * 59


def test_the_sku_of_a_wrongly_prefixed_record_survives_a_fix_through_the_parser(feeds, odex_record) -> None:
    panel = dict(category="panels", name="Painel Solar Jinko 610W", description="Painel Solar Jinko 610W")
    feeds.write("odex/odex-panels.json", [odex_record(id="odex_inverters_ODEX-PAINEL-JINKO-610W", **panel)])
    before = feeds.load()
    feeds.write("odex/odex-panels.json", [odex_record(id="odex_panels_ODEX-PAINEL-JINKO-610W", **panel)])
    after = feeds.load()

    assert [item.sku for item in before.items] == ["odex_panels_ODEX-PAINEL-JINKO-610W"]
    assert [item.sku for item in after.items] == ["odex_panels_ODEX-PAINEL-JINKO-610W"]
    assert [level.sku for level in after.levels] == ["odex_panels_ODEX-PAINEL-JINKO-610W"]
    assert [(i.code, i.severity, i.record, i.sku, i.reason, i.action) for i in before.issues] == [
        (
            "id_prefix_mismatch",
            "warning",
            0,
            "odex_panels_ODEX-PAINEL-JINKO-610W",
            "id prefix says 'inverters' but the record is 'panels'",
            "SKU built from the record's category",
        )
    ]
    assert after.issues == ()
    # the original id is kept for metadata
    assert before.items[0].source.original_id == "odex_inverters_ODEX-PAINEL-JINKO-610W"
    assert after.items[0].source.original_id == "odex_panels_ODEX-PAINEL-JINKO-610W"
