"""Stock quantities: explicit fields win, then the ordered availability rules; config loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from medusa_sync.config import Rules, StockRules, load_rules
from medusa_sync.errors import ConfigError
from medusa_sync.models import StockLevel
from medusa_sync.normalize.stock import BadQuantity, UnknownAvailability, explicit_quantity, quantities
from medusa_sync.cli.exit_codes import exit_code_of

DEFAULTS = StockRules()


def _q(availability: str | None, record: dict | None = None, rules: StockRules = DEFAULTS, distributor="odex"):
    decided = quantities(distributor, availability, record or {}, rules)
    return decided.stocked, decided.incoming, decided.rule


@pytest.mark.parametrize(
    ("availability", "stocked", "incoming", "rule"),
    [
        ("disponivel", 100, 0, "availability rule 1"),  # Odex
        ("Disponível", 100, 0, "availability rule 1"),  # Solfacil
        ("  DISPONÍVEL ", 100, 0, "availability rule 1"),
        ("em estoque", 100, 0, "availability rule 1"),
        ("Pronta Entrega", 100, 0, "availability rule 1"),
        ("indisponivel", 0, 0, "availability rule 2"),
        ("Indisponível", 0, 0, "availability rule 2"),
        ("esgotado", 0, 0, "availability rule 2"),
        ("sob encomenda", 0, 20, "availability rule 3"),
        ("Sob Encomenda - 30 dias", 0, 20, "availability rule 3"),
        ("Pré-venda", 0, 20, "availability rule 3"),
        (None, 100, 0, "availability rule 4"),  # missing: the default quantity
        ("", 100, 0, "availability rule 4"),
    ],
)
def test_default_availability_rules(availability: str | None, stocked: int, incoming: int, rule: str) -> None:
    assert _q(availability) == (stocked, incoming, rule)


def test_the_default_quantity_is_configurable() -> None:
    assert _q("disponivel", rules=StockRules(default_quantity=7))[:2] == (7, 0)
    assert _q(None, rules=StockRules(default_quantity=7))[:2] == (7, 0)
    assert _q("indisponivel", rules=StockRules(default_quantity=7))[:2] == (0, 0)


@pytest.mark.parametrize("availability", ["talvez amanhã", "disponivel!", "consulte", "disponivel em breve"])
def test_an_unknown_availability_raises(availability: str) -> None:
    with pytest.raises(UnknownAvailability, match="no availability rule matches"):
        quantities("solfacil", availability, {}, DEFAULTS)


@pytest.mark.parametrize(
    ("record", "stocked"),
    [
        ({"estoque": 12}, 12),
        ({"estoque": "7"}, 7),
        ({"estoque": " 7 "}, 7),
        ({"estoque": 12.0}, 12),
        ({"estoque": 0}, 0),
        ({"stock": 3}, 3),
        ({"quantidade": 4}, 4),
        ({"estoque": None, "stock": 5}, 5),  # null is absent
        ({"stock": 3, "estoque": 5}, 5),  # the first configured field wins
    ],
)
def test_an_explicit_quantity_wins_over_the_availability_text(record: dict, stocked: int) -> None:
    name = next(field for field in DEFAULTS.quantity_fields if record.get(field) is not None)
    assert _q("indisponivel", record) == (stocked, 0, f"field {name}")


@pytest.mark.parametrize("value", [-1, True, False, 2.5, "sete", "-3", "", "1" * 30, [3], {"n": 3}])
def test_a_broken_quantity_raises(value: object) -> None:
    with pytest.raises(BadQuantity):
        quantities("solfacil", "Disponível", {"estoque": value}, DEFAULTS)


def test_explicit_quantity_fields_are_configurable() -> None:
    rules = StockRules(quantity_fields=["saldo"])
    assert explicit_quantity({"saldo": 9, "estoque": 1}, rules) == ("saldo", 9)
    assert explicit_quantity({"estoque": 1}, rules) is None
    assert _q("disponivel", {"estoque": 1}, rules=rules)[:2] == (100, 0)


# --- rules from a TOML file ---------------------------------------------------------------------

RULES_TOML = """
[stock]
default_quantity = 40
quantity_fields = ["saldo"]

# Solfacil's plain "Disponível" means a small allocation for us.
[[stock.availability]]
match = "^disponivel$"
distributor = "solfacil"
stocked = 5

[[stock.availability]]
match = "^disponivel"

[[stock.availability]]
match = "encomenda"
stocked = 0
incoming = 9

[[stock.availability]]
match = "^$"
stocked = 0

[locations]
odex = "CD Odex Curitiba"
solfacil = "CD Solfacil SP"
"""


@pytest.fixture
def toml_rules(tmp_path: Path) -> Rules:
    path = tmp_path / "medusa-sync.toml"
    path.write_text(RULES_TOML, encoding="utf-8")
    return load_rules(path)


def test_a_configured_rule_list_replaces_the_defaults(toml_rules: Rules) -> None:
    stock = toml_rules.stock
    assert stock.default_quantity == 40
    assert stock.quantity_fields == ["saldo"]
    assert [(r.match, r.stocked, r.incoming, r.distributor) for r in stock.availability] == [
        ("^disponivel$", 5, 0, "solfacil"),
        ("^disponivel", None, 0, None),
        ("encomenda", 0, 9, None),
        ("^$", 0, 0, None),
    ]
    with pytest.raises(UnknownAvailability):  # "indisponivel" was only in the defaults
        quantities("odex", "indisponivel", {}, stock)


@pytest.mark.parametrize(
    ("distributor", "availability", "expected"),
    [
        ("solfacil", "Disponível", (5, 0, "availability rule 1")),  # the distributor's own rule
        ("odex", "disponivel", (40, 0, "availability rule 2")),  # rule 1 is Solfacil's only
        ("fotus", "disponivel", (40, 0, "availability rule 2")),
        ("solfacil", "Disponível agora", (40, 0, "availability rule 2")),  # first match wins, in order
        ("odex", "sob encomenda", (0, 9, "availability rule 3")),
        ("odex", None, (0, 0, "availability rule 4")),
    ],
)
def test_configured_rules_first_match_wins(toml_rules: Rules, distributor, availability, expected) -> None:
    assert _q(availability, rules=toml_rules.stock, distributor=distributor) == expected


def test_configured_quantity_fields_win(toml_rules: Rules) -> None:
    assert _q("disponivel", {"saldo": "3", "estoque": 12}, rules=toml_rules.stock) == (3, 0, "field saldo")


def test_rule_order_matters(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text('[[stock.availability]]\nmatch = "."\nstocked = 1\n\n[[stock.availability]]\nmatch = "^disponivel$"\n')
    stock = load_rules(path).stock
    assert _q("disponivel", rules=stock) == (1, 0, "availability rule 1")


def test_configured_rules_apply_through_the_parser(feeds, toml_rules, odex_record, solfacil_record) -> None:
    feeds.write("odex/odex-inverters.json", [odex_record(), odex_record(id="odex_inverters_B", availability="sob encomenda")])
    feeds.write("solfacil/solfacil-inverters.json", [solfacil_record(), solfacil_record(id="solfacil_inverters_2", saldo=2)])
    catalog = feeds.load(toml_rules)
    assert catalog.levels == (
        StockLevel(sku="odex_inverters_B", location="CD Odex Curitiba", stocked=0, incoming=9),
        StockLevel(sku="odex_inverters_ODEX-INV-SAJ-3000W", location="CD Odex Curitiba", stocked=40, incoming=0),
        StockLevel(sku="solfacil_inverters_1", location="CD Solfacil SP", stocked=5, incoming=0),
        StockLevel(sku="solfacil_inverters_2", location="CD Solfacil SP", stocked=2, incoming=0),
    )
    assert catalog.issues == ()


def test_an_unknown_availability_is_reported_and_stocked_zero(feeds, odex_record) -> None:
    feeds.write("odex/odex-inverters.json", [odex_record(availability="talvez amanhã"), odex_record(id="odex_inverters_B")])
    catalog = feeds.load()
    assert [(l.sku, l.stocked, l.incoming) for l in catalog.levels] == [
        ("odex_inverters_B", 100, 0),
        ("odex_inverters_ODEX-INV-SAJ-3000W", 0, 0),
    ]
    assert [(i.code, i.severity, i.file, i.record, i.sku, i.reason, i.action) for i in catalog.issues] == [
        (
            "unknown_availability",
            "warning",
            "odex/odex-inverters.json",
            0,
            "odex_inverters_ODEX-INV-SAJ-3000W",
            "no availability rule matches 'talvez amanhã'",
            "stocked 0 at Odex CD",
        )
    ]
    assert len(catalog.items) == 2  # the item itself is kept


def test_a_broken_quantity_field_is_reported_and_stocked_zero(feeds, solfacil_record) -> None:
    feeds.write("solfacil/solfacil-inverters.json", [solfacil_record(estoque=-1)])
    catalog = feeds.load()
    assert [(l.sku, l.stocked) for l in catalog.levels] == [("solfacil_inverters_1", 0)]
    assert [(i.code, i.record, i.reason, i.action) for i in catalog.issues] == [
        ("bad_quantity", 0, "estoque=-1 is not a whole quantity >= 0", "stocked 0 at Solfacil CD")
    ]


# --- configuration errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[stock\ndefault_quantity = 1\n", "cannot be read"),  # bad TOML
        ("[stock]\ndefault_qty = 1\n", "stock.default_qty"),  # unknown key
        ("colour = 'blue'\n", "colour"),
        ("[stock]\ndefault_quantity = -1\n", "stock.default_quantity"),
        ("[[stock.availability]]\nstocked = 1\n", "stock.availability.0.match"),  # required
        ("[[stock.availability]]\nmatch = '('\n", "not a regular expression"),
        ("[[stock.availability]]\nmatch = 'x'\ndistributor = 'acme'\n", "stock.availability.0.distributor"),
        ("[categories]\ninversores = 'gadgets'\n", "categories.inversores"),
        ("[kits]\nstatus = 'live'\n", "kits.status"),
    ],
)
def test_a_bad_config_file_is_a_config_error_naming_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_rules(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)
    assert exit_code_of(caught.value) == 7


def test_a_config_file_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('[locations]\nodex = "Odex São Paulo"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match="cannot be read"):
        load_rules(path)


def test_a_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match=f"config file {path} does not exist"):
        load_rules(path)


def test_without_a_path_the_rules_come_from_the_working_directory(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_rules(None) == Rules()
    (tmp_path / "medusa-sync.toml").write_text("[stock]\ndefault_quantity = 3\n")
    assert load_rules(None).stock.default_quantity == 3


def test_rules_match_regardless_of_accents_and_case(tmp_path) -> None:
    config = tmp_path / "rules.toml"
    config.write_text('[[stock.availability]]\nmatch = "^Disponível$"\nstocked = 7\n', encoding="utf-8")
    rules = load_rules(config)
    assert quantities("odex", "DISPONIVEL", {}, rules.stock).stocked == 7


def test_fotus_kits_on_order_give_their_components_incoming_stock(feeds) -> None:
    kit = {
        "id": "FOTUS-KP01-kits", "name": "KP01", "type": "kits", "availability": "Sob encomenda",
        "centro_distribuicao": "CD SUL",
        "panels": [{"brand": "ACME", "power_w": 600, "quantity": 2, "description": "ACME 600W"}],
    }
    feeds.write("fotus/fotus-kits.json", [kit])
    catalog = feeds.load()
    assert [(l.sku, l.stocked, l.incoming) for l in catalog.levels] == [("fotus_panels_ACME-600W", 0, 20)]
