"""Apply's kit step: kits created in batches (`POST /admin/products/batch`), one by one where a
batch is refused, looked up by SKU where a batch's answer was lost; exact requests and bodies."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from medusa_sync.apply import apply_plan
from medusa_sync.client import MedusaClient, RetryPolicy
from medusa_sync.feeds import load_catalog
from medusa_sync.plan import PlanOptions, StoreIds, make_plan
from medusa_sync.store import StoreSnapshot

from .test_apply import RULES, FakeMedusa

KITS = ["KP01", "KP02", "KP03"]
SKUS = [f"fotus_kits_{kit}" for kit in KITS]
FOTUS = [
    {"id": f"FOTUS-{kit}-kits", "name": f"{kit} kit", "type": "kits", "potencia_kwp": 1.2, "price_brl": 2500.5 + n,
     "centro_distribuicao": "CD SUL",
     "panels": [{"brand": "ACME", "power_w": 600, "quantity": 2 + n, "description": "ACME 600W"}],
     "inverters": [{"brand": "DEYE", "power_kw": 2, "quantity": 1, "description": "MICRO DEYE (SUN-X1)"}]}
    for n, kit in enumerate(KITS)
]
BATCH = "/admin/products/batch"


@pytest.fixture
def plan(tmp_path: Path):
    (tmp_path / "fotus").mkdir()
    (tmp_path / "fotus" / "fotus-kits.json").write_text(json.dumps(FOTUS))
    return make_plan(load_catalog(tmp_path, RULES), StoreSnapshot(), RULES, PlanOptions())


class KitMedusa(FakeMedusa):
    """FakeMedusa with the product batch route; `batch` scripts its answers (a status, an
    exception to raise, or "ok"), then "ok"; `variants` answers the SKU lookup."""

    def __init__(self, batch: list, variants: list[dict] | None = None, fail_kit: str | None = None) -> None:
        super().__init__()
        self.batch = list(batch)
        self.variants = variants or []
        self.fail_kit = fail_kit
        self.queries: list[tuple[str, list[tuple[str, str]]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.queries.append((path, sorted(request.url.params.multi_items())))
        if path == BATCH:
            body = json.loads(request.content)
            self.requests.append((request.method, path, body))
            step = self.batch.pop(0) if self.batch else "ok"
            if isinstance(step, Exception):
                raise step
            if step == 404:  # Express: no such route
                return httpx.Response(404, text="<pre>Cannot POST /admin/products/batch</pre>")
            if isinstance(step, int):
                return httpx.Response(step, json={"type": "invalid_data", "message": "a kit is bad"})
            created = [self._product(product["variants"][0]["sku"]) for product in body["create"]]
            return httpx.Response(200, json={"created": created[::-1], "updated": [], "deleted": []})
        if path == "/admin/product-variants":
            self.requests.append((request.method, path, None))
            return httpx.Response(200, json={"variants": self.variants, "count": len(self.variants), "offset": 0, "limit": 1000})
        if path == "/admin/products" and request.method == "POST" and self.fail_kit:
            if json.loads(request.content)["variants"][0]["sku"] == self.fail_kit:
                self.requests.append((request.method, path, json.loads(request.content)))
                return httpx.Response(400, json={"type": "invalid_data", "message": "bad kit"})
        return super().__call__(request)

    def _product(self, sku: str) -> dict:
        return {"id": self.next_id("prod"), "variants": [{"id": self.next_id("variant"), "sku": sku}]}


def run(plan, fake: KitMedusa, attempts: int = 1):
    with MedusaClient(
        "http://medusa.test", api_key="sk_test", transport=httpx.MockTransport(fake),
        retry=RetryPolicy(max_attempts=attempts, initial_wait=0.0),
    ) as client:
        result = apply_plan(client, plan, StoreIds(), concurrency=1)
        return result, client.products.batch_supported()


def kit_requests(fake: KitMedusa) -> list[tuple[str, str, object]]:
    return [(m, p, b) for m, p, b in fake.requests if p.startswith(("/admin/products", "/admin/product-variants"))]


def single_bodies(plan) -> list[dict]:
    """The bodies of one-by-one creates (a server without the batch route), in plan order."""
    fake = KitMedusa([404])
    run(plan, fake)
    return [body for _, path, body in fake.requests if path == "/admin/products"]


def test_kits_are_created_in_one_batch_with_exactly_the_single_create_bodies(plan) -> None:
    fake = KitMedusa([])
    result, supported = run(plan, fake)

    assert result.failures == []
    assert dict(result.applied) == {"location.create": 1, "item.create": 2, "level.create": 2, "kit.create": 3}
    [(method, path, body)] = kit_requests(fake)
    assert (method, path) == ("POST", BATCH)
    assert ("/admin/products/batch", [("fields", "id,variants.id,variants.sku")]) in fake.queries
    assert body == {"create": single_bodies(plan)}
    assert [product["variants"][0]["sku"] for product in body["create"]] == SKUS
    panel, inverter = result.ids.items["fotus_panels_ACME-600W"], result.ids.items["fotus_inverters_SUN-X1"]
    assert [product["variants"][0]["inventory_items"] for product in body["create"]] == [
        [{"inventory_item_id": panel, "required_quantity": 2 + n}, {"inventory_item_id": inverter, "required_quantity": 1}]
        for n in range(3)
    ]
    # the answer lists the products in another order: each kit gets its own ids
    assert {sku: ids for sku, ids in result.ids.kits.items()} == {
        "fotus_kits_KP01": ("prod_4", "variant_5"), "fotus_kits_KP02": ("prod_6", "variant_7"),
        "fotus_kits_KP03": ("prod_8", "variant_9")}
    assert supported is True


def test_a_refused_batch_falls_back_to_single_creates_and_one_bad_kit_costs_only_itself(plan) -> None:
    fake = KitMedusa([400], fail_kit="fotus_kits_KP02")
    result, supported = run(plan, fake)

    requests = kit_requests(fake)
    assert [(m, p) for m, p, _ in requests] == [("POST", BATCH), *[("POST", "/admin/products")] * 3]
    assert [body for _, _, body in requests[1:]] == requests[0][2]["create"]
    assert [(f.kind, f.key) for f in result.failures] == [("kit", "fotus_kits_KP02")]
    assert "bad kit" in result.failures[0].message
    assert result.applied["kit.create"] == 2
    assert sorted(result.ids.kits) == ["fotus_kits_KP01", "fotus_kits_KP03"]
    assert supported is True  # a refused batch is not a missing route


def test_a_server_without_the_batch_route_gets_single_creates_and_is_remembered(plan) -> None:
    fake = KitMedusa([404])
    result, supported = run(plan, fake)

    assert [(m, p) for m, p, _ in kit_requests(fake)] == [("POST", BATCH), *[("POST", "/admin/products")] * 3]
    assert result.failures == []
    assert result.applied["kit.create"] == 3
    assert supported is False


def test_a_lost_answer_is_looked_up_by_sku_and_an_applied_batch_is_not_sent_again(plan) -> None:
    variants = [{"id": f"variant_{n}", "sku": sku, "product_id": f"prod_{n}"} for n, sku in enumerate(SKUS)]
    fake = KitMedusa([httpx.ReadTimeout("timed out")], variants=variants)
    result, _ = run(plan, fake, attempts=3)

    assert [(m, p) for m, p, _ in kit_requests(fake)] == [("POST", BATCH), ("GET", "/admin/product-variants")]
    assert ("/admin/product-variants", [
        ("fields", "id,sku,product_id"), ("limit", "1000"), ("offset", "0"), ("order", "id"), ("sku[]", ",".join(SKUS))
    ]) in fake.queries
    assert result.failures == []
    assert result.applied["kit.create"] == 3
    assert result.ids.kits == {sku: (f"prod_{n}", f"variant_{n}") for n, sku in enumerate(SKUS)}


def test_a_lost_answer_of_a_batch_not_applied_is_sent_again_once(plan) -> None:
    fake = KitMedusa([httpx.ReadTimeout("timed out")], variants=[])
    result, _ = run(plan, fake, attempts=3)

    requests = kit_requests(fake)
    assert [(m, p) for m, p, _ in requests] == [("POST", BATCH), ("GET", "/admin/product-variants"), ("POST", BATCH)]
    assert requests[0][2] == requests[2][2]
    assert result.failures == []
    assert result.applied["kit.create"] == 3


def test_kits_the_lookup_does_not_find_are_created_one_by_one_and_none_twice(plan) -> None:
    found = [{"id": "variant_a", "sku": SKUS[0], "product_id": "prod_a"}]
    fake = KitMedusa([httpx.ReadTimeout("timed out")], variants=found)
    result, _ = run(plan, fake, attempts=3)

    requests = kit_requests(fake)
    assert [(m, p) for m, p, _ in requests] == [
        ("POST", BATCH), ("GET", "/admin/product-variants"), ("POST", "/admin/products"), ("POST", "/admin/products")]
    assert [body["variants"][0]["sku"] for _, _, body in requests[2:]] == SKUS[1:]
    assert result.ids.kits[SKUS[0]] == ("prod_a", "variant_a")
    assert result.applied["kit.create"] == 3
    assert result.failures == []


def test_a_lost_answer_that_cannot_be_looked_up_fails_its_kits_without_resending(plan) -> None:
    fake = KitMedusa([httpx.ReadTimeout("timed out")])
    fake.variants = None  # the lookup fails too

    def broken_lookup(request: httpx.Request, handler=fake.__call__) -> httpx.Response:
        if request.url.path == "/admin/product-variants":
            fake.requests.append(("GET", request.url.path, None))
            return httpx.Response(400, json={"type": "invalid_data", "message": "no"})
        return handler(request)

    with MedusaClient("http://medusa.test", api_key="sk_test", transport=httpx.MockTransport(broken_lookup),
                      retry=RetryPolicy(max_attempts=3, initial_wait=0.0)) as client:
        result = apply_plan(client, plan, StoreIds(), concurrency=1)

    assert [(m, p) for m, p, _ in kit_requests(fake)] == [("POST", BATCH), ("GET", "/admin/product-variants")]
    assert [(f.kind, f.key) for f in result.failures] == [("kit", sku) for sku in SKUS]
    assert all("may have been applied" in f.message for f in result.failures)
    assert "kit.create" not in result.applied
