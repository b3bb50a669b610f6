"""Prices: pt-BR strings and feed numbers to exact Decimal BRL, and the choice between them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medusa_sync.config import PriceRules, Rules
from medusa_sync.feeds.fields import choose_price
from medusa_sync.feeds.reader import FileContext
from medusa_sync.feeds.registry import DISTRIBUTORS
from medusa_sync.models import Category
from medusa_sync.normalize.prices import PriceError, format_brl, parse_brl, price_from_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("R$ 1.347,65", "1347.65"),
        ("R$ 1.599,00", "1599.00"),
        ("R$ 21,83", "21.83"),
        ("R$1.347,65", "1347.65"),
        ("r$ 1.347,65", "1347.65"),
        ("  R$\u00a01.347,65  ", "1347.65"),  # a non-breaking space, as pages copy it
        ("1.347,65", "1347.65"),
        ("1347,65", "1347.65"),
        ("R$ 0,50", "0.50"),
        ("R$ 86.184,83", "86184.83"),
        ("R$ 1.234.567,89", "1234567.89"),
        ("R$ 671.683,00", "671683.00"),  # parses: it is the ceiling that flags it, below
        ("R$ 2.706,07", "2706.07"),
    ],
)
def test_parse_brl_reads_pt_br_money(text: str, expected: str) -> None:
    value = parse_brl(text)
    assert value == Decimal(expected)
    assert str(value) == expected  # always exactly two places


@pytest.mark.parametrize(
    "text",
    [
        "Consulte",
        "MODULO FOTOVOLTAICO 585W - HANERSUN - EF. 22.6% - HN18N-72H IMP",  # a shifted column
        "",
        "   ",
        "1.34765",  # a mangled thousands group must not become 134765
        "R$",
        "12,3,4",
        "1.347.65",
        "1,347.65",  # en-US
        "R$ -1,00",
        "1e5",
        "R$ 1 347,65",
        "1" * 40,  # more digits than Decimal holds to the cent
    ],
)
def test_parse_brl_refuses_what_is_not_a_price(text: str) -> None:
    with pytest.raises(PriceError):
        parse_brl(text)


def test_price_error_is_a_value_error() -> None:
    assert issubclass(PriceError, ValueError)


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (1347.65, "1347.65"),
        (1599.0, "1599.00"),
        (1599, "1599.00"),
        (2706.07, "2706.07"),
        (0.1 + 0.2, "0.30"),
        # The float's decimal text, not its binary value: Decimal(2.675) is 2.67499999…, which
        # would round to 2.67.
        (2.675, "2.68"),
    ],
)
def test_price_from_number_keeps_exact_cents(number: float, expected: str) -> None:
    value = price_from_number(number)
    assert str(value) == expected
    assert value == Decimal(expected)


def test_binary_float_would_not_be_exact() -> None:
    """What price_from_number protects against: the float 1347.65 is not 1347.65."""
    assert Decimal(1347.65) != Decimal("1347.65")
    assert price_from_number(1347.65).as_tuple() == Decimal("1347.65").as_tuple()


@pytest.mark.parametrize("value", [True, False, None, "1599.00", [1599], {"price": 1}, float("nan"), float("inf"), 1e300, 10**40])
def test_price_from_number_refuses_non_numbers(value: object) -> None:
    with pytest.raises(PriceError):
        price_from_number(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1599", "R$ 1.599,00"),
        ("1347.65", "R$ 1.347,65"),
        ("671683", "R$ 671.683,00"),
        ("0.5", "R$ 0,50"),
        ("21.83", "R$ 21,83"),
        ("1234567.891", "R$ 1.234.567,89"),
        ("200000", "R$ 200.000,00"),
    ],
)
def test_format_brl(value: str, expected: str) -> None:
    assert format_brl(Decimal(value)) == expected


@given(st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False))
def test_format_then_parse_round_trips(value: Decimal) -> None:
    assert parse_brl(format_brl(value)) == value


# --- choose_price: the number, the string, and the category ceiling ----------------------------


def _choose(number: object, text: object, category: Category = Category.INVERTERS, rules: Rules | None = None):
    ctx = FileContext(path="odex/odex-inverters.json", distributor=DISTRIBUTORS["odex"])
    price, suspect = choose_price(number, text, category, rules or Rules(), ctx, record=3, sku="odex_inverters_X")
    return price, suspect, ctx.issues


def test_agreeing_number_and_string_give_the_price_and_no_issue() -> None:
    assert _choose(1599.0, "R$ 1.599,00") == (Decimal("1599.00"), False, [])


def test_a_thousands_error_above_the_ceiling_is_kept_and_flagged() -> None:
    price, suspect, issues = _choose(671683.0, "R$ 671.683,00")
    assert (price, suspect) == (Decimal("671683.00"), True)
    assert [(i.code, i.severity, i.record, i.sku, i.action) for i in issues] == [
        ("price_suspect", "warning", 3, "odex_inverters_X", "kept and flagged price_suspect")
    ]
    assert "R$ 671.683,00" in issues[0].reason
    assert "inverters ceiling R$ 200.000,00" in issues[0].reason


def test_a_string_only_thousands_error_is_flagged_too() -> None:
    price, suspect, issues = _choose(None, "R$ 671.683,00")
    assert (price, suspect) == (Decimal("671683.00"), True)
    assert [i.code for i in issues] == ["price_suspect"]


@pytest.mark.parametrize(
    ("category", "price", "suspect"),
    [
        (Category.PANELS, "R$ 5.000,00", False),  # at the ceiling: fine
        (Category.PANELS, "R$ 5.000,01", True),
        (Category.INVERTERS, "R$ 200.000,00", False),
        (Category.INVERTERS, "R$ 200.000,01", True),
        (Category.CABLES, "R$ 0,00", True),  # not positive
    ],
)
def test_the_ceiling_is_per_category(category: Category, price: str, suspect: bool) -> None:
    _, flagged, issues = _choose(None, price, category)
    assert flagged is suspect
    assert [i.code for i in issues] == (["price_suspect"] if suspect else [])


def test_a_zero_price_is_reported_as_not_positive() -> None:
    _, _, issues = _choose(0, "R$ 0,00", Category.CABLES)
    assert "is not positive" in issues[0].reason


def test_ceilings_come_from_the_rules() -> None:
    rules = Rules(prices=PriceRules(ceilings={Category.INVERTERS: Decimal(1000)}))
    assert _choose(1599.0, "R$ 1.599,00", rules=rules)[:2] == (Decimal("1599.00"), True)
    assert _choose(999.0, "R$ 999,00", rules=rules)[:2] == (Decimal("999.00"), False)


def test_a_thousands_error_in_the_number_yields_the_plausible_string() -> None:
    # As in the sample Odex feed: pricing.price 384165.0 but price "R$ 38.416,50".
    price, suspect, issues = _choose(384165.0, "R$ 38.416,50")
    assert (price, suspect) == (Decimal("38416.50"), False)
    assert [(i.code, i.severity, i.action) for i in issues] == [("price_mismatch", "warning", "used 38416.50")]
    assert issues[0].reason == "numeric price 384165.00 and text price 38416.50 disagree"


def test_a_plausible_disagreement_keeps_the_number_and_warns() -> None:
    price, suspect, issues = _choose(1599.0, "R$ 1.699,00")
    assert (price, suspect) == (Decimal("1599.00"), False)
    assert [(i.code, i.action) for i in issues] == [("price_mismatch", "used 1599.00")]


def test_an_absurd_string_with_a_plausible_number_keeps_the_number() -> None:
    price, suspect, issues = _choose(671.68, "R$ 671.683,00")
    assert (price, suspect) == (Decimal("671.68"), False)
    assert [i.code for i in issues] == ["price_mismatch"]


def test_both_absurd_keeps_the_number_flagged() -> None:
    price, suspect, issues = _choose(900000.0, "R$ 800.000,00")
    assert (price, suspect) == (Decimal("900000.00"), True)
    assert [i.code for i in issues] == ["price_mismatch", "price_suspect"]


def test_the_string_alone_is_parsed() -> None:
    assert _choose(None, "R$ 1.347,65") == (Decimal("1347.65"), False, [])


def test_a_number_in_the_price_field_is_read_as_a_number() -> None:
    assert _choose(None, 1347.65) == (Decimal("1347.65"), False, [])


def test_an_unparseable_string_without_a_number_is_an_error() -> None:
    price, suspect, issues = _choose(None, "Consulte")
    assert (price, suspect) == (None, False)
    assert [(i.code, i.severity, i.reason, i.action) for i in issues] == [
        ("bad_price", "error", "not a price: 'Consulte'", "price left empty")
    ]


def test_an_unparseable_string_with_a_good_number_uses_the_number() -> None:
    assert _choose(1599.0, "Consulte") == (Decimal("1599.00"), False, [])


def test_a_numeric_price_that_is_not_a_number_is_ignored_with_a_warning() -> None:
    price, _, issues = _choose("1599", "R$ 1.599,00")
    assert price == Decimal("1599.00")
    assert [(i.code, i.severity, i.action) for i in issues] == [("bad_price", "warning", "ignored the numeric price")]


@pytest.mark.parametrize("text", [None, "", "   "])
def test_no_price_at_all_is_reported(text: object) -> None:
    price, suspect, issues = _choose(None, text)
    assert (price, suspect) == (None, False)
    assert [(i.code, i.severity, i.action) for i in issues] == [("missing_price", "error", "price left empty")]


@pytest.mark.parametrize("text", [{"valor": 10}, [1599], True])
def test_a_price_field_of_another_json_type_is_reported_not_dropped(text: object) -> None:
    price, _, issues = _choose(None, text)
    assert price is None
    assert [(i.code, i.severity, i.action) for i in issues] == [("bad_price", "error", "price left empty")]
