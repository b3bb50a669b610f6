"""`import`, `plan`, `apply FILE` and `sync`: make the store hold what the feeds say."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import orjson
import typer

from medusa_sync import pipeline
from medusa_sync.operations import location_merge
from medusa_sync.cli import render
from medusa_sync.cli.exit_codes import ExitCode
from medusa_sync.cli.options import (
    DEFAULT_FEED_ROOT,
    DEFAULT_OUT_DIR,
    Compact,
    DetailedExitcode,
    FeedRoot,
    Json,
    OutDir,
    PlanOut,
    Strict,
    Wait,
    examples,
    plan_options,
)
from medusa_sync.cli.state import state
from medusa_sync.errors import ApplyError, ConfigError, UsageError
from medusa_sync.config import Rules
from medusa_sync.normalize.text import plural
from medusa_sync.output_paths import check_out_file
from medusa_sync.outputs import VALIDATION_FILE, dump_json, write_atomic
from medusa_sync.plan import Plan, PlanOptions


Quiet = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print one line (the plan's summary and what was applied); errors still go to stderr.")
]


class NotifyOn(StrEnum):
    FAILURE = "failure"
    ALWAYS = "always"


def _confirm(yes: bool):
    def confirm(plan: Plan) -> bool:
        if yes:
            return True
        if not sys.stdin.isatty():
            raise UsageError("the plan has changes and stdin is not a terminal: pass --yes to apply")
        return typer.confirm("Apply these changes?", default=False)

    return confirm


def _show(json: bool, compact: bool, out: Path, rules: Rules, quiet: bool = False, applying: bool = False):
    """The feed issues summarised (stderr) and the plan, as soon as it is made: before any
    confirmation or refusal. In JSON mode the issues still go to stderr; the plan goes into the JSON.
    `--quiet` shows only duplicate stock locations (they need a person)."""

    def show(result: pipeline.ImportResult) -> None:
        if not quiet:
            render.render_issue_summary(result.catalog.issues, full_list=str(out / VALIDATION_FILE), ignore=rules.issues.ignore)
        for line in location_merge.warning(result.snapshot.duplicate_locations):
            render.err.print(line, style="bold red", markup=False)
        if not json and not quiet:
            render.render_plan(result.plan, compact=compact, applying=applying)

    return show


def _finish(
    result: pipeline.ImportResult, *, json: bool, plan_out: Path | None, detailed_exitcode: bool, quiet: bool = False
) -> int:
    if plan_out is not None:
        write_atomic(plan_out, dump_json(result.plan.model_dump(mode="json")))
    if json:
        render.print_json(
            {
                "plan": result.plan.model_dump(mode="json"),
                "counts": result.plan.counts(),
                "applied": render.apply_summary(result.applied) if result.applied else None,
                "outputs": [str(path) for path in result.outputs],
                "issues": len(result.catalog.issues),
                "requests": pipeline.request_counts(result.requests),
                "duplicate_locations": result.snapshot.duplicate_locations,  # duplicates hook
            }
        )
    elif quiet:
        render.out.print(render.quiet_line(result.plan, result.applied), markup=False)
    if result.applied is not None:
        if not json and not quiet:
            render.render_apply(result.applied)
        elif quiet:
            render.render_guards(result.applied)
            for failure in result.applied.failures:
                render.err.print(f"failed: {failure.kind} {failure.key}: {failure.message}", markup=False)
        if result.applied.failures:
            raise ApplyError(
                f"{plural(len(result.applied.failures), 'write')} failed; the rest was applied",
                hint="run the same command again: it re-reads the store and completes what is missing",
            )
    if result.outputs and not quiet:
        render.err.print(f"{plural(len(result.catalog.issues), 'feed issue')}; outputs written to {result.outputs[0].parent}", markup=False)
    if result.requests is not None and not quiet:
        render.err.print(f"{plural(result.requests.total, 'HTTP request')}, {plural(result.requests.writes, 'write')}", markup=False)
    pending = result.plan.has_changes or bool(result.snapshot.duplicate_locations)  # a merge is pending too
    return ExitCode.CHANGES if detailed_exitcode and result.applied is None and pending else ExitCode.OK


@plan_options
def import_(
    ctx: typer.Context,
    feed_root: FeedRoot = DEFAULT_FEED_ROOT,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Plan and write outputs; change nothing.")] = False,
    out: OutDir = DEFAULT_OUT_DIR,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking.")] = False,
    strict: Strict = False,
    plan_out: PlanOut = None,
    detailed_exitcode: DetailedExitcode = False,
    compact: Compact = False,
    json: Json = False,
    wait: Wait = 0.0,
    quiet: Quiet = False,
    *,
    options: PlanOptions,
) -> int:
    """Plan the feeds against the store, show the plan, confirm, apply, and write the outputs.

    Without MEDUSA_URL, --dry-run plans against an empty store (no server needed)."""
    app = state(ctx)
    confirm = None if dry_run or json else _confirm(yes)
    if json and not dry_run and not yes:
        raise UsageError("--json with a real import needs --yes (there is no prompt in JSON mode)")
    if quiet and not dry_run and not yes:
        raise UsageError("--quiet with a real import needs --yes (the plan is not shown to confirm)")
    if plan_out is not None:
        check_out_file(plan_out, "--plan-out")
    result = pipeline.run_import(
        feed_root,
        app.settings,
        app.rules,
        options,
        out_dir=out,
        dry_run=dry_run,
        strict=strict,
        show=_show(json, compact, out, app.rules, quiet, applying=not dry_run),
        confirm=confirm,
        progress=None if json or quiet else render.StepProgress(),
        wait=wait,
    )
    return _finish(result, json=json, plan_out=plan_out, detailed_exitcode=detailed_exitcode, quiet=quiet)


@plan_options
def plan(
    ctx: typer.Context,
    feed_root: FeedRoot = DEFAULT_FEED_ROOT,
    out: OutDir = DEFAULT_OUT_DIR,
    strict: Strict = False,
    plan_out: PlanOut = None,
    detailed_exitcode: DetailedExitcode = False,
    compact: Compact = False,
    json: Json = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Plan against an empty store when MEDUSA_URL is not set.")
    ] = False,
    *,
    options: PlanOptions,
) -> int:
    """Show what an import would change (like `terraform plan`); change nothing.

    Without MEDUSA_URL it refuses (exit 7) unless --offline: a CI job whose secret is missing
    must not read as "everything would be created"."""
    app = state(ctx)
    if not app.settings.medusa_url and not offline:
        raise ConfigError(
            "plan needs a Medusa server and MEDUSA_URL is not set",
            hint="set MEDUSA_URL (and the credentials), or pass --offline to plan against an empty store",
        )
    if plan_out is not None:
        check_out_file(plan_out, "--plan-out")
    result = pipeline.run_import(
        feed_root, app.settings, app.rules, options, out_dir=out, dry_run=True, strict=strict, show=_show(json, compact, out, app.rules)
    )
    return _finish(result, json=json, plan_out=plan_out, detailed_exitcode=detailed_exitcode)


def apply(
    ctx: typer.Context,
    plan_file: Annotated[Path, typer.Argument(help="A plan saved by --plan-out.", exists=True, dir_okay=False)],
    json: Json = False,
    wait: Wait = 0.0,
) -> int:
    """Apply exactly a saved plan; refuse if the store changed since it was made."""
    app = state(ctx)
    try:
        data = orjson.loads(plan_file.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise ConfigError(f"{plan_file} is not a medusa-sync plan: {exc}") from None
    saved = Plan.from_saved(data, str(plan_file))
    result = pipeline.apply_plan_file(saved, app.settings, progress=None if json else render.StepProgress(), wait=wait)
    if json:
        render.print_json(render.apply_summary(result))
    else:
        render.render_apply(result)
    if result.failures:
        raise ApplyError(f"{plural(len(result.failures), 'write')} failed; the rest was applied", hint="make a new plan and apply it")
    return ExitCode.OK


@plan_options
def sync(
    ctx: typer.Context,
    feed_root: FeedRoot = DEFAULT_FEED_ROOT,
    out: OutDir = DEFAULT_OUT_DIR,
    compact: Compact = False,
    json: Json = False,
    wait: Wait = 0.0,
    quiet: Quiet = False,
    notify: Annotated[
        str | None,
        typer.Option("--notify", metavar="URL", help="POST a JSON alert (Slack-style `text`) here on failure or refusal; default MEDUSA_SYNC_NOTIFY_URL."),
    ] = None,
    notify_on: Annotated[NotifyOn, typer.Option("--notify-on", help="failure: on failure or refusal; always: every run.")] = NotifyOn.FAILURE,
    *,
    options: PlanOptions,
) -> int:
    """Non-interactive import for cron: one writer at a time (exit 6 if another holds the lease), logged as JSON lines."""
    app = state(ctx)
    settings = app.settings.model_copy(update={"notify_url": notify}) if notify else app.settings
    result = pipeline.run_sync(
        feed_root,
        settings,
        app.rules,
        options,
        out_dir=out,
        show=_show(json, compact, out, app.rules, quiet, applying=True),
        progress=None if json or quiet else render.StepProgress(),
        wait=wait,
        notify_on=notify_on.value,
    )
    return _finish(result, json=json, plan_out=None, detailed_exitcode=False, quiet=quiet)


def register(app: typer.Typer) -> None:
    app.command(
        "import",
        epilog=examples(
            "medusa-sync import --dry-run",
            "medusa-sync import /srv/feeds --yes --missing zero",
        ),
    )(import_)
    app.command(
        epilog=examples(
            "medusa-sync plan /srv/feeds --detailed-exitcode --plan-out plan.json",
            "medusa-sync plan --offline --compact",
        )
    )(plan)
    app.command(epilog=examples("medusa-sync apply plan.json"))(apply)
    app.command(
        epilog=examples(
            "medusa-sync sync /srv/feeds --quiet --notify https://hooks.example/medusa",
            "medusa-sync sync /srv/feeds --json --on-drift keep",
        )
    )(sync)
