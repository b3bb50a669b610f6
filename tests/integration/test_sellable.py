"""Sellable kits (issue 9): kits and the locations medusa-sync creates are wired to the store's
sales channels and shipping profile by `import`, so a customer can buy a kit through the Store
API straight after it — the test fixture wires neither the kit nor the locations."""

from __future__ import annotations

import uuid

import pytest

from medusa_sync.cli.main import main

from .storefront import (
    Api,
    Merchant,
    open_for_shipping,
    place_order,
    reservations_by_line_item,
    store_inventory_quantity,
    variant_by_sku,
)
from .test_sync import SAMPLES, run_json

pytestmark = pytest.mark.integration

KIT_SKU = "fotus_kits_KP05"  # 4 × fotus_panels_ASTRONERGY-615W + 1 × fotus_inverters_SUN-M200G4-EU-Q0-I


@pytest.fixture
def published(store, monkeypatch, tmp_path):
    """The rules file: kits published (channels and profile: the store's defaults)."""
    (tmp_path / "medusa-sync.toml").write_text('[kits]\nstatus = "published"\n', encoding="utf-8")
    return store


@pytest.fixture
def imported(published, saved_stores, tmp_path):
    """The samples imported with kits published (the session's first such import, restored)."""

    def import_samples() -> None:
        assert main(["import", str(SAMPLES), "--yes", "--quiet", "--out", str(tmp_path / "out")]) == 0

    saved_stores.restore_or_build("samples_published", import_samples)
    return published


def kit_variant(admin: Api) -> dict:
    return variant_by_sku(
        admin, KIT_SKU, "id,product_id,inventory_items.inventory_item_id,inventory_items.required_quantity"
    )


def product(admin: Api, merchant: Merchant, product_id: str) -> dict:
    """The kit's product; its shipping profile where products have one (Medusa 2.5 on)."""
    profile = ",shipping_profile.id" if merchant.products_have_shipping_profiles else ""
    return admin.call(
        "GET", f"/admin/products/{product_id}", params={"fields": f"id,status,sales_channels.id{profile}"}
    )["product"]


def locations(admin: Api) -> dict[str, list[str]]:
    rows = admin.call("GET", "/admin/stock-locations", params={"fields": "id,name,sales_channels.id", "limit": 100})
    return {row["id"]: sorted(sc["id"] for sc in row["sales_channels"]) for row in rows["stock_locations"]}


def test_a_kit_is_bought_right_after_import(published, storefront_admin: Api, merchant: Merchant, storefront: Api, capsys, tmp_path) -> None:
    code, imported = run_json(capsys, "import", str(SAMPLES), "--yes", "--out", str(tmp_path / "out"))
    assert code == 0
    assert imported["applied"]["failures"] == []
    assert imported["plan"]["warnings"] == []  # BRL is a store currency and the merchant's region uses it
    variant = kit_variant(storefront_admin)
    kit = product(storefront_admin, merchant, variant["product_id"])
    assert (kit["status"], [sc["id"] for sc in kit["sales_channels"]]) == ("published", [merchant.sales_channel_id])
    if merchant.products_have_shipping_profiles:
        assert kit["shipping_profile"]["id"] == merchant.shipping_profile_id
    else:  # Medusa before 2.5: nothing to wire, and the order below needs none
        assert "shipping_profile" not in kit
    wired = locations(storefront_admin)
    assert len(wired) == 4 and set(map(tuple, wired.values())) == {(merchant.sales_channel_id,)}

    # The merchant's own setup only: shipping from each location (no channel wiring).
    options = open_for_shipping(storefront_admin, merchant, list(wired), join_channel=False)
    before = store_inventory_quantity(storefront, variant["product_id"], KIT_SKU)
    components = {link["inventory_item_id"]: link["required_quantity"] for link in variant["inventory_items"]}
    # availability --sales-channel counts what that channel's storefront counts.
    code, available = run_json(capsys, "availability", KIT_SKU, "--sales-channel", merchant.sales_channel_id)
    assert (code, available["available"], available["every_location"]) == (0, before, False)
    assert len(available["locations"]) == 4
    reservations = None
    for option in options.values():  # the kit's components are stocked at one Fotus DC
        try:
            order = place_order(storefront, merchant, {variant["id"]: 2}, option)
        except AssertionError:
            continue
        reservations = reservations_by_line_item(storefront_admin, [order["items"][0]["id"]])
        break
    assert reservations is not None, "no shipping option could complete an order of the kit"
    assert {r["inventory_item_id"]: r["quantity"] for r in reservations} == {i: 2 * q for i, q in components.items()}
    after = store_inventory_quantity(storefront, variant["product_id"], KIT_SKU)
    assert after == before - 2

    code, again = run_json(capsys, "import", str(SAMPLES), "--yes", "--out", str(tmp_path / "out"))
    assert (code, again["applied"], again["requests"]["writes"]) == (0, None, 0)


def test_availability_in_a_channel_without_locations_is_refused(imported, storefront_admin: Api, capsys) -> None:
    name = f"Vazio {uuid.uuid4().hex[:6]}"
    channel = storefront_admin.call("POST", "/admin/sales-channels", json={"name": name})["sales_channel"]["id"]
    try:
        assert main(["availability", KIT_SKU, "--sales-channel", name]) == 64
        assert "has no stock location: its storefront can sell nothing" in capsys.readouterr().err
        assert main(["availability", KIT_SKU, "--sales-channel", "Nenhum"]) != 0
    finally:
        storefront_admin.call("DELETE", f"/admin/sales-channels/{channel}")


def test_existing_kits_and_locations_get_missing_channels_added_never_removed(
    imported, storefront_admin: Api, merchant: Merchant, capsys, tmp_path
) -> None:
    variant = kit_variant(storefront_admin)
    product_id = variant["product_id"]
    other = storefront_admin.call("POST", "/admin/sales-channels", json={"name": f"Atacado {uuid.uuid4().hex[:6]}"})[
        "sales_channel"
    ]["id"]
    # As an older medusa-sync left them: the kit only in another channel, one location in none.
    storefront_admin.call("POST", f"/admin/sales-channels/{other}/products", json={"add": [product_id]})
    storefront_admin.call("POST", f"/admin/sales-channels/{merchant.sales_channel_id}/products", json={"remove": [product_id]})
    location_id = next(iter(locations(storefront_admin)))
    storefront_admin.call(
        "POST", f"/admin/stock-locations/{location_id}/sales-channels", json={"remove": [merchant.sales_channel_id]}
    )

    code, plan = run_json(capsys, "plan", str(SAMPLES), "--detailed-exitcode", "--out", str(tmp_path / "p"))
    assert code == 2
    updates = [(c["kind"], c["action"], c["fields"]) for c in plan["plan"]["changes"]]
    assert updates == [
        ("location", "update", [{"field": "sales_channels", "before": [], "after": [merchant.sales_channel_id], "removed": False}]),
        ("kit", "update", [{"field": "sales_channels", "before": [other], "after": sorted([other, merchant.sales_channel_id]), "removed": False}]),
    ]
    code, applied = run_json(capsys, "import", str(SAMPLES), "--yes", "--out", str(tmp_path / "out"))
    assert code == 0
    assert applied["applied"]["applied"] == {"location.update": 1, "kit.update": 1}
    assert applied["requests"]["writes"] == 2
    assert sorted(sc["id"] for sc in product(storefront_admin, merchant, product_id)["sales_channels"]) == sorted([other, merchant.sales_channel_id])
    assert locations(storefront_admin)[location_id] == [merchant.sales_channel_id]
    storefront_admin.call("POST", f"/admin/sales-channels/{other}/products", json={"remove": [product_id]})
    storefront_admin.call("DELETE", f"/admin/sales-channels/{other}")
