"""Mapping of Medusa's answers to error classes, messages and (through medusa_sync.cli.exit_codes)
exit codes."""

from __future__ import annotations

import httpx
import pytest

from medusa_sync import errors as project_errors
from medusa_sync.cli.exit_codes import exit_code_of
from medusa_sync.client import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    InvalidDataError,
    MalformedAnswerError,
    MedusaAPIError,
    MedusaUnavailableError,
    NotAllowedError,
    PayloadTooLargeError,
    ResourceNotFoundError,
    ServerError,
    UnauthorizedError,
)
from medusa_sync.client.errors import error_from_response

from .conftest import error, ok

EXPRESS_404 = (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n'
    "</head>\n<body>\n<pre>Cannot GET /admin/inventory-itemz/iitem_1?fields=id</pre>\n</body>\n</html>\n"
)


@pytest.mark.parametrize(
    ("status", "answer", "cls", "exit_code", "text"),
    [
        (400, {"type": "invalid_data", "message": "Invalid request: Field 'location_id' is required"},
         InvalidDataError, 1,
         "POST /admin/x → 400 invalid_data: Invalid request: Field 'location_id' is required"),
        (400, {"type": "not_allowed", "message": "Not enough stock available for item iitem_1 at location sloc_1"},
         NotAllowedError, 1,
         "POST /admin/x → 400 not_allowed: Not enough stock available for item iitem_1 at location sloc_1"),
        (400, {"type": "weird", "message": "hm"}, BadRequestError, 1, "POST /admin/x → 400 weird: hm"),
        (401, {"message": "Unauthorized"}, UnauthorizedError, 8, "POST /admin/x → 401: Unauthorized"),
        (403, {"type": "forbidden", "message": "Forbidden"}, ForbiddenError, 1,
         "POST /admin/x → 403 forbidden: Forbidden"),
        (404, {"type": "not_found", "message": "Inventory item with id: iitem_1 was not found"},
         ResourceNotFoundError, 9, "POST /admin/x → 404 not_found: Inventory item with id: iitem_1 was not found"),
        (404, EXPRESS_404, ResourceNotFoundError, 9,
         "POST /admin/x → 404: unknown route (Cannot GET /admin/inventory-itemz/iitem_1)"),
        (409, {"type": "conflict", "code": "invalid_state_error", "message": "The request conflicted"},
         ConflictError, 1, "POST /admin/x → 409 conflict: The request conflicted"),
        (413, {"type": "unknown_error", "message": "request entity too large"}, PayloadTooLargeError, 1,
         "POST /admin/x → 413 unknown_error: request entity too large"),
        (422, {"type": "duplicate_error", "message": "dup"}, MedusaAPIError, 1,
         "POST /admin/x → 422 duplicate_error: dup"),
        (500, {"code": "unknown_error", "type": "unknown_error", "message": "An unknown error occurred."},
         ServerError, 1, "POST /admin/x → 500 unknown_error: An unknown error occurred."),
        (500, "", ServerError, 1, "POST /admin/x → 500: Internal Server Error"),
    ],
)
def test_each_answer_maps_to_its_class(status, answer, cls, exit_code, text):
    response = error(status, answer, {"x-request-id": "req_42"})
    raised = error_from_response("POST", "/admin/x", status, response.headers, response.content)
    assert type(raised) is cls
    assert exit_code_of(raised) == exit_code
    assert str(raised) == text
    assert (raised.status, raised.method, raised.path, raised.request_id) == (status, "POST", "/admin/x", "req_42")


def test_fields_carry_medusas_type_code_and_message():
    response = error(409, {"type": "conflict", "code": "invalid_state_error", "message": "conflicted"})
    raised = error_from_response("POST", "/admin/x", 409, response.headers, response.content)
    assert (raised.type, raised.code, raised.message) == ("conflict", "invalid_state_error", "conflicted")
    assert repr(raised) == (
        "ConflictError(method='POST', path='/admin/x', status=409, type='conflict', message='conflicted')"
    )


def test_a_404_is_also_the_projects_not_found_and_auth_refusals_are_unavailable():
    assert issubclass(ResourceNotFoundError, project_errors.NotFoundError)
    assert issubclass(UnauthorizedError, MedusaUnavailableError)
    for cls in (ResourceNotFoundError, UnauthorizedError, ServerError):
        assert issubclass(cls, project_errors.MedusaSyncError)


def test_an_unknown_route_through_the_client_names_the_path_without_query(client, transport):
    transport.add(error(404, EXPRESS_404))
    with pytest.raises(ResourceNotFoundError) as raised:
        client.inventory_items.retrieve("iitem_1", fields="id")
    assert raised.value.path == "/admin/inventory-items/iitem_1"
    assert "fields" not in str(raised.value)


def test_a_success_that_is_not_json_is_an_error(client, transport):
    transport.add(httpx.Response(200, text="<html>storefront</html>"))
    with pytest.raises(MedusaAPIError) as raised:
        client.stock_locations.retrieve("sloc_1")
    assert str(raised.value) == "GET /admin/stock-locations/sloc_1 → 200: the answer is not JSON"


def test_an_answer_without_the_expected_key_is_an_error(client, transport):
    transport.add(ok({}))
    with pytest.raises(MedusaAPIError, match="the answer has no 'stock_location'"):
        client.stock_locations.retrieve("sloc_1")


@pytest.mark.parametrize(
    ("call", "answer", "text"),
    [
        (lambda c: c.stock_locations.retrieve("sloc_1"), [{"id": "sloc_1"}],
         "GET /admin/stock-locations/sloc_1 → 200: the answer is a list, not a JSON object"),
        (lambda c: c.stock_locations.retrieve("sloc_1"), 7,
         "GET /admin/stock-locations/sloc_1 → 200: the answer is an integer, not a JSON object"),
        (lambda c: c.stock_locations.retrieve("sloc_1"), {"stock_location": 7},
         "GET /admin/stock-locations/sloc_1: the answer's 'stock_location' is an integer, not a list"),
        (lambda c: c.stock_locations.retrieve("sloc_1"), {"stock_location": [3]},
         "GET /admin/stock-locations/sloc_1: the answer's 'stock_location' holds an integer, not a record"),
        (lambda c: list(c.inventory_items.iter()), {"inventory_items": 5, "count": 5},
         "GET /admin/inventory-items: the answer has no 'inventory_items' list"),
        (lambda c: list(c.inventory_items.iter()), {"inventory_items": [1, 2], "count": 2},
         "GET /admin/inventory-items: the answer's 'inventory_items' holds an integer, not a record"),
        (lambda c: c.inventory_items.batch_levels(update=[{"inventory_item_id": "i", "location_id": "l"}]),
         {"created": [], "updated": 1, "deleted": []},
         "POST /admin/inventory-items/location-levels/batch: the answer's 'updated' is an integer, not a list"),
    ],
)
def test_an_answer_of_the_wrong_shape_names_the_request(client, transport, call, answer, text):
    transport.add(ok(answer))
    with pytest.raises(MalformedAnswerError) as raised:
        call(client)
    assert str(raised.value) == text
    assert exit_code_of(raised.value) == 1
    assert raised.value.hint == "check that the URL points at a Medusa v2 server"


@pytest.mark.parametrize(
    "answer",
    [
        {"type": "not_allowed\x1b]0;owned\x07", "message": "Not enough\x1b[2J stock\r\n\x9b31m"},
        "Not enough\x1b[2J stock\r\n\x9b31m",
    ],
)
def test_control_characters_of_an_error_body_never_reach_the_message(client, transport, answer):
    transport.add(error(400, answer))
    with pytest.raises(BadRequestError) as raised:
        client.stock_locations.retrieve("sloc_1")
    text = str(raised.value)
    assert not any(ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F for char in text), repr(text)
    assert raised.value.message == "Not enough [2J stock 31m"
