"""Orchestration: feeds → normalize → plan → apply → outputs. Each CLI command calls one of these."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from medusa_sync.config import Rules, Settings
from medusa_sync.errors import ConfigError, GuardError, StoreChangedError, StrictValidationError
from medusa_sync.feeds import load_catalog
from medusa_sync.models import Catalog
from medusa_sync.outputs import OFFLINE_RESERVATIONS, StoreIds, write_outputs
from medusa_sync.plan import Plan, PlanOptions, make_plan
from medusa_sync.store import StoreSnapshot, read_store

log = logging.getLogger("medusa_sync")


def open_client(settings: Settings):  # -> MedusaClient
    """A client for the configured store; ConfigError when none is configured."""
    from medusa_sync.client import MedusaClient

    if not settings.medusa_url:
        raise ConfigError("no Medusa server configured: set MEDUSA_URL (and MEDUSA_API_KEY or MEDUSA_EMAIL + MEDUSA_PASSWORD)")
    if not settings.api_key and not (settings.email and settings.password):
        raise ConfigError("no Medusa credentials: set MEDUSA_API_KEY, or MEDUSA_EMAIL and MEDUSA_PASSWORD")
    return MedusaClient(
        settings.medusa_url,
        api_key=settings.api_key,
        email=settings.email,
        password=settings.password,
        timeout=settings.timeout,
        max_connections=max(settings.concurrency * 2, 4),
    )


def validate(feed_root: Path, rules: Rules) -> Catalog:
    return load_catalog(feed_root, rules)


@dataclass
class ImportResult:
    catalog: Catalog
    snapshot: StoreSnapshot
    plan: Plan
    applied: object | None = None  # apply.ApplyResult
    outputs: list[Path] = field(default_factory=list)
    requests: object | None = None  # client.RequestCounts of a live run


def plan_import(
    feed_root: Path, settings: Settings, rules: Rules, options: PlanOptions, *, offline: bool = False, client=None
) -> ImportResult:
    """Plan the feeds against the live store, or against an empty store when offline."""
    catalog = load_catalog(feed_root, rules)
    if offline:
        snapshot = StoreSnapshot()
    else:
        snapshot = read_store(client, {kit.sku for kit in catalog.kits})
    return ImportResult(catalog=catalog, snapshot=snapshot, plan=make_plan(catalog, snapshot, rules, options))


def run_import(
    feed_root: Path,
    settings: Settings,
    rules: Rules,
    options: PlanOptions,
    *,
    out_dir: Path,
    dry_run: bool,
    strict: bool = False,
    show: Callable[[ImportResult], None] | None = None,
    confirm: Callable[[Plan], bool] | None = None,
    progress=None,
) -> ImportResult:
    """`import` and `plan`: plan, `show` the feed issues and the plan, and unless dry_run apply
    (after `confirm`), then write outputs.

    With no MEDUSA_URL a dry run plans against an empty store; a real import needs a server."""
    offline = not settings.medusa_url
    if offline and not dry_run:
        raise ConfigError("import needs a Medusa server (MEDUSA_URL); use --dry-run to plan against an empty store")
    client = None if offline else open_client(settings)
    try:
        result = plan_import(feed_root, settings, rules, options, offline=offline, client=client)
        if show is not None:
            show(result)
        if strict and result.catalog.issues:
            raise StrictValidationError(f"--strict: the feeds have {len(result.catalog.issues)} issues; nothing applied")
        ids = StoreIds.from_snapshot(result.snapshot)
        if not dry_run:
            _check_guard(result.plan)
        if not dry_run and result.plan.has_changes and (confirm is None or confirm(result.plan)):
            result.applied = _apply(client, result.plan, rules, settings, ids, progress)
            ids = result.applied.ids  # type: ignore[attr-defined]
        reservations = OFFLINE_RESERVATIONS if offline else _reservations_markdown(client, rules)
        result.outputs = write_outputs(out_dir, result.catalog, result.snapshot, result.plan, ids, rules, reservations)
        if client is not None:
            result.requests = client.stats.snapshot()
        return result
    finally:
        if client is not None:
            client.close()


def apply_plan_file(plan: Plan, settings: Settings, rules: Rules, progress=None):
    """`apply FILE`: refuse if the store moved since the plan was made, else apply exactly it."""
    client = open_client(settings)
    try:
        if plan.store and plan.store.rstrip("/") != settings.medusa_url.rstrip("/"):  # type: ignore[union-attr]
            raise StoreChangedError(f"the plan was made for {plan.store}, not {settings.medusa_url}")
        kit_skus = {change.key for change in plan.changes if change.kind == "kit"}
        current = read_store(client, kit_skus)
        if current.fingerprint() != plan.fingerprint:
            raise StoreChangedError("the store changed since the plan was made: make a new plan")
        _check_guard(plan)
        return _apply(client, plan, rules, settings, StoreIds.from_snapshot(current), progress)
    finally:
        client.close()


def _check_guard(plan: Plan) -> None:
    """A real import refuses a suspicious feed even when nothing would be written: a nightly
    sync of a truncated feed must fail loudly, not pass quietly."""
    if plan.refusals and not plan.options.force:
        raise GuardError(
            "the shrink guard refuses this apply; nothing was changed:\n  " + "\n  ".join(plan.refusals),
            hint="check the feeds; --force applies anyway",
        )


def _apply(client, plan: Plan, rules: Rules, settings: Settings, known: StoreIds, progress):
    from medusa_sync.apply import apply_plan

    client.require_supported_server()
    return apply_plan(client, plan, rules, known, concurrency=settings.concurrency, progress=progress)


def _reservations_markdown(client, rules: Rules) -> str:
    from medusa_sync.reports.reservations import build_reservations_report, render_markdown

    return render_markdown(build_reservations_report(client, rules))


def run_sync(
    feed_root: Path, settings: Settings, rules: Rules, options: PlanOptions, *, out_dir: Path, show=None, progress=None
) -> ImportResult:
    """`sync` (cron): a non-interactive import under the lock, recorded in the run log."""
    from medusa_sync.runlog import RunLog, exclusive

    with exclusive(settings.lock_file):
        runlog = RunLog(settings.run_log)
        runlog.event("start", feed_root=str(feed_root), store=settings.medusa_url, options=options.model_dump())
        try:
            result = run_import(
                feed_root, settings, rules, options, out_dir=out_dir, dry_run=False, show=show, progress=progress
            )
        except Exception as exc:
            runlog.event("error", error=type(exc).__name__, message=str(exc), duration_s=runlog.elapsed)
            raise
        runlog.event("plan", counts=result.plan.counts(), refusals=result.plan.refusals, issues=len(result.catalog.issues))
        applied = result.applied
        runlog.event(
            "end",
            applied=dict(applied.applied) if applied else {},
            errors=[vars(failure) for failure in applied.failures] if applied else [],
            requests=request_counts(result.requests),
            duration_s=runlog.elapsed,
        )
        return result


def request_counts(counts) -> dict[str, object] | None:
    if counts is None:
        return None
    return {"total": counts.total, "writes": counts.writes, "by_method": dict(counts.by_method), "auth": counts.auth}
