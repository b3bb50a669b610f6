"""availability: items summed over locations, kits limited by their scarcest component."""

from __future__ import annotations

from decimal import Decimal

import pytest

from medusa_sync.errors import NotFoundError, UsageError
from medusa_sync.operations import check_availability
from medusa_sync.cli.exit_codes import exit_code_of

from .medusa_fake import item_by_sku_call, items_by_ids_call, locations_call, reservations_call, variants_call


def test_an_item_sums_stocked_minus_reserved_over_every_location(fake, client):
    fake.reservation("resitem_1", "iitem_inv", "sloc_b", 1)
    result = check_availability(client, "INV-1", quantity=4)
    assert fake.calls == [locations_call(), item_by_sku_call("INV-1"), reservations_call(inventory_item_id="iitem_inv")]
    assert (result.kind, result.available, result.confirmed) == ("item", 4, True)
    assert [(r.id, r.kind, r.location, r.quantity) for r in result.reservations] == [("resitem_1", "manual", "Solfacil CD", 1)]
    assert [(s.location, s.stocked, s.reserved, s.available) for s in result.by_location] == [
        ("Odex CD", 3, 0, 3),
        ("Solfacil CD", 2, 1, 1),
    ]


def test_only_the_chosen_locations_count(fake, client):
    result = check_availability(client, "INV-1", quantity=3, locations=["Solfacil CD"])
    assert (result.available, result.confirmed, result.locations) == (2, False, ["Solfacil CD"])


def test_over_committed_levels_lower_the_sum(fake, client):
    fake.level("iitem_inv", "sloc_b", stocked=0, reserved=2)
    assert check_availability(client, "INV-1").available == 1


def test_a_kit_is_limited_by_its_scarcest_component(fake, client):
    fake.reservation("resitem_1", "iitem_pnl", "sloc_a", 5)
    result = check_availability(client, "KIT-1", quantity=3)
    assert fake.calls == [
        locations_call(),
        item_by_sku_call("KIT-1"),
        variants_call(**{"sku[]": "KIT-1"}),
        items_by_ids_call("iitem_inv", "iitem_pnl"),
        reservations_call(inventory_item_id="iitem_inv"),
        reservations_call(inventory_item_id="iitem_pnl"),
    ]
    assert (result.kind, result.available, result.confirmed) == ("kit", 2, False)
    assert (result.limiting.sku, result.limiting.available, result.limiting.required) == ("PNL-1", 5, Decimal(2))
    assert [(c.sku, c.kits) for c in result.components] == [("INV-1", 5), ("PNL-1", 2)]
    assert [s.location for s in result.limiting.locations] == ["Odex CD"]


def test_a_kit_at_one_location(fake, client):
    result = check_availability(client, "KIT-1", locations=["sloc_b"])
    assert (result.available, result.limiting.sku) == (0, "PNL-1")


def test_unknown_sku_and_bad_quantity(fake, client):
    with pytest.raises(NotFoundError, match="no inventory item or kit with SKU 'NOPE'") as missing:
        check_availability(client, "NOPE")
    assert exit_code_of(missing.value) == 9
    with pytest.raises(UsageError):
        check_availability(client, "INV-1", quantity=0)
