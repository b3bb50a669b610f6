"""Reservations: the quantity guard, trimmed fields, and the `description` fallback."""

from __future__ import annotations

import httpx
import pytest

from medusa_sync.client import AmbiguousWriteError, InvalidDataError, InvalidRequestError, NotAllowedError
from medusa_sync.client.resources.reservations import DEFAULT_FIELDS

from .conftest import assert_call, error, ok, page

RESERVATION = {"id": "resitem_1", "quantity": 2}
FIELDS = [("fields", DEFAULT_FIELDS)]
CREATE = {"location_id": "sloc_1", "inventory_item_id": "iitem_1", "quantity": 2}


@pytest.mark.parametrize("quantity", [0, -1, 1.5, True, "2", None])
def test_non_positive_quantities_are_refused_before_sending(client, transport, quantity):
    with pytest.raises(InvalidRequestError, match="quantity must be a positive integer"):
        client.reservations.create("sloc_1", "iitem_1", quantity)
    with pytest.raises(ValueError):
        client.reservations.update("resitem_1", quantity=quantity if quantity is not None else 0)
    assert transport.requests == []


def test_create_sends_trimmed_fields_and_optional_values(client, transport):
    transport.add(ok({"reservation": RESERVATION}))
    created = client.reservations.create("sloc_1", "iitem_1", 2, line_item_id="ordli_1",
                                         description="pedido 42", metadata={"source": "erp"})
    assert created == RESERVATION
    assert_call(transport.requests[0], "POST", "/admin/reservations", FIELDS, json_body={
        **CREATE, "line_item_id": "ordli_1", "description": "pedido 42", "metadata": {"source": "erp"}})


def test_a_rejected_description_is_dropped_once(client, transport):
    transport.add(
        error(400, {"type": "invalid_data", "message": "Invalid request: Unrecognized fields: 'description'"}),
        ok({"reservation": RESERVATION}),
    )
    client.reservations.create("sloc_1", "iitem_1", 2, description="pedido 42")
    first, second = transport.requests
    assert_call(first, "POST", "/admin/reservations", FIELDS, json_body={**CREATE, "description": "pedido 42"})
    assert_call(second, "POST", "/admin/reservations", FIELDS, json_body=CREATE)


def test_other_validation_errors_are_not_retried_without_description(client, transport):
    transport.add(error(400, {"type": "invalid_data", "message": "Invalid request: Field 'location_id' is required"}))
    with pytest.raises(InvalidDataError):
        client.reservations.create("sloc_1", "iitem_1", 2, description="pedido 42")
    assert len(transport.requests) == 1


def test_over_reservation_is_a_not_allowed_error(client, transport):
    message = "Not enough stock available for item iitem_1 at location sloc_1"
    transport.add(error(400, {"type": "not_allowed", "message": message}))
    with pytest.raises(NotAllowedError) as raised:
        client.reservations.create("sloc_1", "iitem_1", 2)
    assert str(raised.value) == f"POST /admin/reservations → 400 not_allowed: {message}"


def test_a_create_that_may_have_been_applied_is_not_re_sent(client, transport):
    transport.add(httpx.ReadTimeout("timed out"))
    with pytest.raises(AmbiguousWriteError):
        client.reservations.create("sloc_1", "iitem_1", 2)
    assert len(transport.requests) == 1


def test_iter_retrieve_update_delete(client, transport):
    transport.add(page("reservations", [RESERVATION]), ok({"reservation": RESERVATION}),
                  ok({"reservation": RESERVATION}), ok({"id": "resitem_1", "deleted": True}))
    assert list(client.reservations.iter(location_id="sloc_1")) == [RESERVATION]
    client.reservations.retrieve("resitem_1")
    client.reservations.update("resitem_1", quantity=3, location_id="sloc_2", metadata={"a": 1})
    client.reservations.delete("resitem_1")
    listing, retrieve, update, delete = transport.requests
    assert_call(listing, "GET", "/admin/reservations", [*FIELDS, ("limit", "1000"), ("location_id", "sloc_1"),
                                                        ("offset", "0"), ("order", "id")])
    assert_call(retrieve, "GET", "/admin/reservations/resitem_1", FIELDS)
    assert_call(update, "POST", "/admin/reservations/resitem_1", FIELDS,
                json_body={"quantity": 3, "location_id": "sloc_2", "metadata": {"a": 1}})
    assert_call(delete, "DELETE", "/admin/reservations/resitem_1")
