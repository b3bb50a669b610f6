"""Resumable absolute writes: Medusa's stock writes set a value, so a step "from `before` to
`target`" can be re-run safely as long as the store still shows which side of it we are on."""

from __future__ import annotations

from medusa_sync.errors import StoreChangedError


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
