"""Inventory items and their stock levels per location: `/admin/inventory-items`."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..chunking import BATCH_MAX_BYTES, BATCH_MAX_ENTRIES, split_batch
from ..capabilities import (
    CLIENT_ITEM_IDS,
    ITEM_WORKFLOWS,
    LEVEL_BATCH,
    UNIT_OF_MEASURE,
    Capabilities,
    UnsupportedServerError,
    metadata_merge,
    unrecognized_field,
)
from ..errors import AmbiguousWriteError, BadRequestError, InvalidRequestError, MalformedAnswerError, MedusaAPIError
from ..ids import entity_ids
from ..metadata import update_metadata
from ..pagination import DEFAULT_READ_CONCURRENCY, Convert
from ..requestor import Recover, Requestor, listed
from .base import ID_ONLY, Fields, Record, Records, Resource, answer_fields, field_names, list_query, segment

PATH = "/admin/inventory-items"
BATCH_LEVELS_PATH = f"{PATH}/location-levels/batch"
ITEM_ID_PREFIX = "iitem"
"""Medusa's prefix of inventory item ids (`model.id({ prefix: "iitem" })`)."""
WORKFLOWS_PATH = "/admin/workflows-executions"
WORKFLOW_MAX_BYTES = 90_000
"""Medusa parses at most 100 KB of JSON outside its batch routes (the run route answers 413 above)."""
WORKFLOW_INPUT_MAX_BYTES = WORKFLOW_MAX_BYTES - len('{"input":}')
"""The most JSON a workflow's input may take within `WORKFLOW_MAX_BYTES`."""


@dataclass(frozen=True)
class _Found:
    """What a create's look-up found after its answer was lost: SKU → id."""

    ids: dict[str, str]


@dataclass(frozen=True)
class MetadataBatch:
    """One request of `each_metadata_batch`: the items it carried and its error, if any."""

    item_ids: list[str]
    error: MedusaAPIError | None


@dataclass(frozen=True)
class LevelBatch:
    """One request of a level batch: the entries it carried (by section) and its answer or error."""

    body: dict[str, list[Any]]
    answer: dict[str, Any] | None
    error: MedusaAPIError | None


class InventoryItems(Resource):
    """Items read and written alike on every supported release: where the server has no
    `unit_of_measure` (before 2.20), the unit is kept in `metadata.unit_of_measure` and read back
    into `unit_of_measure` (see capabilities.py)."""

    def __init__(
        self,
        requestor: Requestor,
        *,
        page_size: int,
        capabilities: Capabilities | None = None,
        read_concurrency: int = DEFAULT_READ_CONCURRENCY,
    ) -> None:
        super().__init__(requestor, page_size=page_size, read_concurrency=read_concurrency)
        self._capabilities = capabilities or Capabilities()

    def iter(self, *, fields: Fields = None, order: str = "id", **filters: Any) -> Iterator[Record]:
        """Items matching `filters`, lazily, page by page (filters as Medusa names them, e.g.
        `**{"location_levels[location_id]": "sloc_…"}`)."""
        rows = self._paginate(PATH, "inventory_items", list_query(fields, order=order, **filters))
        return (self._read(row, fields) for row in rows)

    def list_all(self, *, fields: Fields = None, order: str = "id", convert: Convert | None = None, **filters: Any) -> list[Any]:
        """Every item matching `filters` as one list, its pages read concurrently and checked
        against rows added or removed meanwhile (see pagination.read_all); with `convert`, what
        it returns for each row, called as the row's page arrives."""

        def read(row: Record) -> Any:
            row = self._read(row, fields)
            return row if convert is None else convert(row)

        return self._read_all(PATH, "inventory_items", list_query(fields, order=order, **filters), read)

    def list_by_skus(self, skus: Iterable[str], *, fields: Fields = None) -> Records:
        """Items whose SKU (exact, case-sensitive) is in `skus`; unknown SKUs are simply absent."""
        rows = self._by_values(PATH, "inventory_items", "sku", skus, list_query(fields, order="id"))
        return [self._read(row, fields) for row in rows]

    def search(self, text: str, *, fields: Fields = None, limit: int = 100) -> Records:
        """At most `limit` items whose SKU, title or description contains `text`, any case; one request."""
        return [self._read(row, fields) for row in self._search(PATH, "inventory_items", text, fields, limit)]

    def list_by_ids(self, item_ids: Iterable[str], *, fields: Fields = None) -> Records:
        """Items whose id is in `item_ids`, chunked like `list_by_skus`; unknown or deleted ids are absent."""
        rows = self._by_values(PATH, "inventory_items", "id", item_ids, list_query(fields, order="id"))
        return [self._read(row, fields) for row in rows]

    def retrieve(self, item_id: str, *, fields: Fields = None) -> Record:
        row = self._requestor.request(
            "GET", f"{PATH}/{segment(item_id)}", params=list_query(fields), key="inventory_item"
        )
        return self._read(row, fields)

    def create(self, body: Mapping[str, Any], *, fields: Fields = None) -> Record:
        """Create an item, with its first levels when `body` has `location_levels`; the answer
        holds `fields` (None: the server's defaults, which cost it far more: see `ID_ONLY`).

        After an ambiguous failure the item with the body's SKU, if any, is the result; a body
        without a SKU cannot be looked up, so that failure raises AmbiguousWriteError.
        """
        sku = body.get("sku")
        return self._write(PATH, body, fields, recover=(lambda: self._find_by_sku(sku)) if sku else None)

    def update(self, item_id: str, body: Mapping[str, Any], *, fields: Fields = None) -> Record:
        """`metadata` names the keys to set and, as "", to remove; keys not sent are kept (metadata.py).

        The answer holds `fields` (and the metadata, when the body sets some): see `ID_ONLY`."""
        path = f"{PATH}/{segment(item_id)}"
        return update_metadata(
            self._capabilities,
            "inventory item",
            PATH,
            body,
            lambda sent: self._write(path, sent, answer_fields(fields, sent), idempotent=True),
            lambda: self.retrieve(item_id, fields="id,metadata").get("metadata") or {},
        )

    def workflows_supported(self) -> bool:
        """False once the server has shown it cannot run Medusa's item workflows through the
        workflow-run route (`create_many`, `each_metadata_batch`)."""
        return self._capabilities.supports(ITEM_WORKFLOWS) is not False

    def metadata_batch_supported(self) -> bool:
        """`workflows_supported`, and the server is not known to replace an item's metadata on
        update (a batch sends only the keys it sets)."""
        return self.workflows_supported() and self._capabilities.supports(metadata_merge("inventory item")) is not False

    def create_batches(self, bodies: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        """`bodies` cut into the lists `create_many` sends (Medusa's 100 KB), in order; where the
        server's `unit_of_measure` is not known yet, a body naming it comes first, alone, so
        that its answer tells (send that list before the others). Unless the server is known to
        choose its items' ids, every body of the other lists gets one (`id`, in place, kept when
        it has one), so that `create_many` need not read them back."""
        bodies = list(bodies)
        first: list[list[dict[str, Any]]] = []
        if self._capabilities.supports(UNIT_OF_MEASURE) is None:
            naming = next((body for body in bodies if body.get(UNIT_OF_MEASURE) is not None), None)
            if naming is not None:
                bodies.remove(naming)
                first = [[naming]]
        if self._capabilities.supports(CLIENT_ITEM_IDS) is not False:
            for body, item_id in zip(bodies, entity_ids(ITEM_ID_PREFIX, len(bodies))):
                body.setdefault("id", item_id)
        return first + [body["items"] for body in split_batch({"items": bodies}, max_bytes=WORKFLOW_INPUT_MAX_BYTES)]

    def learning(self) -> bool:
        """Is it still to learn whether the server keeps the ids `create_batches` gives? The
        next `create_many` of several bodies tells: send it alone."""
        return self._capabilities.supports(CLIENT_ITEM_IDS) is None

    def create_many(self, bodies: Sequence[Mapping[str, Any]]) -> dict[str, str]:
        """Create items, each with its first levels (`location_levels`), all or none, in one
        request: one body as `create` does (asking the answer for `unit_of_measure` while the
        server's is not known: see capabilities.py; without an `id`, which that route refuses),
        more through the Admin API's workflow-run route, which runs the workflow behind
        `POST /admin/inventory-items` with every body (at most a `create_batches` list). That
        route answers no records: where every body has an `id` and the server is known to keep
        the ids given, those are the created items' ids; otherwise the created items are looked
        up by SKU (and the first lookup of bodies with ids tells whether the server kept them).
        Returns SKU → id. Every body needs a SKU.

        After an ambiguous failure the items with the bodies' SKUs are looked up first: any
        found are the result and the request is not re-sent (the caller creates the SKUs
        missing from the result one by one); none found: it is re-sent. When the ids cannot be
        read back after the items were created, AmbiguousWriteError is raised (never the
        open circuit's "not sent"). A server that cannot run the workflow raises its error and
        is remembered (`workflows_supported`)."""
        skus = [body.get("sku") for body in bodies]
        if not all(isinstance(sku, str) and sku for sku in skus):
            raise InvalidRequestError("create_many needs a SKU in every body: the created items are found by it")
        unit = self._capabilities.supports(UNIT_OF_MEASURE)
        if len(bodies) == 1:
            body = {key: value for key, value in bodies[0].items() if key != "id"}
            return {skus[0]: self.create(body, fields=ID_ONLY if unit is not None else f"{ID_ONLY},{UNIT_OF_MEASURE}")["id"]}
        if unit is None and any(body.get(UNIT_OF_MEASURE) is not None for body in bodies):
            raise InvalidRequestError("create_many: the server's unit_of_measure is not known yet; send a body naming it alone first")
        if unit is False:
            bodies = [_unit_into_metadata(dict(body)) for body in bodies]
        given = {body["sku"]: body["id"] for body in bodies if body.get("id")}
        if len(given) < len(bodies):
            given = {}

        def recover() -> _Found | None:
            found = self._ids_by_sku(skus)
            return _Found(found) if found else None

        answer = self._run_workflow("create-inventory-items-workflow", {"items": list(bodies)}, idempotent=False, recover=recover)
        if isinstance(answer, _Found):  # the answer was lost; some were created
            return answer.ids
        if given and self._capabilities.supports(CLIENT_ITEM_IDS):
            return given
        try:
            created = self._ids_by_sku(skus)
        except MedusaAPIError as error:  # created: never report them as not sent
            lost = AmbiguousWriteError(
                f"{len(skus)} items were created, but reading their ids back failed: {error}",
                method="POST",
                path=f"{WORKFLOWS_PATH}/create-inventory-items-workflow/run",
                hint="the next run sees them",
            )
            lost.terminal = error.terminal
            raise lost from error
        if given and created:
            kept = created == given
            evidence = "the ids given" if kept else "ids other than those given"
            self._capabilities.learn(CLIENT_ITEM_IDS, kept, f"a run of {len(given)} items created them with {evidence}")
        return created

    def each_metadata_batch(self, metadata_by_item: Mapping[str, Mapping[str, Any]]) -> Iterator[MetadataBatch]:
        """Set metadata keys of many items, one outcome per request, the requests one after the
        other: Medusa's own item update workflow (the one behind `POST /admin/inventory-items/:id`,
        which merges the keys sent into the item's metadata) run through the Admin API's
        workflow-run route with up to ~840 items' updates. Each request is all or none (the
        workflow undoes its updates when one fails, e.g. an item deleted meanwhile) and is
        re-sent after transient failures (setting keys again changes nothing).

        Keys are only set: "" removes a key on 2.21 but is kept on 2.3.0, so it is refused here.
        A server that cannot run the workflow (see `workflows_supported`) is remembered and its
        error is the outcome of every item not sent yet."""
        updates = []
        for item_id, metadata in metadata_by_item.items():
            if any(value == "" for value in metadata.values()):
                raise InvalidRequestError(f"each_metadata_batch only sets keys; {item_id} has one sent as \"\"")
            updates.append({"id": item_id, "metadata": dict(metadata)})
        bodies = split_batch({"updates": updates}, max_bytes=WORKFLOW_INPUT_MAX_BYTES)
        for index, body in enumerate(bodies):
            item_ids = [update["id"] for update in body["updates"]]
            try:
                self._run_workflow("update-inventory-items-workflow", body, idempotent=True)
            except MedusaAPIError as error:
                if not self.workflows_supported():
                    yield MetadataBatch([update["id"] for rest in bodies[index:] for update in rest["updates"]], error)
                    return
                yield MetadataBatch(item_ids, error)
            else:
                yield MetadataBatch(item_ids, None)

    def _run_workflow(self, workflow_id: str, workflow_input: dict[str, Any], *, idempotent: bool, recover: Recover | None = None) -> Any:
        """Run one of Medusa's workflows with `workflow_input`; None once it finished, or what
        `recover` found (never a dict) after an ambiguous failure."""
        path = f"{WORKFLOWS_PATH}/{workflow_id}/run"
        try:
            answer = self._requestor.request("POST", path, json={"input": workflow_input}, idempotent=idempotent, recover=recover)
        except MedusaAPIError as error:
            if _no_workflow_run(error):
                self._capabilities.learn(ITEM_WORKFLOWS, False, f"POST {path} answers {error.status} {error.message!r}")
            raise
        if not isinstance(answer, dict):
            return answer
        acknowledgement = answer.get("acknowledgement")
        if not isinstance(acknowledgement, dict) or acknowledgement.get("hasFinished") is not True or acknowledgement.get("hasFailed"):
            self._capabilities.learn(ITEM_WORKFLOWS, False, f"POST {path} answers {acknowledgement!r}")
            raise MalformedAnswerError(
                f"the workflow {workflow_id} did not report finishing within the request ({acknowledgement!r})",
                method="POST",
                path=path,
            )
        self._capabilities.learn(ITEM_WORKFLOWS, True, f"POST {path} answers")
        return None

    def _ids_by_sku(self, skus: Iterable[str]) -> dict[str, str]:
        return {row["sku"]: row["id"] for row in self.list_by_skus(skus, fields="id,sku")}

    def delete(self, item_id: str) -> Record:
        """Soft-delete; Medusa refuses (400) an item with reservations."""
        return self._requestor.request("DELETE", f"{PATH}/{segment(item_id)}")

    def list_levels(self, item_id: str, *, fields: Fields = None, **filters: Any) -> Records:
        path = f"{PATH}/{segment(item_id)}/location-levels"
        return [*self._paginate(path, "inventory_levels", list_query(fields, order="id", **filters))]

    def create_level(
        self,
        item_id: str,
        location_id: str,
        *,
        stocked_quantity: int | None = None,
        incoming_quantity: int | None = None,
    ) -> Record:
        """Stock an item at a location; returns the item (Medusa answers with the parent)."""
        body = _level_body(
            location_id=location_id,
            stocked_quantity=stocked_quantity,
            incoming_quantity=incoming_quantity,
        )
        return self._requestor.request(
            "POST",
            f"{PATH}/{segment(item_id)}/location-levels",
            json=body,
            key="inventory_item",
            recover=lambda: self._stocked_at(item_id, location_id),
        )

    def update_level(
        self,
        item_id: str,
        location_id: str,
        *,
        stocked_quantity: int | None = None,
        incoming_quantity: int | None = None,
    ) -> Record:
        """Set absolute quantities of an existing level (404 if there is none: no upsert)."""
        body = _level_body(stocked_quantity=stocked_quantity, incoming_quantity=incoming_quantity)
        return self._requestor.request(
            "POST",
            f"{PATH}/{segment(item_id)}/location-levels/{segment(location_id)}",
            json=body,
            key="inventory_item",
            idempotent=True,
        )

    def delete_level(self, item_id: str, location_id: str) -> Record:
        """Medusa refuses (400) a level with reserved or stocked units; batch with force for those.

        A second delete of the same level is a 404, so a retry after a lost answer can raise
        ResourceNotFoundError for a level that is gone; `batch_levels(delete=…)` is safe to repeat.
        """
        return self._requestor.request(
            "DELETE", f"{PATH}/{segment(item_id)}/location-levels/{segment(location_id)}"
        )

    def batch_levels(
        self,
        create: Iterable[Mapping[str, Any]] = (),
        update: Iterable[Mapping[str, Any]] = (),
        delete: Iterable[str] = (),
        *,
        force: bool = False,
        max_entries: int = BATCH_MAX_ENTRIES,
        max_bytes: int = BATCH_MAX_BYTES,
    ) -> dict[str, list[Any]]:
        """Create, update (absolute quantities) and delete (level ids) levels of any items.

        Entries: create/update `{inventory_item_id, location_id, stocked_quantity?,
        incoming_quantity?}`. Sent to the cross-item batch route in requests of at most
        `max_entries` entries and `max_bytes` of JSON; returns the merged `{created, updated,
        deleted}`. Each request is all-or-nothing on the server, the whole call is not: when a
        request fails, the error's `applied` holds what the earlier requests applied (see
        `each_level_batch` to go on past a failed request).

        A request holding only updates and deletes is re-sent after transient failures (Medusa
        answers a repeated delete of a level id with 200). One that
        holds creates is not: if it may have been applied, `AmbiguousWriteError` is raised, and
        the caller should re-read the levels and plan again. `force` allows deleting stocked levels.
        """
        merged: dict[str, list[Any]] = {"created": [], "updated": [], "deleted": []}
        batches = self.each_level_batch(
            create, update, delete, force=force, max_entries=max_entries, max_bytes=max_bytes
        )
        for index, batch in enumerate(batches):
            if batch.error is not None:
                if index:
                    batch.error.applied = merged
                raise batch.error
            for name, rows in merged.items():
                rows.extend(listed(batch.answer, name, "POST", BATCH_LEVELS_PATH))
        return merged

    def each_level_batch(
        self,
        create: Iterable[Mapping[str, Any]] = (),
        update: Iterable[Mapping[str, Any]] = (),
        delete: Iterable[str] = (),
        *,
        force: bool = False,
        max_entries: int = BATCH_MAX_ENTRIES,
        max_bytes: int = BATCH_MAX_BYTES,
    ) -> Iterator[LevelBatch]:
        """Like `batch_levels`, one outcome per request: a failed request is reported (its
        `error` set) and the next one is still sent, so the caller knows which entries were
        applied."""
        sections = {
            "create": [dict(entry) for entry in create],
            "update": [dict(entry) for entry in update],
            "delete": list(delete),
        }
        for body in split_batch(sections, max_entries=max_entries, max_bytes=max_bytes):
            payload: dict[str, Any] = dict(body)
            if force and "delete" in body:
                payload["force"] = True
            try:
                answer = self._requestor.request(
                    "POST", BATCH_LEVELS_PATH, json=payload, idempotent="create" not in body
                )
            except MedusaAPIError as error:
                if _unknown_route(error):
                    raise _unsupported(error) from None
                yield LevelBatch(body, None, error)
            else:
                yield LevelBatch(body, answer, None)

    def require_level_batch(self) -> None:
        """Refuse a server without the cross-item level batch (Medusa 2.0-2.2), once per client.

        The probe is an empty batch: a no-op where the route exists."""
        if self._capabilities.supports(LEVEL_BATCH):
            return
        try:
            self._requestor.request("POST", BATCH_LEVELS_PATH, json={}, idempotent=True)
        except MedusaAPIError as error:
            if _unknown_route(error):
                raise _unsupported(error) from None
            if error.status is None or error.status >= 500:
                raise
        self._capabilities.learn(LEVEL_BATCH, True, f"POST {BATCH_LEVELS_PATH} answers")

    def _write(self, path: str, body: Mapping[str, Any], fields: Fields, **options: Any) -> Record:
        """POST an item body, answered with `fields`; on a server without `unit_of_measure`, the
        unit goes to metadata."""
        body = dict(body)
        if self._capabilities.supports(UNIT_OF_MEASURE) is False:
            body = _unit_into_metadata(body)
        params = list_query(fields)
        try:
            row = self._requestor.request("POST", path, params=params, json=body, key="inventory_item", **options)
        except BadRequestError as error:
            if UNIT_OF_MEASURE not in body or not unrecognized_field(error, UNIT_OF_MEASURE):
                raise
            self._capabilities.learn(UNIT_OF_MEASURE, False, f"POST {PATH} answers {error.message!r}")
            row = self._requestor.request(
                "POST", path, params=params, json=_unit_into_metadata(body), key="inventory_item", **options
            )
        return self._read(row, fields)

    def _read(self, row: Record, fields: Fields) -> Record:
        """Learn from a row whether the server has `unit_of_measure`; without it, take the unit
        from the metadata where the client kept it."""
        names = _field_names(fields)
        if names is not None and UNIT_OF_MEASURE not in names:
            return row
        if UNIT_OF_MEASURE in row:
            if names is not None:
                self._capabilities.learn(UNIT_OF_MEASURE, True, "items are read with it")
            return row
        if names is not None:
            self._capabilities.learn(UNIT_OF_MEASURE, False, "fields= naming it is ignored")
        metadata = row.get("metadata")
        if isinstance(metadata, dict) and UNIT_OF_MEASURE in metadata:
            row[UNIT_OF_MEASURE] = metadata[UNIT_OF_MEASURE]
        return row

    def _find_by_sku(self, sku: str) -> Record | None:
        rows = self._requestor.request(
            "GET", PATH, params={"sku": sku, "limit": 1}, key="inventory_items"
        )
        return rows[0] if rows else None

    def _stocked_at(self, item_id: str, location_id: str) -> Record | None:
        item = self.retrieve(item_id)
        levels = item.get("location_levels") or []
        return item if any(level.get("location_id") == location_id for level in levels) else None


def _level_body(**fields: Any) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}


def _field_names(fields: Fields) -> frozenset[str] | None:
    """The names a `fields` argument asks for (None: the server's defaults)."""
    if not fields:
        return None
    return _names_in(fields if isinstance(fields, str) else ",".join(fields))


@functools.lru_cache(maxsize=64)
def _names_in(fields: str) -> frozenset[str]:
    """Kept per `fields` string: `_read` asks for every row read (splitting it anew, with the
    capability learned under a lock each time, was ~0.1 s of CPU per 50,000 items listed)."""
    return frozenset(name.lstrip("+") for name in field_names(fields))


def _unit_into_metadata(body: dict[str, Any]) -> dict[str, Any]:
    body = dict(body)
    unit = body.pop(UNIT_OF_MEASURE, None)
    if unit is not None:
        body["metadata"] = {**(body.get("metadata") or {}), UNIT_OF_MEASURE: unit}
    return body


def _unknown_route(error: MedusaAPIError) -> bool:
    """Express's 404 for a route the server does not have (not Medusa's JSON not_found)."""
    return error.status == 404 and error.type is None and error.message.startswith("unknown route")


def _no_workflow_run(error: MedusaAPIError) -> bool:
    """The answer of a server that cannot run an item workflow through the Admin API:
    an unknown route, an unknown workflow, or a refusal to run it for this user or key."""
    if error.status in (403, 405):
        return True
    return error.status == 404 and (_unknown_route(error) or error.message.startswith("Workflow with id"))


def _unsupported(error: MedusaAPIError) -> UnsupportedServerError:
    return UnsupportedServerError(
        "the server has no cross-item level batch, so it is Medusa 2.0-2.2: medusa-sync supports"
        " Medusa 2.3.0 and later; upgrade the server",
        method=error.method,
        path=error.path,
        status=error.status,
    )
