"""Alerts: one JSON document POSTed to a webhook URL the user gives (`--notify URL` or
MEDUSA_SYNC_NOTIFY_URL). Its `text` field reads on its own, so a Slack-style incoming webhook
shows it as is. A notification never fails a run: an error is logged, and the wait is bounded by
the timeout. The document holds no secret: the store's URL is redacted, credentials never enter."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import httpx

from medusa_sync.config import redact_url

if TYPE_CHECKING:
    from medusa_sync.reports.stock import StockRow

log = logging.getLogger("medusa_sync")

TIMEOUT_S = 10.0
FIRST_ERRORS = 5


def post(url: str, document: dict[str, Any], *, timeout: float = TIMEOUT_S) -> bool:
    """POST `document` as JSON to `url`; True when the receiver answered 2xx. Never raises."""
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            client.post(url, json=document).raise_for_status()
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        log.warning("notification to %s failed: %s", redact_url(url), type(exc).__name__)
        return False
    return True


def run_document(
    *,
    run_id: str,
    store: str,
    result: str,
    counts: dict[str, dict[str, int]] | None,
    refusals: list[str],
    errors: list[str],
    duration_s: float,
) -> dict[str, Any]:
    """The alert of one sync run; `result` is ok, refused or failed."""
    store = redact_url(store)
    changes = ", ".join(
        f"{action} {n} {kind}" for kind, actions in (counts or {}).items() for action, n in actions.items()
        if n and action != "unchanged"
    )
    lines = [f"medusa-sync {result}: run {run_id} on {store} ({duration_s:.1f} s)"]
    lines.append(f"changes: {changes or 'none'}")
    lines += [f"refused: {reason}" for reason in refusals]
    lines += [f"error: {error}" for error in errors[:FIRST_ERRORS]]
    return {
        "text": "\n".join(lines),
        "run": run_id,
        "store": store,
        "result": result,
        "counts": counts,
        "refusals": refusals,
        "errors": errors[:FIRST_ERRORS],
        "duration_s": duration_s,
    }


def stock_document(*, store: str, crossed: list[tuple[StockRow, str | None]]) -> dict[str, Any]:
    """The low-stock alert: the levels that crossed into low or out of stock since the last report."""
    store = redact_url(store)
    lines = [f"medusa-sync stock: {len(crossed)} {'level' if len(crossed) == 1 else 'levels'} crossed into low or out of stock on {store}"]
    lines += [
        f"{row.status}: {row.sku} ({row.title}) at {row.location}: available {row.available}, reorder point {row.low_stock_threshold}"
        for row, _ in crossed
    ]
    return {
        "text": "\n".join(lines),
        "store": store,
        "crossed": [
            {
                "sku": row.sku,
                "title": row.title,
                "location": row.location,
                "available": row.available,
                "reorder_point": row.low_stock_threshold,
                "status": row.status,
                "previous_status": before,
            }
            for row, before in crossed
        ],
    }
