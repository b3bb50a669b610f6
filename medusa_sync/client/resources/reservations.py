"""Reservations of stock at a location: `/admin/reservations`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..errors import InvalidDataError
from ..pagination import paginate
from .base import Fields, Record, Resource, list_query, positive_int, segment

PATH = "/admin/reservations"
DEFAULT_FIELDS = (
    "id,location_id,inventory_item_id,quantity,line_item_id,description,metadata,created_at,updated_at"
)
"""Medusa's default payload embeds the whole inventory item with its levels; this trims it."""


class Reservations(Resource):
    def iter(
        self, *, fields: Fields = DEFAULT_FIELDS, order: str = "id", **filters: Any
    ) -> Iterator[Record]:
        return self._paginate(PATH, "reservations", list_query(fields, order=order, **filters))

    def updated_since(self, since: str | None, *, fields: Fields = DEFAULT_FIELDS) -> Iterator[Record]:
        """Reservations created or changed at or after `since` (an ISO 8601 time of the server's
        clock, as its `updated_at` values are; None: every reservation)."""
        return self.iter(fields=fields, **({"updated_at[$gte]": since} if since else {}))

    def last_updated_at(self) -> str | None:
        """The `updated_at` of the reservation created or changed last; None when there is none.
        One request."""
        params = list_query("id,updated_at", order="-updated_at")
        newest = next(paginate(self._requestor, PATH, "reservations", params, page_size=1), None)
        return None if newest is None else str(newest["updated_at"])

    def retrieve(self, reservation_id: str, *, fields: Fields = DEFAULT_FIELDS) -> Record:
        return self._requestor.request(
            "GET", f"{PATH}/{segment(reservation_id)}", params=list_query(fields), key="reservation"
        )

    def create(
        self,
        location_id: str,
        inventory_item_id: str,
        quantity: int,
        *,
        line_item_id: str | None = None,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Record:
        """Reserve `quantity` (> 0: Medusa would accept 0 and negatives) units.

        Not re-sent after a failure where it may have been applied (a reservation has no natural
        key to look up): that raises AmbiguousWriteError. If the server rejects `description`
        (the 2.21 code drops it; the live server keeps it), the request is sent once without it.
        """
        body: dict[str, Any] = {
            "location_id": location_id,
            "inventory_item_id": inventory_item_id,
            "quantity": positive_int("quantity", quantity),
        }
        optional = {"line_item_id": line_item_id, "description": description, "metadata": metadata}
        body.update({name: value for name, value in optional.items() if value is not None})
        try:
            return self._create(body)
        except InvalidDataError as error:
            if "description" not in body or "description" not in error.message:
                raise
            body.pop("description")
            return self._create(body)

    def update(
        self,
        reservation_id: str,
        *,
        quantity: int | None = None,
        location_id: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Record:
        """Set the quantity (> 0), move it, or replace its metadata.

        Medusa answers an unknown id with 400, not 404; it checks availability only for a
        quantity increase, so a move alone can over-reserve the destination."""
        body: dict[str, Any] = {}
        if quantity is not None:
            body["quantity"] = positive_int("quantity", quantity)
        if location_id is not None:
            body["location_id"] = location_id
        if metadata is not None:
            body["metadata"] = metadata
        return self._requestor.request(
            "POST",
            f"{PATH}/{segment(reservation_id)}",
            params=list_query(DEFAULT_FIELDS),
            json=body,
            key="reservation",
            idempotent=True,
        )

    def delete(self, reservation_id: str) -> Record:
        return self._requestor.request("DELETE", f"{PATH}/{segment(reservation_id)}")

    def _create(self, body: dict[str, Any]) -> Record:
        return self._requestor.request(
            "POST", PATH, params=list_query(DEFAULT_FIELDS), json=body, key="reservation"
        )
