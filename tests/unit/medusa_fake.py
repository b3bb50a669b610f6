"""A small in-memory Medusa Admin API for the operations and reports tests.

It keeps locations, items with levels, reservations and kit variants, answers the routes the
operations use the way Medusa 2.21 does (reservation create checks availability, metadata
updates merge, deletes lower reserved), and logs every request as
`(method, path, query, body)` so a test can assert the exact sequence. `fail_next` makes the
next matching request fail with a Medusa error.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from medusa_sync.client import MedusaClient, RetryPolicy
from medusa_sync.client.resources.reservations import DEFAULT_FIELDS as RESERVATION_FIELDS
from medusa_sync.store.items import STOCK_ITEM_FIELDS
from medusa_sync.store.kits import KIT_VARIANT_FIELDS

BASE_URL = "http://medusa.test"
PAGE = {"limit": "1000", "offset": "0", "order": "id"}
ITEMS_QUERY = ",".join(STOCK_ITEM_FIELDS)


def locations_call() -> tuple:
    return ("GET", "/admin/stock-locations", {"fields": "id,name", **PAGE}, None)


def item_by_sku_call(sku: str) -> tuple:
    return ("GET", "/admin/inventory-items", {"fields": ITEMS_QUERY, "sku[]": sku, **PAGE}, None)


def items_by_ids_call(*ids: str, variants: bool = False) -> tuple:
    fields = ITEMS_QUERY + (",variants.id" if variants else "")
    return ("GET", "/admin/inventory-items", {"fields": fields, "id[]": ",".join(ids), **PAGE}, None)


def item_call(item_id: str) -> tuple:
    return ("GET", f"/admin/inventory-items/{item_id}", {"fields": ITEMS_QUERY}, None)


def level_call(item_id: str, location_id: str, stocked: int) -> tuple:
    return ("POST", f"/admin/inventory-items/{item_id}/location-levels/{location_id}", {}, {"stocked_quantity": stocked})


def reservations_call(**filters: str) -> tuple:
    return ("GET", "/admin/reservations", {"fields": RESERVATION_FIELDS, **filters, **PAGE}, None)


def reservation_call(method: str, reservation_id: str, body: Any = None) -> tuple:
    query = {} if method == "DELETE" else {"fields": RESERVATION_FIELDS}
    return (method, f"/admin/reservations/{reservation_id}", query, body)


def variants_call(**filters: str) -> tuple:
    return ("GET", "/admin/product-variants", {"fields": KIT_VARIANT_FIELDS, **filters, **PAGE}, None)


@dataclass
class FakeMedusa:
    locations: dict[str, str] = field(default_factory=dict)  # id → name
    items: dict[str, dict[str, Any]] = field(default_factory=dict)  # id → {sku, title, metadata, levels: {loc: {...}}}
    reservations: dict[str, dict[str, Any]] = field(default_factory=dict)
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)  # id → {sku, title, links: {item: qty}}
    calls: list[tuple] = field(default_factory=list)
    failures: list[list[Any]] = field(default_factory=list)  # [method, path, requests to let through, message]
    interleaved: list[list[Any]] = field(default_factory=list)  # [method, path, requests to let through, action]
    clock: str = "2026-01-10T12:00:00.000Z"
    _next_id: int = 0

    # ---- building the store ---------------------------------------------------------------
    def location(self, location_id: str, name: str) -> str:
        self.locations[location_id] = name
        return location_id

    def item(self, item_id: str, sku: str, *, title: str = "", metadata: dict | None = None, **stocked: int) -> str:
        """`item("iitem_a", "A", sloc_1=10)`: an item stocked 10 at sloc_1."""
        self.items[item_id] = {"sku": sku, "title": title or f"Item {sku}", "metadata": metadata, "levels": {}}
        for location_id, amount in stocked.items():
            self.level(item_id, location_id, stocked=amount)
        return item_id

    def level(self, item_id: str, location_id: str, *, stocked: int = 0, reserved: int = 0, incoming: int = 0) -> None:
        self.items[item_id]["levels"][location_id] = {
            "id": f"ilev_{item_id}_{location_id}",
            "stocked_quantity": stocked,
            "reserved_quantity": reserved,
            "incoming_quantity": incoming,
        }

    def reservation(
        self, reservation_id: str, item_id: str, location_id: str, quantity: int, *,
        line_item: str | None = None, created_at: str = "2026-01-01T12:00:00.000Z",
        description: str | None = None, metadata: dict | None = None,
    ) -> str:
        self.reservations[reservation_id] = {
            "id": reservation_id, "inventory_item_id": item_id, "location_id": location_id, "quantity": quantity,
            "line_item_id": line_item, "description": description, "metadata": metadata, "created_at": created_at,
        }
        self.items[item_id]["levels"][location_id]["reserved_quantity"] += quantity
        return reservation_id

    def kit(self, variant_id: str, sku: str, title: str = "", **links: float) -> str:
        self.variants[variant_id] = {"sku": sku, "title": title or f"Kit {sku}", "links": links}
        return variant_id

    def fail_next(self, method: str, path: str, message: str, *, skip: int = 0) -> None:
        """Answer the matching request after the next `skip` ones with 400 invalid_data."""
        self.failures.append([method, path, skip, message])

    def interleave(self, method: str, path: str, action, *, skip: int = 0) -> None:
        """Run `action()` (another writer landing) just before the matching request after the
        next `skip` ones is answered."""
        self.interleaved.append([method, path, skip, action])

    def stock(self, item_id: str, location_id: str) -> dict[str, int]:
        level = self.items[item_id]["levels"][location_id]
        return {"stocked": level["stocked_quantity"], "reserved": level["reserved_quantity"]}

    def writes(self) -> list[tuple]:
        return [call for call in self.calls if call[0] != "GET"]

    def client(self) -> MedusaClient:
        return MedusaClient(
            BASE_URL, api_key="sk_test", retry=RetryPolicy(initial_wait=0.0, sleep=lambda _: None),
            transport=httpx.MockTransport(self.handle),
        )

    # ---- the API --------------------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        query = dict(request.url.params.multi_items())
        self.calls.append((request.method, request.url.path, query, body))
        for hook in self.interleaved:
            if [request.method, request.url.path] == hook[:2]:
                if hook[2]:
                    hook[2] -= 1
                    break
                self.interleaved.remove(hook)
                hook[3]()
                break
        for failure in self.failures:
            if [request.method, request.url.path] == failure[:2]:
                if failure[2]:
                    failure[2] -= 1
                    break
                self.failures.remove(failure)
                return httpx.Response(400, json={"type": "invalid_data", "message": failure[3]})
        for method, pattern, handler in self._routes():
            match = re.fullmatch(pattern, request.url.path)
            if method == request.method and match:
                return handler(query, body, *match.groups())
        raise AssertionError(f"the fake has no route for {request.method} {request.url.path}")

    def _routes(self):
        return [
            ("GET", r"/admin/stock-locations", self._list_locations),
            ("GET", r"/admin/inventory-items", self._list_items),
            ("GET", r"/admin/inventory-items/([^/]+)", self._get_item),
            ("POST", r"/admin/inventory-items/([^/]+)/location-levels", self._create_level),
            ("POST", r"/admin/inventory-items/([^/]+)/location-levels/([^/]+)", self._update_level),
            ("GET", r"/admin/reservations", self._list_reservations),
            ("GET", r"/admin/reservations/([^/]+)", self._get_reservation),
            ("POST", r"/admin/reservations", self._create_reservation),
            ("POST", r"/admin/reservations/([^/]+)", self._update_reservation),
            ("DELETE", r"/admin/reservations/([^/]+)", self._delete_reservation),
            ("GET", r"/admin/product-variants", self._list_variants),
        ]

    @staticmethod
    def _page(key: str, rows: list[dict[str, Any]], query: dict[str, str] | None = None) -> httpx.Response:
        offset, limit = int((query or {}).get("offset", 0)), int((query or {}).get("limit", 1000))
        return httpx.Response(200, json={key: rows[offset : offset + limit], "count": len(rows), "offset": offset, "limit": limit})

    @staticmethod
    def _searched(query: dict[str, str], *texts: str) -> bool:
        """Medusa's `q`: a case-insensitive substring of a searchable field (SKU, title)."""
        return "q" not in query or any(query["q"].casefold() in text.casefold() for text in texts)

    @staticmethod
    def _not_found(message: str) -> httpx.Response:
        return httpx.Response(404, json={"type": "not_found", "message": message})

    @staticmethod
    def _values(query: dict[str, str], name: str) -> set[str] | None:
        if f"{name}[]" in query:
            return set(query[f"{name}[]"].split(","))
        return {query[name]} if name in query else None

    def _list_locations(self, query, body):
        return self._page("stock_locations", [{"id": i, "name": n} for i, n in sorted(self.locations.items())])

    def _item_row(self, item_id: str, fields: str) -> dict[str, Any]:
        item = self.items[item_id]
        row = {
            "id": item_id, "sku": item["sku"], "title": item["title"], "metadata": item["metadata"],
            "location_levels": [{"location_id": loc, **level} for loc, level in sorted(item["levels"].items())],
        }
        if "variants.id" in fields:
            row["variants"] = [{"id": v} for v, kit in sorted(self.variants.items()) if item_id in kit["links"]]
        return row

    def _list_items(self, query, body):
        ids, skus = self._values(query, "id"), self._values(query, "sku")
        rows = [
            self._item_row(item_id, query.get("fields", ""))
            for item_id, item in sorted(self.items.items())
            if (ids is None or item_id in ids) and (skus is None or item["sku"] in skus)
            and self._searched(query, item["sku"], item["title"])
        ]
        return self._page("inventory_items", rows, query)

    def _get_item(self, query, body, item_id):
        if item_id not in self.items:
            return self._not_found(f"Inventory item with id: {item_id} was not found")
        return httpx.Response(200, json={"inventory_item": self._item_row(item_id, query.get("fields", ""))})

    def _create_level(self, query, body, item_id):
        self.level(item_id, body["location_id"], stocked=body.get("stocked_quantity", 0))
        return httpx.Response(200, json={"inventory_item": self._item_row(item_id, "")})

    def _update_level(self, query, body, item_id, location_id):
        level = self.items[item_id]["levels"].get(location_id)
        if level is None:
            return self._not_found(f"Item {item_id} is not stocked at location {location_id}")
        level["stocked_quantity"] = body["stocked_quantity"]
        return httpx.Response(200, json={"inventory_item": self._item_row(item_id, "")})

    def _list_reservations(self, query, body):
        rows = [
            row for _, row in sorted(self.reservations.items())
            if all(row[name] == query[name] for name in ("line_item_id", "location_id", "inventory_item_id") if name in query)
            and ("created_at[$lt]" not in query or _instant(row["created_at"]) < _instant(query["created_at[$lt]"]))
            and ("created_at[$lte]" not in query or _instant(row["created_at"]) <= _instant(query["created_at[$lte]"]))
        ]
        return self._page("reservations", rows)

    def _get_reservation(self, query, body, reservation_id):
        if reservation_id not in self.reservations:
            return self._not_found(f"Reservation with id: {reservation_id} was not found")
        return httpx.Response(200, json={"reservation": self.reservations[reservation_id]})

    def _create_reservation(self, query, body):
        level = self.items[body["inventory_item_id"]]["levels"].get(body["location_id"])
        if level is None:
            return self._not_found(f"Item {body['inventory_item_id']} is not stocked at location {body['location_id']}")
        if level["stocked_quantity"] - level["reserved_quantity"] < body["quantity"]:
            return httpx.Response(400, json={"type": "not_allowed", "message": "Not enough stock available"})
        self._next_id += 1
        reservation_id = f"resitem_new{self._next_id}"
        self.reservation(
            reservation_id, body["inventory_item_id"], body["location_id"], body["quantity"],
            line_item=body.get("line_item_id"), created_at=self.clock, description=body.get("description"),
            metadata=body.get("metadata"),
        )
        return httpx.Response(200, json={"reservation": self.reservations[reservation_id]})

    def _update_reservation(self, query, body, reservation_id):
        row = self.reservations.get(reservation_id)
        if row is None:
            return httpx.Response(400, json={"type": "invalid_data", "message": f"Reservation item with id {reservation_id} not found"})
        if "quantity" in body:
            self.items[row["inventory_item_id"]]["levels"][row["location_id"]]["reserved_quantity"] += body["quantity"] - row["quantity"]
            row["quantity"] = body["quantity"]
        if "metadata" in body:
            row["metadata"] = {**(row["metadata"] or {}), **body["metadata"]}  # Medusa merges metadata keys
        return httpx.Response(200, json={"reservation": row})

    def _delete_reservation(self, query, body, reservation_id):
        row = self.reservations.pop(reservation_id, None)
        if row is not None:
            self.items[row["inventory_item_id"]]["levels"][row["location_id"]]["reserved_quantity"] -= row["quantity"]
        return httpx.Response(200, json={"id": reservation_id, "object": "reservation", "deleted": True})

    def _list_variants(self, query, body):
        ids, skus = self._values(query, "id"), self._values(query, "sku")
        rows = [
            {
                "id": variant_id, "sku": kit["sku"], "title": kit["title"],
                "inventory_items": [{"inventory_item_id": item, "required_quantity": q} for item, q in kit["links"].items()],
            }
            for variant_id, kit in sorted(self.variants.items())
            if (ids is None or variant_id in ids) and (skus is None or kit["sku"] in skus)
            and self._searched(query, kit["sku"], kit["title"])
        ]
        return self._page("variants", rows, query)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def standard_store() -> FakeMedusa:
    """Two locations, a panel and an inverter, and a kit of two panels and one inverter."""
    fake = FakeMedusa()
    fake.location("sloc_a", "Odex CD")
    fake.location("sloc_b", "Solfacil CD")
    fake.item("iitem_pnl", "PNL-1", title="Panel 550 W", metadata={"distributor": "odex"}, sloc_a=10)
    fake.item("iitem_inv", "INV-1", title="Inverter 5 kW", metadata={"distributor": "solfacil"}, sloc_a=3, sloc_b=2)
    fake.kit("variant_kit", "KIT-1", "Kit 5 kWp", iitem_pnl=2, iitem_inv=1)
    return fake
