"""Issue 10.7: an unknown SKU gets the closest SKUs of the store as a hint ("did you mean"),
found by searching (never by reading the whole store), and only when the exact lookup misses;
a missing reservation says so (exit 9)."""

from __future__ import annotations

import pytest

from medusa_sync.cli.main import main
from medusa_sync.client import MedusaClient
from medusa_sync.store.suggest import MAX_SEARCHES, closest, fragments

from .medusa_fake import FakeMedusa, item_by_sku_call, locations_call, standard_store, variants_call

SAJ = "odex_inverters_ODEX-INV-SAJ-3000W"


def search_call(path: str, text: str) -> tuple:
    return ("GET", path, {"fields": "id,sku", "order": "id", "q": text, "offset": "0", "limit": "100"}, None)


def solar_store() -> FakeMedusa:
    fake = FakeMedusa()
    fake.location("sloc_odex", "Odex CD")
    fake.location("sloc_sol", "Solfacil CD")
    fake.item("iitem_saj3", SAJ, title="Inversor SAJ 3 kW", sloc_odex=100)
    fake.item("iitem_saj4", "odex_inverters_ODEX-INV-SAJ-4200W", title="Inversor SAJ 4,2 kW", sloc_odex=100)
    fake.item("iitem_solis", "odex_inverters_ODEX-INV-SOLIS-3000W", title="Inversor Solis 3 kW", sloc_odex=100)
    fake.kit("variant_kp04", "fotus_kits_KP04", "Kit KP04", iitem_saj3=1, iitem_saj4=1)
    return fake


@pytest.fixture
def fake(monkeypatch, tmp_path):
    store = solar_store()
    monkeypatch.setattr(MedusaClient, "from_settings", classmethod(lambda cls, settings: store.client()))
    monkeypatch.setattr("medusa_sync.cli.live.writer_lease", _no_lease)
    monkeypatch.setenv("MEDUSA_SYNC_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.chdir(tmp_path)
    return store


class _no_lease:
    def __init__(self, *args, **kwargs) -> None:
        pass

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> None:
        return None


def run(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_fragments_are_the_sku_then_its_prefixes_and_suffixes_longest_first() -> None:
    assert fragments("odex_inverters_ODEX-INV-SAJ-3000") == [
        "odex_inverters_ODEX-INV-SAJ-3000",
        "odex_inverters_ODEX-INV-SAJ",
        "inverters_ODEX-INV-SAJ-3000",
        "odex_inverters_ODEX-INV",
        "ODEX-INV-SAJ-3000",
        "odex_inverters_ODEX",
        "INV-SAJ-3000",
        "odex_inverters",
        "SAJ-3000",
        "odex",
        "3000",
    ]
    assert fragments("KP") == []  # too short to search


def test_closest_ignores_case_accents_and_spacing() -> None:
    assert closest("FOTUS_KITS_kp04", ["fotus_kits_KP04", "fotus_kits_KP02", "odex_panels_X"]) == ["fotus_kits_KP04", "fotus_kits_KP02"]
    assert closest("Espirito  santo", ["Espírito Santo"]) == ["Espírito Santo"]
    assert closest("NOPE", ["fotus_kits_KP04"]) == []


def test_availability_of_a_sku_missing_its_last_letter_suggests_the_sku(fake, capsys) -> None:
    code, out, err = run(capsys, "availability", "odex_inverters_ODEX-INV-SAJ-3000")
    assert (code, out) == (9, "")
    assert err == (
        "error: no inventory item or kit with SKU 'odex_inverters_ODEX-INV-SAJ-3000'\n"
        f"hint: did you mean '{SAJ}'?\n"
    )
    typed = "odex_inverters_ODEX-INV-SAJ-3000"
    assert fake.calls == [
        locations_call(),
        item_by_sku_call(typed),
        variants_call(**{"sku[]": typed}),
        search_call("/admin/inventory-items", typed),  # the SKU itself finds …-3000W: one search each
        search_call("/admin/product-variants", typed),
    ]


def test_a_kit_sku_in_the_wrong_case_suggests_the_kit(fake, capsys) -> None:
    code, _, err = run(capsys, "availability", "FOTUS_KITS_KP04")
    assert code == 9
    assert err.splitlines()[-1] == "hint: did you mean 'fotus_kits_KP04'?"


def test_a_typo_at_the_start_is_found_by_a_suffix(fake, capsys) -> None:
    code, _, err = run(capsys, "availability", "odx_inverters_ODEX-INV-SAJ-3000W")
    assert code == 9
    assert err.splitlines()[-1] == f"hint: did you mean '{SAJ}'?"
    searched = [call[2]["q"] for call in fake.calls if "q" in call[2]]
    assert searched == [text for text in fragments("odx_inverters_ODEX-INV-SAJ-3000W")[:3] for _ in range(2)]


def test_several_close_skus_are_suggested_best_first(fake, capsys) -> None:
    code, _, err = run(capsys, "availability", "odex_inverters_ODEX-INV-SAJ-3600W")
    assert code == 9
    assert err.splitlines()[-1] == (
        f"hint: did you mean '{SAJ}' or 'odex_inverters_ODEX-INV-SAJ-4200W'?"
    )  # found by the prefix …-SAJ, so the Solis is not among them


def test_a_sku_like_nothing_in_the_store_gets_no_hint_after_a_bounded_search(fake, capsys) -> None:
    code, _, err = run(capsys, "availability", "ZZZ-QQQ-WWW-YYY-XXX-VVV")
    assert (code, err) == (9, "error: no inventory item or kit with SKU 'ZZZ-QQQ-WWW-YYY-XXX-VVV'\n")
    searches = [call for call in fake.calls if "q" in call[2]]
    assert len(searches) == 2 * MAX_SEARCHES
    assert all(call[2]["limit"] == "100" for call in searches)  # one page each, never the whole store


@pytest.mark.parametrize(
    "args",
    [
        ("reserve", "-l", "Odex CD", "-q", "1"),
        ("adjust", "-l", "Odex CD", "--delta", "1", "--reason", "count"),
        ("set", "-l", "Odex CD", "-q", "1", "--reason", "count"),
        ("transfer", "--from", "Odex CD", "--to", "Solfacil CD", "-q", "1", "--reason", "move"),
    ],
)
def test_every_command_taking_an_item_sku_suggests_the_closest(fake, capsys, args) -> None:
    command, *options = args
    code, _, err = run(capsys, command, "odex_inverters_odex-inv-saj-3000w", *options)
    assert code == 9
    assert err == f"error: no inventory item with SKU 'odex_inverters_odex-inv-saj-3000w'\nhint: did you mean '{SAJ}'?\n"
    assert fake.writes() == []
    assert not any(call[1] == "/admin/product-variants" for call in fake.calls)  # a kit is no answer here


def test_a_known_sku_costs_no_search(fake, capsys) -> None:
    code, _, _ = run(capsys, "availability", SAJ)
    assert code == 0
    assert not any("q" in call[2] for call in fake.calls)


@pytest.mark.parametrize("command", ["release", "fulfill"])
def test_a_missing_reservation_says_so_and_exits_9(monkeypatch, tmp_path, capsys, command) -> None:
    store = standard_store()
    monkeypatch.setattr(MedusaClient, "from_settings", classmethod(lambda cls, settings: store.client()))
    monkeypatch.setattr("medusa_sync.cli.live.writer_lease", _no_lease)
    monkeypatch.setenv("MEDUSA_SYNC_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    code, out, err = run(capsys, command, "resitem_NOPE")
    assert (code, out) == (9, "")
    assert err == "error: no reservation 'resitem_NOPE' (it may have been released or fulfilled: see `medusa-sync audit`)\n"
    assert store.writes() == []
