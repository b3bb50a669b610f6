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


class _Orders:
    def __init__(self, refusal):
        self.refusal, self.sent = refusal, []

    def fulfil(self, order_id, items, *, location_id=None):
        self.sent.append((order_id, items, location_id))
        raise self.refusal


class _Client:
    def __init__(self, refusal):
        self.orders = _Orders(refusal)


def _refusal(status: int, message: str):
    from medusa_sync.client import MedusaAPIError
    from medusa_sync.client.errors import BadRequestError, ServerError

    cls = ServerError if status == 500 else BadRequestError
    error = cls(message, method="POST", path="/admin/orders/order_1/fulfillments", status=status)
    assert isinstance(error, MedusaAPIError)
    return error


@pytest.mark.parametrize(
    ("status", "message"),
    [(500, "An unknown error occurred."), (400, "No stock reservation found for item ordli_1")],  # 2.8.8, 2.21.2
)
def test_a_line_fulfilled_by_someone_else_meanwhile_is_already_fulfilled_not_a_failure(status, message, monkeypatch, tmp_path):
    """Between this run's read and its fulfilment someone fulfilled the line: Medusa refuses the
    second fulfilment (2.21: 400; 2.8.8: 500 unknown_error). The order, read again, shows it
    fulfilled with no reservation left: reported as already fulfilled, nothing re-read or written."""
    from medusa_sync.audit import AuditLog
    from medusa_sync.operations import order_fulfilment

    done = OrderLine("order_1", 12, "pending", "fulfilled", "ordli_1", "KIT-1", 1, 1)
    monkeypatch.setattr(order_fulfilment, "read_reservations", lambda client, line_item_id: [])
    monkeypatch.setattr(order_fulfilment, "order_lines", lambda client, ids: {"ordli_1": done} if list(ids) == ["ordli_1"] else {})
    ctx = context(item("pnl", sloc_n=(10, 2)))
    client = _Client(_refusal(status, message))
    audit = AuditLog(tmp_path / "audit.jsonl")
    [outcome] = order_fulfilment.fulfil_line(
        client, audit, LINE, [ctx.describe(row("r1", "pnl", "sloc_n", 2))], ctx, reason=None, repair=False  # type: ignore[arg-type]
    )
    assert client.orders.sent == [("order_1", {"ordli_1": 1}, "sloc_n")]
    assert (outcome.quantity, outcome.result) == (0, "ok")
    assert outcome.message == (
        "order #12 line ordli_1 (KIT-1) is already fulfilled (1 of 1) (fulfilled meanwhile; Medusa refused this "
        f"run's fulfilment: POST /admin/orders/order_1/fulfillments → {status}: {message}); nothing done"
    )
    assert [record["result"] for record in audit.records()] == ["ok"]


def test_a_refused_fulfilment_of_a_line_still_open_is_a_failure(monkeypatch, tmp_path):
    from medusa_sync.audit import AuditLog
    from medusa_sync.operations import order_fulfilment

    monkeypatch.setattr(order_fulfilment, "read_reservations", lambda client, line_item_id: [])
    monkeypatch.setattr(order_fulfilment, "order_lines", lambda client, ids: {"ordli_1": LINE})
    ctx = context(item("pnl", sloc_n=(10, 2)))
    monkeypatch.setattr(StockContext, "reread", lambda self, client: ctx)
    with pytest.raises(Exception, match="An unknown error occurred"):
        order_fulfilment.fulfil_line(
            _Client(_refusal(500, "An unknown error occurred.")), AuditLog(tmp_path / "audit.jsonl"), LINE,  # type: ignore[arg-type]
            [ctx.describe(row("r1", "pnl", "sloc_n", 2))], ctx, reason=None, repair=False,
        )


class _Recorder:
    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        return lambda *args, **kwargs: self.calls.append((name, args, kwargs))


class _AcceptingClient:
    def __init__(self):
        self.orders, self.reservations, self.inventory_items = _Recorder(), _Recorder(), _Recorder()


def test_a_kit_line_medusa_fulfils_one_reservation_of_is_completed(monkeypatch, tmp_path):
    """Medusa 2.3.0 accepts the fulfilment of a kit line (2 PNL + 1 INV, both reserved at North)
    but handles one reservation only: it lowers the panel by the line's quantity (10 → 9, not 8)
    and leaves the inverter reserved and not lowered. The order reads the line fulfilled, so
    medusa-sync deletes the leftover reservation and sets both levels to what the shipment
    leaves, without --repair, and reports it."""
    from medusa_sync.audit import AuditLog
    from medusa_sync.operations import order_fulfilment

    done = OrderLine("order_1", 12, "pending", "fulfilled", "ordli_1", "KIT-1", 1, 1)
    before = context(item("pnl", sloc_n=(10, 2)), item("inv", sloc_n=(3, 1)))
    after = context(item("pnl", sloc_n=(9, 0)), item("inv", sloc_n=(3, 1)))
    monkeypatch.setattr(order_fulfilment, "read_reservations", lambda client, line_item_id: [row("r2", "inv", "sloc_n", 1)])
    monkeypatch.setattr(order_fulfilment, "order_lines", lambda client, ids: {"ordli_1": done} if list(ids) == ["ordli_1"] else {})
    monkeypatch.setattr(StockContext, "reread", lambda self, client: after)
    client = _AcceptingClient()
    audit = AuditLog(tmp_path / "audit.jsonl")

    outcomes = order_fulfilment.fulfil_line(
        client, audit, LINE, [before.describe(row("r1", "pnl", "sloc_n", 2)), before.describe(row("r2", "inv", "sloc_n", 1))],  # type: ignore[arg-type]
        before, reason=None, repair=False,
    )

    assert client.orders.calls == [("fulfil", ("order_1", {"ordli_1": 1}), {"location_id": "sloc_n"})]
    assert client.reservations.calls == [("delete", ("r2",), {})]
    assert client.inventory_items.calls == [
        ("update_level", ("inv", "sloc_n"), {"stocked_quantity": 2}),
        ("update_level", ("pnl", "sloc_n"), {"stocked_quantity": 8}),
    ]
    note = "Medusa fulfilled one reservation of the line and left 1: medusa-sync released them and set INV at North: stocked 3 → 2; PNL at North: stocked 9 → 8"
    assert [(o.sku, o.result, o.message) for o in outcomes] == [
        ("PNL", "ok", f"order #12 fulfilled by Medusa at North; {note}"),
        ("INV", "ok", f"order #12 fulfilled by Medusa at North; {note}"),
    ]
    assert [record["result"] for record in audit.records()] == ["ok", "ok"]


def test_reservations_left_on_a_line_medusa_does_not_show_fulfilled_are_a_failure(monkeypatch, tmp_path):
    """The same leftovers while the order does not read the line fulfilled: nothing is deleted or
    written, the outcomes say the fulfilment failed."""
    from medusa_sync.audit import AuditLog
    from medusa_sync.operations import order_fulfilment

    ctx = context(item("pnl", sloc_n=(10, 2)))
    monkeypatch.setattr(order_fulfilment, "read_reservations", lambda client, line_item_id: [row("r1", "pnl", "sloc_n", 2)])
    monkeypatch.setattr(order_fulfilment, "order_lines", lambda client, ids: {"ordli_1": LINE})
    monkeypatch.setattr(StockContext, "reread", lambda self, client: ctx)
    client = _AcceptingClient()
    with pytest.raises(GuardError, match="stock moved where nothing shipped: PNL at North: stocked 10 → 10, expected 8"):
        order_fulfilment.fulfil_line(
            client, AuditLog(tmp_path / "audit.jsonl"), LINE, [ctx.describe(row("r1", "pnl", "sloc_n", 2))], ctx,  # type: ignore[arg-type]
            reason=None, repair=False,
        )
    assert (client.reservations.calls, client.inventory_items.calls) == ([], [])
