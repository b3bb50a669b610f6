"""Apply a plan to the store: locations, then items (each created with its levels in one
request), item updates, the level writes in batches, then kits.

Every write is atomic on the server, and a plan is always made from a fresh read of the store,
so an apply killed at any point converges when re-run: what was written is seen and skipped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, Protocol

from medusa_sync.config import Rules
from medusa_sync.errors import MedusaSyncError
from medusa_sync.outputs import StoreIds
from medusa_sync.plan import Change, Plan


class Progress(Protocol):
    def step(self, name: str, total: int) -> Callable[[int], None]:
        """Start a step of `total` units; returns the function that advances it."""


class _Silent:
    def step(self, name: str, total: int) -> Callable[[int], None]:
        return lambda done: None


@dataclass(frozen=True)
class ApplyFailure:
    kind: str
    key: str
    message: str


@dataclass
class ApplyResult:
    ids: StoreIds
    applied: Counter[str] = field(default_factory=Counter)  # "item.create" → n
    failures: list[ApplyFailure] = field(default_factory=list)

    def count(self, kind: str, action: str) -> int:
        return self.applied[f"{kind}.{action}"]


class ApplyError(MedusaSyncError):
    """Some writes failed; the others were applied and a re-run completes the rest."""


def apply_plan(
    client, plan: Plan, rules: Rules, known: StoreIds, *, concurrency: int = 8, progress: Progress | None = None
) -> ApplyResult:
    """Apply `plan`; `known` holds the ids of what the store already has (from its snapshot)."""
    run = _Apply(client, plan, rules, known, concurrency, progress or _Silent())
    run.locations()
    run.items()
    run.levels()
    run.kits()
    return run.result


class _Apply:
    def __init__(self, client, plan: Plan, rules: Rules, known: StoreIds, concurrency: int, progress: Progress) -> None:
        self.client = client
        self.plan = plan
        self.rules = rules
        self.concurrency = concurrency
        self.progress = progress
        self.result = ApplyResult(
            ids=StoreIds(items=dict(known.items), locations=dict(known.locations), kits=dict(known.kits))
        )
        self.ids = self.result.ids

    def _run(self, name: str, changes: list[Change], write: Callable[[Change], None]) -> None:
        """Run `write` over the changes with bounded concurrency; failures are collected."""
        if not changes:
            return
        advance = self.progress.step(name, len(changes))
        done = 0
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            futures = {pool.submit(write, change): change for change in changes}
            for future in as_completed(futures):
                change = futures[future]
                try:
                    future.result()
                    self.result.applied[f"{change.kind}.{change.action}"] += 1
                except MedusaSyncError as exc:
                    self.result.failures.append(ApplyFailure(change.kind, change.key, str(exc)))
                done += 1
                advance(done)

    def location_id(self, name: str) -> str:
        location_id = self.ids.locations.get(name)
        if location_id is None:
            raise MedusaSyncError(f"stock location {name!r} does not exist (its creation failed)")
        return location_id

    def item_id(self, sku: str) -> str:
        item_id = self.ids.items.get(sku)
        if item_id is None:
            raise MedusaSyncError(f"inventory item {sku} does not exist (its creation failed)")
        return item_id

    # -- steps -----------------------------------------------------------------------------

    def locations(self) -> None:
        def create(change: Change) -> None:
            created = self.client.stock_locations.find_or_create(change.body["name"], metadata=change.body["metadata"])  # location hook
            self.ids.locations[change.key] = created["id"]

        self._run("stock locations", self.plan.writes("location", "create"), create)

    def items(self) -> None:
        def create(change: Change) -> None:
            body = {key: value for key, value in change.body.items() if key != "location_levels" and value is not None}
            body["location_levels"] = [
                {
                    "location_id": self.location_id(level["location"]),
                    "stocked_quantity": level["stocked_quantity"],
                    "incoming_quantity": level["incoming_quantity"],
                }
                for level in change.body.get("location_levels", [])
            ]
            created = self.client.inventory_items.create(body)
            self.ids.items[change.key] = created["id"]

        def update(change: Change) -> None:
            self.client.inventory_items.update(change.target["item_id"], change.body)

        self._run("create items", self.plan.writes("item", "create"), create)
        self._run("update items", self.plan.writes("item", "update"), update)
        self.result.applied["level.create"] += sum(
            1
            for change in self.plan.writes("level", "create")
            if change.body.get("inline") and change.key.split(" @ ")[0] in self.ids.items
        )

    def levels(self) -> None:
        """Level creates (for existing items) and updates, through the cross-item batch."""
        creates: list[tuple[Change, dict[str, Any]]] = []
        updates: list[tuple[Change, dict[str, Any]]] = []
        for action, bucket in (("create", creates), ("update", updates)):
            for change in self.plan.writes("level", action):
                if change.body.get("inline"):
                    continue
                try:
                    entry = {
                        "inventory_item_id": change.target["item_id"],
                        "location_id": change.target.get("location_id") or self.location_id(change.body["location"]),
                        "stocked_quantity": change.body["stocked_quantity"],
                        "incoming_quantity": change.body["incoming_quantity"],
                    }
                except MedusaSyncError as exc:
                    self.result.failures.append(ApplyFailure("level", change.key, str(exc)))
                    continue
                bucket.append((change, entry))
        if not creates and not updates:
            return
        advance = self.progress.step("stock levels", len(creates) + len(updates))
        try:
            self.client.inventory_items.batch_levels(
                create=[entry for _, entry in creates], update=[entry for _, entry in updates]
            )
        except MedusaSyncError as exc:
            for change, _ in creates + updates:
                self.result.failures.append(ApplyFailure("level", change.key, str(exc)))
            return
        self.result.applied["level.create"] += len(creates)
        self.result.applied["level.update"] += len(updates)
        advance(len(creates) + len(updates))

    def kits(self) -> None:
        def links(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
            resolved = []
            for entry in entries:
                quantity = entry["required_quantity"]
                if not isinstance(quantity, int) or quantity <= 0:
                    raise MedusaSyncError(f"component {entry['sku']}: required quantity {quantity!r} is not > 0")
                resolved.append({"inventory_item_id": self.item_id(entry["sku"]), "required_quantity": quantity})
            return resolved

        def create(change: Change) -> None:
            body = {key: value for key, value in change.body.items() if value is not None}
            variant = dict(body["variants"][0])
            variant["inventory_items"] = links(variant["inventory_items"])
            variant["prices"] = [{**price, "amount": float(price["amount"])} for price in variant["prices"]]
            body["variants"] = [variant]
            product = self.client.products.create(body)
            variant_id = next(v["id"] for v in product.get("variants", []) if v.get("sku") == change.key)
            self.ids.kits[change.key] = (product["id"], variant_id)

        def update(change: Change) -> None:
            product_id, variant_id = change.target["product_id"], change.target["variant_id"]
            if "product" in change.body:
                self.client.products.update(product_id, change.body["product"])
            if "variant" in change.body:
                prices = [{**price, "amount": float(price["amount"])} for price in change.body["variant"]["prices"]]
                self.client.products.update_variant(product_id, variant_id, {"prices": prices})
            edits = change.body.get("links")
            if edits:
                self.client.products.batch_inventory_links(
                    product_id,
                    create=[{"variant_id": variant_id, **link} for link in links(edits.get("create", []))],
                    update=[{"variant_id": variant_id, **link} for link in links(edits.get("update", []))],
                    delete=[{"variant_id": variant_id, **link} for link in edits.get("delete", [])],
                )
            self.ids.kits[change.key] = (product_id, variant_id)

        self._run("create kits", self.plan.writes("kit", "create"), create)
        self._run("update kits", self.plan.writes("kit", "update"), update)
