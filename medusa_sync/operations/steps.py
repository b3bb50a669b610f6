"""Absolute stock writes made safe: Medusa's stock writes set a value (last write wins), so

- a target is computed from a read made right before the write (`fresh_level`), never from the
  read the operation started with: what another writer did meanwhile is kept;
- a step "from `before` to `target`" can be re-run safely as long as the store still shows
  which side of it we are on (`still_to_do`);
- the level read after the write is compared with what was written (`unexpected`): a
  difference is reported, never silently accepted."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from medusa_sync.errors import StoreChangedError
from medusa_sync.store import StockItem, item_by_id, numbers

if TYPE_CHECKING:
    from medusa_sync.client import MedusaClient

log = logging.getLogger("medusa_sync.operations")


def fresh_level(client: MedusaClient, item_id: str, location_id: str) -> tuple[StockItem, dict[str, int]]:
    """The item read again (one GET), and its level's numbers at `location_id`: what a write
    about to be sent is computed from."""
    item = item_by_id(client, item_id)
    return item, numbers(item.level(location_id))


def unexpected(what: str, written: int, now: dict[str, int]) -> str | None:
    """A note when the level read after writing `written` holds another stocked quantity (another
    writer landed between the write and the read); logged, and None when it holds `written`."""
    if now["stocked"] == written:
        return None
    note = (
        f"{what}: stocked is {now['stocked']} right after writing {written}; another writer changed it "
        "meanwhile, check the level"
    )
    log.warning("%s", note)
    return note


def still_to_do(current: int, before: int, target: int, *, what: str) -> bool:
    """True when the store still holds `before` (write `target`), False when it already holds
    `target`; StoreChangedError when it holds neither, since then nobody can tell whether the
    step was applied. `what` names the level in the error."""
    if current == target:
        return False
    if current == before:
        return True
    raise StoreChangedError(
        f"{what}: stocked is {current}, neither {before} (before this operation) nor {target} (after it); "
        "someone else changed it meanwhile, so it cannot be told whether this step was applied",
        hint="check the level and correct it with `medusa-sync set`",
    )
