"""Orders: `/admin/orders`, read to name reservations and fulfilled through Medusa's workflow.

Traps of 2.21.2 (measured, docs/operations.md): the list silently ignores query keys it does not
know (a "filter" by line item returns every order), `status=a,b` answers 500, and no filter takes
a line item id. So orders are paged with trimmed fields and matched to line items in memory.
`fulfillment_status` is computed on reads only (a fulfilment's answer leaves it out).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .base import Fields, Record, Resource, list_query, positive_int, segment

PATH = "/admin/orders"
DEFAULT_FIELDS = (
    "id,display_id,status,fulfillment_status,items.id,items.variant_sku,"
    "items.detail.quantity,items.detail.fulfilled_quantity"
)
"""`items.detail.quantity` brings the ordered quantity: `items.quantity` alone is not returned."""


class Orders(Resource):
    def iter(self, *, fields: Fields = DEFAULT_FIELDS, order: str = "created_at", **filters: Any) -> Iterator[Record]:
        return self._paginate(PATH, "orders", list_query(fields, order=order, **filters))

    def retrieve(self, order_id: str, *, fields: Fields = DEFAULT_FIELDS) -> Record:
        return self._requestor.request("GET", f"{PATH}/{segment(order_id)}", params=list_query(fields), key="order")

    def fulfil(self, order_id: str, items: dict[str, int], *, location_id: str | None = None) -> Record:
        """Create a fulfilment of `items` (line item id → quantity): Medusa lowers each component's
        stock (at `location_id`, or where its reservation is when None) and removes the
        reservations. Not re-sent after an ambiguous failure: read the order and compare."""
        body: dict[str, Any] = {"items": [{"id": item_id, "quantity": positive_int("quantity", qty)} for item_id, qty in items.items()]}
        if location_id is not None:
            body["location_id"] = location_id
        return self._requestor.request(
            "POST", f"{PATH}/{segment(order_id)}/fulfillments", params=list_query("id"), json=body, key="order"
        )
