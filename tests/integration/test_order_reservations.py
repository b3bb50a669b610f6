"""Order-aware reservations (issue 9, point 2) with real orders placed through the Store API.

Each test makes its own two locations, two items and a kit (2 PANEL + 1 INV, sellable in the
merchant's channel, shipping from both locations) under a unique prefix; the store is shared,
so every figure asserted is of the test's own items, read in plain HTTP.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from medusa_sync.audit import AuditLog, utc_now
from medusa_sync.cli.main import main
from medusa_sync.client import MedusaClient
from medusa_sync.operations import sweep_stale
from medusa_sync.store import watch_reserved

from .conftest import use_store
from .raw import RawAdmin
from .storefront import (
    Api,
    Merchant,
    cancel_order,
    make_sellable,
    open_for_shipping,
    place_order,
    place_order_reserved_at,
    read_order,
    reservations_by_line_item,
)
from .test_operations import _remove

pytestmark = pytest.mark.integration


@dataclass
class OrderShop:
    prefix: str
    north: str  # location ids
    south: str
    panel: str  # item ids
    inverter: str
    kit_variant: str
    shipping: dict[str, str]  # location id → shipping option id
    raw: RawAdmin
    audit_log: Path

    @property
    def kit_sku(self) -> str:
        return f"{self.prefix}-KIT"

    def levels(self) -> dict[tuple[str, str], tuple[int, int]]:
        """(SKU name, location name) → (stocked, reserved), plain HTTP."""
        names = {self.north: "north", self.south: "south"}
        return {
            (sku.removeprefix(f"{self.prefix}-"), names[location]): numbers
            for (sku, location), numbers in self.raw.levels([self.panel, self.inverter]).items()
        }

    @property
    def split(self) -> dict[str, str]:
        """Where the split-kit tests have Medusa reserve: the panels at North, the inverter at South."""
        return {self.panel: self.north, self.inverter: self.south}

    def reservations(self) -> list[tuple[str, str, str, int]]:
        return self.raw.reservations([self.panel, self.inverter])


@pytest.fixture
def order_shop(medusa_server, raw_admin, storefront_admin: Api, merchant: Merchant, monkeypatch, tmp_path) -> Iterator[OrderShop]:
    """PANEL: 10 at North. INV: stocked as the test asks (default 3 at North, none at South)."""
    prefix = f"ORD{uuid.uuid4().hex[:6].upper()}"
    with MedusaClient(medusa_server.url, email=medusa_server.email, password=medusa_server.password) as client:
        north = client.stock_locations.create(f"{prefix} North")["id"]
        south = client.stock_locations.create(f"{prefix} South")["id"]
        panel = client.inventory_items.create(
            {"sku": f"{prefix}-PANEL", "title": f"Panel {prefix}", "location_levels": [{"location_id": north, "stocked_quantity": 10}]}
        )["id"]
        inverter = client.inventory_items.create(
            {
                "sku": f"{prefix}-INV",
                "title": f"Inverter {prefix}",
                "location_levels": [{"location_id": north, "stocked_quantity": 3}, {"location_id": south, "stocked_quantity": 5}],
            }
        )["id"]
        product = client.products.create(
            {
                "title": f"Kit {prefix}",
                "options": [{"title": "Default", "values": ["Default"]}],
                "variants": [
                    {
                        "title": f"Kit {prefix}",
                        "sku": f"{prefix}-KIT",
                        "options": {"Default": "Default"},
                        "manage_inventory": True,
                        "prices": [{"currency_code": "brl", "amount": 1000}],
                        "inventory_items": [
                            {"inventory_item_id": panel, "required_quantity": 2},
                            {"inventory_item_id": inverter, "required_quantity": 1},
                        ],
                    }
                ],
            }
        )
        variant = client.product_variants.list_by_skus([f"{prefix}-KIT"], fields="id")[0]["id"]
        make_sellable(storefront_admin, merchant, product["id"])
        shipping = open_for_shipping(storefront_admin, merchant, [north, south])
        use_store(monkeypatch, medusa_server, tmp_path)
        yield OrderShop(prefix, north, south, panel, inverter, variant, shipping, raw_admin, tmp_path / "audit.jsonl")
        _remove(client, product["id"], (panel, inverter), (north, south))


def run(capsys, *args: str) -> tuple[int, object]:
    capsys.readouterr()
    code = main([*args, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def set_stocked(admin: Api, item: str, location: str, stocked: int) -> None:
    admin.call("POST", f"/admin/inventory-items/{item}/location-levels/{location}", json={"stocked_quantity": stocked})


def test_the_report_names_the_order_and_release_of_an_open_order_is_refused(order_shop, storefront, storefront_admin, merchant, capsys, tmp_path):
    set_stocked(storefront_admin, order_shop.inverter, order_shop.south, 0)  # both components reserved at North
    order = place_order(storefront, merchant, {order_shop.kit_variant: 2}, order_shop.shipping[order_shop.north])
    (line,) = order["items"]
    number = f"#{order['display_id']}"

    code, report = run(capsys, "report", "reservations", "--out", str(tmp_path / "out"), "--sku-prefix", order_shop.prefix)
    assert code == 0
    rows = sorted((r["sku"], r["quantity"], r["kind"], r["line_item_id"], r["order"]["number"], r["order"]["status"],
                   r["order"]["fulfillment_status"], r["order"]["sku_ordered"]) for r in report["reservations"])
    assert rows == [
        (f"{order_shop.prefix}-INV", 2, "order", line["id"], number, "pending", "not_fulfilled", order_shop.kit_sku),
        (f"{order_shop.prefix}-PANEL", 4, "order", line["id"], number, "pending", "not_fulfilled", order_shop.kit_sku),
    ]
    assert (report["totals"]["order_reservations"], report["totals"]["manual_reservations"]) == (2, 0)
    markdown = (tmp_path / "out" / "inventory_reservations_report.md").read_text()
    assert f"| {order_shop.prefix}-PANEL | Panel {order_shop.prefix} | 4 | order {number} | pending | not_fulfilled | {order_shop.kit_sku} | {line['id']} |" in markdown
    capsys.readouterr()
    assert main(["report", "reservations", "--out", str(tmp_path / "out"), "--sku-prefix", order_shop.prefix, "--format", "csv"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert sorted((r["sku"], r["held_for"], r["order"], r["sku_ordered"]) for r in table) == [
        (f"{order_shop.prefix}-INV", "order", number, order_shop.kit_sku),
        (f"{order_shop.prefix}-PANEL", "order", number, order_shop.kit_sku),
    ]

    code, availability = run(capsys, "availability", order_shop.kit_sku)
    assert (code, availability["available"]) == (0, 1)  # INV 3 − 2 reserved at North
    assert sorted((r["sku"], r["quantity"], r["kind"], r["order"]["display_id"], r["order"]["sku"]) for r in availability["reservations"]) == [
        (f"{order_shop.prefix}-INV", 2, "order", order["display_id"], order_shop.kit_sku),
        (f"{order_shop.prefix}-PANEL", 4, "order", order["display_id"], order_shop.kit_sku),
    ]

    before = (order_shop.levels(), order_shop.reservations())
    code, out = run(capsys, "release", "--line-item", line["id"])
    assert (code, out) == (4, None)
    assert (order_shop.levels(), order_shop.reservations()) == before
    [refused] = list(AuditLog(order_shop.audit_log).records())
    assert refused["result"] == "refused" and f"open order {number}" in refused["message"] and "--force" in refused["message"]


def test_a_real_orders_reservations_are_seen_by_a_reserved_watch_started_before_it(
    order_shop, storefront, storefront_admin, merchant, medusa_server
):
    """What a sync's level writes rely on (store/watch.py): the reservations of an order placed
    through the Store API after the store was read are among those changed since, so the levels
    they raise are read again before a write lowers them."""
    set_stocked(storefront_admin, order_shop.inverter, order_shop.south, 0)
    with MedusaClient(medusa_server.url, email=medusa_server.email, password=medusa_server.password) as client:
        watch = watch_reserved(client)
        assert watch is not None  # every release from 2.3 lists reservations by update time
        before = watch.changed(client)
        place_order(storefront, merchant, {order_shop.kit_variant: 1}, order_shop.shipping[order_shop.north])
        after = watch.changed(client)
    assert after - before == {(order_shop.panel, order_shop.north), (order_shop.inverter, order_shop.north)}
    assert order_shop.levels() == {("PANEL", "north"): (10, 2), ("INV", "north"): (3, 1), ("INV", "south"): (0, 0)}


def test_fulfil_an_order_through_medusa_once(order_shop, storefront, storefront_admin, merchant, capsys):
    set_stocked(storefront_admin, order_shop.inverter, order_shop.south, 0)
    order = place_order(storefront, merchant, {order_shop.kit_variant: 2}, order_shop.shipping[order_shop.north])
    (line,) = order["items"]
    assert order_shop.levels() == {("PANEL", "north"): (10, 4), ("INV", "north"): (3, 2), ("INV", "south"): (0, 0)}

    code, outcomes = run(capsys, "fulfill", "--order", str(order["display_id"]))
    assert code == 0
    assert sorted((o["sku"], o["quantity"], o["order"], o["result"], o["after"]["stocked"]) for o in outcomes) == [
        (f"{order_shop.prefix}-INV", 2, f"#{order['display_id']}", "ok", 1),
        (f"{order_shop.prefix}-PANEL", 4, f"#{order['display_id']}", "ok", 6),
    ]
    fulfilled = read_order(storefront_admin, order["id"])
    assert (fulfilled["fulfillment_status"], fulfilled["items"][0]["detail"]["fulfilled_quantity"]) == ("fulfilled", 2)
    assert order_shop.levels() == {("PANEL", "north"): (6, 0), ("INV", "north"): (1, 0), ("INV", "south"): (0, 0)}
    assert order_shop.reservations() == []

    for again in (["--order", str(order["display_id"])], ["--line-item", line["id"]], [outcomes[0]["reference"]]):
        code, [noop] = run(capsys, "fulfill", *again)
        assert (code, noop["quantity"], noop["result"]) == (0, 0, "ok")
        assert "already fulfilled" in noop["message"]
        assert order_shop.levels() == {("PANEL", "north"): (6, 0), ("INV", "north"): (1, 0), ("INV", "south"): (0, 0)}


def test_a_kit_reserved_at_two_locations_is_fulfilled_where_each_component_is(order_shop, storefront, storefront_admin, merchant, capsys):
    # No inverter at North: Medusa reserves it at South, the panels at North; no location has both.
    set_stocked(storefront_admin, order_shop.inverter, order_shop.north, 0)
    order = place_order_reserved_at(storefront_admin, storefront, merchant, order_shop.kit_variant, 1, order_shop.shipping[order_shop.north], order_shop.split)
    (line,) = order["items"]
    assert order_shop.levels() == {("PANEL", "north"): (10, 2), ("INV", "north"): (0, 0), ("INV", "south"): (5, 1)}

    code, outcomes = run(capsys, "fulfill", "--line-item", line["id"])
    assert code == 0
    assert sorted((o["sku"], o["location_id"], o["quantity"]) for o in outcomes) == sorted(
        [(f"{order_shop.prefix}-INV", order_shop.south, 1), (f"{order_shop.prefix}-PANEL", order_shop.north, 2)]
    )
    assert order_shop.levels() == {("PANEL", "north"): (8, 0), ("INV", "north"): (0, 0), ("INV", "south"): (4, 0)}
    assert reservations_by_line_item(storefront_admin, [line["id"]]) == []
    assert read_order(storefront_admin, order["id"])["fulfillment_status"] == "fulfilled"


def test_a_split_kit_is_moved_to_the_location_holding_every_component_then_fulfilled(order_shop, storefront, storefront_admin, merchant, capsys, medusa_server):
    # The only inverter at North is held by a manual reservation when the order comes in, so
    # Medusa reserves the order's inverter at South; released, North holds every component.
    set_stocked(storefront_admin, order_shop.inverter, order_shop.north, 1)
    code, [held] = run(capsys, "reserve", f"{order_shop.prefix}-INV", "-l", f"{order_shop.prefix} North", "-q", "1")
    assert code == 0
    order = place_order_reserved_at(storefront_admin, storefront, merchant, order_shop.kit_variant, 1, order_shop.shipping[order_shop.north], order_shop.split)
    (line,) = order["items"]
    assert order_shop.levels() == {("PANEL", "north"): (10, 2), ("INV", "north"): (1, 1), ("INV", "south"): (5, 1)}
    assert run(capsys, "release", held["reference"])[0] == 0

    code, outcomes = run(capsys, "fulfill", "--order", str(order["display_id"]))
    assert code == 0
    assert sorted((o["sku"], o["location_id"]) for o in outcomes) == sorted(
        [(f"{order_shop.prefix}-INV", order_shop.north), (f"{order_shop.prefix}-PANEL", order_shop.north)]
    )
    # Lowered once, all at North; South's inverter untouched and its reservation released.
    assert order_shop.levels() == {("PANEL", "north"): (8, 0), ("INV", "north"): (0, 0), ("INV", "south"): (5, 0)}
    assert order_shop.reservations() == []
    assert read_order(storefront_admin, order["id"])["fulfillment_status"] == "fulfilled"


def test_the_sweeper_spares_an_open_order_and_releases_orphans_and_stale_manual_ones(order_shop, storefront, storefront_admin, merchant, capsys, medusa_server):
    set_stocked(storefront_admin, order_shop.inverter, order_shop.south, 0)
    open_order = place_order(storefront, merchant, {order_shop.kit_variant: 1}, order_shop.shipping[order_shop.north])
    canceled = place_order(storefront, merchant, {order_shop.kit_variant: 1}, order_shop.shipping[order_shop.north])
    (canceled_line,) = canceled["items"]
    assert cancel_order(storefront_admin, canceled["id"])["status"] == "canceled"
    assert reservations_by_line_item(storefront_admin, [canceled_line["id"]]) == []  # Medusa released them
    with MedusaClient(medusa_server.url, email=medusa_server.email, password=medusa_server.password) as client:
        orphan = client.reservations.create(order_shop.north, order_shop.panel, 1, line_item_id=canceled_line["id"])["id"]
        gone = client.reservations.create(order_shop.north, order_shop.panel, 1, line_item_id=f"ordli_GONE{order_shop.prefix}")["id"]
        manual = client.reservations.create(order_shop.north, order_shop.panel, 3)["id"]
        code, report = run(capsys, "report", "reservations", "--out", "out", "--sku-prefix", order_shop.prefix)
        kinds = {r["id"]: (r["kind"], (r["order"] or {}).get("status")) for r in report["reservations"]}
        assert {kinds[orphan], kinds[gone], kinds[manual]} == {("orphaned", "canceled"), ("orphaned", None), ("manual", None)}
        assert not any(r["line_item_id"] == canceled_line["id"] and r["kind"] == "order" for r in report["reservations"])
        assert order_shop.levels()[("PANEL", "north")] == (10, 2 + 1 + 1 + 3)
        assert run(capsys, "fulfill", orphan) == (4, None)  # nothing will ship against it
        assert order_shop.levels()[("PANEL", "north")] == (10, 2 + 1 + 1 + 3)

        sweep = sweep_stale(client, AuditLog(order_shop.audit_log), timedelta(days=7), dry_run=False, now=utc_now() + timedelta(days=8))

    ours = {gone, orphan, manual}
    assert {o.reference for o in sweep.released} >= ours
    spared = [r for r in sweep.spared if r.order and r.order.order_id == open_order["id"]]
    assert sorted((r.sku, r.quantity) for r in spared) == [(f"{order_shop.prefix}-INV", 1), (f"{order_shop.prefix}-PANEL", 2)]
    assert order_shop.levels() == {("PANEL", "north"): (10, 2), ("INV", "north"): (3, 1), ("INV", "south"): (0, 0)}
    (open_line,) = open_order["items"]
    assert len(reservations_by_line_item(storefront_admin, [open_line["id"]])) == 2


def test_stock_medusa_lowers_where_nothing_shipped_is_reported_and_repaired(order_shop, storefront, storefront_admin, merchant, capsys, monkeypatch):
    """Medusa made to misbehave the way issue 9 saw it: fulfil a split kit (inverter reserved at
    South, panels at North) while Medusa lowers every component at North — it lowers North's
    inverter (0 → -1) and releases the reservation at South without lowering South. The re-read
    finds both levels off: without --repair that is refused with the numbers (exit 4), with
    --repair they are written to what the shipment should have left.

    Medusa 2.3.0 fulfils one reservation per line item (seen: the inverter's, the last one made):
    it lowers North's inverter (0 → -1) and releases the reservation at South, but leaves the
    panels reserved and not lowered. Told by Medusa's answer (reservations of the line left
    after its fulfilment), medusa-sync then finishes the shipment itself (panels 10 → 8 at North,
    inverter 5 → 4 at South, said in the record) and still refuses North's -1."""
    from medusa_sync.client.resources.orders import Orders
    from medusa_sync.operations import order_fulfilment

    real_fulfil = Orders.fulfil
    left_by_medusa = []

    def fulfil_at_north(self, order_id, items, location_id=None):
        answer = real_fulfil(self, order_id, items, location_id=order_shop.north)
        left_by_medusa.append(len(reservations_by_line_item(storefront_admin, list(items))))
        return answer

    set_stocked(storefront_admin, order_shop.inverter, order_shop.north, 0)
    first, second = (
        place_order_reserved_at(storefront_admin, storefront, merchant, order_shop.kit_variant, 1, order_shop.shipping[order_shop.north], order_shop.split)
        for _ in range(2)
    )
    assert order_shop.levels() == {("PANEL", "north"): (10, 4), ("INV", "north"): (0, 0), ("INV", "south"): (5, 2)}
    with monkeypatch.context() as patch:
        patch.setattr(order_fulfilment, "plan_location", lambda *args: order_fulfilment.Plan(None, []))
        patch.setattr(Orders, "fulfil", fulfil_at_north)
        code, out = run(capsys, "fulfill", "--order", str(first["display_id"]))
        assert (code, out) == (4, None)
        one_per_line = left_by_medusa == [1]  # 2.3.0; 2.21 leaves none
        south = 4 if one_per_line else 5
        assert order_shop.levels() == {("PANEL", "north"): (8, 2), ("INV", "north"): (-1, 0), ("INV", "south"): (south, 1)}
        messages = [r["message"] for r in AuditLog(order_shop.audit_log).records()]
        assert len(messages) == 2  # one record per reservation of the line
        assert all(f"{order_shop.prefix}-INV at {order_shop.prefix} North: stocked 0 → -1, expected 0" in m for m in messages), messages
        if one_per_line:
            assert all("Medusa fulfilled one reservation of the line and left 1: medusa-sync released them and set " in m for m in messages), messages
            assert all(f"{order_shop.prefix}-PANEL at {order_shop.prefix} North: stocked 10 → 8" in m for m in messages), messages
            assert all(f"{order_shop.prefix}-INV at {order_shop.prefix} South: stocked 5 → 4" in m for m in messages), messages
        else:
            assert left_by_medusa == [0]
            assert all(f"{order_shop.prefix}-INV at {order_shop.prefix} South: stocked 5 → 5, expected 4" in m for m in messages), messages

        # what the refusal tells the operator to do: correct the two levels with `set`
        for where, count in (("North", "0"), ("South", "4")):
            assert run(capsys, "set", f"{order_shop.prefix}-INV", "-l", f"{order_shop.prefix} {where}", "-q", count, "--reason", "after order")[0] == 0

        code, outcomes = run(capsys, "fulfill", "--order", str(second["display_id"]), "--repair")
    assert code == 0
    assert all("(repaired)" in o["message"] for o in outcomes)
    # What the second shipment should leave: panels 8 → 6 at North, inverter 4 → 3 at South.
    assert order_shop.levels() == {("PANEL", "north"): (6, 0), ("INV", "north"): (0, 0), ("INV", "south"): (3, 0)}
    assert read_order(storefront_admin, second["id"])["fulfillment_status"] == "fulfilled"
