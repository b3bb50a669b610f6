"""Stock operations on the live store. Each one validates client-side (Medusa itself accepts
zero and negative reservations and stock below reserved), applies through the Admin API,
re-reads what it changed, and appends to the audit log (medusa_sync.audit).

    availability   read only: can N units (or N kits) be confirmed
    reservations   reserve, release
    sweeper        release the reservations older than an age
    fulfilment     fulfill: remove a reservation and lower stocked, resumable
    stock          adjust, set
    transfers      transfer: move stock between locations, compensated or resumable
"""

from .availability import Availability, check_availability
from .fulfilment import fulfill
from .outcome import Outcome
from .reservations import release, reserve
from .stock import adjust, set_stock
from .sweeper import Sweep, sweep_stale
from .transfers import transfer

__all__ = [
    "Availability",
    "Outcome",
    "Sweep",
    "adjust",
    "check_availability",
    "fulfill",
    "release",
    "reserve",
    "set_stock",
    "sweep_stale",
    "transfer",
]
