"""A merchant's storefront on the real Medusa server, and customers' orders through the Store API.

What a merchant sets up by hand before anyone can buy (a BRL region with the system payment
provider, a publishable key on the store's default sales channel, shipping at given stock
locations), how a customer places an order (cart → line items → addresses → shipping →
payment → complete), and the admin calls that read, cancel and fulfil an order and list the
reservations it holds.

Plain httpx on purpose, like conftest.py: these helpers must not depend on the project's own
client. Every call checks its status and fails the test with the server's answer otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

HTTP_TIMEOUT_S = 60.0
REGION_NAME = "Brasil (medusa-sync tests)"
PAYMENT_PROVIDER = "pp_system_default"
FULFILLMENT_PROVIDER = "manual_manual"
SHIPPING_PRICE_BRL = 150
ADDRESS = {
    "first_name": "Maria",
    "last_name": "Silva",
    "address_1": "Avenida Paulista, 1000",
    "city": "São Paulo",
    "province": "SP",
    "postal_code": "01310-100",
    "country_code": "br",
    "phone": "+55 11 99999-0000",
}


class Api:
    """One Medusa API surface (admin or store) over plain httpx; each call checks its status."""

    def __init__(self, url: str, headers: Mapping[str, str]) -> None:
        self.http = httpx.Client(base_url=url, headers=dict(headers), timeout=HTTP_TIMEOUT_S)

    def call(self, method: str, path: str, *, expect: int = 200, **kwargs: Any) -> dict[str, Any]:
        """Send one request; fail unless the status is `expect`; return the JSON body."""
        resp = self.http.request(method, path, **kwargs)
        assert resp.status_code == expect, f"{method} {path} → {resp.status_code} {resp.text[:1000]}"
        return resp.json()

    def close(self) -> None:
        self.http.close()


def admin_api(url: str, token: str) -> Api:
    return Api(url, {"Authorization": f"Bearer {token}"})


def store_api(url: str, publishable_key: str) -> Api:
    return Api(url, {"x-publishable-api-key": publishable_key})


@dataclass(frozen=True)
class Merchant:
    """The store-wide setup every order needs (it survives `scripts/medusa-server reset`)."""

    region_id: str
    sales_channel_id: str
    shipping_profile_id: str
    publishable_key_id: str
    publishable_key: str
    products_have_shipping_profiles: bool
    """False before Medusa 2.5 (2.3.0 seen): a product has no shipping profile, and naming one in
    a product read answers 500 (see has_product_shipping_profiles)."""


def create_publishable_key(admin: Api, title: str) -> tuple[str, str]:
    """A publishable key (id, token); the token is returned only by this call."""
    key = admin.call("POST", "/admin/api-keys", json={"title": title, "type": "publishable"})["api_key"]
    return key["id"], key["token"]


def revoke_api_key(admin: Api, key_id: str) -> None:
    """Revoke then delete a key (Medusa deletes only revoked keys)."""
    admin.call("POST", f"/admin/api-keys/{key_id}/revoke", json={})
    admin.call("DELETE", f"/admin/api-keys/{key_id}")


def set_up_merchant(admin: Api, key_id: str, key_token: str) -> Merchant:
    """BRL in the store's currencies, a BRL region for Brazil paid with the system provider,
    and the publishable key on the store's default sales channel. Idempotent: a BRL region for
    Brazil that an earlier session (or anyone) made is reused."""
    store = admin.call("GET", "/admin/stores", params={"fields": "id,default_sales_channel_id,supported_currencies.*"})[
        "stores"
    ][0]
    currencies = [
        {"currency_code": c["currency_code"], "is_default": c["is_default"]} for c in store["supported_currencies"]
    ]
    if "brl" not in {c["currency_code"] for c in currencies}:
        admin.call(
            "POST",
            f"/admin/stores/{store['id']}",
            json={"supported_currencies": [*currencies, {"currency_code": "brl", "is_default": False}]},
        )
    # A country belongs to one region only: reuse any BRL region that has Brazil.
    regions = admin.call("GET", "/admin/regions", params={"currency_code": "brl", "fields": "id,countries.iso_2"})[
        "regions"
    ]
    brazil = [r["id"] for r in regions if "br" in {c["iso_2"] for c in r["countries"]}]
    if brazil:
        region_id = brazil[0]
    else:
        region_id = admin.call(
            "POST",
            "/admin/regions",
            json={
                "name": REGION_NAME,
                "currency_code": "brl",
                "countries": ["br"],
                "payment_providers": [PAYMENT_PROVIDER],
            },
        )["region"]["id"]
    sales_channel_id = store["default_sales_channel_id"]
    admin.call("POST", f"/admin/api-keys/{key_id}/sales-channels", json={"add": [sales_channel_id]})
    return Merchant(
        region_id=region_id,
        sales_channel_id=sales_channel_id,
        shipping_profile_id=default_shipping_profile_id(admin),
        publishable_key_id=key_id,
        publishable_key=key_token,
        products_have_shipping_profiles=has_product_shipping_profiles(admin),
    )


def default_shipping_profile_id(admin: Api) -> str:
    """The store's default shipping profile. Medusa 2.3.0 boots with no shipping profile at all
    (later releases make a default one): the merchant's first one is made here, as its admin
    would, and found again by the next session."""
    params = {"type": "default", "fields": "id,type"}
    profiles = admin.call("GET", "/admin/shipping-profiles", params=params)["shipping_profiles"]
    if not profiles:
        admin.call("POST", "/admin/shipping-profiles", json={"name": "Default Shipping Profile", "type": "default"})
        profiles = admin.call("GET", "/admin/shipping-profiles", params=params)["shipping_profiles"]
    assert len(profiles) == 1, profiles
    return profiles[0]["id"]


def has_product_shipping_profiles(admin: Api) -> bool:
    """Do products link to a shipping profile? Before Medusa 2.5 they do not, and a product read
    naming `shipping_profile` answers 500 (2.3.0: "Entity 'Product' does not have property
    'shipping_profile'") where the same read without it answers 200."""
    resp = admin.http.get("/admin/products", params={"fields": "id,shipping_profile.id", "limit": 1})
    if resp.status_code == 500:
        admin.call("GET", "/admin/products", params={"fields": "id", "limit": 1})
        return False
    assert resp.status_code == 200, resp.text[:1000]
    return True


def open_for_shipping(
    admin: Api, merchant: Merchant, location_ids: Iterable[str], *, join_channel: bool = True
) -> dict[str, str]:
    """Ship from each stock location to Brazil: the manual fulfillment provider, a shipping
    fulfillment set with a Brazil service zone and a flat-rate shipping option; with
    `join_channel`, also put the location in the merchant's sales channel (medusa-sync does
    that itself for the locations it creates). Returns location id → shipping option id."""
    options = {}
    for location_id in location_ids:
        path = f"/admin/stock-locations/{location_id}"
        if join_channel:
            admin.call("POST", f"{path}/sales-channels", json={"add": [merchant.sales_channel_id]})
        admin.call("POST", f"{path}/fulfillment-providers", json={"add": [FULFILLMENT_PROVIDER]})
        location = admin.call(
            "POST",
            f"{path}/fulfillment-sets",
            json={"name": f"Shipping from {location_id}", "type": "shipping"},
            params={"fields": "id,fulfillment_sets.id,fulfillment_sets.name"},
        )["stock_location"]
        (fulfillment_set,) = [s for s in location["fulfillment_sets"] if s["name"] == f"Shipping from {location_id}"]
        zone_set = admin.call(
            "POST",
            f"/admin/fulfillment-sets/{fulfillment_set['id']}/service-zones",
            json={"name": f"Brasil from {location_id}", "geo_zones": [{"type": "country", "country_code": "br"}]},
        )["fulfillment_set"]
        (zone,) = zone_set["service_zones"]
        options[location_id] = admin.call(
            "POST",
            "/admin/shipping-options",
            json={
                "name": f"Entrega from {location_id}",
                "price_type": "flat",
                "service_zone_id": zone["id"],
                "shipping_profile_id": merchant.shipping_profile_id,
                "provider_id": FULFILLMENT_PROVIDER,
                "type": {"label": "Entrega", "description": "Entrega padrão", "code": "entrega"},
                "prices": [{"currency_code": "brl", "amount": SHIPPING_PRICE_BRL}],
                "rules": [
                    {"attribute": "enabled_in_store", "value": "true", "operator": "eq"},
                    {"attribute": "is_return", "value": "false", "operator": "eq"},
                ],
            },
        )["shipping_option"]["id"]
    return options


def store_inventory_quantity(store: Api, product_id: str, sku: str) -> int:
    """What the storefront shows as a variant's `inventory_quantity`: read through
    `/store/products` (`/store/product-variants` does not exist on Medusa 2.3.0), with
    `manage_inventory` (without it 2.3.0 leaves `inventory_quantity` out)."""
    (product,) = store.call(
        "GET", "/store/products", params={"id": product_id, "fields": "id,variants.sku,variants.manage_inventory,variants.inventory_quantity"}
    )["products"]
    (variant,) = [row for row in product["variants"] if row["sku"] == sku]
    return variant["inventory_quantity"]


def variant_by_sku(admin: Api, sku: str, fields: str) -> dict[str, Any]:
    """The one variant with this exact SKU. Searched with `q=` and matched exactly: the `sku`
    filter of /admin/product-variants exists only from Medusa 2.14 (`q` also finds `KIT-10`
    for `KIT-1`)."""
    rows = admin.call("GET", "/admin/product-variants", params={"q": sku, "fields": f"{fields},sku", "limit": 100})
    (variant,) = [row for row in rows["variants"] if row["sku"] == sku]
    return variant


def make_sellable(admin: Api, merchant: Merchant, product_id: str) -> None:
    """What the kits feature will automate: publish a product in the merchant's sales channel
    with the default shipping profile (where products have one)."""
    body: dict[str, Any] = {"status": "published", "sales_channels": [{"id": merchant.sales_channel_id}]}
    if merchant.products_have_shipping_profiles:
        body["shipping_profile_id"] = merchant.shipping_profile_id
    admin.call("POST", f"/admin/products/{product_id}", json=body, params={"fields": "id"})


def place_order(
    store: Api, merchant: Merchant, lines: Mapping[str, int], shipping_option_id: str, email: str = "cliente@example.com"
) -> dict[str, Any]:
    """A customer's order through the Store API: `lines` maps variant id → quantity.
    Returns the order as the cart completion answers it."""
    cart = store.call(
        "POST",
        "/store/carts",
        json={"region_id": merchant.region_id, "sales_channel_id": merchant.sales_channel_id, "email": email},
    )["cart"]
    for variant_id, quantity in lines.items():
        store.call("POST", f"/store/carts/{cart['id']}/line-items", json={"variant_id": variant_id, "quantity": quantity})
    store.call("POST", f"/store/carts/{cart['id']}", json={"shipping_address": ADDRESS, "billing_address": ADDRESS})
    store.call("POST", f"/store/carts/{cart['id']}/shipping-methods", json={"option_id": shipping_option_id})
    collection = store.call("POST", "/store/payment-collections", json={"cart_id": cart["id"]})["payment_collection"]
    store.call(
        "POST", f"/store/payment-collections/{collection['id']}/payment-sessions", json={"provider_id": PAYMENT_PROVIDER}
    )
    completed = store.call("POST", f"/store/carts/{cart['id']}/complete")
    assert completed["type"] == "order", completed
    return completed["order"]


ONE_LOCATION_REFUSAL = re.compile(r"Not enough stock available for item (\w+) at location (\w+)")


def place_order_reserved_at(
    admin: Api,
    store: Api,
    merchant: Merchant,
    variant_id: str,
    quantity: int,
    shipping_option_id: str,
    reserve_at: Mapping[str, str],
) -> dict[str, Any]:
    """An order of `quantity` × one kit whose components end up reserved where `reserve_at`
    (inventory item id → location id) says: the test stocks them so that Medusa 2.21 reserves
    there by itself (it picks, per component, a location with enough available).

    Medusa 2.3.0 reserves every component of a line at ONE location (the first of the channel's
    locations with a level of any component) and refuses the cart completion with
    `400 Not enough stock available for item … at location …` when that one lacks a component.
    On that answer the order is placed the way 2.3.0 can: that location is stocked for it for
    the moment, and each reservation that belongs elsewhere is moved there (DELETE + POST for
    the same line item), then the stock is set back. The order, its levels and its reservations
    are then what 2.21 leaves."""
    try:
        return place_order(store, merchant, {variant_id: quantity}, shipping_option_id)
    except AssertionError as refusal:
        refused = ONE_LOCATION_REFUSAL.search(str(refusal))
        if refused is None or " 400 " not in str(refusal):
            raise
    first = refused.group(2)
    elsewhere = [item for item, location in reserve_at.items() if location != first]
    stocked = {item: stocked_at(admin, item, first) for item in elsewhere}
    for item, count in stocked.items():
        set_level(admin, item, first, count + 1000)
    try:
        order = place_order(store, merchant, {variant_id: quantity}, shipping_option_id)
        (line,) = order["items"]
        for reservation in reservations_by_line_item(admin, [line["id"]]):
            target = reserve_at.get(reservation["inventory_item_id"], first)
            if target != reservation["location_id"]:
                admin.call("DELETE", f"/admin/reservations/{reservation['id']}")
                admin.call(
                    "POST",
                    "/admin/reservations",
                    json={
                        "line_item_id": line["id"],
                        "inventory_item_id": reservation["inventory_item_id"],
                        "location_id": target,
                        "quantity": reservation["quantity"],
                    },
                )
    finally:
        for item, count in stocked.items():
            set_level(admin, item, first, count)
    return order


def stocked_at(admin: Api, item_id: str, location_id: str) -> int:
    """The stocked quantity of one level."""
    (item,) = admin.call(
        "GET",
        "/admin/inventory-items",
        params={"id": item_id, "fields": "id,location_levels.location_id,location_levels.stocked_quantity"},
    )["inventory_items"]
    (stocked,) = [level["stocked_quantity"] for level in item["location_levels"] if level["location_id"] == location_id]
    return stocked


def set_level(admin: Api, item_id: str, location_id: str, stocked: int) -> None:
    admin.call("POST", f"/admin/inventory-items/{item_id}/location-levels/{location_id}", json={"stocked_quantity": stocked})


# `items.quantity` comes back only when the item's detail is loaded with it. fulfillment_status is
# computed from what was loaded: without the two raw quantities a partial fulfilment reads as
# "fulfilled" on GET /admin/orders/:id (the list route loads them itself).
ORDER_FIELDS = (
    "id,display_id,status,fulfillment_status,items.id,items.variant_sku,items.quantity,items.raw_quantity,"
    "items.detail.quantity,items.detail.fulfilled_quantity,items.detail.raw_fulfilled_quantity"
)


def read_order(admin: Api, order_id: str) -> dict[str, Any]:
    return admin.call("GET", f"/admin/orders/{order_id}", params={"fields": ORDER_FIELDS})["order"]


def cancel_order(admin: Api, order_id: str) -> dict[str, Any]:
    """Cancel an open order (Medusa deletes its reservations); returns the order as read after."""
    admin.call("POST", f"/admin/orders/{order_id}/cancel", params={"fields": "id"})
    return read_order(admin, order_id)


def fulfil_order(
    admin: Api, order_id: str, location_id: str | None, items: Mapping[str, int], *, expect: int = 200
) -> dict[str, Any]:
    """Medusa's own order fulfilment: `items` maps order line item id → quantity. With a
    `location_id` Medusa lowers every component's stock there (wherever it was reserved);
    with None, each component where its reservation is. Returns the server's answer."""
    body: dict[str, Any] = {"items": [{"id": i, "quantity": q} for i, q in items.items()]}
    if location_id is not None:
        body["location_id"] = location_id
    return admin.call(
        "POST", f"/admin/orders/{order_id}/fulfillments", json=body, params={"fields": "id"}, expect=expect
    )


def reservations_by_line_item(admin: Api, line_item_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The reservations held by these line items, ordered by inventory item."""
    return admin.call(
        "GET",
        "/admin/reservations",
        params={
            "line_item_id[]": ",".join(line_item_ids),
            "fields": "id,line_item_id,inventory_item_id,location_id,quantity",
            "order": "inventory_item_id",
            "limit": 1000,
        },
    )["reservations"]
