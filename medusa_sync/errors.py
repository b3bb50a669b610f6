"""The one error hierarchy of medusa-sync, and the exit code each error maps to.

    MedusaSyncError                  exit 1 unless a subclass says otherwise
    ├── ConfigError                  exit 7  bad config file or environment
    ├── FeedError                    exit 1  a feed root that cannot be read at all
    ├── StrictValidationError        exit 3  --strict and the feeds had issues
    ├── GuardError                   exit 4  a safety guard refused (shrink guard, stock rules)
    ├── StoreChangedError            exit 5  `apply FILE`: the store changed since the plan
    ├── LockedError                  exit 6  another sync holds the lock
    ├── NotFoundError                exit 9  a SKU, location or reservation that does not exist
    ├── UsageError                   exit 64 arguments that cannot work together
    └── MedusaAPIError               exit 1  (medusa_sync.client.errors: one class per status)
        └── MedusaUnavailableError   exit 8  connection failed / retries exhausted / auth refused

Exit code 0 is success, 2 is "the plan has changes" (with --detailed-exitcode) and 64 a usage
error; those are decided by the CLI, not by exceptions.
"""

from __future__ import annotations


class MedusaSyncError(Exception):
    """Base of every error medusa-sync raises on purpose."""

    exit_code = 1
    terminal = False
    """True when the run must stop at once (Medusa failed terminally); see client.retry."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class ConfigError(MedusaSyncError):
    exit_code = 7


class FeedError(MedusaSyncError):
    exit_code = 1


class StrictValidationError(MedusaSyncError):
    exit_code = 3


class GuardError(MedusaSyncError):
    """A safety rule refused the operation; nothing was changed."""

    exit_code = 4


class StoreChangedError(MedusaSyncError):
    exit_code = 5


class LockedError(MedusaSyncError):
    exit_code = 6


class NotFoundError(MedusaSyncError):
    exit_code = 9


class UsageError(MedusaSyncError):
    exit_code = 64


EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_USAGE = 64
