"""Property tests: whatever a feed file holds, `load_catalog` never raises, and what it reports
is complete (every issue says where, what, why and what was done) and consistent."""

from __future__ import annotations

import json
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medusa_sync.config import Rules
from medusa_sync.feeds import load_catalog
from medusa_sync.models import Catalog
from medusa_sync.normalize.prices import PriceError, parse_brl, price_from_number
from medusa_sync.normalize.text import model_code, power_w, unit_of_measure

# Per distributor, the file names its parser treats differently (category / kit type fallback).
FEED_FILES = {
    "odex": ["odex/odex-inverters.json", "odex/odex-panels.json", "odex/odex-misc.json"],
    "solfacil": ["solfacil/solfacil-cables.json", "solfacil/solfacil-panels.json"],
    "fotus": ["fotus/fotus-kits.json", "fotus/fotus-kits-hibridos.json", "fotus/fotus-combos.json"],
}
DISTRIBUTORS = list(FEED_FILES)

# Field names and values the real feeds use, so that generated records reach deep into the
# parsers instead of stopping at "record has no id".
KEYS = [
    "id", "name", "manufacturer", "model", "category", "price", "pricing", "image", "availability",
    "description", "estoque", "stock", "type", "potencia_kwp", "price_brl", "estrutura",
    "centro_distribuicao", "panels", "inverters", "batteries", "structures", "brand", "power_w",
    "power_kw", "quantity", "image_url",
]
WORDS = [
    "odex_inverters_ODEX-INV-SAJ-3000W", "odex_inverters_ODEX-PAINEL-X", "solfacil_panels_1", "FOTUS-KP04-kits",
    "FOTUS-KP04-kits-hibridos", "kits", "kits-hibridos", "inverters", "panels", "cables", "gadgets",
    "R$ 1.599,00", "R$ 671.683,00", "1.34765", "Consulte", "disponivel", "Disponível", "sob encomenda",
    "indisponivel", "CD SUDESTE| PRONTA ENTREGA", "MODULO FOTOVOLTAICO 585W - HANERSUN - EF. 22.6% - HN18N-72H",
    "https://cdn.example.com/x.jpg HANERSUN", "CABO SOLAR C/ 25 MT", "POR METRO", "3kW", "585W", "",
    "MICROINVERSOR DEYE 2.25KW (SUN-M225G4-EU-Q0-I)", "(4 MLPE)", "1e999999", "-1", "7",
]

leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)  # what orjson reads
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(WORDS)
)
json_values = st.recursive(
    leaves,
    lambda children: st.lists(children, max_size=6) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=10), children, max_size=8),
    max_leaves=25,
)
records = st.lists(st.dictionaries(st.sampled_from(KEYS), json_values, max_size=12) | json_values, max_size=5)
documents = json_values | records | st.dictionaries(st.text(max_size=10), records, max_size=3)

# Records in the real shapes, every value drawn from the leaves plus hostile numbers.
HOSTILE = ["1" * 5000, "1e999999", "-0", "NaN", "R$ " + "9" * 40, "9" * 40 + "W", "C/ " + "9" * 40 + " M"]
values = leaves | st.sampled_from(HOSTILE) | st.integers() | json_values
components = st.lists(
    st.fixed_dictionaries(
        {"quantity": st.integers(min_value=-1, max_value=10) | values},
        optional={"brand": values, "description": values, "power_w": values, "power_kw": values},
    ),
    max_size=3,
)
shaped_kits = st.fixed_dictionaries(
    {"id": st.sampled_from(["FOTUS-KP04-kits", "FOTUS-KP04-kits-hibridos", "FOTUS-KP02-kits"]) | values},
    optional={
        "type": st.sampled_from(["kits", "kits-hibridos"]) | values,
        "name": values,
        "potencia_kwp": values,
        "price_brl": values,
        "price": values,
        "pricing": st.fixed_dictionaries({"price": values}) | values,
        "centro_distribuicao": values,
        "availability": values,
        "estoque": values,
        "panels": components | values,
        "inverters": components | values,
        "batteries": components | values,
        "structures": components | values,
    },
)
shaped_products = st.fixed_dictionaries(
    {"id": st.sampled_from(["odex_inverters_ODEX-INV-SAJ-3000W", "odex_inverters_A", "solfacil_panels_1"]) | values},
    optional={
        key: values
        for key in ["name", "manufacturer", "model", "category", "price", "image", "availability", "description", "estoque"]
    }
    | {"pricing": st.fixed_dictionaries({"price": values}) | values},
)

FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _load(relative: str, data: bytes) -> Catalog:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / relative
        path.parent.mkdir(parents=True)
        path.write_bytes(data)
        catalog = load_catalog(root, Rules())
    _check(catalog, relative)
    return catalog


def _check(catalog: Catalog, relative: str) -> None:
    for issue in catalog.issues:
        assert issue.file == relative
        assert issue.code and issue.code.strip()
        assert issue.reason and issue.reason.strip()
        assert issue.action and issue.action.strip()
        assert issue.severity in ("error", "warning")
    (feed,) = catalog.files
    assert feed.path == relative
    if not feed.complete:  # an incomplete file is always explained
        assert catalog.issues
    skus = [item.sku for item in catalog.items] + [kit.sku for kit in catalog.kits]
    assert len(skus) == len(set(skus))
    item_skus = {item.sku for item in catalog.items}
    assert {level.sku for level in catalog.levels} <= item_skus
    assert {c.sku for kit in catalog.kits for c in kit.components} <= item_skus
    for item in catalog.items:
        assert item.sku.startswith(f"{item.distributor}_")
        if item.price is not None:
            assert item.price.as_tuple().exponent == -2


@pytest.mark.parametrize("distributor", DISTRIBUTORS)
@FUZZ
@given(data=st.data(), document=documents)
def test_any_json_document_never_raises(distributor: str, data, document: object) -> None:
    relative = data.draw(st.sampled_from(FEED_FILES[distributor]))
    catalog = _load(relative, json.dumps(document, ensure_ascii=False).encode("utf-8"))
    assert catalog.files[0].records <= (len(document) if isinstance(document, list) else max(1, _longest_list(document)))


def _longest_list(document: object) -> int:
    return max((len(v) for v in document.values() if isinstance(v, list)), default=0) if isinstance(document, dict) else 0


@pytest.mark.parametrize("distributor", DISTRIBUTORS)
@FUZZ
@given(data=st.data(), raw=st.binary(max_size=300))
def test_any_bytes_never_raise(distributor: str, data, raw: bytes) -> None:
    _load(data.draw(st.sampled_from(FEED_FILES[distributor])), raw)


@pytest.mark.parametrize("distributor", DISTRIBUTORS)
@FUZZ
@given(data=st.data(), document=records, cut=st.integers(min_value=0), noise=st.binary(max_size=4))
def test_a_json_array_cut_anywhere_never_raises(distributor: str, data, document: list, cut: int, noise: bytes) -> None:
    relative = data.draw(st.sampled_from(FEED_FILES[distributor]))
    text = json.dumps(document, ensure_ascii=False).encode("utf-8")
    catalog = _load(relative, text[: cut % (len(text) + 1)] + noise)
    if not noise:  # a cut never invents records (noise may complete one: "[" + "0")
        assert catalog.files[0].records <= len(document)


@given(st.text(max_size=40) | st.sampled_from(WORDS))
def test_parse_brl_returns_cents_or_raises_price_error(text: str) -> None:
    try:
        value = parse_brl(text)
    except PriceError:
        return
    assert isinstance(value, Decimal) and value.as_tuple().exponent == -2


@given(json_values)
def test_price_from_number_returns_cents_or_raises_price_error(value: object) -> None:
    try:
        result = price_from_number(value)
    except PriceError:
        return
    assert result.as_tuple().exponent == -2


@given(st.text(max_size=60) | st.sampled_from(WORDS))
def test_text_facts_never_raise(text: str) -> None:
    watts = power_w(text)
    assert watts is None or 0 <= watts <= 10**9
    unit = unit_of_measure(text)
    assert unit is None or unit.label
    code = model_code(text)
    assert code is None or code == code.upper()


@pytest.mark.parametrize("distributor", DISTRIBUTORS)
@FUZZ
@given(data=st.data())
def test_records_in_the_real_shapes_with_hostile_values_never_raise(distributor: str, data) -> None:
    relative = data.draw(st.sampled_from(FEED_FILES[distributor]))
    shaped = shaped_kits if distributor == "fotus" else shaped_products
    document = data.draw(st.lists(shaped, max_size=4))
    catalog = _load(relative, json.dumps(document, ensure_ascii=False).encode("utf-8"))
    assert catalog.files[0].records == len(document)
    # every record is accounted for: kept, or named by an error
    kept = {item.source.record for item in catalog.items if "kit_component" not in item.flags}
    kept |= {kit.source.record for kit in catalog.kits}
    refused = {i.record for i in catalog.issues if i.severity == "error" and i.record is not None}
    assert kept | refused == set(range(len(document)))
