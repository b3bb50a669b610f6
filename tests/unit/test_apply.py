"""Apply: the exact request sequence a plan produces, through a mock transport."""

from __future__ import annotations

import functools
import json
import threading
from pathlib import Path

import httpx
import pytest

from medusa_sync.apply import LEVEL_CHUNKS_AT_ONCE, LONE_REFUSALS, LONE_SUCCESSES, ApplyStopped, apply_plan, level_chunk_size
from medusa_sync.cli.exit_codes import exit_code_of
from medusa_sync.client import MedusaClient, RetryPolicy
from medusa_sync.client.resources.inventory_items import InventoryItems
from medusa_sync.config import Rules
from medusa_sync.feeds import load_catalog
from medusa_sync.plan import LevelUpdate, Plan, PlanOptions, StoreIds, make_plan
from medusa_sync.store import ActualItem, ActualLevel, ActualLocation, ReservedWatch, StoreSnapshot

RULES = Rules()

ODEX = [
    {"id": "odex_inverters_ODEX-INV-A-3000W", "name": "Inversor A 3kW", "category": "inverters",
     "price": "R$ 1.000,00", "pricing": {"price": 1000.0}, "availability": "disponivel"},
    {"id": "odex_inverters_ODEX-PAINEL-B-600W", "name": "Painel B 600W", "category": "panels",
     "price": "R$ 500,00", "pricing": {"price": 500.0}, "availability": "indisponivel"},
]
FOTUS = [
    {"id": "FOTUS-KP01-kits", "name": "KP01 kit", "type": "kits", "potencia_kwp": 1.2, "price_brl": 2500.5,
     "centro_distribuicao": "CD SUL",
     "panels": [{"brand": "ACME", "power_w": 600, "quantity": 2, "description": "ACME 600W"}],
     "inverters": [{"brand": "DEYE", "power_kw": 2, "quantity": 1, "description": "MICRO DEYE (SUN-X1)"}]},
]


@pytest.fixture
def catalog(tmp_path: Path):
    (tmp_path / "odex").mkdir()
    (tmp_path / "fotus").mkdir()
    (tmp_path / "odex" / "odex-inverters.json").write_text(json.dumps(ODEX))
    (tmp_path / "fotus" / "fotus-kits.json").write_text(json.dumps(FOTUS))
    return load_catalog(tmp_path, RULES)


class FakeMedusa:
    """Answers the write routes apply uses, handing out ids, and records every request."""

    def __init__(self, fail_sku: str | None = None, *, workflow_run: bool = True, keeps_ids: bool = True) -> None:
        self.requests: list[tuple[str, str, dict | None]] = []
        self.fail_sku = fail_sku
        self.workflow_run = workflow_run  # False: a server without the workflow-run route
        self.keeps_ids = keeps_ids  # False: a server whose workflow gives its own ids to the items it creates
        self.deleted: set[str] = set()  # item ids deleted by someone else meanwhile
        self.created_items: dict[str, str] = {}  # SKU → id of each item created
        self.counter = 0
        self.locations: list[dict] = []
        self.levels: dict[str, list[dict]] = {}  # item id → its location_levels, as the re-reads see them
        self.after_batch = None  # another writer landing right after a level batch was applied
        self.reads: list[tuple[str | None, str | None]] = []  # the re-reads' id[] and fields
        self.answer_fields: list[tuple[str, str | None]] = []  # each write's path and the fields= of its answer
        self.reservations: list[dict] = []  # as the watch's list of reservations changed since sees them
        self.watch_queries: list[str | None] = []  # the updated_at[$gte] of each such list

    def next_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}_{self.counter}"

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.requests.append((request.method, request.url.path, body))
        path = request.url.path
        if request.method == "POST":
            self.answer_fields.append((path, request.url.params.get("fields")))
        if path == "/admin/stock-locations" and request.method == "GET":
            rows = self.locations
            return httpx.Response(200, json={"stock_locations": rows, "count": len(rows), "offset": 0, "limit": 1000})
        if path == "/admin/stock-locations":
            location = {"id": self.next_id("sloc"), "name": body["name"], "metadata": body["metadata"]}
            self.locations.append({**location, "created_at": f"2026-01-10T12:00:{self.counter:02d}Z"})
            return httpx.Response(200, json={"stock_location": location})
        if path == "/admin/inventory-items" and request.method == "GET" and "sku[]" in request.url.params:
            skus = request.url.params["sku[]"].split(",")
            rows = [{"id": self.created_items[sku], "sku": sku} for sku in skus if sku in self.created_items]
            return httpx.Response(200, json={"inventory_items": rows, "count": len(rows), "offset": 0, "limit": 1000})
        if path == "/admin/inventory-items" and request.method == "GET":
            self.reads.append((request.url.params.get("id[]"), request.url.params.get("fields")))
            ids = request.url.params.get("id[]", "").split(",")
            rows = [{"id": item_id, "location_levels": self.levels[item_id]} for item_id in ids if item_id in self.levels]
            return httpx.Response(200, json={"inventory_items": rows, "count": len(rows), "offset": 0, "limit": 1000})
        if path == "/admin/reservations" and request.method == "GET":
            since = request.url.params.get("updated_at[$gte]")
            self.watch_queries.append(since)
            rows = [row for row in self.reservations if since is None or row["updated_at"] >= since]
            return httpx.Response(200, json={"reservations": rows, "count": len(rows), "offset": 0, "limit": 1000})
        if path == "/admin/inventory-items" and request.method == "POST":
            if body["sku"] == self.fail_sku:
                return httpx.Response(400, json={"type": "invalid_data", "message": "boom"})
            self.created_items[body["sku"]] = self.next_id("iitem")
            item = {"id": self.created_items[body["sku"]], "sku": body["sku"]}
            if "unit_of_measure" in (request.url.params.get("fields") or ""):  # Medusa 2.20 and later
                item["unit_of_measure"] = body.get("unit_of_measure")
            return httpx.Response(200, json={"inventory_item": item})
        if path == "/admin/workflows-executions/create-inventory-items-workflow/run" and self.workflow_run:
            items = body["input"]["items"]
            if any(item["sku"] == self.fail_sku for item in items):  # the workflow is all or none
                return httpx.Response(400, json={"type": "invalid_data", "message": "boom"})
            for item in items:
                self.created_items[item["sku"]] = item["id"] if self.keeps_ids and "id" in item else self.next_id("iitem")
            return httpx.Response(200, json={"acknowledgement": {"hasFinished": True, "hasFailed": False}})
        if path == "/admin/products" and request.method == "POST":
            sku = body["variants"][0]["sku"]
            return httpx.Response(
                200, json={"product": {"id": self.next_id("prod"), "variants": [{"id": self.next_id("variant"), "sku": sku}]}}
            )
        if path == "/admin/inventory-items/location-levels/batch":
            for entry in body.get("update", []):
                for level in self.levels.get(entry["inventory_item_id"], []):
                    if level["location_id"] == entry["location_id"] and "stocked_quantity" in entry:
                        level["stocked_quantity"] = entry["stocked_quantity"]
            if self.after_batch is not None:
                self.after_batch()
            return httpx.Response(200, json={"created": [], "updated": body.get("update", []), "deleted": []})
        if path.startswith("/admin/products/prod_") and request.method == "POST":
            return httpx.Response(200, json={"product": {"id": path.rsplit("/", 1)[1]}})
        if path.startswith("/admin/sales-channels/") and path.endswith("/products"):
            return httpx.Response(200, json={"sales_channel": {"id": path.split("/")[3]}})
        if path.startswith("/admin/stock-locations/") and path.endswith("/sales-channels"):
            return httpx.Response(200, json={"stock_location": {"id": path.split("/")[3]}})
        if path == "/admin/workflows-executions/update-inventory-items-workflow/run" and self.workflow_run:
            for update in body["input"]["updates"]:
                if update["id"] in self.deleted:  # the workflow is all or none
                    return httpx.Response(404, json={"type": "not_found", "message": f'InventoryItem with id "{update["id"]}" not found'})
            acknowledgement = {"transactionId": "auto-1", "workflowId": path.split("/")[3], "hasFinished": True, "hasFailed": False}
            return httpx.Response(200, json={"acknowledgement": acknowledgement})
        if path.startswith("/admin/inventory-items/iitem_") and request.method == "POST":
            item_id = path.rsplit("/", 1)[1]
            if item_id in self.deleted:
                return httpx.Response(404, json={"type": "not_found", "message": f"Inventory item with id: {item_id} was not found"})
            return httpx.Response(200, json={"inventory_item": {"id": item_id}})
        return httpx.Response(404, text=f"Cannot {request.method} {path}")


CREATE_RUN = ("POST", "/admin/workflows-executions/create-inventory-items-workflow/run")


def created_bodies(fake: FakeMedusa) -> dict[str, dict]:
    """SKU → create body of every item sent, alone or in a workflow run."""
    bodies = {}
    for method, path, body in fake.requests:
        if (method, path) == ("POST", "/admin/inventory-items"):
            bodies[body["sku"]] = body
        elif (method, path) == CREATE_RUN:
            bodies.update({item["sku"]: item for item in body["input"]["items"]})
    return bodies


def client_for(fake: FakeMedusa) -> MedusaClient:
    return MedusaClient(
        "http://medusa.test", api_key="sk_test", transport=httpx.MockTransport(fake), retry=RetryPolicy(max_attempts=1)
    )


def test_empty_store_apply_sends_locations_items_with_levels_then_kits(catalog) -> None:
    plan = make_plan(catalog, StoreSnapshot(), RULES, PlanOptions())
    fake = FakeMedusa()
    with client_for(fake) as client:
        result = apply_plan(client, plan, StoreIds(), concurrency=1)

    assert result.failures == []
    assert dict(result.applied) == {"location.create": 2, "item.create": 4, "level.create": 4, "kit.create": 1}
    methods_paths = [(m, p) for m, p, _ in fake.requests]
    assert methods_paths == [
        *[("GET", "/admin/stock-locations"), ("POST", "/admin/stock-locations"), ("GET", "/admin/stock-locations")] * 2,
        ("POST", "/admin/inventory-items"),  # one alone: its answer tells whether items have unit_of_measure
        CREATE_RUN,  # the other three in one run of Medusa's item create workflow
        ("GET", "/admin/inventory-items"),  # their ids, by SKU
        ("POST", "/admin/products"),
    ]
    locations = {row["name"]: row["id"] for row in fake.locations}
    assert set(locations) == {"Fotus CD SUL", "Odex CD"}
    assert [row["metadata"]["medusa_sync_key"] for row in fake.locations] == [name.casefold() for name in locations]
    items = created_bodies(fake)
    assert [len(body["input"]["items"]) for method, path, body in fake.requests if (method, path) == CREATE_RUN] == [3]
    assert result.ids.items == fake.created_items
    assert items["odex_inverters_ODEX-INV-A-3000W"]["location_levels"] == [
        {"location_id": locations["Odex CD"], "stocked_quantity": 100, "incoming_quantity": 0}
    ]
    assert items["odex_panels_ODEX-PAINEL-B-600W"]["location_levels"] == [
        {"location_id": locations["Odex CD"], "stocked_quantity": 0, "incoming_quantity": 0}
    ]
    assert items["odex_panels_ODEX-PAINEL-B-600W"]["metadata"]["managed_by"] == "medusa-sync"
    assert "description" not in items["odex_panels_ODEX-PAINEL-B-600W"]  # None fields are not sent

    _, _, product = fake.requests[-1]
    variant = product["variants"][0]
    created_ids = {sku: result.ids.items[sku] for sku in items}
    assert variant["inventory_items"] == [
        {"inventory_item_id": created_ids["fotus_panels_ACME-600W"], "required_quantity": 2},
        {"inventory_item_id": created_ids["fotus_inverters_SUN-X1"], "required_quantity": 1},
    ]
    assert variant["prices"] == [{"currency_code": "brl", "amount": 2500.5}]
    assert variant["sku"] == "fotus_kits_KP01"
    assert result.ids.kits["fotus_kits_KP01"][0].startswith("prod_")
    # Medusa re-reads a written record for its answer: only what apply reads is asked for.
    assert [fields for path, fields in fake.answer_fields if not path.startswith("/admin/stock-locations")] == [
        "id,unit_of_measure",
        None,  # the workflow-run route answers no record
        "id,variants.id,variants.sku",
    ]


def test_items_settled_gets_every_item_and_location_id_before_the_kit_step(catalog) -> None:
    plan = make_plan(catalog, StoreSnapshot(), RULES, PlanOptions())
    fake = FakeMedusa()
    settled: list[tuple[StoreIds, int]] = []
    with client_for(fake) as client:
        result = apply_plan(
            client, plan, StoreIds(), concurrency=1, items_settled=lambda ids: settled.append((ids, len(fake.requests)))
        )
    [(ids, requests_before)] = settled
    assert fake.requests[requests_before:] == [fake.requests[-1]]  # only the kit's product came after
    assert fake.requests[-1][:2] == ("POST", "/admin/products")
    assert (ids.items, ids.locations, ids.kits) == (result.ids.items, result.ids.locations, {})
    assert len(ids.items) == 4 and len(result.ids.kits) == 1


def test_a_failed_component_blocks_its_kit_and_is_reported(catalog) -> None:
    plan = make_plan(catalog, StoreSnapshot(), RULES, PlanOptions())
    fake = FakeMedusa(fail_sku="fotus_inverters_SUN-X1")
    with client_for(fake) as client:
        result = apply_plan(client, plan, StoreIds(), concurrency=1)

    assert [(f.kind, f.key) for f in result.failures] == [("item", "fotus_inverters_SUN-X1"), ("kit", "fotus_kits_KP01")]
    assert "boom" in result.failures[0].message
    assert "fotus_inverters_SUN-X1 does not exist" in result.failures[1].message
    assert not any(path == "/admin/products" for _, path, _ in fake.requests)
    assert result.count("item", "create") == 3


def test_level_changes_go_in_one_batch(catalog) -> None:
    plan, snapshot = two_level_plan(catalog)
    assert [(c.kind, c.action) for c in plan.changes] == [("level", "update"), ("level", "create")]

    fake = FakeMedusa()
    with client_for(fake) as client:
        result = apply_plan(client, plan, StoreIds.from_snapshot(snapshot), concurrency=1)
    assert result.failures == []
    assert fake.requests == [
        LEVEL_BATCH_OF_TWO,
        # Then the base of each level written (the three-way merge's), both items in one run of
        # Medusa's item update workflow, after their levels.
        (
            "POST",
            "/admin/workflows-executions/update-inventory-items-workflow/run",
            {"input": {"updates": [
                {"id": "iitem_odex_inverters_ODEX-INV-A-3000W", "metadata": {"sync_base:sloc_odex": [100, 0]}},
                {"id": "iitem_odex_panels_ODEX-PAINEL-B-600W", "metadata": {"sync_base:sloc_odex": [0, 0]}},
            ]}},
        ),
    ]
    assert dict(result.applied) == {"level.update": 1, "level.create": 1, "base.record": 2}


LEVEL_BATCH_OF_TWO = (
    "POST",
    "/admin/inventory-items/location-levels/batch",
    {
        "create": [
            {"inventory_item_id": "iitem_odex_panels_ODEX-PAINEL-B-600W", "location_id": "sloc_odex",
             "stocked_quantity": 0, "incoming_quantity": 0}
        ],
        "update": [
            {"inventory_item_id": "iitem_odex_inverters_ODEX-INV-A-3000W", "location_id": "sloc_odex",
             "stocked_quantity": 100, "incoming_quantity": 0}
        ],
    },
)
SINGLE_BASES = [
    ("POST", "/admin/inventory-items/iitem_odex_inverters_ODEX-INV-A-3000W", {"metadata": {"sync_base:sloc_odex": [100, 0]}}),
    ("POST", "/admin/inventory-items/iitem_odex_panels_ODEX-PAINEL-B-600W", {"metadata": {"sync_base:sloc_odex": [0, 0]}}),
]


def two_level_plan(catalog) -> tuple[Plan, StoreSnapshot]:
    """An Odex level update and a level create on existing items: two bases to record."""
    snapshot = StoreSnapshot(url="http://medusa.test")
    snapshot.locations["Odex CD"] = ActualLocation("sloc_odex", "Odex CD", {"managed_by": "medusa-sync"})
    for change in make_plan(catalog, StoreSnapshot(), RULES, PlanOptions()).writes("item", "create"):
        if change.key.startswith("odex_"):
            body = change.item.model_dump()
            levels = {"sloc_odex": ActualLevel("ilev_1", "sloc_odex", 3, 1, 0)} if "INV-A" in change.key else {}
            snapshot.items[change.key] = ActualItem(f"iitem_{change.key}", change.key, body, body["metadata"], levels)
    odex = catalog.model_copy(
        update={
            "items": tuple(i for i in catalog.items if i.sku.startswith("odex_")),
            "levels": tuple(level for level in catalog.levels if level.sku.startswith("odex_")),
            "kits": (),
        }
    )
    return make_plan(odex, snapshot, RULES, PlanOptions()), snapshot


def test_without_the_workflow_run_route_bases_go_one_request_per_item_and_it_is_remembered(catalog) -> None:
    plan, snapshot = two_level_plan(catalog)
    fake = FakeMedusa(workflow_run=False)
    with client_for(fake) as client:
        first = apply_plan(client, plan, StoreIds.from_snapshot(snapshot), concurrency=1)
        fake.requests.clear()
        second = apply_plan(client, plan, StoreIds.from_snapshot(snapshot), concurrency=1)
        learned = client.capabilities.snapshot()

    assert first.failures == second.failures == []
    assert dict(first.applied) == dict(second.applied) == {"level.update": 1, "level.create": 1, "base.record": 2}
    assert learned["inventory item workflows through the workflow-run route"] is False
    # The second apply does not ask again.
    assert fake.requests == [LEVEL_BATCH_OF_TWO, *SINGLE_BASES]


def test_a_refused_bases_request_falls_back_to_one_update_per_item(catalog) -> None:
    """An item deleted by someone else between the read and the write: Medusa's workflow is all
    or none, so the request is refused; the other item's base is still recorded, the deleted
    one is reported."""
    plan, snapshot = two_level_plan(catalog)
    fake = FakeMedusa()
    fake.deleted.add("iitem_odex_panels_ODEX-PAINEL-B-600W")
    with client_for(fake) as client:
        result = apply_plan(client, plan, StoreIds.from_snapshot(snapshot), concurrency=1)
        learned = client.capabilities.snapshot()

    assert [(f.kind, f.key) for f in result.failures] == [("base", "iitem_odex_panels_ODEX-PAINEL-B-600W")]
    assert "was not found" in result.failures[0].message
    assert dict(result.applied) == {"level.update": 1, "level.create": 1, "base.record": 1}
    assert [(method, path) for method, path, _ in fake.requests[1:]] == [
        ("POST", "/admin/workflows-executions/update-inventory-items-workflow/run"),
        *[(method, path) for method, path, _ in SINGLE_BASES],
    ]
    assert "inventory item workflows through the workflow-run route" not in learned  # a data error, not the route


def level_update(n: int) -> LevelUpdate:
    return LevelUpdate(
        sku=f"odex_panels_P{n}", location="Odex CD", location_id="sloc_odex", item_id=f"iitem_{n}", stocked=n, incoming=0
    )


def level_updates_plan(count: int) -> Plan:
    return Plan(
        store="http://medusa.test",
        fingerprint="f",
        options=PlanOptions(),
        feed_digests={},
        changes=[level_update(n) for n in range(count)],
    )


def test_a_failed_level_batch_chunk_fails_only_its_levels() -> None:
    """2,000 level updates go in four requests of 500; the one holding P500-P999 fails: the
    other 1,500 are applied, exactly the 500 of the failed request are reported failed."""
    batches = []

    def medusa(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        batches.append(body)
        if body["update"][0]["inventory_item_id"] == "iitem_500":
            return httpx.Response(400, json={"type": "invalid_data", "message": "chunk refused"})
        return httpx.Response(200, json={"created": [], "updated": body["update"], "deleted": []})

    client = MedusaClient(
        "http://medusa.test", api_key="sk_test", transport=httpx.MockTransport(medusa), retry=RetryPolicy(max_attempts=1)
    )
    with client:
        result = apply_plan(client, level_updates_plan(2000), StoreIds(), concurrency=1)

    assert sorted(body["update"][0]["inventory_item_id"] for body in batches) == ["iitem_0", "iitem_1000", "iitem_1500", "iitem_500"]
    assert [len(body["update"]) for body in batches] == [500] * 4
    assert dict(result.applied) == {"level.update": 1500}
    assert [failure.key for failure in result.failures] == [f"odex_panels_P{n} @ Odex CD" for n in range(500, 1000)]
    assert {failure.message for failure in result.failures} == {
        "POST /admin/inventory-items/location-levels/batch → 400 invalid_data: chunk refused"
    }
    assert [change.sku for change in result.written] == [f"odex_panels_P{n}" for n in (*range(500), *range(1000, 2000))]


@pytest.mark.parametrize(
    ("total", "size", "requests"),
    [
        *[(1, 1, 1), (102, 102, 1), (499, 499, 1)],  # one chunk: two would hold under 250 each
        *[(500, 250, 2), (800, 400, 2), (1015, 508, 2)],  # two: the slots would get chunks under 500
        *[(1500, 500, 3), (1999, 667, 3), (2000, 500, 4)],
        *[(3999, 1000, 4), (4001, 501, 8), (5081, 636, 8), (10148, 846, 12), (101616, 978, 104)],  # every slot of each wave
    ],
)
def test_level_chunks_fill_every_wave_of_request_slots_within_the_limits(total: int, size: int, requests: int) -> None:
    assert level_chunk_size(total) == size
    assert -(-total // size) == requests


def test_level_chunks_are_in_flight_together() -> None:
    in_flight = threading.Barrier(LEVEL_CHUNKS_AT_ONCE, timeout=10)

    def medusa(request: httpx.Request) -> httpx.Response:
        in_flight.wait()  # no chunk is answered before all four were sent
        body = json.loads(request.content)
        return httpx.Response(200, json={"created": [], "updated": body["update"], "deleted": []})

    with MedusaClient("http://medusa.test", api_key="sk_test", transport=httpx.MockTransport(medusa)) as client:
        result = apply_plan(client, level_updates_plan(2000), StoreIds(), concurrency=1)
    assert (dict(result.applied), result.failures) == ({"level.update": 2000}, [])


class DyingMedusa(FakeMedusa):
    """Refuses every connection once `alive` write requests have been answered (Medusa killed)."""

    def __init__(self, alive: int) -> None:
        super().__init__()
        self.alive = alive

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.alive <= 0:
            self.requests.append((request.method, request.url.path, None))
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        self.alive -= 1
        return super().__call__(request)


def test_a_server_that_dies_mid_apply_stops_every_step_with_exact_accounting(catalog) -> None:
    plan = make_plan(catalog, StoreSnapshot(), RULES, PlanOptions())
    fake = DyingMedusa(alive=7)  # the 2 locations (each looked up, created, looked up) and the first item
    with client_for(fake) as client, pytest.raises(ApplyStopped) as raised:
        apply_plan(client, plan, StoreIds(), concurrency=1)

    stopped = raised.value
    assert exit_code_of(stopped) == 8
    assert stopped.step == "items"
    assert len(fake.requests) == 8  # the failed run of the other three, then nothing: no kit
    assert fake.requests[-1][:2] == CREATE_RUN
    assert dict(stopped.result.applied) == {"location.create": 2, "item.create": 1, "level.create": 1}
    failures = stopped.result.failures
    assert [failure.kind for failure in failures] == ["item"] * 3
    assert failures[0].message.startswith(f"POST {CREATE_RUN[1]}: cannot reach Medusa (ConnectError")
    assert dict(stopped.not_applied) == {"level.create": 3, "kit.create": 1}
    assert str(stopped).splitlines() == [
        f"Medusa failed terminally during step 'items'; the apply stopped: {failures[0].message}",
        "  applied: 1 item.create, 1 level.create, 2 location.create",
        "  failed (each may or may not have been applied): 3",
        "  not applied: 1 kit.create, 3 level.create",
    ]
    assert stopped.accounting() == {
        "step": "items",
        "applied": {"item.create": 1, "level.create": 1, "location.create": 2},
        "failed": [{"kind": "item", "key": failure.key, "message": failure.message} for failure in failures],
        "not_applied": {"kit.create": 1, "level.create": 3},
        "reserved_guards": [],
    }


def test_level_batch_chunks_applied_before_the_server_died_are_credited(catalog) -> None:
    snapshot = StoreSnapshot(url="http://medusa.test")
    snapshot.locations["Odex CD"] = ActualLocation("sloc_odex", "Odex CD", {"managed_by": "medusa-sync"})
    levels = {"sloc_odex": ActualLevel("ilev_1", "sloc_odex", 3, 1, 0)}
    catalog_odex = catalog.model_copy(
        update={
            "items": tuple(i for i in catalog.items if i.sku.startswith("odex_")),
            "levels": tuple(level for level in catalog.levels if level.sku.startswith("odex_")),
            "kits": (),
        }
    )
    for change in make_plan(catalog_odex, StoreSnapshot(), RULES, PlanOptions()).writes("item", "create"):
        body = change.item.model_dump()
        snapshot.items[change.sku] = ActualItem(f"iitem_{change.sku}", change.sku, body, body["metadata"], dict(levels))
    plan = make_plan(catalog_odex, snapshot, RULES, PlanOptions())
    assert [(c.kind, c.action) for c in plan.changes] == [("level", "update"), ("level", "update")]

    fake = DyingMedusa(alive=2)  # the re-read of the lowered level's reserved, and the first chunk
    with client_for(fake) as client:
        client.inventory_items.each_level_batch = functools.partial(client.inventory_items.each_level_batch, max_entries=1)
        with pytest.raises(ApplyStopped) as raised:
            apply_plan(client, plan, StoreIds.from_snapshot(snapshot), concurrency=1)
    stopped = raised.value
    assert stopped.step == "stock levels"
    assert [(method, path) for method, path, _ in fake.requests] == [
        ("GET", "/admin/inventory-items"),
        ("POST", "/admin/inventory-items/location-levels/batch"),
        ("POST", "/admin/inventory-items/location-levels/batch"),
    ]
    assert dict(stopped.result.applied) == {"level.update": 1}  # the first chunk
    assert [(f.kind, f.key) for f in stopped.result.failures] == [("level", plan.changes[1].key)]
    assert dict(stopped.not_applied) == {}


def test_sellable_kits_and_locations_are_wired_to_channels_without_removing_any(catalog) -> None:
    from medusa_sync.plan import KitUpdate, LocationCreate, LocationUpdate, Plan

    plan = Plan(
        store="http://medusa.test",
        fingerprint="f",
        options=PlanOptions(),
        feed_digests={},
        changes=[
            LocationCreate(name="Odex CD", metadata={"managed_by": "medusa-sync"}, sales_channels=["sc_1"]),
            LocationUpdate(name="Solfacil CD", location_id="sloc_s", add_sales_channels=["sc_1"]),
            KitUpdate(sku="K", product_id="prod_1", variant_id="var_1", add_sales_channels=["sc_1", "sc_2"], shipping_profile_id="sp_1"),
        ],
    )
    fake = FakeMedusa()
    with client_for(fake) as client:
        result = apply_plan(client, plan, StoreIds(), concurrency=1)
    assert result.failures == [], result.failures
    assert fake.requests[:3] == [  # found, never duplicated: looked up before and after the create
        ("GET", "/admin/stock-locations", None),
        ("POST", "/admin/stock-locations", {"name": "Odex CD", "metadata": {"managed_by": "medusa-sync", "medusa_sync_key": "odex cd"}}),
        ("GET", "/admin/stock-locations", None),
    ]
    assert fake.requests[3:5] == [
        ("POST", "/admin/stock-locations/sloc_1/sales-channels", {"add": ["sc_1"]}),
        ("POST", "/admin/stock-locations/sloc_s/sales-channels", {"add": ["sc_1"]}),
    ]
    assert fake.requests[5:] == [
        ("POST", "/admin/products/prod_1", {"shipping_profile_id": "sp_1"}),
        ("POST", "/admin/sales-channels/sc_1/products", {"add": ["prod_1"]}),
        ("POST", "/admin/sales-channels/sc_2/products", {"add": ["prod_1"]}),
    ]
    assert dict(result.applied) == {"location.create": 1, "location.update": 1, "kit.update": 1}


# ---- levels never below reserved: the re-read, the clamp and the repair around each chunk ----

BATCH = ("POST", "/admin/inventory-items/location-levels/batch")
REREAD = ("GET", "/admin/inventory-items")


def level_plan(*changes: tuple[str, int, int], allow_below_reserved: bool = False) -> Plan:
    """Updates of item `iitem_<sku>` at sloc_1: (sku, stocked before, stocked after)."""
    from medusa_sync.plan import LevelBase
    from medusa_sync.plan.model import FieldChange

    return Plan(
        store="http://medusa.test",
        fingerprint="f",
        options=PlanOptions(allow_below_reserved=allow_below_reserved),
        feed_digests={},
        changes=[
            LevelUpdate(
                sku=sku, location="Odex CD", location_id="sloc_1", item_id=f"iitem_{sku}", stocked=after, incoming=0,
                base=LevelBase(stocked=after, incoming=0),
                fields=[FieldChange(field="stocked_quantity", before=before, after=after)],
            )
            for sku, before, after in changes
        ],
    )


def stock(fake: FakeMedusa, sku: str, stocked: int, reserved: int) -> None:
    fake.levels[f"iitem_{sku}"] = [{"location_id": "sloc_1", "stocked_quantity": stocked, "reserved_quantity": reserved}]


def batches(fake: FakeMedusa) -> list[list[tuple[str, int]]]:
    return [
        [(entry["inventory_item_id"], entry["stocked_quantity"]) for entry in body["update"]]
        for method, path, body in fake.requests
        if (method, path) == BATCH
    ]


WORKFLOW_RUN = ("POST", "/admin/workflows-executions/update-inventory-items-workflow/run")


def recorded_bases(fake: FakeMedusa) -> dict[str, dict]:
    """The metadata each item's base write sent, in one update per item or in workflow runs."""
    bases = {}
    for method, path, body in fake.requests:
        if (method, path) == WORKFLOW_RUN:
            bases.update({update["id"]: update["metadata"] for update in body["input"]["updates"]})
        elif method == "POST" and path.startswith("/admin/inventory-items/iitem_"):
            bases[path.rsplit("/", 1)[1]] = body["metadata"]
    return bases


def test_a_chunk_that_lowers_nothing_sends_no_re_read(catalog) -> None:
    fake = FakeMedusa()
    stock(fake, "A", 3, 0)
    with client_for(fake) as client:
        result = apply_plan(client, level_plan(("A", 3, 10)), StoreIds(), concurrency=1)
    assert [(m, p) for m, p, _ in fake.requests] == [BATCH, ("POST", "/admin/inventory-items/iitem_A")]
    assert (dict(result.applied), result.guarded) == ({"level.update": 1, "base.record": 1}, [])


def test_allow_below_reserved_sends_no_re_read(catalog) -> None:
    fake = FakeMedusa()
    stock(fake, "A", 100, 40)
    with client_for(fake) as client:
        result = apply_plan(client, level_plan(("A", 100, 5), allow_below_reserved=True), StoreIds(), concurrency=1)
    assert [(m, p) for m, p, _ in fake.requests][:1] == [BATCH]
    assert batches(fake) == [[("iitem_A", 5)]]
    assert result.guarded == []


def test_a_reservation_found_by_the_re_read_clamps_the_target(catalog) -> None:
    """Planned 100 → 5 with nothing reserved; the re-read right before the chunk finds 40."""
    fake = FakeMedusa()
    stock(fake, "A", 100, 40)  # the reservation landed after the plan's read
    stock(fake, "B", 100, 0)
    with client_for(fake) as client:
        result = apply_plan(client, level_plan(("A", 100, 5), ("B", 100, 7), ("C", 1, 9)), StoreIds(), concurrency=1)
    requests = [(m, p) for m, p, _ in fake.requests]
    assert requests[:3] == [REREAD, BATCH, REREAD]  # re-read, chunk, verify: no repair needed
    fields = "id,location_levels.location_id,location_levels.stocked_quantity,location_levels.reserved_quantity"
    assert fake.reads == [("iitem_A,iitem_B", fields)] * 2  # only the lowered items, before and after
    assert batches(fake) == [[("iitem_A", 40), ("iitem_B", 7), ("iitem_C", 9)]]
    assert [str(guard) for guard in result.guarded] == [
        "A @ Odex CD: clamped to reserved 40 (the plan says 5; reserved re-read before writing)"
    ]
    assert dict(result.applied) == {"level.update": 3, "base.record": 3}
    [written_a] = [change for change in result.written if getattr(change, "sku", None) == "A"]
    assert (written_a.stocked, written_a.base.stocked, written_a.fields[0].after) == (40, 40, 40)
    assert recorded_bases(fake) == {
        "iitem_A": {"sync_base:sloc_1": [40, 0]}, "iitem_B": {"sync_base:sloc_1": [7, 0]}, "iitem_C": {"sync_base:sloc_1": [9, 0]}
    }
    assert requests[3:] == [WORKFLOW_RUN]


def test_a_reservation_landing_after_the_re_read_is_repaired_after_the_write(catalog) -> None:
    fake = FakeMedusa()
    stock(fake, "A", 100, 0)

    def reservation_lands() -> None:
        fake.levels["iitem_A"][0]["reserved_quantity"] = 40
        fake.after_batch = None

    fake.after_batch = reservation_lands
    with client_for(fake) as client:
        result = apply_plan(client, level_plan(("A", 100, 5)), StoreIds(), concurrency=1)
    assert [(m, p) for m, p, _ in fake.requests] == [REREAD, BATCH, REREAD, BATCH, ("POST", "/admin/inventory-items/iitem_A")]
    assert batches(fake) == [[("iitem_A", 5)], [("iitem_A", 40)]]
    assert fake.levels["iitem_A"][0]["stocked_quantity"] == 40
    assert [str(guard) for guard in result.guarded] == ["A @ Odex CD: stocked 5 < reserved 40 after the write; set to 40"]
    assert [vars(guard) for guard in result.guarded] == [
        {"action": "repaired", "key": "A @ Odex CD", "target": 5, "reserved": 40, "error": None}
    ]
    assert dict(result.applied) == {"level.update": 1, "base.record": 1}  # the repair is no planned write
    assert result.failures == []
    [written] = result.written
    assert (written.stocked, written.fields[0].before, written.fields[0].after) == (40, 100, 40)
    assert fake.requests[-1][2] == {"metadata": {"sync_base:sloc_1": [40, 0]}}


RESERVATIONS = ("GET", "/admin/reservations")
WATCH = ReservedWatch(since="2026-11-27T01:00:00.000Z")
LEVEL_QUANTITIES = "id,location_levels.location_id,location_levels.stocked_quantity,location_levels.reserved_quantity"


def reserve(fake: FakeMedusa, sku: str, quantity: int, at: str) -> None:
    """A reservation of `quantity` at sloc_1, created at `at` (the server's clock)."""
    fake.levels[f"iitem_{sku}"][0]["reserved_quantity"] += quantity
    fake.reservations.append({"id": f"res_{sku}", "inventory_item_id": f"iitem_{sku}", "location_id": "sloc_1", "updated_at": at})


def test_with_a_watch_lowered_levels_without_a_new_reservation_are_not_read_again(catalog) -> None:
    fake = FakeMedusa()
    stock(fake, "A", 100, 0)
    stock(fake, "B", 100, 0)
    reserve(fake, "B", 30, at="2026-11-27T00:50:00.000Z")  # before the watch starts: the plan saw it
    with client_for(fake) as client:
        result = apply_plan(client, level_plan(("A", 100, 5), ("B", 100, 30)), StoreIds(), concurrency=1, reserved_watch=WATCH)
    assert [(m, p) for m, p, _ in fake.requests] == [RESERVATIONS, BATCH, RESERVATIONS, WORKFLOW_RUN]
    assert recorded_bases(fake) == {"iitem_A": {"sync_base:sloc_1": [5, 0]}, "iitem_B": {"sync_base:sloc_1": [30, 0]}}
    assert fake.watch_queries == ["2026-11-27T01:00:00.000Z"] * 2
    assert fake.reads == []
    assert batches(fake) == [[("iitem_A", 5), ("iitem_B", 30)]]
    assert (dict(result.applied), result.guarded, result.failures) == ({"level.update": 2, "base.record": 2}, [], [])


def test_with_a_watch_only_levels_with_a_new_reservation_are_read_again_and_clamped(catalog) -> None:
    fake = FakeMedusa()
    stock(fake, "A", 100, 0)
    stock(fake, "B", 100, 0)
    reserve(fake, "A", 40, at="2026-11-27T01:02:00.000Z")  # landed after the plan's read
    with client_for(fake) as client:
        result = apply_plan(
            client, level_plan(("A", 100, 5), ("B", 100, 7), ("C", 1, 9)), StoreIds(), concurrency=1, reserved_watch=WATCH
        )
    assert [(m, p) for m, p, _ in fake.requests][:5] == [RESERVATIONS, REREAD, BATCH, RESERVATIONS, REREAD]
    assert fake.reads == [("iitem_A", LEVEL_QUANTITIES)] * 2  # before and after the chunk; B is not read
    assert batches(fake) == [[("iitem_A", 40), ("iitem_B", 7), ("iitem_C", 9)]]
    assert [str(guard) for guard in result.guarded] == [
        "A @ Odex CD: clamped to reserved 40 (the plan says 5; reserved re-read before writing)"
    ]


def test_with_a_watch_a_reservation_landing_during_the_write_is_repaired(catalog) -> None:
    fake = FakeMedusa()
    stock(fake, "A", 100, 0)

    def reservation_lands() -> None:
        reserve(fake, "A", 40, at="2026-11-27T01:03:00.000Z")
        fake.after_batch = None

    fake.after_batch = reservation_lands
    with client_for(fake) as client:
        result = apply_plan(client, level_plan(("A", 100, 5)), StoreIds(), concurrency=1, reserved_watch=WATCH)
    assert [(m, p) for m, p, _ in fake.requests] == [
        RESERVATIONS, BATCH, RESERVATIONS, REREAD, BATCH, ("POST", "/admin/inventory-items/iitem_A")
    ]
    assert batches(fake) == [[("iitem_A", 5)], [("iitem_A", 40)]]
    assert fake.levels["iitem_A"][0]["stocked_quantity"] == 40
    assert [str(guard) for guard in result.guarded] == ["A @ Odex CD: stocked 5 < reserved 40 after the write; set to 40"]


def test_a_failed_re_read_fails_its_chunk_and_nothing_else(catalog) -> None:
    class Broken(FakeMedusa):
        def __call__(self, request):
            if request.method == "GET" and request.url.path == "/admin/inventory-items":
                self.requests.append((request.method, request.url.path, None))
                return httpx.Response(400, json={"type": "invalid_data", "message": "boom"})
            return super().__call__(request)

    broken = Broken()
    with client_for(broken) as client:
        result = apply_plan(client, level_plan(("A", 100, 5)), StoreIds(), concurrency=1)
    assert [(m, p) for m, p, _ in broken.requests] == [REREAD]
    assert dict(result.applied) == {}
    assert [(f.kind, f.key) for f in result.failures] == [("level", "A @ Odex CD")]
    assert result.failures[0].message.startswith("re-reading reserved before the write: ")


def test_without_the_workflow_run_route_items_are_created_one_request_each_after_one_refusal(catalog) -> None:
    plan = make_plan(catalog, StoreSnapshot(), RULES, PlanOptions())
    fake = FakeMedusa(workflow_run=False)
    with client_for(fake) as client:
        result = apply_plan(client, plan, StoreIds(), concurrency=1)
    assert result.failures == []
    assert dict(result.applied) == {"location.create": 2, "item.create": 4, "level.create": 4, "kit.create": 1}
    item_writes = [(method, path) for method, path, _ in fake.requests if "inventory-items" in path and method == "POST"]
    # the first alone (the unit), the run Medusa refuses as an unknown route, the other three one by one
    assert item_writes == [("POST", "/admin/inventory-items"), CREATE_RUN, *[("POST", "/admin/inventory-items")] * 3]
    assert set(created_bodies(fake)) == set(result.ids.items) == set(fake.created_items)


def test_a_refused_create_run_costs_only_its_bad_item(catalog) -> None:
    """Medusa's workflow is all or none: one item it refuses fails the run; the run's other
    items are then created one by one and only the bad one fails."""
    plan = make_plan(catalog, StoreSnapshot(), RULES, PlanOptions())
    fake = FakeMedusa(fail_sku="odex_panels_ODEX-PAINEL-B-600W")
    with client_for(fake) as client:
        result = apply_plan(client, plan, StoreIds(), concurrency=1)
    assert [(f.kind, f.key) for f in result.failures] == [("item", "odex_panels_ODEX-PAINEL-B-600W")]
    assert result.count("item", "create") == 3
    assert sorted(result.ids.items) == sorted(fake.created_items) == ["fotus_inverters_SUN-X1", "fotus_panels_ACME-600W", "odex_inverters_ODEX-INV-A-3000W"]
    assert [len(body["input"]["items"]) for method, path, body in fake.requests if (method, path) == CREATE_RUN] == [3]


def test_a_refused_first_item_is_followed_by_another_alone_then_the_rest_in_one_run(catalog) -> None:
    """The first item goes alone (its answer tells the server's unit); Medusa refuses it, so the
    unit is still unknown: the next item goes alone too, then the other two in one workflow run.
    The refused one is tried once more on its own and reported, with the kit it is part of."""
    plan = make_plan(catalog, StoreSnapshot(), RULES, PlanOptions())
    fake = FakeMedusa(fail_sku="fotus_inverters_SUN-X1")
    with client_for(fake) as client:
        result = apply_plan(client, plan, StoreIds(), concurrency=1)
    assert [(f.kind, f.key) for f in result.failures] == [("item", "fotus_inverters_SUN-X1"), ("kit", "fotus_kits_KP01")]
    item_writes = [(path, body.get("sku") or len(body["input"]["items"])) for method, path, body in fake.requests
                   if method == "POST" and "inventory-items" in path]
    assert item_writes == [
        ("/admin/inventory-items", "fotus_inverters_SUN-X1"),  # refused
        ("/admin/inventory-items", "fotus_panels_ACME-600W"),  # alone again: the unit is learned
        (CREATE_RUN[1], 2),
        ("/admin/inventory-items", "fotus_inverters_SUN-X1"),  # once more on its own
    ]
    assert result.count("item", "create") == 3


def many_panels(catalog, count: int) -> Plan:
    """A plan creating `count` panels of ~1 KB each (a description of 600 characters)."""
    [template] = [change for change in make_plan(catalog, StoreSnapshot(), RULES, PlanOptions()).writes("item", "create")
                  if change.sku == "odex_panels_ODEX-PAINEL-B-600W"]
    creates = [
        template.model_copy(update={"sku": sku, "item": template.item.model_copy(update={"sku": sku, "description": "x" * 600})})
        for sku in (f"odex_panels_P{n:03d}" for n in range(count))
    ]
    return Plan(store="http://medusa.test", fingerprint="f", options=PlanOptions(), feed_digests={}, changes=creates)


@pytest.mark.parametrize("keeps_ids", [True, False])
def test_the_first_run_goes_alone_and_its_ids_tell_whether_the_others_are_read_back(catalog, keeps_ids: bool) -> None:
    """After the lone item (the unit), one workflow run alone: its items are looked up by SKU,
    and where the server kept the ids given, no other run's items are."""
    fake = FakeMedusa(keeps_ids=keeps_ids)
    with client_for(fake) as client:
        result = apply_plan(client, many_panels(catalog, 400), StoreIds(), concurrency=1)
        learned = client.capabilities.snapshot()["inventory item ids chosen by the client"]
    assert result.failures == [] and result.count("item", "create") == 400
    requests = [(method, path) for method, path, _ in fake.requests]
    assert requests[:3] == [("POST", "/admin/inventory-items"), CREATE_RUN, ("GET", "/admin/inventory-items")]
    runs = [body["input"]["items"] for method, path, body in fake.requests if (method, path) == CREATE_RUN]
    first, *in_flight = [len(run) for run in runs]  # the four after the first run go in flight together, in any order
    assert (learned, first, sorted(in_flight)) == (keeps_ids, 82, [71, 82, 82, 82])
    assert requests.count(("GET", "/admin/inventory-items")) == (1 if keeps_ids else 5)
    assert result.ids.items == fake.created_items
    given = {body["sku"]: body["id"] for run in runs for body in run}
    assert ({sku: result.ids.items[sku] for sku in given} == given) is keeps_ids


def test_lone_requests_while_learning_are_bounded(catalog, monkeypatch) -> None:
    """Where a run's answer never settles what is to learn, `LONE_SUCCESSES` lone successes
    later the rest is sent at once: the lone item and the first run alone, then the 4 others in
    flight together."""
    monkeypatch.setattr(InventoryItems, "learning", lambda self: True)
    in_flight = threading.Barrier(4, timeout=10)

    class Runs(FakeMedusa):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            if request.url.path == CREATE_RUN[1] and len(self.requests) > 2:
                in_flight.wait()  # none of the last four is answered before all four were sent
            return super().__call__(request)

    fake = Runs()
    with client_for(fake) as client:
        result = apply_plan(client, many_panels(catalog, 400), StoreIds(), concurrency=1)
    assert LONE_SUCCESSES == 2
    assert result.failures == [] and result.count("item", "create") == 400
    requests = [(method, path) for method, path, _ in fake.requests]
    assert requests[:3] == [("POST", "/admin/inventory-items"), CREATE_RUN, ("GET", "/admin/inventory-items")]
    assert requests[3:].count(CREATE_RUN) == 4


def test_lone_requests_refused_in_a_row_are_bounded(catalog) -> None:
    """While the unit is unknown a refused lone item is followed by another alone, each after
    cutting every body left again; after `LONE_REFUSALS` refusals in a row the rest is sent as
    cut (here: not sent, the unit still unknown) and every item is tried once on its own."""
    plan = many_panels(catalog, 20)
    skus = [change.sku for change in plan.changes]

    class RefusingItems(FakeMedusa):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            if (request.method, request.url.path) == ("POST", "/admin/inventory-items"):
                self.requests.append((request.method, request.url.path, json.loads(request.content)))
                return httpx.Response(400, json={"type": "invalid_data", "message": "a hook refuses this item"})
            return super().__call__(request)

    fake = RefusingItems()
    with client_for(fake) as client:
        result = apply_plan(client, plan, StoreIds(), concurrency=1)
    sent = [body["sku"] for method, path, body in fake.requests if path == "/admin/inventory-items"]
    assert LONE_REFUSALS == 3
    assert sent == [*skus[:4], *skus]  # 3 refused, the 4th sends the rest; then each once on its own
    assert not any(path == CREATE_RUN[1] for _, path, _ in fake.requests)
    assert [f.key for f in result.failures] == skus
