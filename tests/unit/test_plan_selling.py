"""Sellable kits: the channels and shipping profile kits and locations get from the plan."""

from __future__ import annotations

import dataclasses

import pytest

from medusa_sync.config import Rules
from medusa_sync.errors import ConfigError
from medusa_sync.models import Catalog
from medusa_sync.plan import PlanOptions, make_plan
from medusa_sync.store import StoreSelling, StoreSnapshot

from .test_plan import RULES, catalog, synced_snapshot  # noqa: F401  (catalog: fixture)

SELLING = StoreSelling(
    default_sales_channel_id="sc_default",
    default_shipping_profile_id="sp_default",
    sales_channels={"Default Sales Channel": "sc_default", "Atacado": "sc_b2b"},
    shipping_profiles={"Default Shipping Profile": "sp_default", "Frete pesado": "sp_heavy"},
    currencies=frozenset({"eur", "brl"}),
    region_currencies=frozenset({"brl"}),
)


def rules(**kits) -> Rules:
    return Rules.model_validate({"kits": kits, "locations": {"sales_channels": kits.get("sales_channels", [])}})


def test_new_kits_and_locations_get_the_store_defaults(catalog: Catalog) -> None:
    plan = make_plan(catalog, StoreSnapshot(url="http://m", selling=SELLING), RULES, PlanOptions())
    kits = plan.writes("kit", "create")
    assert {(k.sales_channels[0], k.shipping_profile_id) for k in kits} == {("sc_default", "sp_default")}
    assert {tuple(c.sales_channels) for c in plan.writes("location", "create")} == {("sc_default",)}
    assert plan.warnings == []


def test_channels_and_profile_by_name_or_id(catalog: Catalog) -> None:
    chosen = rules(sales_channels=["Atacado", "sc_default"], shipping_profile="Frete pesado")
    plan = make_plan(catalog, StoreSnapshot(url="http://m", selling=SELLING), chosen, PlanOptions())
    assert {(tuple(k.sales_channels), k.shipping_profile_id) for k in plan.writes("kit", "create")} == {
        (("sc_b2b", "sc_default"), "sp_heavy")
    }
    with pytest.raises(ConfigError, match=r"\[kits\] sales_channels: no sales channel 'Varejo' in the store"):
        make_plan(catalog, StoreSnapshot(url="http://m", selling=SELLING), rules(sales_channels=["Varejo"]), PlanOptions())


def test_existing_kits_and_locations_get_what_is_missing_added(catalog: Catalog) -> None:
    snapshot = synced_snapshot(catalog)  # recorded before kits had channels
    snapshot.selling = SELLING
    name, location = next(iter(snapshot.locations.items()))
    snapshot.locations[name] = dataclasses.replace(location, sales_channels=("sc_default",))
    sku, kit = next(iter(snapshot.kits.items()))
    snapshot.kits[sku] = dataclasses.replace(kit, sales_channels=("sc_b2b",), shipping_profile_id="sp_heavy")
    plan = make_plan(catalog, snapshot, RULES, PlanOptions())
    location_updates = plan.writes("location", "update")
    assert len(location_updates) == len(snapshot.locations) - 1
    assert {tuple(u.add_sales_channels) for u in location_updates} == {("sc_default",)}
    updates = {u.sku: u for u in plan.writes("kit", "update")}
    assert len(updates) == len(snapshot.kits)
    assert (updates[sku].add_sales_channels, updates[sku].shipping_profile_id) == (["sc_default"], None)
    assert [(f.field, f.before, f.after) for f in updates[sku].fields] == [
        ("sales_channels", ["sc_b2b"], ["sc_b2b", "sc_default"])
    ]
    other = next(u for s, u in updates.items() if s != sku)
    assert (other.add_sales_channels, other.shipping_profile_id) == (["sc_default"], "sp_default")


def test_plan_warns_when_the_kit_currency_cannot_sell(catalog: Catalog) -> None:
    selling = dataclasses.replace(SELLING, currencies=frozenset({"eur"}), region_currencies=frozenset({"eur"}))
    plan = make_plan(catalog, StoreSnapshot(url="http://m", selling=selling), RULES, PlanOptions())
    assert plan.warnings == [
        "kits are priced in brl, which is not one of the store's currencies (eur): add it in the store settings to sell them",
        "no region uses brl, the kits' currency: a storefront cannot sell them",
    ]


def test_where_products_have_no_shipping_profile_none_is_planned_and_a_configured_one_is_named(catalog: Catalog) -> None:
    """Medusa before 2.5 (the client learned it from the product read): kits are created and
    kept without a profile, a re-plan finds nothing to add, and `[kits] shipping_profile` is
    reported as ignored rather than dropped silently."""
    selling = dataclasses.replace(SELLING, products_have_shipping_profiles=False)
    plan = make_plan(catalog, StoreSnapshot(url="http://m", selling=selling), RULES, PlanOptions())
    assert {k.shipping_profile_id for k in plan.writes("kit", "create")} == {None}
    assert plan.warnings == []
    synced = synced_snapshot(catalog)
    synced.selling = selling
    synced.locations = {n: dataclasses.replace(loc, sales_channels=("sc_default",)) for n, loc in synced.locations.items()}
    synced.kits = {s: dataclasses.replace(k, sales_channels=("sc_default",)) for s, k in synced.kits.items()}
    assert make_plan(catalog, synced, RULES, PlanOptions()).writes("kit", "update") == []
    named = make_plan(catalog, StoreSnapshot(url="http://m", selling=selling), rules(shipping_profile="Frete pesado"), PlanOptions())
    assert {k.shipping_profile_id for k in named.writes("kit", "create")} == {None}
    assert named.warnings == ["[kits] shipping_profile is ignored: the server's products have no shipping profile"]
