"""Whose a reservation is, and where an order line is fulfilled (pure: no HTTP)."""

from __future__ import annotations

import pytest

from medusa_sync.errors import GuardError
from medusa_sync.operations.order_fulfilment import plan_location
from medusa_sync.store import MANUAL, ORDER, ORPHANED, Locations, OrderLine, StockContext, StockItem, classify
from medusa_sync.store.rows import ActualLevel

LINE = OrderLine("order_1", 12, "pending", "not_fulfilled", "ordli_1", "KIT-1", 1, 0)
LOCATIONS = Locations({"sloc_n": "North", "sloc_s": "South", "sloc_w": "West"})


def item(item_id: str, **levels: tuple[int, int]) -> StockItem:
    return StockItem(
        item_id, item_id.upper(), item_id, {}, {loc: ActualLevel(f"l_{loc}", loc, s, r, 0) for loc, (s, r) in levels.items()}
    )


def context(*items: StockItem) -> StockContext:
    return StockContext(LOCATIONS, {i.id: i for i in items}, {LINE.line_item_id: LINE})


def row(reservation_id: str, item_id: str, location_id: str, quantity: int) -> dict:
    return {"id": reservation_id, "inventory_item_id": item_id, "location_id": location_id, "quantity": quantity, "line_item_id": "ordli_1"}


@pytest.mark.parametrize(
    ("line_item_id", "lines", "kind"),
    [
        (None, {}, MANUAL),
        ("li_123", {}, MANUAL),  # `reserve --line-item` with a reference of the user's own
        ("ordli_1", {"ordli_1": LINE}, ORDER),
        ("ordli_1", {}, ORPHANED),  # its order is gone
        ("ordli_1", {"ordli_1": OrderLine("order_1", 12, "canceled", "not_fulfilled", "ordli_1", "KIT-1", 1, 0)}, ORPHANED),
    ],
)
def test_classify(line_item_id, lines, kind):
    assert classify(line_item_id, lines)[0] == kind


def test_reservations_at_one_location_are_fulfilled_there():
    ctx = context(item("pnl", sloc_n=(10, 2)), item("inv", sloc_n=(3, 1)))
    plan = plan_location(LINE, [ctx.describe(row("r1", "pnl", "sloc_n", 2)), ctx.describe(row("r2", "inv", "sloc_n", 1))], ctx)
    assert (plan.location_id, plan.moves) == ("sloc_n", [])


def test_a_split_line_moves_to_the_location_holding_every_component_with_the_fewest_units_to_move():
    # West could take both too, but would move 3 units; North moves 1 (the inverter).
    ctx = context(item("pnl", sloc_n=(10, 2), sloc_w=(10, 0)), item("inv", sloc_n=(1, 0), sloc_s=(5, 1), sloc_w=(5, 0)))
    panels, inverter = ctx.describe(row("r1", "pnl", "sloc_n", 2)), ctx.describe(row("r2", "inv", "sloc_s", 1))
    plan = plan_location(LINE, [panels, inverter], ctx)
    assert (plan.location_id, [r.id for r in plan.moves]) == ("sloc_n", ["r2"])


def test_a_split_line_with_no_common_location_is_fulfilled_where_each_component_is_reserved():
    ctx = context(item("pnl", sloc_n=(10, 2)), item("inv", sloc_n=(1, 1), sloc_s=(5, 1)))  # North's inverter is taken
    plan = plan_location(LINE, [ctx.describe(row("r1", "pnl", "sloc_n", 2)), ctx.describe(row("r2", "inv", "sloc_s", 1))], ctx)
    assert (plan.location_id, plan.moves) == (None, [])


def test_no_common_location_and_too_little_stocked_where_reserved_is_refused_naming_the_component():
    ctx = context(item("pnl", sloc_n=(10, 2)), item("inv", sloc_s=(0, 1)))
    with pytest.raises(GuardError, match=r"order #12 line ordli_1 \(KIT-1\).*INV at South: 0 stocked, 1 reserved"):
        plan_location(LINE, [ctx.describe(row("r1", "pnl", "sloc_n", 2)), ctx.describe(row("r2", "inv", "sloc_s", 1))], ctx)


def test_a_canceled_order_is_not_fulfilled():
    from medusa_sync.operations.order_fulfilment import fulfil_order_lines

    canceled = OrderLine("order_1", 12, "canceled", "not_fulfilled", "ordli_1", "KIT-1", 1, 0)
    with pytest.raises(GuardError, match="fulfill order #12: it is canceled"):
        fulfil_order_lines(None, None, [canceled], context(), reason=None, repair=False)  # type: ignore[arg-type]
