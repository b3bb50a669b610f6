"""The exit codes of medusa-sync, and the one place that maps an error to its code.

Every error class inherits its code from the nearest class in `_BY_ERROR` along its MRO; an
error no entry covers (a MedusaSyncError or an unexpected exception) exits 1.
"""

from __future__ import annotations

from enum import IntEnum

from medusa_sync.apply import ApplyStopped
from medusa_sync.client import MedusaUnavailableError
from medusa_sync.errors import (
    ConfigError,
    GuardError,
    LockedError,
    NotFoundError,
    StoreChangedError,
    StrictValidationError,
    UsageError,
)


class ExitCode(IntEnum):
    OK = 0  # with --detailed-exitcode: nothing would change
    ERROR = 1  # a Medusa API error, failed writes, an unexpected error; availability not confirmed
    CHANGES = 2  # --detailed-exitcode: changes are pending
    STRICT = 3  # --strict and the feeds have issues
    REFUSED = 4  # a safety guard refused; nothing was changed
    STORE_CHANGED = 5  # the store changed since the plan (or under a stock operation)
    LOCKED = 6  # another sync holds the lock
    CONFIG = 7  # configuration error
    UNAVAILABLE = 8  # Medusa unreachable, or authentication refused
    NOT_FOUND = 9  # an unknown SKU, location or reservation
    USAGE = 64  # usage error (click's own 2 included)
    INTERRUPTED = 130  # Ctrl-C, or a prompt aborted


_BY_ERROR: dict[type[BaseException], ExitCode] = {
    ConfigError: ExitCode.CONFIG,
    StrictValidationError: ExitCode.STRICT,
    GuardError: ExitCode.REFUSED,
    StoreChangedError: ExitCode.STORE_CHANGED,
    LockedError: ExitCode.LOCKED,
    NotFoundError: ExitCode.NOT_FOUND,
    UsageError: ExitCode.USAGE,
    MedusaUnavailableError: ExitCode.UNAVAILABLE,
    ApplyStopped: ExitCode.UNAVAILABLE,  # Medusa failed terminally during an apply
    KeyboardInterrupt: ExitCode.INTERRUPTED,
}


def exit_code_of(error: BaseException) -> ExitCode:
    """The exit code of `error`: that of the first class of its MRO in the table, else 1."""
    for cls in type(error).__mro__:
        if cls in _BY_ERROR:
            return _BY_ERROR[cls]
    return ExitCode.ERROR


def usage_exit_code(click_code: int) -> int:
    """The exit code of a usage error click reports: its 2 (bad usage) is our 64."""
    return ExitCode.USAGE if click_code == 2 else click_code
