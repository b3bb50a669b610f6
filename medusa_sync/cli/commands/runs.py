"""`runs`, `runs show RUN_ID` and `undo RUN_ID`: the run history, and taking a run back."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from medusa_sync import pipeline
from medusa_sync.cli import render
from medusa_sync.cli.commands.sync import _confirm
from medusa_sync.cli.exit_codes import ExitCode
from medusa_sync.cli.options import Json, Wait, examples
from medusa_sync.cli.state import state
from medusa_sync.errors import ApplyError, UsageError
from medusa_sync.history import UndoPlan, find_run, read_runs

runs_app = typer.Typer(
    help="The run history (the run log): what each write-run changed.",
    epilog=examples("medusa-sync runs --last 5", "medusa-sync runs show 20261125T020000Z-4242"),
    invoke_without_command=True,
)


@runs_app.callback()
def runs(
    ctx: typer.Context,
    last: Annotated[int, typer.Option("--last", min=1, help="Only the last N runs.")] = 20,
    json: Json = False,
) -> None:
    """List the write-runs, newest last: when, command, result, counts, feed digests."""
    if ctx.invoked_subcommand is not None:
        return
    summaries = [run.summary() for run in read_runs(state(ctx).settings.run_log)[-last:]]
    if json:
        render.print_json(summaries)
        return
    if not summaries:
        render.out.print("No runs in the run log.", markup=False)
    for summary in summaries:
        counts = ", ".join(f"{n} {key}" for key, n in sorted(summary["counts"].items()) if n) or "no writes"
        undoes = f" (undoes {summary['undoes']})" if "undoes" in summary else ""
        render.out.print(f"{summary['run']}  {summary['started']}  {summary['command']}{undoes}  {summary['result']}  {counts}", markup=False)
        for path, digest in sorted(summary["feed_digests"].items()):
            render.out.print(f"    {path}  {digest[:12]}", markup=False)


@runs_app.command("show", epilog=examples("medusa-sync runs show 20261125T020000Z-4242 --json"))
def show(ctx: typer.Context, run_id: Annotated[str, typer.Argument(help="A run id from `medusa-sync runs`.")], json: Json = False) -> None:
    """List what a run changed, SKU by SKU, each field before → after."""
    run = find_run(state(ctx).settings.run_log, run_id)
    if json:
        render.print_json({**run.summary(), "writes": run.writes})
        return
    writes = f"{len(run.writes)} write{'' if len(run.writes) == 1 else 's'}"
    render.out.print(f"{run.id}  {run.command}  {run.result}  {writes}", markup=False)
    for write in sorted(run.writes, key=lambda w: (w.get("sku") or w["key"], w["kind"], w["key"])):
        fields = ", ".join(_field(entry) for entry in write["fields"]) or "created"
        render.out.print(f"  {write['kind']} {write['action']} {write['key']}: {fields}", markup=False)


def _field(entry: dict[str, Any]) -> str:
    before = "∅" if entry["before"] is None else entry["before"]
    after = "∅" if entry["after"] is None else entry["after"]
    return f"{entry['field']} {before} → {after}"


NOTHING_TO_UNDO = "Nothing to undo: nothing that run wrote is still in the store as it left it."


def _show_undo(json: bool, applying: bool):
    def show(undo: UndoPlan) -> None:
        for line in undo.conflicts:
            render.err.print(f"conflict (left alone): {line}", markup=False)
        for line in undo.kept:
            render.err.print(f"kept: {line}", markup=False)
        if not json:
            render.render_plan(undo.plan, applying=applying, no_changes=NOTHING_TO_UNDO)

    return show


def undo(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="A run id from `medusa-sync runs`.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be written back; change nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Write back without asking.")] = False,
    json: Json = False,
    wait: Wait = 0.0,
) -> int:
    """Write back the before-values of what a run wrote, where the store still holds its
    after-values; anything changed since is listed as a conflict and left alone. Recorded as a
    run itself (undo the undo to redo). Creates are not deleted: created levels go back to 0."""
    if json and not dry_run and not yes:
        raise UsageError("--json with a real undo needs --yes (there is no prompt in JSON mode)")
    result = pipeline.run_undo(
        run_id,
        state(ctx).settings,
        dry_run=dry_run,
        show=_show_undo(json, applying=not dry_run),
        confirm=None if json else _confirm(yes),
        progress=None if json else render.StepProgress(),
        wait=wait,
    )
    if json:
        render.print_json(
            {
                "plan": result.undo.plan.model_dump(mode="json"),
                "conflicts": result.undo.conflicts,
                "kept": result.undo.kept,
                "applied": render.apply_summary(result.applied) if result.applied else None,
            }
        )
    elif result.applied is not None:
        render.render_apply(result.applied)
    if result.applied is not None and result.applied.failures:
        raise ApplyError(f"{len(result.applied.failures)} writes failed; the rest was written back")
    return ExitCode.OK


def register(app: typer.Typer) -> None:
    app.add_typer(runs_app, name="runs")
    app.command(
        epilog=examples(
            "medusa-sync undo 20261125T020000Z-4242 --dry-run",
            "medusa-sync undo 20261125T020000Z-4242 --yes",
        )
    )(undo)
