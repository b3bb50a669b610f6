"""Metadata updates on the three behaviours seen on real servers (client/metadata.py): merge and
delete a key sent as "" (2.21, items and products), merge and keep it as "" (2.3.0 items),
replace the whole metadata and keep it as "" (2.3.0 products). Each test runs a small stateful
fake of one record and checks the exact requests, what the record ends with and what is logged."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from .conftest import body

MERGE_DELETE, MERGE_KEEP, REPLACE_KEEP = "merge, delete", "merge, keep", "replace, keep"


class Record:
    """One record at `path` whose metadata updates behave as `mode`."""

    def __init__(self, key: str, path: str, mode: str, metadata: dict[str, Any]) -> None:
        self.key, self.path, self.mode, self.metadata = key, path, mode, dict(metadata)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == self.path
        if request.method == "POST":
            sent = body(request)["metadata"]
            if self.mode == REPLACE_KEEP:
                self.metadata = dict(sent)
            else:
                self.metadata.update(sent)
            if self.mode == MERGE_DELETE:
                self.metadata = {key: value for key, value in self.metadata.items() if value != ""}
        answer = {"id": "rec_1", "metadata": dict(self.metadata)}
        fields = request.url.params.get("fields")  # the answer holds what fields= names, as Medusa's does
        if fields is not None:
            answer = {name: value for name, value in answer.items() if name in fields.split(",")}
        return httpx.Response(200, json={self.key: answer})


def calls(transport) -> list[tuple[str, Any]]:
    return [(request.method, body(request)["metadata"] if request.method == "POST" else request.url.params["fields"]) for request in transport.requests]


def learned(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "Medusa server:" in r.getMessage()]


def test_a_merging_server_that_deletes_empty_keys_gets_each_update_as_sent(client, transport, caplog):
    record = Record("product", "/admin/products/prod_1", MERGE_DELETE, {"managed_by": "medusa-sync", "roof_type": "C", "other_tool": "z"})
    transport.add(record, record)
    with caplog.at_level(logging.INFO, logger="medusa_sync.client"):
        client.products.update("prod_1", {"metadata": {"managed_by": "medusa-sync", "roof_type": ""}})
        client.products.update("prod_1", {"metadata": {"x": "1"}})
    assert calls(transport) == [("POST", {"managed_by": "medusa-sync", "roof_type": ""}), ("POST", {"x": "1"})]
    assert record.metadata == {"managed_by": "medusa-sync", "other_tool": "z", "x": "1"}
    assert learned(caplog) == ['Medusa server: has the product metadata key deletion by "" (POST /admin/products deleted \'roof_type\' sent as "")']
    assert client.capabilities.snapshot() == {'product metadata key deletion by ""': True}


def test_a_merging_server_that_keeps_empty_keys_is_learned_with_one_more_write_then_left_alone(client, transport, caplog):
    record = Record("inventory_item", "/admin/inventory-items/iitem_1", MERGE_KEEP, {"managed_by": "medusa-sync", "sync_base:a": [1, 0], "b": "2"})
    transport.add(record, record, record)
    with caplog.at_level(logging.INFO, logger="medusa_sync.client"):
        client.inventory_items.update("iitem_1", {"metadata": {"b": ""}})
        client.inventory_items.update("iitem_1", {"metadata": {"sync_base:a": [5, 0]}})
    assert calls(transport) == [
        ("POST", {"b": ""}),
        ("POST", {"managed_by": "medusa-sync", "sync_base:a": [1, 0]}),  # changes nothing here
        ("POST", {"sync_base:a": [5, 0]}),
    ]
    assert record.metadata == {"managed_by": "medusa-sync", "sync_base:a": [5, 0], "b": ""}
    assert learned(caplog) == [
        'Medusa server: no inventory item metadata key deletion by "" (POST /admin/inventory-items answers \'b\' sent as "" kept as \'\'); '
        'a removed inventory item metadata key is omitted where the server replaces the metadata, else kept as "" (read as absent)',
        "Medusa server: has the inventory item metadata merge on update (POST /admin/inventory-items without 'b' still holds it)",
    ]


def test_an_update_answered_with_the_id_only_still_learns_from_the_metadata(client, transport, caplog):
    record = Record("inventory_item", "/admin/inventory-items/iitem_1", MERGE_KEEP, {"managed_by": "medusa-sync", "b": "2"})
    transport.add(record, record)
    client.inventory_items.update("iitem_1", {"metadata": {"b": ""}}, fields="id")
    assert [request.url.params["fields"] for request in transport.requests] == ["id,metadata", "id,metadata"]
    assert client.capabilities.snapshot() == {
        'inventory item metadata key deletion by ""': False,
        "inventory item metadata merge on update": True,
    }


def test_a_replacing_server_gets_the_whole_metadata_read_just_before_so_no_other_key_is_lost(client, transport, caplog):
    record = Record("product", "/admin/products/prod_1", REPLACE_KEEP, {"managed_by": "medusa-sync", "roof_type": "C", "other_tool": "z"})
    transport.add(record, record)
    with caplog.at_level(logging.INFO, logger="medusa_sync.client"):
        # The plan's update: the whole metadata, the removed key as "".
        client.products.update("prod_1", {"metadata": {"managed_by": "medusa-sync", "other_tool": "z", "roof_type": ""}})
    assert record.metadata == {"managed_by": "medusa-sync", "other_tool": "z"}
    record.metadata["written_meanwhile"] = "w"  # another tool, after the plan
    transport.add(record, record)
    client.products.update("prod_1", {"title": "T", "metadata": {"power_kwp": "2.46", "other_tool": ""}})
    assert calls(transport) == [
        ("POST", {"managed_by": "medusa-sync", "other_tool": "z", "roof_type": ""}),
        ("POST", {"managed_by": "medusa-sync", "other_tool": "z"}),
        ("GET", "id,metadata"),
        ("POST", {"managed_by": "medusa-sync", "written_meanwhile": "w", "power_kwp": "2.46"}),
    ]
    assert body(transport.requests[-1])["title"] == "T"
    assert record.metadata == {"managed_by": "medusa-sync", "written_meanwhile": "w", "power_kwp": "2.46"}
    assert learned(caplog)[1] == (
        "Medusa server: no product metadata merge on update (POST /admin/products without 'roof_type' drops it); "
        "product metadata updates send the whole metadata, read just before (other keys kept, removed keys omitted)"
    )
    assert client.capabilities.snapshot() == {'product metadata key deletion by ""': False, "product metadata merge on update": False}


def test_an_update_without_metadata_or_without_a_removed_key_learns_nothing(client, transport):
    record = Record("inventory_item", "/admin/inventory-items/iitem_1", MERGE_KEEP, {"a": "1"})
    transport.add(httpx.Response(200, json={"inventory_item": {"id": "iitem_1"}}), record)
    client.inventory_items.update("iitem_1", {"title": "T"})
    client.inventory_items.update("iitem_1", {"metadata": {"c": "3"}})
    assert [request.method for request in transport.requests] == ["POST", "POST"]
    assert client.capabilities.snapshot() == {}
