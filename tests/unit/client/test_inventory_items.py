"""Inventory items and levels: the calls sent, the create-recovery rule, batch splitting."""

from __future__ import annotations

import json
import logging
import re
import time

import httpx
import pytest

from medusa_sync.client import AmbiguousWriteError, InvalidDataError, ResourceNotFoundError
from medusa_sync.cli.exit_codes import exit_code_of
from medusa_sync.client.ids import entity_ids

from .conftest import assert_call, body, error, ok, page

ITEM = {"id": "iitem_1", "sku": "PAINEL-550", "location_levels": [{"location_id": "sloc_1"}]}
CREATE_BODY = {
    "sku": "PAINEL-550",
    "title": "Painel 550 W",
    "location_levels": [{"location_id": "sloc_1", "stocked_quantity": 12}],
}
LOOKUP = ("GET", "/admin/inventory-items", [("sku", "PAINEL-550"), ("limit", "1")])


def test_create_sends_the_body_with_its_levels(client, transport):
    transport.add(ok({"inventory_item": ITEM}))
    assert client.inventory_items.create(CREATE_BODY) == ITEM
    [request] = transport.requests
    assert_call(request, "POST", "/admin/inventory-items", json_body=CREATE_BODY)


def test_writes_are_answered_with_the_fields_asked(client, transport):
    transport.add(ok({"inventory_item": {"id": "iitem_1"}}), ok({"inventory_item": {"id": "iitem_1"}}),
                  ok({"inventory_item": {"id": "iitem_1", "metadata": {}}}))
    assert client.inventory_items.create(CREATE_BODY, fields="id") == {"id": "iitem_1"}
    client.inventory_items.update("iitem_1", {"title": "Painel"}, fields="id")
    client.inventory_items.update("iitem_1", {"metadata": {"a": "1"}}, fields=["id"])
    create, update, update_metadata = transport.requests
    assert_call(create, "POST", "/admin/inventory-items", [("fields", "id")], json_body=CREATE_BODY)
    assert_call(update, "POST", "/admin/inventory-items/iitem_1", [("fields", "id")], json_body={"title": "Painel"})
    # the metadata too: a first removal is learned from the answer's (client/metadata.py)
    assert_call(update_metadata, "POST", "/admin/inventory-items/iitem_1", [("fields", "id,metadata")], json_body={"metadata": {"a": "1"}})


def test_a_create_that_timed_out_and_was_applied_is_found_not_re_sent(client, transport, caplog):
    transport.add(httpx.ReadTimeout("timed out"), page("inventory_items", [ITEM]))
    with caplog.at_level(logging.WARNING, logger="medusa_sync.client"):
        assert client.inventory_items.create(CREATE_BODY) == ITEM
    post, lookup = transport.requests
    assert_call(post, "POST", "/admin/inventory-items", json_body=CREATE_BODY)
    assert_call(lookup, *LOOKUP)
    assert client.stats.snapshot().by_method == {"POST": 1, "GET": 1}
    assert "looking it up before re-sending" in caplog.text


def test_a_create_that_was_not_applied_is_re_sent_once_after_the_lookup(client, transport):
    transport.add(error(503, "down"), page("inventory_items", []), ok({"inventory_item": ITEM}))
    assert client.inventory_items.create(CREATE_BODY) == ITEM
    first, lookup, second = transport.requests
    assert_call(first, "POST", "/admin/inventory-items", json_body=CREATE_BODY)
    assert_call(lookup, *LOOKUP)
    assert_call(second, "POST", "/admin/inventory-items", json_body=CREATE_BODY)


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.PoolTimeout("pool"), error(429, {}, {"Retry-After": "0"})],
)
def test_a_create_that_was_certainly_not_received_is_re_sent_without_lookup(client, transport, failure):
    transport.add(failure, ok({"inventory_item": ITEM}))
    assert client.inventory_items.create(CREATE_BODY) == ITEM
    assert [(r.method, r.url.path) for r in transport.requests] == [("POST", "/admin/inventory-items")] * 2


def test_a_create_without_sku_cannot_be_looked_up_and_is_not_re_sent(client, transport):
    transport.add(httpx.ReadTimeout("timed out"))
    with pytest.raises(AmbiguousWriteError) as raised:
        client.inventory_items.create({"title": "no sku"})
    assert str(raised.value) == (
        "POST /admin/inventory-items: the request may have been applied (ReadTimeout: timed out) (not re-sent)"
    )
    assert exit_code_of(raised.value) == 8
    assert len(transport.requests) == 1


def test_a_create_still_ambiguous_when_retries_run_out_says_so(client, transport):
    transport.add(*[x for _ in range(4) for x in (httpx.ReadTimeout("timed out"), page("inventory_items", []))])
    transport.add(httpx.ReadTimeout("timed out"))
    with pytest.raises(AmbiguousWriteError, match="may have been applied.*gave up after 5 attempts"):
        client.inventory_items.create(CREATE_BODY)
    assert client.stats.snapshot().by_method == {"POST": 5, "GET": 4}


def test_a_duplicate_sku_is_a_plain_error(client, transport):
    transport.add(error(400, {"type": "invalid_data", "message": "Inventory item with sku: PAINEL-550, already exists."}))
    with pytest.raises(InvalidDataError, match="already exists"):
        client.inventory_items.create(CREATE_BODY)
    assert len(transport.requests) == 1


def test_update_retrieve_delete(client, transport):
    transport.add(ok({"inventory_item": ITEM}), ok({"inventory_item": ITEM}),
                  ok({"id": "iitem_1", "object": "inventory_item", "deleted": True}))
    client.inventory_items.update("iitem_1", {"title": "Painel"})
    client.inventory_items.retrieve("iitem_1", fields=["id", "sku"])
    assert client.inventory_items.delete("iitem_1")["deleted"] is True
    update, retrieve, delete = transport.requests
    assert_call(update, "POST", "/admin/inventory-items/iitem_1", json_body={"title": "Painel"})
    assert_call(retrieve, "GET", "/admin/inventory-items/iitem_1", [("fields", "id,sku")])
    assert_call(delete, "DELETE", "/admin/inventory-items/iitem_1")


def test_an_update_is_absolute_so_it_is_re_sent_after_a_timeout(client, transport):
    transport.add(httpx.ReadTimeout("timed out"), ok({"inventory_item": ITEM}))
    client.inventory_items.update_level("iitem_1", "sloc_1", stocked_quantity=7)
    for request in transport.requests:
        assert_call(request, "POST", "/admin/inventory-items/iitem_1/location-levels/sloc_1",
                    json_body={"stocked_quantity": 7})


def test_levels_of_one_item(client, transport):
    level = {"id": "ilev_1", "location_id": "sloc_1"}
    transport.add(page("inventory_levels", [level]), ok({"inventory_item": ITEM}),
                  ok({"id": "ilev_1", "object": "inventory-level", "deleted": True}))
    assert client.inventory_items.list_levels("iitem_1") == [level]
    client.inventory_items.create_level("iitem_1", "sloc_2", stocked_quantity=5, incoming_quantity=0)
    client.inventory_items.delete_level("iitem_1", "sloc_1")
    listing, create, delete = transport.requests
    assert_call(listing, "GET", "/admin/inventory-items/iitem_1/location-levels",
                [("limit", "1000"), ("offset", "0"), ("order", "id")])
    assert_call(create, "POST", "/admin/inventory-items/iitem_1/location-levels",
                json_body={"location_id": "sloc_2", "stocked_quantity": 5, "incoming_quantity": 0})
    assert_call(delete, "DELETE", "/admin/inventory-items/iitem_1/location-levels/sloc_1")


def test_a_level_create_that_timed_out_is_found_on_the_item(client, transport):
    transport.add(httpx.ReadTimeout("timed out"), ok({"inventory_item": ITEM}))
    assert client.inventory_items.create_level("iitem_1", "sloc_1", stocked_quantity=5) == ITEM
    post, lookup = transport.requests
    assert_call(lookup, "GET", "/admin/inventory-items/iitem_1")


def test_ids_are_escaped_in_paths(client, transport):
    transport.add(error(404, {"type": "not_found", "message": "nope"}))
    with pytest.raises(ResourceNotFoundError):
        client.inventory_items.retrieve("../stock-locations/x")
    assert transport.requests[0].url.raw_path == b"/admin/inventory-items/..%2Fstock-locations%2Fx"


# ---- the cross-item level batch ----

BATCH = "/admin/inventory-items/location-levels/batch"


def level(n: int, quantity: int = 1) -> dict:
    return {"inventory_item_id": f"iitem_{n}", "location_id": "sloc_1", "stocked_quantity": quantity}


def test_batch_levels_splits_by_entries_and_merges_answers(client, transport):
    creates = [level(n) for n in range(3)]
    updates = [level(n) for n in range(3, 8)]
    transport.add(
        ok({"created": [{"id": "ilev_0"}, {"id": "ilev_1"}, {"id": "ilev_2"}], "updated": [{"id": "ilev_3"}]}),
        ok({"created": [], "updated": [{"id": f"ilev_{n}"} for n in range(4, 8)]}),
        ok({"created": [], "updated": [], "deleted": ["ilev_9"]}),
    )
    result = client.inventory_items.batch_levels(creates, updates, ["ilev_9"], force=True, max_entries=4)
    assert result == {
        "created": [{"id": "ilev_0"}, {"id": "ilev_1"}, {"id": "ilev_2"}],
        "updated": [{"id": f"ilev_{n}"} for n in range(3, 8)],
        "deleted": ["ilev_9"],
    }
    first, second, third = transport.requests
    assert_call(first, "POST", BATCH, json_body={"create": creates, "update": updates[:1]})
    assert_call(second, "POST", BATCH, json_body={"update": updates[1:5]})
    assert_call(third, "POST", BATCH, json_body={"delete": ["ilev_9"], "force": True})


def test_batch_levels_splits_by_size(client, transport):
    updates = [level(n, quantity=5) for n in range(1000, 2000)]  # all entries of one size
    assert len(json.dumps(updates[0], separators=(",", ":"))) == 78
    # {"update":[…]} with 253 entries is 13 + 253 * 79 - 1 = 19999 bytes; 254 would be 20078.
    transport.add(*[ok({"created": [], "updated": []}) for _ in range(4)])
    client.inventory_items.batch_levels(update=updates, max_bytes=20_000)
    sent = [body(request)["update"] for request in transport.requests]
    assert [len(entries) for entries in sent] == [253, 253, 253, 241]
    assert [entry for entries in sent for entry in entries] == updates
    assert all(len(request.content) <= 20_000 for request in transport.requests)


def test_nothing_to_batch_sends_nothing(client, transport):
    assert client.inventory_items.batch_levels() == {"created": [], "updated": [], "deleted": []}
    assert transport.requests == []


def test_an_update_only_batch_is_re_sent_after_a_timeout(client, transport):
    transport.add(httpx.ReadTimeout("timed out"), ok({"created": [], "updated": [{"id": "ilev_1"}]}))
    assert client.inventory_items.batch_levels(update=[level(1)])["updated"] == [{"id": "ilev_1"}]
    assert len(transport.requests) == 2


def test_a_batch_with_creates_is_not_re_sent_when_it_may_have_been_applied(client, transport):
    transport.add(httpx.ReadTimeout("timed out"))
    with pytest.raises(AmbiguousWriteError) as raised:
        client.inventory_items.batch_levels(create=[level(1)], update=[level(2)])
    assert raised.value.path == BATCH
    assert len(transport.requests) == 1


def test_a_failing_later_request_reports_what_earlier_ones_applied(client, transport):
    transport.add(ok({"created": [], "updated": [{"id": "ilev_1"}]}),
                  error(404, {"type": "not_found", "message": "Item iitem_2 is not stocked at location sloc_1"}))
    with pytest.raises(ResourceNotFoundError) as raised:
        client.inventory_items.batch_levels(update=[level(1), level(2)], max_entries=1)
    assert raised.value.applied == {"created": [], "updated": [{"id": "ilev_1"}], "deleted": []}


def test_a_failing_first_request_applied_nothing(client, transport):
    transport.add(error(400, {"type": "invalid_data", "message": "bad"}))
    with pytest.raises(InvalidDataError) as raised:
        client.inventory_items.batch_levels(update=[level(1), level(2)], max_entries=1)
    assert raised.value.applied is None


RUN_PATH = "/admin/workflows-executions/update-inventory-items-workflow/run"
FINISHED = {"acknowledgement": {"transactionId": "auto-1", "workflowId": "update-inventory-items-workflow", "hasFinished": True, "hasFailed": False}}
WORKFLOW_FEATURE = "inventory item workflows through the workflow-run route"


def bases(count: int) -> dict[str, dict[str, list[int]]]:
    """Sync bases as apply records them, with ids as long as Medusa's."""
    return {f"iitem_01M8EDWWG1B795C7416D{n:06d}": {"sync_base:sloc_01M8EDWW88AZ2GJ73CE8384RE7": [100, 0]} for n in range(count)}


def test_metadata_batches_run_the_item_update_workflow_under_medusas_body_limit(client, transport):
    metadata = bases(2000)
    transport.add(*[ok(FINISHED) for _ in range(3)])
    outcomes = list(client.inventory_items.each_metadata_batch(metadata))
    sent = [body(request)["input"]["updates"] for request in transport.requests]
    # Each update is 106 bytes of JSON: {"input":{"updates":[…]}} holds 840 in 90,000 bytes (89,903).
    assert len(json.dumps(sent[0][0], separators=(",", ":"))) == 106
    assert [len(updates) for updates in sent] == [840, 840, 320]
    assert len(transport.requests[0].content) == 89_903
    assert all(len(request.content) <= 90_000 for request in transport.requests)
    assert all(request.url.path == RUN_PATH and request.method == "POST" for request in transport.requests)
    assert [update for updates in sent for update in updates] == [{"id": key, "metadata": value} for key, value in metadata.items()]
    assert [(len(outcome.item_ids), outcome.error) for outcome in outcomes] == [(840, None), (840, None), (320, None)]
    assert client.capabilities.snapshot()[WORKFLOW_FEATURE] is True


def test_a_metadata_batch_is_re_sent_after_a_timeout(client, transport):
    transport.add(httpx.ReadTimeout("timed out"), ok(FINISHED))
    [outcome] = client.inventory_items.each_metadata_batch(bases(2))
    assert (outcome.item_ids, outcome.error) == (list(bases(2)), None)
    assert len(transport.requests) == 2


def test_a_refused_metadata_batch_is_its_items_outcome_and_the_next_is_still_sent(client, transport):
    transport.add(error(404, {"type": "not_found", "message": 'InventoryItem with id "iitem_x" not found'}), ok(FINISHED))
    first, second = client.inventory_items.each_metadata_batch(bases(1000))
    assert (len(first.item_ids), type(first.error)) == (840, ResourceNotFoundError)
    assert (len(second.item_ids), second.error) == (160, None)
    assert client.inventory_items.metadata_batch_supported()


@pytest.mark.parametrize(
    "answer",
    [
        error(404, "<pre>Cannot POST /admin/workflows-executions/update-inventory-items-workflow/run</pre>"),
        error(404, {"type": "not_found", "message": 'Workflow with id "update-inventory-items-workflow" not found.'}),
        error(403, {"type": "not_allowed", "message": "Forbidden"}),
        ok({"acknowledgement": {"hasFinished": False, "hasFailed": False}}),
    ],
    ids=["no route", "no workflow", "forbidden", "unfinished"],
)
def test_a_server_that_cannot_run_the_workflow_is_remembered_and_nothing_more_is_sent(client, transport, answer):
    transport.add(answer)
    [outcome] = client.inventory_items.each_metadata_batch(bases(1000))
    assert len(transport.requests) == 1
    assert len(outcome.item_ids) == 1000 and outcome.error is not None  # every item, sent or not
    assert client.capabilities.snapshot()[WORKFLOW_FEATURE] is False
    assert not client.inventory_items.metadata_batch_supported()


def test_metadata_batches_only_set_keys(client, transport):
    with pytest.raises(ValueError, match='iitem_1 has one sent as ""'):
        list(client.inventory_items.each_metadata_batch({"iitem_1": {"sync_base:sloc_1": ""}}))
    assert transport.requests == []


def test_no_metadata_batches_where_the_server_replaces_an_items_metadata(client):
    client.capabilities.learn("inventory item metadata merge on update", False, "test")
    assert not client.inventory_items.metadata_batch_supported()


CREATE_RUN = "/admin/workflows-executions/create-inventory-items-workflow/run"


def item_body(n: int, unit: str | None = "UN") -> dict:
    body = {"sku": f"PAINEL-{n}", "title": f"Painel {n}", "location_levels": [{"location_id": "sloc_1", "stocked_quantity": n}]}
    return {**body, "unit_of_measure": unit} if unit else body


def found(*numbers: int) -> httpx.Response:
    return page("inventory_items", [{"id": f"iitem_{n}", "sku": f"PAINEL-{n}"} for n in numbers])


def test_the_first_create_batch_is_one_body_naming_the_unit_while_the_server_is_not_known(client):
    bodies = [item_body(1, unit=None), *[item_body(n) for n in range(2, 6)]]
    assert client.inventory_items.create_batches(bodies) == [[bodies[1]], [bodies[0], *bodies[2:]]]
    client.capabilities.learn("unit_of_measure", True, "test")
    assert client.inventory_items.create_batches(bodies) == [bodies]


def test_create_batches_stay_under_medusas_body_limit_with_the_ids_they_give(client):
    client.capabilities.learn("unit_of_measure", True, "test")
    bodies = [{**item_body(n), "description": "x" * 900} for n in range(1000, 1300)]
    batches = client.inventory_items.create_batches(bodies)
    assert [body for batch in batches for body in batch] == bodies
    # Each body is 1,092 bytes of JSON with its id: {"input":{"items":[…]}} holds 82 in 90,000 bytes (89,647).
    assert len(json.dumps(bodies[0], separators=(",", ":"))) == 1092
    sizes = [len(json.dumps({"input": {"items": batch}}, separators=(",", ":"))) for batch in batches]
    assert ([len(batch) for batch in batches], sizes[0]) == ([82, 82, 82, 54], 89_647)


ITEM_ID = re.compile(r"iitem_[0-9A-HJKMNP-TV-Z]{26}")


def test_create_batches_give_every_workflow_body_an_id_in_medusas_form_keeping_any_it_has(client):
    bodies = [item_body(1), {**item_body(2), "id": "iitem_MINE"}, item_body(3, unit=None), item_body(4)]
    [[naming], run] = client.inventory_items.create_batches(bodies)
    assert naming is bodies[0] and "id" not in naming  # sent alone through POST /admin/inventory-items, which refuses ids
    assert run == bodies[1:] and run[0]["id"] == "iitem_MINE"
    assert all(ITEM_ID.fullmatch(body["id"]) for body in run[1:]) and run[1]["id"] != run[2]["id"]


def test_a_server_known_to_choose_its_own_ids_gets_none(client):
    client.capabilities.learn("unit_of_measure", True, "test")
    client.capabilities.learn("inventory item ids chosen by the client", False, "test")
    bodies = [item_body(1), item_body(2)]
    assert client.inventory_items.create_batches(bodies) == [[item_body(1), item_body(2)]]


def test_entity_ids_read_and_sort_like_medusas_own():
    before = time.time_ns() // 1_000_000
    first = entity_ids("iitem", 1000)
    time.sleep(0.002)
    [later] = entity_ids("iitem", 1)
    after = time.time_ns() // 1_000_000
    assert len(set(first)) == 1000 and all(ITEM_ID.fullmatch(item_id) for item_id in first)
    stamp = sum("0123456789ABCDEFGHJKMNPQRSTVWXYZ".index(char) << (5 * (9 - n)) for n, char in enumerate(first[0][6:16]))
    assert before <= stamp <= after
    assert max(first) < later and entity_ids("iitem", 0) == []


def test_one_body_is_created_as_create_does_and_its_answer_tells_the_unit(client, transport):
    transport.add(ok({"inventory_item": {"id": "iitem_1", "unit_of_measure": "UN"}}))
    assert client.inventory_items.create_many([item_body(1)]) == {"PAINEL-1": "iitem_1"}
    [request] = transport.requests
    assert_call(request, "POST", "/admin/inventory-items", [("fields", "id,unit_of_measure")], json_body=item_body(1))
    assert client.capabilities.snapshot()["unit_of_measure"] is True


def test_many_bodies_run_the_create_workflow_and_the_ids_are_looked_up_by_sku(client, transport):
    client.capabilities.learn("unit_of_measure", True, "test")
    transport.add(ok(FINISHED), found(1, 2, 3))
    assert client.inventory_items.create_many([item_body(n) for n in (1, 2, 3)]) == {f"PAINEL-{n}": f"iitem_{n}" for n in (1, 2, 3)}
    run, lookup = transport.requests
    assert_call(run, "POST", CREATE_RUN, json_body={"input": {"items": [item_body(n) for n in (1, 2, 3)]}})
    assert_call(lookup, "GET", "/admin/inventory-items", [("sku[]", "PAINEL-1,PAINEL-2,PAINEL-3"), ("fields", "id,sku"), ("order", "id"), ("limit", "1000"), ("offset", "0")])


def with_id(n: int) -> dict:
    return {**item_body(n), "id": f"iitem_{n}"}


def test_the_ids_given_are_read_back_once_then_trusted(client, transport):
    client.capabilities.learn("unit_of_measure", True, "test")
    transport.add(ok(FINISHED), found(1, 2), ok(FINISHED))
    assert client.inventory_items.learning()
    assert client.inventory_items.create_many([with_id(1), with_id(2)]) == {"PAINEL-1": "iitem_1", "PAINEL-2": "iitem_2"}
    assert client.capabilities.snapshot()["inventory item ids chosen by the client"] is True
    assert not client.inventory_items.learning()
    assert client.inventory_items.create_many([with_id(3), with_id(4)]) == {"PAINEL-3": "iitem_3", "PAINEL-4": "iitem_4"}
    assert [(request.method, request.url.path) for request in transport.requests] == [
        ("POST", CREATE_RUN), ("GET", "/admin/inventory-items"), ("POST", CREATE_RUN)
    ]
    assert body(transport.requests[2])["input"]["items"] == [with_id(3), with_id(4)]


def test_a_server_that_gave_other_ids_has_every_run_read_back(client, transport, caplog):
    client.capabilities.learn("unit_of_measure", True, "test")
    transport.add(ok(FINISHED), found(1, 2), ok(FINISHED), found(3, 4))
    given = [{**item_body(n), "id": f"iitem_GIVEN{n}"} for n in (1, 2)]
    with caplog.at_level(logging.INFO, logger="medusa_sync.client"):
        assert client.inventory_items.create_many(given) == {"PAINEL-1": "iitem_1", "PAINEL-2": "iitem_2"}
    assert client.capabilities.snapshot()["inventory item ids chosen by the client"] is False
    assert "no inventory item ids chosen by the client (a run of 2 items created them with ids other than those given)" in caplog.text
    assert client.inventory_items.create_many([item_body(3), item_body(4)]) == {"PAINEL-3": "iitem_3", "PAINEL-4": "iitem_4"}
    assert [request.method for request in transport.requests] == ["POST", "GET", "POST", "GET"]


def test_a_lone_body_goes_without_its_id_which_medusas_create_route_refuses(client, transport):
    transport.add(ok({"inventory_item": {"id": "iitem_SERVER", "unit_of_measure": "UN"}}))
    assert client.inventory_items.create_many([with_id(1)]) == {"PAINEL-1": "iitem_SERVER"}
    assert_call(transport.requests[0], "POST", "/admin/inventory-items", [("fields", "id,unit_of_measure")], json_body=item_body(1))


def test_on_a_server_without_units_the_unit_goes_into_each_bodys_metadata(client, transport):
    client.capabilities.learn("unit_of_measure", False, "test")
    transport.add(ok(FINISHED), found(1, 2))
    client.inventory_items.create_many([item_body(1), item_body(2)])
    sent = body(transport.requests[0])["input"]["items"]
    assert [(item.get("unit_of_measure"), item["metadata"]) for item in sent] == [(None, {"unit_of_measure": "UN"})] * 2


def test_many_bodies_naming_a_unit_wait_until_the_server_is_known(client, transport):
    with pytest.raises(ValueError, match="unit_of_measure is not known yet"):
        client.inventory_items.create_many([item_body(1), item_body(2)])
    assert transport.requests == []


def test_a_create_run_whose_answer_was_lost_is_looked_up_not_re_sent(client, transport):
    client.capabilities.learn("unit_of_measure", True, "test")
    transport.add(httpx.ReadTimeout("timed out"), found(1, 2))
    assert client.inventory_items.create_many([item_body(1), item_body(2)]) == {"PAINEL-1": "iitem_1", "PAINEL-2": "iitem_2"}
    assert [request.method for request in transport.requests] == ["POST", "GET"]


def test_a_create_run_whose_answer_was_lost_and_that_made_nothing_is_re_sent_once(client, transport):
    client.capabilities.learn("unit_of_measure", True, "test")
    transport.add(error(503, "down"), found(), ok(FINISHED), found(1, 2))
    assert client.inventory_items.create_many([item_body(1), item_body(2)]) == {"PAINEL-1": "iitem_1", "PAINEL-2": "iitem_2"}
    assert [(request.method, request.url.path) for request in transport.requests] == [
        ("POST", CREATE_RUN), ("GET", "/admin/inventory-items"), ("POST", CREATE_RUN), ("GET", "/admin/inventory-items")
    ]


def test_create_many_needs_skus(client, transport):
    with pytest.raises(ValueError, match="needs a SKU in every body"):
        client.inventory_items.create_many([item_body(1), {"title": "no sku"}])
    assert transport.requests == []


def test_items_created_whose_ids_cannot_be_read_back_are_an_ambiguous_write_never_not_sent(client, transport):
    client.capabilities.learn("unit_of_measure", True, "test")
    transport.add(ok(FINISHED), *[error(500, {"type": "unknown_error", "message": "boom"})] * 5)
    with pytest.raises(AmbiguousWriteError, match="2 items were created, but reading their ids back failed: GET /admin/inventory-items"):
        client.inventory_items.create_many([item_body(1), item_body(2)])
    assert transport.requests[0].url.path == CREATE_RUN
