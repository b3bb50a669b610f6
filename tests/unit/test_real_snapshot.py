"""The acceptance numbers, on the real October 2025 snapshot of the three feeds (defects included).

The snapshot lives outside the repository, at ../shared/feeds-2025-10 from the repository root;
where it is absent these tests skip.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from medusa_sync.config import Rules
from medusa_sync.feeds import load_catalog
from medusa_sync.models import Catalog, UnitOfMeasure

REPO_ROOT = Path(__file__).resolve().parents[2]
REAL_ROOT = REPO_ROOT.parent / "shared" / "feeds-2025-10"

pytestmark = pytest.mark.skipif(
    not REAL_ROOT.is_dir(), reason=f"the real feed snapshot is absent: {REAL_ROOT} (../shared/feeds-2025-10 from the repository)"
)


@pytest.fixture(scope="module")
def real() -> Catalog:
    return load_catalog(REAL_ROOT, Rules())


def _by_distributor(catalog: Catalog, distributor: str) -> list:
    return [item for item in catalog.items if item.distributor == distributor]


def test_93_odex_and_142_solfacil_items(real: Catalog) -> None:
    assert len(_by_distributor(real, "odex")) == 93
    assert len(_by_distributor(real, "solfacil")) == 142


def test_per_category_counts(real: Catalog) -> None:
    assert Counter((item.distributor, item.category.value) for item in real.items) == {
        ("odex", "inverters"): 45,
        ("odex", "panels"): 9,
        ("odex", "structures"): 26,
        ("odex", "stringboxes"): 13,
        ("solfacil", "inverters"): 82,
        ("solfacil", "panels"): 6,
        ("solfacil", "structures"): 4,
        ("solfacil", "cables"): 36,
        ("solfacil", "batteries"): 4,
        ("solfacil", "accessories"): 10,
        ("fotus", "panels"): 4,
        ("fotus", "inverters"): 2,
    }
    assert Counter(kit.category.value for kit in real.kits) == {"kits": 3, "kits-hibridos": 1}


def test_every_file_is_read_whole(real: Catalog) -> None:
    assert {f.path: (f.records, f.complete) for f in real.files} == {
        "odex/odex-inverters.json": (45, True),
        "odex/odex-panels.json": (9, True),
        "odex/odex-stringboxes.json": (13, True),
        "odex/odex-structures.json": (26, True),
        "solfacil/solfacil-accessories.json": (10, True),
        "solfacil/solfacil-batteries.json": (4, True),
        "solfacil/solfacil-cables.json": (36, True),
        "solfacil/solfacil-inverters.json": (82, True),
        "solfacil/solfacil-panels.json": (6, True),
        "solfacil/solfacil-structures.json": (4, True),
        "fotus/fotus-kits-hibridos.json": (1, True),
        "fotus/fotus-kits.json": (3, True),
    }


def test_no_duplicate_skus(real: Catalog) -> None:
    skus = [item.sku for item in real.items] + [kit.sku for kit in real.kits]
    assert len(skus) == len(set(skus)) == 245
    assert not [i for i in real.issues if i.code == "duplicate_sku"]


def test_exact_issue_counts(real: Catalog) -> None:
    assert Counter(issue.code for issue in real.issues) == {
        "id_prefix_mismatch": 48,
        "shifted_columns": 6,
        "centre_respelled": 1,
    }
    assert Counter((issue.code, issue.file) for issue in real.issues) == {
        ("id_prefix_mismatch", "odex/odex-panels.json"): 9,
        ("id_prefix_mismatch", "odex/odex-structures.json"): 26,
        ("id_prefix_mismatch", "odex/odex-stringboxes.json"): 13,
        ("shifted_columns", "solfacil/solfacil-panels.json"): 6,
        ("centre_respelled", "fotus/fotus-kits.json"): 1,
    }
    assert {issue.severity for issue in real.issues} == {"warning"}


def test_48_id_prefix_mismatches_keep_the_real_category(real: Catalog) -> None:
    mismatched = [i for i in real.issues if i.code == "id_prefix_mismatch"]
    assert len(mismatched) == 48
    assert {i.reason.split(" but ")[0] for i in mismatched} == {"id prefix says 'inverters'"}
    items = {item.sku: item for item in real.items}
    for issue in mismatched:
        item = items[issue.sku]
        assert item.source.original_id.startswith("odex_inverters_")
        assert issue.sku == f"odex_{item.category.value}_{item.source.original_id.removeprefix('odex_inverters_')}"


def test_the_documented_sku_example(real: Catalog) -> None:
    items = {item.sku: item for item in real.items}
    saj = items["odex_inverters_ODEX-INV-SAJ-3000W"]
    assert (saj.price, saj.power_w, saj.manufacturer, saj.model) == (Decimal("1599.00"), 3000, "SAJ", None)
    assert saj.source.model_dump() == {"file": "odex/odex-inverters.json", "record": 0, "original_id": "odex_inverters_ODEX-INV-SAJ-3000W"}


def test_the_6_shifted_solfacil_panels_are_recovered_and_flagged(real: Catalog) -> None:
    panels = [item for item in real.items if item.distributor == "solfacil" and item.category.value == "panels"]
    assert [(p.sku, p.model, p.power_w, p.price, p.flags) for p in panels] == [
        ("solfacil_panels_1", "HN18N-72H", 585, None, ("recovered_shifted_columns",)),
        ("solfacil_panels_2", "HN18N-72H", 585, None, ("recovered_shifted_columns",)),
        ("solfacil_panels_3", "DHN-72X16/DG", 585, None, ("recovered_shifted_columns",)),
        ("solfacil_panels_4", "33V-MHDRZ", 610, None, ("recovered_shifted_columns",)),
        ("solfacil_panels_5", "HJT HN21H-66HT", 700, None, ("recovered_shifted_columns",)),
        ("solfacil_panels_6", "MS-545", 545, None, ("recovered_shifted_columns",)),
    ]
    assert panels[0].title == "MODULO FOTOVOLTAICO 585W - HANERSUN - EF. 22.6% - HN18N-72H IMP"
    assert panels[0].thumbnail == "https://cdn-ecommerce.solfacil.com.br/contents/products/559375/images/IMAGE_PRODUCT_559375.jpeg"
    assert panels[1].thumbnail == "/catalog/images/SOLFACIL-PANELS/IMAGE_PRODUCT_559380.jpeg"  # no URL in its 'name'
    assert all(p.title.startswith("MODULO FOTOVOLTAICO ") for p in panels)
    assert sorted(i.sku for i in real.issues if i.code == "shifted_columns") == [p.sku for p in panels]


def test_every_other_product_has_a_price(real: Catalog) -> None:
    unpriced = [item.sku for item in real.items if item.distributor != "fotus" and item.price is None]
    assert unpriced == [f"solfacil_panels_{n}" for n in range(1, 7)]
    assert not [item for item in real.items if "price_suspect" in item.flags]


def test_solfacil_cables_are_sold_by_roll_length(real: Catalog) -> None:
    cables = [item for item in real.items if item.category.value == "cables"]
    assert Counter(item.unit.label for item in cables) == {
        "roll 100 m": 12,
        "roll 50 m": 10,
        "roll 75 m": 4,
        "roll 25 m": 4,
        "roll 2.5 m": 3,
        "roll 8 m": 2,
        "roll 500 m": 1,
    }
    cable = next(item for item in cables if item.sku == "solfacil_cables_1")
    assert (cable.title, cable.unit, cable.price) == (
        "CABO FLEX 1KV 25MM VM C/RL 2,5MT",
        UnitOfMeasure(kind="roll", length_m=Decimal("2.5")),
        Decimal("21.83"),
    )


def test_4_fotus_kits_over_6_distinct_components(real: Catalog) -> None:
    assert [kit.sku for kit in real.kits] == ["fotus_kits-hibridos_KP04", "fotus_kits_KP02", "fotus_kits_KP03", "fotus_kits_KP04"]
    components = {c.sku for kit in real.kits for c in kit.components}
    assert components == {item.sku for item in _by_distributor(real, "fotus")}
    assert len(components) == 6
    users = Counter(c.sku for kit in real.kits for c in kit.components)
    assert users == {
        "fotus_inverters_SUN-M225G4-EU-Q0-I": 2,  # Deye: KP03, KP04
        "fotus_inverters_TSOL-MX2250": 2,  # Tsuness: KP02, hybrid KP04
        "fotus_panels_ASTRONERGY-600W": 1,
        "fotus_panels_SOLAR-N-PLUS-570W": 1,
        "fotus_panels_SOLAR-N-PLUS-600W": 1,
        "fotus_panels_TRINA-710W": 1,
    }
    kits = {kit.sku: kit for kit in real.kits}
    assert [(c.sku, c.quantity) for c in kits["fotus_kits_KP03"].components] == [
        ("fotus_panels_TRINA-710W", 2),
        ("fotus_inverters_SUN-M225G4-EU-Q0-I", 1),
    ]
    assert (kits["fotus_kits_KP04"].price, kits["fotus_kits_KP04"].power_kwp) == (Decimal("2507.99"), Decimal("1.14"))


def test_fotus_centres_and_stock_levels(real: Catalog) -> None:
    assert real.locations == ("Fotus CD ESPÍRITO SANTO", "Fotus CD SUDESTE | PRONTA ENTREGA", "Odex CD", "Solfacil CD")
    assert Counter(level.location for level in real.levels) == {
        "Odex CD": 93,
        "Solfacil CD": 142,
        "Fotus CD ESPÍRITO SANTO": 4,
        "Fotus CD SUDESTE | PRONTA ENTREGA": 4,
    }
    assert {(level.stocked, level.incoming) for level in real.levels} == {(100, 0)}  # everything "disponivel"
