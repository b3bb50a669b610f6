"""Facts read out of product text: power, selling unit, model code; folding and tidying."""

from __future__ import annotations

from decimal import Decimal

import pytest

from medusa_sync.models import UnitOfMeasure
from medusa_sync.normalize.text import MAX_POWER_W, fold, model_code, power_w, printable, slug, tidy, unit_of_measure


@pytest.mark.parametrize(
    ("text", "watts"),
    [
        ("3kW", 3000),
        ("0.475KW", 475),
        ("585W", 585),
        ("4,2 kW", 4200),
        ("2.25KW", 2250),
        ("Inversor Grid-Tie SAJ R5-3K-T2 BRL 3kW Monofásico 220V 2 MPPT", 3000),  # "3K-T2" is a model, not a power
        ("MODULO FOTOVOLTAICO 585W - HANERSUN - EF. 22.6% - HN18N-72H IMP", 585),
        ("MICROINVERSOR DEYE 2.25KW (SUN-M225G4-EU-Q0-I) MONOFÁSICO 220V (4 MLPE)", 2250),
        ("Inversor Sungrow 110000W Trifásico", 110000),
        ("2.25KW/3KW", 2250),  # the first stated power
        ("3.2KWH", None),  # energy
        ("BATERIA DEYE 5.12KWH (SE-G5.1PRO-B) LÍTIO 51.2V", None),
        ("1,8KVCC", None),  # voltage
        ("CABO SOLAR 4,0MM2 PRETO POR METRO (PROTECAO UV 1,8KVCC)", None),
        ("40A 1000V", None),
        ("MODULO 585Wp", None),
        ("x3kW", None),  # glued to a word
        (".5kW", None),  # the tail of a number
        ("1,.5kW", None),
        ("(3kW)", 3000),
        ("12,5 kW", 12500),
        ("kW", None),
        ("", None),
        ("1" * 5000 + "W", None),  # beyond any product (and too long for a SKU)
        ("2000000 kW", None),  # 2 GW > MAX_POWER_W
    ],
)
def test_power_w(text: str, watts: int | None) -> None:
    assert power_w(text) == watts


def test_power_w_takes_the_first_text_that_states_one() -> None:
    assert power_w(None, "", "GOODWE EZLOGGER PRO", "585W", "3kW") == 585
    assert power_w("Painel 600W", "3kW") == 600
    assert power_w() is None
    assert power_w(None, "3.2KWH") is None


def test_max_power_is_a_gigawatt() -> None:
    assert MAX_POWER_W == 10**9
    assert power_w("1000000kW") == 10**9
    assert power_w("1000001kW") is None


@pytest.mark.parametrize(
    ("text", "kind", "length"),
    [
        ("C/ 25 MT", "roll", "25"),
        ("C/25 MT", "roll", "25"),
        ("C/ 100 M", "roll", "100"),
        ("C/ 50M", "roll", "50"),
        ("C/RL 2,5MT", "roll", "2.5"),
        ("CABO FLEX 1KV 25MM VM C/RL 2,5MT", "roll", "2.5"),
        ("CABO SOLAR 6MM PRETO C/ 100 M", "roll", "100"),
        ("POR METRO", "metre", None),
        ("CABO SOLAR 4,0MM2 PRETO POR METRO (PROTECAO UV 1,8KVCC)", "metre", None),
        ("CABO SOLAR 6MM P/ METRO", "metre", None),
        ("cabo solar 6mm p/ metro", "metre", None),  # any case
        ("Cabo Solar 6mm c/ 25 mt", "roll", "25"),
    ],
)
def test_unit_of_measure(text: str, kind: str, length: str | None) -> None:
    unit = unit_of_measure(text)
    assert unit == UnitOfMeasure(kind=kind, length_m=Decimal(length) if length else None)
    if length:
        assert str(unit.length_m) == length  # exact, not a float


@pytest.mark.parametrize("text", [None, "", "CABO SOLAR 4MM", "25 MT", "C/ 0 MT", "C/ 25 MTS", "CONECTOR MC4 C/ 2 UN", "C/ 2 MM"])
def test_unit_of_measure_none_when_the_text_does_not_say(text: str | None) -> None:
    assert unit_of_measure(text) is None


@pytest.mark.parametrize(
    ("unit", "label"),
    [
        (UnitOfMeasure(), "unit"),
        (UnitOfMeasure(kind="metre"), "m"),
        (UnitOfMeasure(kind="roll", length_m=Decimal("25")), "roll 25 m"),
        (UnitOfMeasure(kind="roll", length_m=Decimal("25.0")), "roll 25 m"),
        (UnitOfMeasure(kind="roll", length_m=Decimal("2.5")), "roll 2.5 m"),
        (UnitOfMeasure(kind="roll", length_m=Decimal("100")), "roll 100 m"),
        (UnitOfMeasure(kind="roll"), "roll"),
    ],
)
def test_unit_labels(unit: UnitOfMeasure, label: str) -> None:
    assert unit.label == label


def test_labels_of_parsed_units() -> None:
    assert unit_of_measure("C/ 100 M").label == "roll 100 m"
    assert unit_of_measure("C/RL 2,5MT").label == "roll 2.5 m"
    assert unit_of_measure("POR METRO").label == "m"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("(SUN-M225G4-EU-Q0-I)", "SUN-M225G4-EU-Q0-I"),
        ("MICROINVERSOR DEYE 2.25KW (SUN-M225G4-EU-Q0-I) MONOFÁSICO 220V (4 MLPE)", "SUN-M225G4-EU-Q0-I"),
        ("MICROINVERSOR TSUNESS 2.25KW (TSOL-MX2250) MONOFÁSICO 220V (4 MLPE)", "TSOL-MX2250"),
        ("BATERIA DEYE 5.12KWH (SE-G5.1PRO-B) LÍTIO 51.2V", "SE-G5.1PRO-B"),
        ("INVERSOR (4 MLPE) (tsol-mx2250)", "TSOL-MX2250"),  # skips a non-code, upper-cases
        ("(22,2% EF.)", None),
        ("(4 MLPE)", None),
        ("ASTRONERGY | TIER 1 | 600W N-TYPE BIFACIAL (22,2% EF.)", None),
        ("(ABC)", None),  # no digit
        ("(123)", None),  # no letter
        ("SUN-M225G4-EU-Q0-I", None),  # not in parentheses
        ("", None),
        (None, None),
    ],
)
def test_model_code(text: str | None, code: str | None) -> None:
    assert model_code(text) == code


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Disponível", "disponivel"),
        ("  DISPONÍVEL  ", "disponivel"),
        ("Sob  Encomenda", "sob encomenda"),
        ("Pré-venda", "pre-venda"),
        ("CD ESPÍRITO SANTO", "cd espirito santo"),
        ("ÇÃO", "cao"),
        ("", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("text", "tidied"),
    [
        ("CD SUDESTE| PRONTA ENTREGA", "CD SUDESTE | PRONTA ENTREGA"),
        ("CD SUDESTE | PRONTA ENTREGA", "CD SUDESTE | PRONTA ENTREGA"),
        ("CD  SUDESTE |PRONTA   ENTREGA ", "CD SUDESTE | PRONTA ENTREGA"),
        ("CD ESPÍRITO SANTO", "CD ESPÍRITO SANTO"),  # accents and case are kept
    ],
)
def test_tidy(text: str, tidied: str) -> None:
    assert tidy(text) == tidied


@pytest.mark.parametrize(
    ("text", "slugged"),
    [
        ("Solar N Plus", "SOLAR-N-PLUS"),
        ("ASTRONERGY", "ASTRONERGY"),
        ("  Ästro--nergy!! ", "ASTRO-NERGY"),
        ("ESTRUTURA CERÂMICO P/ 4 MÓDULOS", "ESTRUTURA-CERAMICO-P-4-MODULOS"),
        ("", ""),
    ],
)
def test_slug(text: str, slugged: str) -> None:
    assert slug(text) == slugged


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("CD \x1b[2JSUL", "CD SUL"),  # a whole CSI sequence goes, not only its ESC
        ("\x1b[1;31mRED\x1b[0m", "RED"),
        ("A\x1b]0;title\x07B\x1b]8;;file:///etc/passwd\x1b\\C", "ABC"),  # OSC ended by BEL or ST
        ("\x9b2J\x9d0;t\x9cX", "X"),  # the C1 forms
        ("x\x1b]0;unterminated", "x]0;unterminated"),  # an unterminated OSC: only the ESC goes
        ("a\rb\x08c\td\x7fe", "abcde"),
        ("two\nlines", "two\nlines"),
    ],
)
def test_printable_strips_control_characters_and_escape_sequences(text: str, shown: str) -> None:
    assert printable(text) == shown
