"""Orchestration; each CLI command calls one of these.

    load_catalog (feeds parsed and normalized) → read_store (the store's snapshot)
    → make_plan → apply_plan (unless a dry run) → write_outputs (the items payload and the
    levels file while the apply creates the kits)

`--strict` and the shrink guard are checked here, once for every command that runs a path.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, field
from pathlib import Path
from queue import SimpleQueue
from typing import TYPE_CHECKING, Any

from medusa_sync.audit import AuditLog, last_stock_changes
from medusa_sync.catalog_cache import load_catalog_cached
from medusa_sync.client import MedusaClient, RequestCounts
from medusa_sync.config import Rules, Settings, redact_url
from medusa_sync.errors import ConfigError, ShrinkGuardError, StoreChangedError, StrictValidationError
from medusa_sync.feeds import load_catalog
from medusa_sync.gcpause import gc_paused
from medusa_sync.lease import check_held, writer_lease
from medusa_sync.models import Catalog
from medusa_sync.normalize.text import plural
from medusa_sync.output_paths import check_out_dir
from medusa_sync.outputs import OFFLINE_RESERVATIONS, write_item_outputs, write_outputs
from medusa_sync.plan import ItemDigests, ItemsAhead, Plan, PlanOptions, StoreIds, make_plan
from medusa_sync.runlog import RunLog
from medusa_sync.store import ActualItem, ActualLocation, StoreSnapshot, read_store, read_store_to_sell
from medusa_sync.timing import PhaseTimer

if TYPE_CHECKING:
    from medusa_sync.apply import ApplyResult, Progress
    from medusa_sync.history import UndoPlan

log = logging.getLogger("medusa_sync")


def validate(
    feed_root: Path, rules: Rules, *, strict: bool = False, show: Callable[[Catalog], None] | None = None
) -> Catalog:
    """`validate`: parse and normalize the feeds, `show` the result, then apply --strict."""
    catalog = load_catalog(feed_root, rules)
    if show is not None:
        show(catalog)
    _check_strict(catalog, strict)
    return catalog


def _check_strict(catalog: Catalog, strict: bool) -> None:
    if strict and catalog.issues:
        raise StrictValidationError(f"--strict: the feeds have {plural(len(catalog.issues), 'issue')}; nothing was changed")


@dataclass
class ImportResult:
    catalog: Catalog
    snapshot: StoreSnapshot
    plan: Plan
    applied: ApplyResult | None = None
    outputs: list[Path] = field(default_factory=list)
    requests: RequestCounts | None = None  # of a live run
    digests: ItemDigests = field(default_factory=ItemDigests)  # those the plan computed, for the outputs


def plan_import(
    feed_root: Path,
    rules: Rules,
    options: PlanOptions,
    *,
    client: MedusaClient | None = None,
    timer: PhaseTimer | None = None,
    audit: AuditLog | None = None,
    parsing: Future[Catalog] | None = None,
) -> ImportResult:
    """Plan the feeds against the live store, or against an empty store without a `client`.
    `audit` tells who changed a drifted level; `parsing`: the feeds' parse, when already started
    (`parse_ahead`).

    The store is read while the feeds are parsed (the read waits mostly on Medusa, the parse on
    the CPU); then, while the read goes on, each item and its levels are compared with their
    records as its page arrives (`ItemsAhead`). The "parse feeds" phase is what the parse takes
    beyond its start, the "read store" phase what the read takes beyond the parse (with the items
    compared as they arrive). Which products are kits is known only once the feeds are parsed,
    so the read keeps every variant and the snapshot is then narrowed to the kits."""
    timer = timer or PhaseTimer()
    with gc_paused():  # for every thread: the read and the parse start inside the pause
        arrived: SimpleQueue[ActualItem | dict[str, ActualLocation] | None] = SimpleQueue()  # items, the locations, the end
        reading = _in_background(read_store_to_sell, client, None, arrived.put, arrived.put) if client is not None else None
        with timer.phase("parse feeds"):
            catalog = parsing.result() if parsing is not None else load_catalog(feed_root, rules)
        digests = ItemDigests()
        snapshot, ahead = StoreSnapshot(), None
        if reading is not None:
            with timer.phase("read store"):
                reading.add_done_callback(lambda _: arrived.put(None))
                ahead = ItemsAhead(catalog, digests)
                while (arrival := arrived.get()) is not None:
                    if isinstance(arrival, dict):
                        ahead.know_locations(arrival)
                    else:
                        ahead.plan(arrival)
                snapshot = reading.result()
            snapshot.keep_kits({kit.sku for kit in catalog.kits})
    with timer.phase("plan"):
        changed_by = last_stock_changes(audit.records()) if audit is not None else None
        plan = make_plan(catalog, snapshot, rules, options, changed_by, digests, ahead)
    return ImportResult(catalog=catalog, snapshot=snapshot, plan=plan, digests=digests)


def parse_ahead(feed_root: Path, rules: Rules, cache_dir: Path | None, run: contextlib.ExitStack) -> Future[Catalog]:
    """The feeds parsed in the background (for `plan_import`), while the run signs in and takes
    the writer lease: the parse reads only local files, the store is read once the lease is
    held. `cache_dir`: the catalog cache's (`load_catalog_cached`); a new entry is written in
    another thread, which the `run` waits for as it ends. Call it inside `gc_paused`."""
    writes = _BackgroundWrites()
    run.callback(writes.wait)
    return _in_background(load_catalog_cached, feed_root, rules, cache_dir, writes.start)


class _BackgroundWrites:
    """Writes started in threads, waited for as the run ends; none starts once it has ended (a
    daemon thread still writing when the process exits would leave its temporary file)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._started: list[Future[None]] = []
        self._ended = False

    def start(self, write: Callable[[], None]) -> None:
        with self._lock:
            if not self._ended:
                self._started.append(_in_background(write))

    def wait(self) -> None:
        with self._lock:
            self._ended = True
        wait_for(self._started)


def _in_background(function: Callable[..., Any], *args: Any) -> Future[Any]:
    """`function(*args)` in a daemon thread: a caller that fails or is interrupted (Ctrl-C) does
    not wait for it to end."""
    future: Future[Any] = Future()

    def run() -> None:
        try:
            future.set_result(function(*args))
        except BaseException as exc:  # handed to the caller by future.result()
            future.set_exception(exc)

    threading.Thread(target=run, name=getattr(function, "__name__", "background"), daemon=True).start()
    return future


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
    progress: Progress | None = None,
    wait: float = 0.0,
    timer: PhaseTimer | None = None,
    command: str = "import",
    runlog: RunLog | None = None,
) -> ImportResult:
    """`import`, `plan` and `sync`: plan, `show` the feed issues and the plan, and unless dry_run apply
    (after `confirm`), then write outputs. `out_dir` is checked writable first.

    With no MEDUSA_URL a dry run plans against an empty store; a real import needs a server.
    `timer` receives the wall time of each phase (the apply's own steps go to `progress`)."""
    timer = timer or PhaseTimer()
    offline = not settings.medusa_url
    if offline and not dry_run:
        dry = "; use --dry-run to plan against an empty store" if command == "import" else ""
        raise ConfigError(f"{command} needs a Medusa server (MEDUSA_URL){dry}")
    check_out_dir(out_dir)  # before the lease (a record in the store) and anything applied
    with contextlib.ExitStack() as stack:  # closed in reverse: the run log, the lease, the client
        client = None if offline else stack.enter_context(MedusaClient.from_settings(settings))
        recorded = None
        leased = stack.enter_context(contextlib.ExitStack())  # closed early: see the outputs
        with gc_paused():  # the parse's, from its start
            parsing = parse_ahead(feed_root, rules, settings.catalog_cache_dir, stack)
            if not dry_run:
                leased.enter_context(writer_lease(settings, command, wait=wait, signed_in=client))
                recorded = stack.enter_context(
                    recorded_run(settings, command, runlog, feed_root=str(feed_root), options=options.model_dump())
                )
            audit = None if client is None else AuditLog(settings.audit_log)
            result = plan_import(feed_root, rules, options, client=client, timer=timer, audit=audit, parsing=parsing)
        if recorded is not None:
            recorded.event(
                "plan",
                counts=result.plan.counts(),
                refusals=result.plan.refusals,
                issues=len(result.catalog.issues),
                duplicate_locations=result.snapshot.duplicate_locations,
                feed_digests=result.plan.feed_digests,
            )
        if show is not None:
            show(result)
        _check_strict(result.catalog, strict)
        if not dry_run:
            _check_guard(result.plan)
        item_files: list[Future[str]] = []  # the items payload and the levels file, written during the kit step

        def write_item_files(ids: StoreIds) -> None:
            item_files.append(
                _in_background(write_item_outputs, out_dir, result.catalog, result.snapshot, result.plan, ids, rules, result.digests)
            )

        if not dry_run and result.plan.has_changes and (confirm is None or confirm(result.plan)):
            check_held()
            with timer.phase("apply"):
                try:
                    result.applied = _apply(client, result.plan, settings, result.snapshot, progress, write_item_files)
                finally:  # a failed apply leaves no file half-written
                    wait_for(item_files)
        ids = result.applied.ids if result.applied is not None else StoreIds.from_snapshot(result.snapshot)
        with timer.phase("reservations report"):
            reservations = OFFLINE_RESERVATIONS if client is None else _reservations_markdown(client, rules)
        with timer.phase("outputs"):  # written while the lease is released: they write nothing to the store
            items_written = item_files[0].result() if item_files else None
            writing = _in_background(
                write_outputs, out_dir, result.catalog, result.snapshot, result.plan, ids, rules, reservations, result.digests,
                items_written,
            )
            try:
                leased.close()
            finally:
                wait_for([writing])
            result.outputs = writing.result()
        if client is not None:
            result.requests = client.stats.snapshot()
        if recorded is not None:
            finish_run(recorded, result.applied, result.requests)
        return result


def apply_plan_file(plan: Plan, settings: Settings, progress: Progress | None = None, wait: float = 0.0) -> ApplyResult:
    """`apply FILE`: refuse if the store moved since the plan was made, else apply exactly it."""
    with (
        MedusaClient.from_settings(settings) as client,
        writer_lease(settings, "apply", wait=wait, signed_in=client),
        recorded_run(settings, "apply", feed_digests=plan.feed_digests) as runlog,
    ):
        if plan.store and plan.store.rstrip("/") != client.base_url:
            raise StoreChangedError(f"the plan was made for {redact_url(plan.store)}, not {redact_url(client.base_url)}")
        kit_skus = {change.sku for change in plan.changes if change.kind == "kit"}
        current = read_store(client, kit_skus)
        if current.fingerprint() != plan.fingerprint:
            raise StoreChangedError("the store changed since the plan was made: make a new plan")
        _check_guard(plan)
        applied = _apply(client, plan, settings, current, progress)
        finish_run(runlog, applied, client.stats.snapshot())
        return applied


def _check_guard(plan: Plan) -> None:
    """A real import refuses a suspicious feed even when nothing would be written: a nightly
    sync of a truncated feed must fail loudly, not pass quietly."""
    if plan.refusals and not plan.options.force:
        raise ShrinkGuardError(plan.refusals, hint="check the feeds; --force applies anyway")


def _apply(
    client: MedusaClient,
    plan: Plan,
    settings: Settings,
    snapshot: StoreSnapshot,
    progress: Progress | None,
    items_settled: Callable[[StoreIds], None] | None = None,
) -> ApplyResult:
    """Apply `plan` to the store as `snapshot` read it: its ids, and the reservations changed since."""
    from medusa_sync.apply import apply_plan

    known = StoreIds.from_snapshot(snapshot)
    return apply_plan(
        client, plan, known, concurrency=settings.concurrency, progress=progress, reserved_watch=snapshot.reserved_watch,
        items_settled=items_settled,
    )


def _reservations_markdown(client: MedusaClient, rules: Rules) -> str:
    from medusa_sync.reports.reservations import build_reservations_report, render_markdown

    return render_markdown(build_reservations_report(client, rules))


def run_sync(
    feed_root: Path,
    settings: Settings,
    rules: Rules,
    options: PlanOptions,
    *,
    out_dir: Path,
    show: Callable[[ImportResult], None] | None = None,
    progress: Progress | None = None,
    wait: float = 0.0,
    notify_on: str = "failure",
) -> ImportResult:
    """`sync` (cron): a non-interactive import under the writer lease, recorded in the run log.
    With `settings.notify_url` the outcome is POSTed there when the run fails or is refused
    (`notify_on="always"`: every run)."""
    runlog = _run_log(settings)  # writes nothing yet: the run id and clock for the alert
    try:
        result = run_import(
            feed_root, settings, rules, options, out_dir=out_dir, dry_run=False, show=show, progress=progress,
            wait=wait, command="sync", runlog=runlog,
        )
    except Exception as exc:
        refused = isinstance(exc, ShrinkGuardError)
        _notify_run(
            settings,
            runlog,
            "refused" if refused else "failed",
            counts=None,
            refusals=exc.refusals if refused else [],
            errors=[] if refused else [f"{type(exc).__name__}: {exc}"],
        )
        raise
    errors = [f"{failure.kind} {failure.key}: {failure.message}" for failure in result.applied.failures] if result.applied else []
    if errors or notify_on == "always":
        _notify_run(settings, runlog, "failed" if errors else "ok", counts=result.plan.counts(), refusals=[], errors=errors)
    return result



def _run_log(settings: Settings) -> RunLog:
    return RunLog(settings.run_log, settings.run_log_max_mb << 20)


@contextlib.contextmanager
def recorded_run(settings: Settings, command: str, runlog: RunLog | None = None, **start: Any) -> Iterator[RunLog]:
    """Record a write-run in the run log (`runlog`, else a new one): `start`, then `error` (with
    what was written before it stopped) if the block raises; the block itself logs `plan` and
    calls `finish_run`."""
    runlog = runlog or _run_log(settings)
    runlog.event("start", command=command, store=redact_url(settings.medusa_url or ""), **start)
    try:
        yield runlog
    except Exception as exc:
        from medusa_sync.apply import ApplyStopped

        accounting = exc.accounting() if isinstance(exc, ApplyStopped) else {}
        writes = _writes(exc.result) if isinstance(exc, ApplyStopped) else []
        runlog.event("error", error=type(exc).__name__, message=str(exc), **accounting, writes=writes, duration_s=runlog.elapsed)
        raise


def finish_run(runlog: RunLog, applied: ApplyResult | None, requests: RequestCounts | None) -> None:
    runlog.event(
        "end",
        applied=dict(applied.applied) if applied else {},
        errors=[vars(failure) for failure in applied.failures] if applied else [],
        reserved_guards=[vars(guard) for guard in applied.guarded] if applied else [],
        writes=_writes(applied) if applied else [],
        requests=request_counts(requests),
        duration_s=runlog.elapsed,
    )


def _writes(applied: ApplyResult) -> list[dict[str, Any]]:
    from medusa_sync.history import write_record

    return [write_record(change, applied.ids) for change in applied.written]


@dataclass
class UndoResult:
    undo: UndoPlan
    applied: ApplyResult | None = None  # None: a dry run, or nothing to write back


def run_undo(
    run_id: str,
    settings: Settings,
    *,
    dry_run: bool,
    show: Callable[[UndoPlan], None] | None = None,
    confirm: Callable[[Plan], bool] | None = None,
    progress: Progress | None = None,
    wait: float = 0.0,
) -> UndoResult:
    """`undo RUN_ID`: write back the before-values of what that run wrote, where the store still
    holds its after-values (medusa_sync.history); recorded as a run itself, so it can be undone."""
    from medusa_sync.history import find_run, plan_undo

    if not settings.medusa_url:
        raise ConfigError("undo needs a Medusa server (MEDUSA_URL)")
    run = find_run(settings.run_log, run_id)
    if run.store and run.store.rstrip("/") != redact_url(settings.medusa_url).rstrip("/"):
        raise StoreChangedError(f"run {run_id} wrote to {run.store}, not to {redact_url(settings.medusa_url)}")
    kit_skus = {write["sku"] for write in run.writes if write["kind"] == "kit"}
    if dry_run:
        with MedusaClient.from_settings(settings) as client:
            result = UndoResult(plan_undo(run, read_store(client, kit_skus)))
        if show is not None:
            show(result.undo)
        return result
    with (
        MedusaClient.from_settings(settings) as client,
        writer_lease(settings, "undo", wait=wait, signed_in=client),
        recorded_run(settings, "undo", undoes=run_id) as runlog,
    ):
        snapshot = read_store(client, kit_skus)
        result = UndoResult(plan_undo(run, snapshot))
        if show is not None:
            show(result.undo)
        runlog.event("plan", counts=result.undo.plan.counts(), conflicts=result.undo.conflicts, kept=result.undo.kept)
        if result.undo.plan.has_changes and (confirm is None or confirm(result.undo.plan)):
            check_held()
            result.applied = _apply(client, result.undo.plan, settings, snapshot, progress)
        finish_run(runlog, result.applied, client.stats.snapshot())
        return result


def _notify_run(settings: Settings, runlog: RunLog, outcome: str, **fields: Any) -> None:
    if not settings.notify_url:
        return
    from medusa_sync import notify

    document = notify.run_document(
        run_id=runlog.run_id, store=settings.medusa_url or "", result=outcome, duration_s=runlog.elapsed, **fields
    )
    notify.post(settings.notify_url, document)


def request_counts(counts: RequestCounts | None) -> dict[str, Any] | None:
    if counts is None:
        return None
    return {"total": counts.total, "writes": counts.writes, "by_method": dict(counts.by_method), "auth": counts.auth}
