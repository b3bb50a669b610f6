"""The reservations report: its requests, its content for a fixed store and time, its filters."""

from __future__ import annotations

import pytest

from medusa_sync.config import Rules
from medusa_sync.reports.reservations import build_reservations_report, render_markdown

from .medusa_fake import NOW, items_by_ids_call, locations_call, reservations_call, variants_call


@pytest.fixture
def reserved(fake):
    fake.item("iitem_cbl", "CBL-1", title="Cable | 6 mm²", metadata={"distributor": "solfacil"}, sloc_b=0)
    fake.reservation("resitem_1", "iitem_pnl", "sloc_a", 4, line_item="li_1", created_at="2026-01-09T10:00:00.000Z", description="order 1001")
    fake.reservation("resitem_2", "iitem_inv", "sloc_b", 3, line_item="li_2", created_at="2025-12-20T12:00:00.000Z")
    fake.reservation("resitem_3", "iitem_inv", "sloc_a", 1, line_item="li_1", created_at="2026-01-10T11:30:00.000Z")
    fake.reservation("resitem_4", "iitem_cbl", "sloc_b", 0, line_item="li_3", created_at="2026-01-02T12:00:00.000Z")
    return fake


EXPECTED = """\
# Inventory reservations

Generated 2026-01-10 12:00 UTC from the live store.

## Totals

| Reservations | Units reserved | Items | Locations | Over-committed levels | Levels without stock | For orders | Manual | Orphaned | Stale | Kits affected |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
| 4 | 8 | 3 | 2 | 1 | 1 | 0 | 4 | 0 | 2 | 1 |

## Odex CD

| SKU | Title | Stocked | Reserved | Available | Incoming | Allocation |
|---|---|---:|---:|---:|---:|---|
| INV-1 | Inverter 5 kW | 3 | 1 | 2 | 0 | covered |
| PNL-1 | Panel 550 W | 10 | 4 | 6 | 0 | covered |

| SKU | Title | Quantity | Held for | Order status | Fulfilment | SKU ordered | Line item | Description | Age | Reservation |
|---|---|---:|---|---|---|---|---|---|---|---|
| INV-1 | Inverter 5 kW | 1 | manual | — | — | — | li_1 | — | 30m | resitem_3 |
| PNL-1 | Panel 550 W | 4 | manual | — | — | — | li_1 | order 1001 | 1d 2h | resitem_1 |

## Solfacil CD

| SKU | Title | Stocked | Reserved | Available | Incoming | Allocation |
|---|---|---:|---:|---:|---:|---|
| CBL-1 | Cable \\| 6 mm² | 0 | 0 | 0 | 0 | no stock |
| INV-1 | Inverter 5 kW | 2 | 3 | -1 | 0 | over-committed |

| SKU | Title | Quantity | Held for | Order status | Fulfilment | SKU ordered | Line item | Description | Age | Reservation |
|---|---|---:|---|---|---|---|---|---|---|---|
| CBL-1 | Cable \\| 6 mm² | 0 | manual | — | — | — | li_3 | — | 8d | resitem_4 |
| INV-1 | Inverter 5 kW | 3 | manual | — | — | — | li_2 | — | 21d | resitem_2 |

## Kits affected by reserved components

Kits buildable now count the stock available at every location.

| Kit SKU | Kit | Reserved components | Kits buildable now | Limited by |
|---|---|---|---:|---|
| KIT-1 | Kit 5 kWp | INV-1: 4 reserved, 1 per kit; PNL-1: 4 reserved, 2 per kit | 1 | INV-1 |

## Stale reservations (older than 7 days)

| Reservation | Location | SKU | Quantity | Held for | Line item | Age |
|---|---|---|---:|---|---|---|
| resitem_2 | Solfacil CD | INV-1 | 3 | manual | li_2 | 21d |
| resitem_4 | Solfacil CD | CBL-1 | 0 | manual | li_3 | 8d |
"""


def test_the_report_for_a_fixed_store_and_time(reserved, client):
    markdown = render_markdown(build_reservations_report(client, Rules(), now=NOW))
    assert markdown == EXPECTED
    assert reserved.calls == [
        locations_call(),
        reservations_call(),
        items_by_ids_call("iitem_cbl", "iitem_inv", "iitem_pnl", variants=True),
        variants_call(**{"id[]": "variant_kit"}),
    ]


def test_requests_grow_with_pages_not_with_reservations(fake, client):
    for n in range(60):
        item_id = fake.item(f"iitem_{n:02}", f"SKU-{n:02}", sloc_a=5)
        fake.reservation(f"resitem_{n:02}", item_id, "sloc_a", 1)
        fake.reservation(f"resitem_{n:02}b", item_id, "sloc_a", 1)
    report = build_reservations_report(client, Rules(), now=NOW)
    assert report.totals()["reservations"] == 120
    assert [call[1] for call in fake.calls] == ["/admin/stock-locations", "/admin/reservations", "/admin/inventory-items"]


def test_the_kits_other_components_are_read_in_one_request(fake, client):
    fake.item("iitem_str", "STR-1", sloc_a=8)
    fake.kit("variant_kit2", "KIT-2", "Kit with structure", iitem_pnl=4, iitem_str=1)
    fake.reservation("resitem_1", "iitem_pnl", "sloc_a", 2)
    report = build_reservations_report(client, Rules(), now=NOW)
    assert fake.calls[-1] == items_by_ids_call("iitem_inv", "iitem_str")
    assert [(kit.sku, kit.buildable, kit.limited_by) for kit in report.kits] == [("KIT-1", 4, "PNL-1"), ("KIT-2", 2, "PNL-1")]


def test_location_and_minimum_age_are_filtered_by_medusa(reserved, client):
    report = build_reservations_report(client, Rules(), location="Solfacil CD", min_age_days=3, now=NOW)
    assert reserved.calls[1] == reservations_call(location_id="sloc_b", **{"created_at[$lte]": "2026-01-07T12:00:00+00:00"})
    assert [r.id for r in report.reservations] == ["resitem_4", "resitem_2"]
    assert "Filters: location Solfacil CD, minimum age 3d." in render_markdown(report)


def test_sku_prefix_and_distributor_filter_the_items(reserved, client):
    by_prefix = build_reservations_report(client, Rules(), sku_prefix="PNL", now=NOW)
    assert [r.id for r in by_prefix.reservations] == ["resitem_1"]
    by_distributor = build_reservations_report(client, Rules(), distributor="Solfacil", now=NOW)
    assert sorted(r.id for r in by_distributor.reservations) == ["resitem_2", "resitem_3", "resitem_4"]


def test_the_stale_threshold_comes_from_the_rules(reserved, client):
    rules = Rules.model_validate({"report": {"stale_after_days": 1}})
    report = build_reservations_report(client, rules, now=NOW)
    assert sorted(r.id for r in report.stale) == ["resitem_1", "resitem_2", "resitem_4"]


def test_an_empty_store(fake, client):
    markdown = render_markdown(build_reservations_report(client, Rules(), now=NOW))
    assert "No active reservations." in markdown and "No kit has a reserved component." in markdown
    assert [call[1] for call in fake.calls] == ["/admin/stock-locations", "/admin/reservations"]


def test_the_json_form(reserved, client):
    data = build_reservations_report(client, Rules(), now=NOW).as_json()
    assert data["totals"]["over_committed_levels"] == 1
    assert data["reservations"][0] == {
        "id": "resitem_3", "location": "Odex CD", "location_id": "sloc_a", "sku": "INV-1", "title": "Inverter 5 kW",
        "inventory_item_id": "iitem_inv", "quantity": 1, "line_item_id": "li_1", "description": None,
        "kind": "manual", "order": None, "created_at": "2026-01-10T11:30:00+00:00", "age_seconds": 1800, "stale": False,
    }
