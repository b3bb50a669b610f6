"""Kits created through `POST /admin/products/batch` make exactly the store that one create per
kit made: the same products, variants, prices and inventory links (read in plain HTTP), and a
re-run after it writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medusa_sync.cli.main import main
from medusa_sync.client.resources.products import Products

from .raw import RawAdmin

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[2] / "distributors"
PRODUCT_FIELDS = ",".join((
    "id", "title", "handle", "status", "thumbnail", "metadata", "sales_channels.name", "shipping_profile.name",
    "options.title", "options.values.value",
    "variants.title", "variants.sku", "variants.manage_inventory", "variants.prices.amount", "variants.prices.currency_code",
    "variants.options.value", "variants.inventory_items.inventory_item_id", "variants.inventory_items.required_quantity",
))


def product_fields(raw: RawAdmin) -> str:
    """PRODUCT_FIELDS where products have a shipping profile; without it where a read naming it
    answers 500 (before Medusa 2.5: the product has no such link)."""
    probe = raw.http.get("/admin/products", params={"fields": "id,shipping_profile.name", "limit": 1})
    assert probe.status_code in (200, 500), f"GET /admin/products: {probe.status_code} {probe.text[:300]}"
    return PRODUCT_FIELDS if probe.status_code == 200 else PRODUCT_FIELDS.replace(",shipping_profile.name", "")


def kit_store(raw: RawAdmin) -> dict[str, dict]:
    """Every product with variants that medusa-sync owns, by variant SKU, its links by item SKU
    (ids differ between two stores; everything else must not)."""
    sku_of = {item["id"]: item["sku"] for item in raw.items()}
    fields = product_fields(raw)
    kits = {}
    for product in raw.all("/admin/products", "products", fields=fields, order="id"):
        if (product.get("metadata") or {}).get("managed_by") != "medusa-sync" or not product.get("variants"):
            continue
        [variant] = product["variants"]
        kits[variant["sku"]] = {
            "product": {key: product[key] for key in ("title", "handle", "status", "thumbnail", "metadata")},
            "channels": sorted(channel["name"] for channel in product["sales_channels"]),
            "shipping_profile": product["shipping_profile"]["name"] if "shipping_profile" in fields else None,
            "options": [(option["title"], sorted(value["value"] for value in option["values"])) for option in product["options"]],
            "variant": {key: variant[key] for key in ("title", "manage_inventory")},
            "variant_options": sorted(option["value"] for option in variant["options"]),
            "prices": sorted((price["currency_code"], price["amount"]) for price in variant["prices"]),
            "links": sorted((sku_of[link["inventory_item_id"]], link["required_quantity"]) for link in variant["inventory_items"]),
        }
    return kits


def import_samples(capsys, out: Path) -> dict:
    capsys.readouterr()
    assert main(["import", str(SAMPLES), "--yes", "--json", "--out", str(out)]) == 0
    return json.loads(capsys.readouterr().out)


def test_kits_in_a_batch_make_the_same_store_as_one_create_each_and_a_rerun_writes_nothing(
    store, raw_admin, capsys, tmp_path, monkeypatch
) -> None:
    with monkeypatch.context() as one_by_one:
        one_by_one.setattr(Products, "batch_supported", lambda self: False)
        import_samples(capsys, tmp_path / "singles")
    singly = kit_store(raw_admin)
    assert len(singly) == 4

    store.reset()
    created_singly: list[str] = []
    create = Products.create

    def recorded(self, body, **options):
        created_singly.extend(variant["sku"] for variant in body.get("variants") or [])
        return create(self, body, **options)

    monkeypatch.setattr(Products, "create", recorded)
    result = import_samples(capsys, tmp_path / "batch")
    assert result["applied"]["applied"]["kit.create"] == 4
    assert result["applied"]["failures"] == []
    assert created_singly == []  # every kit went through the batch
    assert kit_store(raw_admin) == singly
    assert all(required > 0 for kit in singly.values() for _, required in kit["links"])

    rerun = import_samples(capsys, tmp_path / "rerun")
    assert rerun["applied"] is None
    assert rerun["requests"]["writes"] == 0
    assert rerun["counts"]["kit"]["unchanged"] == 4
