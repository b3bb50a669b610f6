"""The catalog of a feed root: discovery, assembly and order; and the project's sample feeds."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from medusa_sync.config import Rules
from medusa_sync.errors import FeedError
from medusa_sync.feeds import discover, load_catalog
from medusa_sync.models import Catalog, Category, Kit, KitComponent, SourceRef, StockLevel

SAMPLE_ROOT = Path(__file__).resolve().parents[2] / "distributors"


def test_discover_reads_the_three_distributor_folders_recursively(feeds) -> None:
    for relative in [
        "solfacil/solfacil-panels.json",
        "odex/odex-panels.json",
        "odex/2025-10/odex-inverters.json",
        "fotus/fotus-kits.json",
        "odex/README.txt",  # not JSON
        "acme/acme-panels.json",  # not a distributor
        "odex-panels.json",  # not in a distributor folder
    ]:
        feeds.write(relative, [])
    (feeds.root / "odex" / "folder.json").mkdir()  # a folder, not a file
    found = [(distributor.name, path.relative_to(feeds.root).as_posix()) for distributor, path in discover(feeds.root)]
    assert found == [
        ("odex", "odex/2025-10/odex-inverters.json"),
        ("odex", "odex/odex-panels.json"),
        ("solfacil", "solfacil/solfacil-panels.json"),
        ("fotus", "fotus/fotus-kits.json"),
    ]


def test_a_feed_root_that_is_not_a_folder_is_a_feed_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(FeedError, match=f"feed root {missing} is not a directory"):
        load_catalog(missing, Rules())
    afile = tmp_path / "file.json"
    afile.write_text("[]")
    with pytest.raises(FeedError, match="is not a directory"):
        load_catalog(afile, Rules())


def test_an_empty_feed_root_is_an_empty_catalog(feeds) -> None:
    assert feeds.load() == Catalog(items=(), levels=(), kits=(), files=(), issues=())


def test_items_levels_and_kits_are_sorted_by_sku(feeds, odex_record, solfacil_record, fotus_kit) -> None:
    feeds.write("solfacil/solfacil-inverters.json", [solfacil_record(id="solfacil_inverters_9"), solfacil_record(id="solfacil_inverters_10")])
    feeds.write("odex/odex-inverters.json", [odex_record(id="Z-1"), odex_record(id="A-1")])
    feeds.write("fotus/fotus-kits.json", [fotus_kit(id="FOTUS-KP09-kits"), fotus_kit(id="FOTUS-KP01-kits")])
    catalog = feeds.load()
    skus = [item.sku for item in catalog.items]
    assert skus == sorted(skus)
    assert skus == [
        "fotus_inverters_SUN-M225G4-EU-Q0-I",
        "fotus_panels_SOLAR-N-PLUS-570W",
        "odex_inverters_A-1",
        "odex_inverters_Z-1",
        "solfacil_inverters_10",
        "solfacil_inverters_9",
    ]
    assert [kit.sku for kit in catalog.kits] == ["fotus_kits_KP01", "fotus_kits_KP09"]
    assert [(level.sku, level.location) for level in catalog.levels] == [
        ("fotus_inverters_SUN-M225G4-EU-Q0-I", "Fotus CD ESPÍRITO SANTO"),
        ("fotus_panels_SOLAR-N-PLUS-570W", "Fotus CD ESPÍRITO SANTO"),
        ("odex_inverters_A-1", "Odex CD"),
        ("odex_inverters_Z-1", "Odex CD"),
        ("solfacil_inverters_10", "Solfacil CD"),
        ("solfacil_inverters_9", "Solfacil CD"),
    ]
    assert catalog.locations == ("Fotus CD ESPÍRITO SANTO", "Odex CD", "Solfacil CD")
    # files in discovery order, issues in file order
    assert [f.path for f in catalog.files] == ["odex/odex-inverters.json", "solfacil/solfacil-inverters.json", "fotus/fotus-kits.json"]


def test_loading_twice_gives_equal_catalogs(feeds, odex_record, fotus_kit) -> None:
    feeds.write("odex/odex-inverters.json", [odex_record(), odex_record(id="B", price="Consulte", pricing=None)])
    feeds.write("fotus/fotus-kits.json", [fotus_kit(centro_distribuicao="CD SUDESTE| PRONTA ENTREGA")])
    assert feeds.load() == feeds.load()


def test_locations_include_kit_centres_and_level_locations() -> None:
    source = SourceRef(file="fotus/fotus-kits.json", record=0)
    kit = Kit(sku="fotus_kits_K", title="K", distributor="fotus", category=Category.KITS, location="Fotus CD NORTE",
              components=(KitComponent(sku="fotus_panels_X-1W", quantity=1),), source=source)
    level = StockLevel(sku="odex_inverters_A", location="Odex CD", stocked=1)
    catalog = Catalog(items=(), levels=(level, level), kits=(kit,), files=(), issues=())
    assert catalog.locations == ("Fotus CD NORTE", "Odex CD")


# --- the project's sample feeds (distributors/) --------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> Catalog:
    return load_catalog(SAMPLE_ROOT, Rules())


def test_sample_files_have_the_real_record_counts(sample: Catalog) -> None:
    assert {f.path: (f.records, f.complete) for f in sample.files} == {
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


def test_sample_items_per_distributor_and_category(sample: Catalog) -> None:
    counts = Counter((item.distributor, item.category.value) for item in sample.items)
    assert {key: n for key, n in counts.items() if key[0] != "fotus"} == {
        ("odex", "inverters"): 45,
        ("odex", "panels"): 9,
        ("odex", "stringboxes"): 13,
        ("odex", "structures"): 26,
        ("solfacil", "inverters"): 82,
        ("solfacil", "panels"): 6,
        ("solfacil", "structures"): 4,
        ("solfacil", "cables"): 36,
        ("solfacil", "batteries"): 4,
        ("solfacil", "accessories"): 10,
    }
    assert Counter(kit.category.value for kit in sample.kits) == {"kits": 3, "kits-hibridos": 1}
    assert len({item.sku for item in sample.items}) == len(sample.items)


def test_sample_feeds_carry_every_defect(sample: Catalog) -> None:
    codes = Counter(issue.code for issue in sample.issues)
    assert codes == {
        "id_prefix_mismatch": 48,  # Odex's "odex_inverters_" on panels, structures and string boxes
        "shifted_columns": 4,  # Solfacil panels
        "price_mismatch": 1,  # a thousands error in an Odex number
        "bad_price": 1,  # "Consulte"
        "centre_respelled": 1,  # "CD SUDESTE| PRONTA ENTREGA"
    }
    assert {i.file for i in sample.issues if i.code == "id_prefix_mismatch"} == {
        "odex/odex-panels.json",
        "odex/odex-structures.json",
        "odex/odex-stringboxes.json",
    }
    shifted = sorted(item.sku for item in sample.items if "recovered_shifted_columns" in item.flags)
    assert shifted == ["solfacil_panels_1", "solfacil_panels_3", "solfacil_panels_4", "solfacil_panels_6"]
    assert sorted(i.sku for i in sample.issues if i.code == "shifted_columns") == shifted


def test_sample_cables_are_sold_by_length(sample: Catalog) -> None:
    units = Counter(item.unit.label for item in sample.items if item.category.value == "cables")
    assert units["m"] == 5  # "POR METRO"
    assert units["roll 2.5 m"] == 3  # "C/RL 2,5MT"
    assert sum(units.values()) == 36
    assert "unit" not in units


def test_sample_prices_come_as_strings_and_numbers(sample: Catalog) -> None:
    items = {item.sku: item for item in sample.items}
    assert items["odex_inverters_ODEX-INV-SUNGROW-110000W"].price == Decimal("38416.50")
    assert items["solfacil_accessories_10"].price is None


def test_sample_stock_covers_every_availability_rule(sample: Catalog) -> None:
    unusual = sorted((l.sku, l.stocked, l.incoming) for l in sample.levels if (l.stocked, l.incoming) != (100, 0))
    assert unusual == [
        ("odex_inverters_ODEX-INV-FRONIUS-15000W", 0, 20),  # sob encomenda
        ("odex_inverters_ODEX-INV-HUAWEI-50000W", 0, 0),  # indisponivel
        ("odex_structures_ODEX-ESTRUTURA-SCHLETTER-SOLO-1", 0, 0),
        ("solfacil_batteries_2", 0, 0),  # Indisponível
        ("solfacil_inverters_27", 0, 0),  # "estoque": 0
        ("solfacil_inverters_5", 12, 0),  # "estoque": 12
        ("solfacil_inverters_58", 7, 0),  # "estoque": 7
    ]


def test_sample_fotus_kits_share_components(sample: Catalog) -> None:
    users = Counter(component.sku for kit in sample.kits for component in kit.components)
    shared = sorted(sku for sku, n in users.items() if n > 1)
    assert shared == ["fotus_inverters_SUN-M200G4-EU-Q0-I", "fotus_panels_ASTRONERGY-615W"]
    assert len(users) == len([item for item in sample.items if item.distributor == "fotus"]) == 8
    assert sample.locations == ("Fotus CD ESPÍRITO SANTO", "Fotus CD SUDESTE | PRONTA ENTREGA", "Odex CD", "Solfacil CD")
