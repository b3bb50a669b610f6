"""Orders as far as reservations need them: which order a reservation's line item belongs to.

Medusa links a reservation to an order only through `line_item_id` (an order line item,
`ordli_…`), and no order filter takes line item ids (medusa_sync.client.resources.orders), so the
orders are paged with trimmed fields and matched in memory, and only when some reservation has
such a line item.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from medusa_sync.client import list_field

from .rows import quantity

if TYPE_CHECKING:
    from medusa_sync.client import MedusaClient

ORDER_LINE_PREFIX = "ordli_"
CLOSED_STATUSES = frozenset({"canceled", "archived"})
"""An order in these states will never be fulfilled: reservations still held for it are orphaned."""

ORDER, MANUAL, ORPHANED = "order", "manual", "orphaned"
"""The three kinds of reservation (docs/operations.md, "Whose reservation is it")."""


@dataclass(frozen=True)
class OrderLine:
    """One line item of an order, with its order's number and states."""

    order_id: str
    display_id: int
    status: str
    fulfillment_status: str
    line_item_id: str
    sku: str | None  # what the customer ordered: the kit's SKU for a kit
    quantity: int
    fulfilled: int

    @property
    def number(self) -> str:
        return f"#{self.display_id}"

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    @property
    def remaining(self) -> int:
        return self.quantity - self.fulfilled


def _lines(order: dict[str, Any]) -> list[OrderLine]:
    return [
        OrderLine(
            order_id=order["id"],
            display_id=int(order["display_id"]),
            status=str(order.get("status")),
            fulfillment_status=str(order.get("fulfillment_status")),
            line_item_id=item["id"],
            sku=item.get("variant_sku"),
            quantity=quantity(item.get("detail") or {}, "quantity"),
            fulfilled=quantity(item.get("detail") or {}, "fulfilled_quantity"),
        )
        for item in list_field(order, "items")
    ]


def order_lines(client: MedusaClient, line_item_ids: Iterable[str | None]) -> dict[str, OrderLine]:
    """Line item id → its order line, for the ids that look like order line items; no request
    when none does. An id missing from the answer belongs to no order (any more)."""
    wanted = {line for line in line_item_ids if line and line.startswith(ORDER_LINE_PREFIX)}
    if not wanted:
        return {}
    return {line.line_item_id: line for order in client.orders.iter() for line in _lines(order) if line.line_item_id in wanted}


def order_by_number(client: MedusaClient, display_id: int) -> list[OrderLine]:
    """Every line of the order with this display number (empty: no such order). Paged in
    memory: `/admin/orders` ignores filters it does not know, so none is trusted here."""
    return [line for order in client.orders.iter() if order.get("display_id") == display_id for line in _lines(order)]


def classify(line_item_id: str | None, lines: dict[str, OrderLine]) -> tuple[str, OrderLine | None]:
    """(kind, order line): an order's while the order is open; orphaned when its order is
    canceled, archived or gone; manual when the line item is none of an order's."""
    if not line_item_id or not line_item_id.startswith(ORDER_LINE_PREFIX):
        return MANUAL, None
    line = lines.get(line_item_id)
    if line is None or not line.is_open:
        return ORPHANED, line
    return ORDER, line
