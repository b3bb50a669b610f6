"""Real orders through Medusa's Store API on a store medusa-sync imported (groundwork for issue 9).

The kit is wired to the sales channel and shipping profile by the test fixture (what the
sellable-kits feature will automate); everything after that is Medusa's own behaviour, measured:
what an order reserves, what a fulfilment lowers, what a cancel releases.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from medusa_sync.cli.main import main

from .conftest import use_store
from .storefront import (
    Api,
    Merchant,
    cancel_order,
    fulfil_order,
    make_sellable,
    open_for_shipping,
    place_order,
    place_order_reserved_at,
    read_order,
    reservations_by_line_item,
    variant_by_sku,
)

pytestmark = pytest.mark.integration

REAL_FEEDS = Path(__file__).resolve().parents[3] / "shared" / "feeds-2025-10"
KIT_SKU = "fotus_kits_KP02"
SPLIT_KIT_SKU = "fotus_kits_KP03"  # its inverter is stocked at both Fotus DCs, its panels at one
KIT_FIELDS = "id,product_id,inventory_items.inventory_item_id,inventory_items.required_quantity"


@pytest.fixture
def kit_shop(empty_store, saved_stores, storefront_admin: Api, merchant: Merchant, monkeypatch, tmp_path) -> dict:
    """The real feeds imported by medusa-sync, every location shipping to Brazil, and KP02 sellable
    (built by the session's first test, restored for the others).

    Returns the kit's product and variant ids, its components (item id → required quantity)
    and the shipping option per location."""
    if not REAL_FEEDS.is_dir():
        pytest.skip("../shared/feeds-2025-10 is not present")
    use_store(monkeypatch, empty_store, tmp_path)

    def build() -> dict:
        assert main(["import", str(REAL_FEEDS), "--yes", "--quiet", "--out", str(tmp_path / "out")]) == 0
        locations = storefront_admin.call("GET", "/admin/stock-locations", params={"fields": "id", "limit": 100})
        options = open_for_shipping(storefront_admin, merchant, [loc["id"] for loc in locations["stock_locations"]])
        variant = variant_by_sku(storefront_admin, KIT_SKU, KIT_FIELDS)
        make_sellable(storefront_admin, merchant, variant["product_id"])
        return {
            "variant_id": variant["id"],
            "components": {link["inventory_item_id"]: link["required_quantity"] for link in variant["inventory_items"]},
            "shipping_options": options,
        }

    return saved_stores.restore_or_build("kit_shop", build)


def sellable_kit(admin: Api, merchant: Merchant, sku: str) -> tuple[str, dict[str, int]]:
    """Make another imported kit sellable; return its variant id and components."""
    variant = variant_by_sku(admin, sku, KIT_FIELDS)
    make_sellable(admin, merchant, variant["product_id"])
    return variant["id"], {link["inventory_item_id"]: link["required_quantity"] for link in variant["inventory_items"]}


def kit_quantity(admin: Api, variant_id: str) -> int:
    """Medusa's own figure for the kit (before 2.2x only a row that also holds `manage_inventory` gets it)."""
    (variant,) = admin.call(
        "GET", "/admin/product-variants", params={"id": variant_id, "fields": "id,manage_inventory,inventory_quantity"}
    )["variants"]
    return variant["inventory_quantity"]


def levels(admin: Api, item_ids) -> dict[tuple[str, str], tuple[int, int]]:
    """(item id, location id) → (stocked, reserved) for these inventory items."""
    items = admin.call(
        "GET",
        "/admin/inventory-items",
        params={
            "id[]": ",".join(item_ids),
            "fields": "id,location_levels.location_id,location_levels.stocked_quantity,location_levels.reserved_quantity",
            "limit": 100,
        },
    )["inventory_items"]
    return {
        (item["id"], level["location_id"]): (level["stocked_quantity"], level["reserved_quantity"])
        for item in items
        for level in item["location_levels"]
    }


def test_kit_order_reserves_each_component_and_fulfilment_lowers_stock_once(
    kit_shop, storefront_admin: Api, storefront: Api, merchant: Merchant
) -> None:
    components = kit_shop["components"]
    before_levels = levels(storefront_admin, components)
    before_quantity = kit_quantity(storefront_admin, kit_shop["variant_id"])
    # The one location where every component has a level with stock for the order (the Fotus DC
    # that stocks both the panels and the inverter).
    (location_id,) = {
        loc
        for (_, loc) in before_levels
        if all(before_levels.get((item, loc), (0, 0))[0] >= 2 * need for item, need in components.items())
    }

    order = place_order(storefront, merchant, {kit_shop["variant_id"]: 2}, kit_shop["shipping_options"][location_id])

    (line,) = order["items"]
    assert (line["variant_sku"], line["quantity"]) == (KIT_SKU, 2)
    placed = read_order(storefront_admin, order["id"])
    assert (placed["display_id"], placed["status"], placed["fulfillment_status"]) == (
        order["display_id"],
        "pending",
        "not_fulfilled",
    )
    # One reservation per component for 2 × its required quantity. Medusa picks each
    # component's location on its own (the first of the channel's locations with enough stock),
    # so the inverter may sit at the other Fotus DC: only "a level of that item" is certain.
    reservations = reservations_by_line_item(storefront_admin, [line["id"]])
    assert sorted((r["inventory_item_id"], r["quantity"]) for r in reservations) == sorted(
        (item, 2 * need) for item, need in components.items()
    )
    assert all((r["inventory_item_id"], r["location_id"]) in before_levels for r in reservations)
    reserved_levels = dict(before_levels)
    for r in reservations:
        stocked, reserved = before_levels[(r["inventory_item_id"], r["location_id"])]
        reserved_levels[(r["inventory_item_id"], r["location_id"])] = (stocked, reserved + r["quantity"])
    assert levels(storefront_admin, components) == reserved_levels
    assert kit_quantity(storefront_admin, kit_shop["variant_id"]) == before_quantity - 2

    fulfil_order(storefront_admin, order["id"], location_id, {line["id"]: 2})

    fulfilled = read_order(storefront_admin, order["id"])
    assert (fulfilled["status"], fulfilled["fulfillment_status"]) == ("pending", "fulfilled")
    assert fulfilled["items"][0]["detail"]["fulfilled_quantity"] == 2
    left = reservations_by_line_item(storefront_admin, [line["id"]])
    if left:
        # Medusa 2.3.0 fulfils one reservation per line item (the last it reads, which varies):
        # it lowers that one component at the fulfilment's location by the line's quantity (2,
        # not the reservation's) and takes as much off its reservation (deleted at 0); the kit's
        # other components stay reserved and are not lowered. Nothing else of this test applies
        # (medusa-sync finishes such a line itself: test_order_reservations).
        (handled,) = [r for r in reservations if r not in left]
        rest = handled["quantity"] - 2
        assert sorted((r["inventory_item_id"], r["location_id"], r["quantity"]) for r in left) == sorted(
            [(r["inventory_item_id"], r["location_id"], r["quantity"]) for r in reservations if r is not handled]
            + ([(handled["inventory_item_id"], location_id, rest)] if rest else [])
        )
        expected = dict(reserved_levels)
        stocked, reserved = expected[(handled["inventory_item_id"], handled["location_id"])]
        expected[(handled["inventory_item_id"], handled["location_id"])] = (stocked, reserved - 2)
        stocked, reserved = expected[(handled["inventory_item_id"], location_id)]
        expected[(handled["inventory_item_id"], location_id)] = (stocked - 2, reserved)
        assert levels(storefront_admin, components) == expected
        return
    # Stock lowered once, at the fulfilment's location, and every reservation released.
    expected = dict(before_levels)
    for item, need in components.items():
        stocked, reserved = before_levels[(item, location_id)]
        expected[(item, location_id)] = (stocked - 2 * need, reserved)
    assert levels(storefront_admin, components) == expected
    assert kit_quantity(storefront_admin, kit_shop["variant_id"]) == before_quantity - 2
    # A second fulfilment of the same line is refused and changes nothing. The refusal differs:
    # 2.21.2 answers 400 "No stock reservation found for item <line>", 2.8.8 500 unknown_error
    # (medusa-sync checks the line first, and re-reads it after either answer: order_fulfilment).
    resp = storefront_admin.http.post(
        f"/admin/orders/{order['id']}/fulfillments",
        json={"items": [{"id": line["id"], "quantity": 2}], "location_id": location_id},
        params={"fields": "id"},
    )
    status, message = resp.status_code, resp.json()["message"]
    if status == 400:
        assert message.startswith(f"No stock reservation found for item {line['id']}"), message
    else:
        assert (status, message) == (500, "An unknown error occurred.")
    assert levels(storefront_admin, components) == expected
    assert read_order(storefront_admin, order["id"])["items"][0]["detail"]["fulfilled_quantity"] == 2


def test_canceled_order_releases_its_reservations(
    kit_shop, storefront_admin: Api, storefront: Api, merchant: Merchant
) -> None:
    components = kit_shop["components"]
    before_levels = levels(storefront_admin, components)
    before_quantity = kit_quantity(storefront_admin, kit_shop["variant_id"])
    location_id = next(iter(kit_shop["shipping_options"]))
    order = place_order(storefront, merchant, {kit_shop["variant_id"]: 2}, kit_shop["shipping_options"][location_id])
    (line,) = order["items"]
    assert len(reservations_by_line_item(storefront_admin, [line["id"]])) == len(components)

    canceled = cancel_order(storefront_admin, order["id"])

    assert (canceled["display_id"], canceled["status"], canceled["fulfillment_status"]) == (
        order["display_id"],
        "canceled",
        "not_fulfilled",
    )
    assert reservations_by_line_item(storefront_admin, [line["id"]]) == []
    assert levels(storefront_admin, components) == before_levels
    assert kit_quantity(storefront_admin, kit_shop["variant_id"]) == before_quantity


def test_kit_reserved_at_two_locations_medusa_fulfils_per_reservation_only_without_location(
    kit_shop, storefront_admin: Api, storefront: Api, merchant: Merchant
) -> None:
    """The issue's KP03 story, with the split forced: Medusa's behaviour the fulfil feature must
    work around (a location missing a component's level fails, possibly after lowering another
    component there; no location lowers each component where it is reserved)."""
    variant_id, components = sellable_kit(storefront_admin, merchant, SPLIT_KIT_SKU)
    before = levels(storefront_admin, components)
    (panel,) = [item for item, need in components.items() if need == 2]
    (inverter,) = [item for item, need in components.items() if need == 1]
    (panel_dc,) = [loc for (item, loc) in before if item == panel]
    (other_dc,) = [loc for (item, loc) in before if item == inverter and loc != panel_dc]
    # No inverter free at the panels' DC: Medusa must reserve the inverter at the other DC.
    storefront_admin.call(
        "POST", f"/admin/inventory-items/{inverter}/location-levels/{panel_dc}", json={"stocked_quantity": 0}
    )
    order = place_order_reserved_at(
        storefront_admin, storefront, merchant, variant_id, 1, kit_shop["shipping_options"][panel_dc], {inverter: other_dc, panel: panel_dc}
    )
    (line,) = order["items"]
    reservations = reservations_by_line_item(storefront_admin, [line["id"]])
    assert sorted((r["inventory_item_id"], r["location_id"], r["quantity"]) for r in reservations) == sorted(
        [(inverter, other_dc, 1), (panel, panel_dc, 2)]
    )
    inverter_stocked = before[(inverter, other_dc)][0]
    panel_stocked = before[(panel, panel_dc)][0]

    # At the inverter's DC (no panel level there): 404 and reservations kept, but Medusa adjusts
    # the components one by one without rolling back, in the (unordered) order of the
    # reservations: when the inverter comes first, its stock there is lowered all the same.
    resp = storefront_admin.http.post(
        f"/admin/orders/{order['id']}/fulfillments",
        json={"items": [{"id": line["id"], "quantity": 1}], "location_id": other_dc},
        params={"fields": "id"},
    )
    if resp.status_code == 200:
        # Medusa 2.3.0 fulfils one reservation per line item (here the inverter's, the last made):
        # it lowers the inverter at its DC and releases it; the panels stay reserved, not lowered,
        # and the order reads fulfilled. medusa-sync finishes such a line: test_order_reservations.
        assert levels(storefront_admin, components) == {
            **before,
            (inverter, other_dc): (before[(inverter, other_dc)][0] - 1, 0),
            (inverter, panel_dc): (0, 0),
            (panel, panel_dc): (before[(panel, panel_dc)][0], 2),
        }
        assert [(r["inventory_item_id"], r["location_id"], r["quantity"]) for r in reservations_by_line_item(storefront_admin, [line["id"]])] == [
            (panel, panel_dc, 2)
        ]
        assert read_order(storefront_admin, order["id"])["fulfillment_status"] == "fulfilled"
        return
    assert (resp.status_code, resp.json()["message"]) == (404, f"Inventory level for item {panel} and location {other_dc} not found")
    after_failure = levels(storefront_admin, components)
    lost = inverter_stocked - after_failure[(inverter, other_dc)][0]
    assert lost in (0, 1)
    assert after_failure == {
        **before,
        (inverter, other_dc): (inverter_stocked - lost, 1),
        (inverter, panel_dc): (0, 0),
        (panel, panel_dc): (panel_stocked, 2),
    }
    assert len(reservations_by_line_item(storefront_admin, [line["id"]])) == 2
    assert read_order(storefront_admin, order["id"])["fulfillment_status"] == "not_fulfilled"

    # No location: each component is lowered where its reservation is.
    fulfil_order(storefront_admin, order["id"], None, {line["id"]: 1})

    after = levels(storefront_admin, components)
    assert after == {
        **before,
        (inverter, other_dc): (inverter_stocked - 1 - lost, 0),  # plus the failed attempt's unit, if any
        (inverter, panel_dc): (0, 0),
        (panel, panel_dc): (panel_stocked - 2, 0),
    }
    assert reservations_by_line_item(storefront_admin, [line["id"]]) == []
    assert read_order(storefront_admin, order["id"])["fulfillment_status"] == "fulfilled"
