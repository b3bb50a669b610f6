"""The one error hierarchy of medusa-sync.

    MedusaSyncError                  base of every error raised on purpose
    ├── ConfigError                  bad config file or environment, no server configured
    ├── FeedError                    a feed root that cannot be read at all
    ├── StrictValidationError        --strict and the feeds had issues
    ├── GuardError                   a safety guard refused (shrink guard, stock rules)
    │   └── ShrinkGuardError         the shrink guard refused an apply (its reasons in `refusals`)
    ├── StoreChangedError            the store changed since the plan / under an operation
    ├── LockedError                  another sync holds the lock
    ├── NotFoundError                a SKU, location or reservation that does not exist
    ├── UsageError                   arguments that cannot work together
    ├── ApplyError                   some writes of an apply failed; the rest was applied
    └── (medusa_sync.client.errors)  InvalidRequestError, MedusaAPIError and its subclasses

The exit code of each is decided in one place, `medusa_sync.cli.exit_codes`.
"""

from __future__ import annotations


class MedusaSyncError(Exception):
    """Base of every error medusa-sync raises on purpose."""

    terminal = False
    """True when the run must stop at once (Medusa failed terminally); see client.retry."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class ConfigError(MedusaSyncError):
    pass


class FeedError(MedusaSyncError):
    pass


class StrictValidationError(MedusaSyncError):
    pass


class GuardError(MedusaSyncError):
    """A safety rule refused the operation; nothing was changed."""


class ShrinkGuardError(GuardError):
    """The shrink guard refused an apply; nothing was changed. `refusals`: one reason each."""

    def __init__(self, refusals: list[str], *, hint: str | None = None) -> None:
        super().__init__("the shrink guard refuses this apply; nothing was changed:\n  " + "\n  ".join(refusals), hint=hint)
        self.refusals = list(refusals)


class StoreChangedError(MedusaSyncError):
    pass


class LockedError(MedusaSyncError):
    pass


class NotFoundError(MedusaSyncError):
    pass


class UsageError(MedusaSyncError):
    pass


class ApplyError(MedusaSyncError):
    """Some writes failed; the others were applied and a re-run completes the rest."""
