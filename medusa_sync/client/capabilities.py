"""What the connected Medusa server can do, learned from its answers, never from a version string.

The differences between the supported releases (2.3.0 and later; docs/compatibility.md):

- `unit_of_measure` of inventory items exists from 2.20.0. Before, a write naming it is a
  `400 invalid_data: Unrecognized fields: 'unit_of_measure'` and a `fields=` list naming it is
  ignored. The client then keeps the unit in the item's `metadata.unit_of_measure` and reads it
  back from there, so callers see the same rows on every release.
- the `sku` filter of `GET /admin/product-variants` exists from 2.14.0. Before, variants are
  looked up by `q=<sku>` and an exact match on the SKU.
- `POST /admin/products/batch` (create products in one request) is in every supported release
  (2.3.0 has it); a server that answers it as an unknown route, or as `POST /admin/products/:id`
  with id "batch" (a 404, or a 400 naming the unrecognized `create`), is taken to lack it, and
  kits are created one request each.
- the link of products to shipping profiles (`shipping_profile` of a product) exists from
  2.5. Before, a product read naming `shipping_profile.*` in `fields=` answers
  `500 unknown_error` (MikroORM: "Entity 'Product' does not have property 'shipping_profile'")
  and a write naming `shipping_profile_id` is refused. The read is sent again without those
  fields; when that answers, products are read without them from then on.
- the cross-item level batch (`POST /admin/inventory-items/location-levels/batch`) exists from
  2.3.0. A server without it (2.0-2.2) is refused with one line.
- the workflow-run route (`POST /admin/workflows-executions/:workflow_id/run`), through which
  Medusa's own item create and update workflows (those behind `POST /admin/inventory-items` and
  `POST /admin/inventory-items/:id`) create or update many items in one request, is in every
  supported release (2.3.0 has it); a server that answers it as an unknown route, an unknown
  workflow, or forbidden, or whose workflow does not finish within the request, is taken to
  lack it, and items are created and updated one request each.
- ids chosen by the client: an item created through that workflow keeps an `id` given in its
  body (Medusa's models only generate one where none is given, in every supported release), so
  the created items' ids are known without reading them back. The ids of the first run are read
  back by SKU anyway; a server that gave other ids is taken to choose its own, and every run's
  ids are read back.
- metadata updates: 2.21 merges them and deletes a key sent as ""; 2.3.0 keeps a key sent as
  "" as "" and replaces a product's metadata (learned and handled in metadata.py).

What is learned is kept for the life of the client and logged once at INFO (`-v`).
"""

from __future__ import annotations

import logging
import re
import threading

from medusa_sync.errors import ConfigError

from .errors import MedusaAPIError

logger = logging.getLogger("medusa_sync.client")

UNIT_OF_MEASURE = "unit_of_measure"
VARIANT_SKU_FILTER = "product-variants sku filter"
LEVEL_BATCH = "cross-item level batch"
PRODUCT_BATCH = "product batch"
PRODUCT_SHIPPING_PROFILE = "product shipping profile link"
ITEM_WORKFLOWS = "inventory item workflows through the workflow-run route"
CLIENT_ITEM_IDS = "inventory item ids chosen by the client"


def metadata_merge(kind: str) -> str:
    """The feature: an update of a `kind` record merges its metadata into the record's."""
    return f"{kind} metadata merge on update"


def metadata_key_deletion(kind: str) -> str:
    """The feature: an update of a `kind` record deletes a metadata key sent as ""."""
    return f'{kind} metadata key deletion by ""'


_FALLBACKS = {
    UNIT_OF_MEASURE: "units are kept in the item's metadata.unit_of_measure",
    VARIANT_SKU_FILTER: "variants are looked up by q= and an exact SKU match",
    PRODUCT_BATCH: "products (kits) are created one request each",
    ITEM_WORKFLOWS: "items are created, and their metadata (the sync bases) updated, one request per item",
    CLIENT_ITEM_IDS: "the ids of the items each workflow run creates are read back by SKU",
    PRODUCT_SHIPPING_PROFILE: "products are read without shipping_profile and kits get no shipping profile",
    **{
        metadata_merge(kind): f"{kind} metadata updates send the whole metadata, read just before (other keys kept, removed keys omitted)"
        for kind in ("inventory item", "product")
    },
    **{
        metadata_key_deletion(kind): f'a removed {kind} metadata key is omitted where the server replaces the metadata, else kept as "" (read as absent)'
        for kind in ("inventory item", "product")
    },
}


class UnsupportedServerError(MedusaAPIError, ConfigError):
    """The server lacks something medusa-sync cannot do without (Medusa before 2.3.0)."""


class Capabilities:
    """Features of one server: True, False, or absent while not known yet. Thread-safe."""

    def __init__(self) -> None:
        self._known: dict[str, bool] = {}
        self._lock = threading.Lock()

    def supports(self, feature: str) -> bool | None:
        return self._known.get(feature)

    def learn(self, feature: str, supported: bool, evidence: str) -> None:
        """Record a feature once; the first time, log what was learned and from what."""
        if feature in self._known:  # learned already (readers learn from every row): no lock
            return
        with self._lock:
            if feature in self._known:
                return
            self._known[feature] = supported
        if supported:
            logger.info("Medusa server: has the %s (%s)", feature, evidence)
        else:
            logger.info("Medusa server: no %s (%s); %s", feature, evidence, _FALLBACKS.get(feature, ""))

    def snapshot(self) -> dict[str, bool]:
        with self._lock:
            return dict(self._known)


def unrecognized_field(error: MedusaAPIError, name: str) -> bool:
    """Is this Medusa's 400 for an unknown body or query field `name`?"""
    if error.status != 400:
        return False
    match = re.search(r"Unrecognized fields?:(.*)", error.message)
    return bool(match) and re.search(rf"['\"`]?\b{re.escape(name)}\b['\"`]?", match.group(1)) is not None
