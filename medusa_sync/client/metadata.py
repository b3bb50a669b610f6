"""Metadata updates alike on every supported release, learned from the server's answers.

The client's update contract: the `metadata` of an update body names the keys to set and, as
"" (`REMOVE`), the keys to remove; keys it does not name are kept. Releases differ (docs/compatibility.md):

- Medusa 2.21 merges an update into the record's metadata and deletes a key sent as "".
- Medusa 2.3.0 merges an inventory item's metadata (MikroORM's `assign`, objects merged) but keeps
  a key sent as "" as "" (no way to delete a key there; medusa-sync reads "" as absent), and
  *replaces* a product's metadata with the one sent (the product module's `upsertWithReplace`).

What a server does is learned from the first update that removes a key (the only safe probe):
when the answer still holds a removed key as "", the client sends the answer's metadata again
without the removed keys, which changes nothing on a merging server and deletes them on a
replacing one; the second answer tells which. On a server that replaces, every later metadata
update reads the record's metadata first and sends it whole (keys another tool wrote are kept,
removed keys omitted). Until the first removal, an update is sent as the caller built it, which
is safe on both kinds of server when it names the record's whole metadata, as the plan's do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .capabilities import Capabilities, metadata_key_deletion, metadata_merge

REMOVE = ""
"""The value of a metadata key to remove."""

Record = dict[str, Any]


def update_metadata(
    capabilities: Capabilities,
    kind: str,
    path: str,
    body: Mapping[str, Any],
    post: Callable[[Mapping[str, Any]], Record],
    read_metadata: Callable[[], dict[str, Any]],
) -> Record:
    """POST an update of one record (`kind`, e.g. "product", at `path`) whose `metadata` has
    the contract above, whichever way the server treats metadata."""
    metadata = body.get("metadata")
    if not isinstance(metadata, Mapping):
        return post(body)
    if capabilities.supports(metadata_merge(kind)) is False:
        whole = {**read_metadata(), **metadata}
        return post({**body, "metadata": {key: value for key, value in whole.items() if metadata.get(key) != REMOVE}})
    if capabilities.supports(metadata_key_deletion(kind)) is False:
        return post(body)  # merges and keeps "": a removed key stays "", read as absent
    answer = post(body)
    removed = sorted(key for key, value in metadata.items() if value == REMOVE)
    if not removed or capabilities.supports(metadata_key_deletion(kind)) is not None:
        return answer
    held = answer.get("metadata") or {}
    kept = [key for key in removed if key in held]
    if not kept:
        capabilities.learn(metadata_key_deletion(kind), True, f'POST {path} deleted {removed[0]!r} sent as ""')
        return answer
    capabilities.learn(
        metadata_key_deletion(kind), False, f'POST {path} answers {kept[0]!r} sent as "" kept as {held[kept[0]]!r}'
    )
    again = post({"metadata": {key: value for key, value in held.items() if key not in removed}})
    if kept[0] in (again.get("metadata") or {}):
        capabilities.learn(metadata_merge(kind), True, f"POST {path} without {kept[0]!r} still holds it")
    else:
        capabilities.learn(metadata_merge(kind), False, f"POST {path} without {kept[0]!r} drops it")
    return again
