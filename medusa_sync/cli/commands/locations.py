"""`locations merge NAME`: fold duplicate stock locations into the oldest (see medusa_sync.operations.location_merge)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from medusa_sync.operations import location_merge
from medusa_sync.cli.live import writer_client
from medusa_sync.cli.options import Json, Wait, examples
from medusa_sync.cli.render import err, out, print_json
from medusa_sync.errors import UsageError
from medusa_sync.normalize.text import plural

app = typer.Typer(
    help="Stock locations: merge duplicates.", epilog=examples('medusa-sync locations merge "Odex CD"'), no_args_is_help=True
)


@app.command(epilog=examples('medusa-sync locations merge "Odex CD"', 'medusa-sync locations merge "fotus cd espirito santo" --yes'))
def merge(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The location name (case, accents and spacing ignored).")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Merge without asking.")] = False,
    json: Json = False,
    wait: Wait = 0.0,
) -> None:
    """Move the levels and reservations of every duplicate of NAME to the oldest, then delete the duplicates."""
    if json and not yes:
        raise UsageError("--json needs --yes (there is no prompt in JSON mode)")
    with writer_client(ctx, "locations merge", wait) as client:
        plan = location_merge.plan_merge(client, name)
        if not plan.duplicates:
            if json:
                print_json({**plan.record(), "merged": {}})
            else:
                out.print(f"one stock location is {plan.name!r} ({plan.kept['id']}): nothing to merge", markup=False)
            return
        if not json:
            _show(plan)
            if not yes:
                if not sys.stdin.isatty():
                    raise UsageError("stdin is not a terminal: pass --yes to merge")
                if not typer.confirm("Merge?", default=False):
                    raise typer.Abort()
        counts = location_merge.merge(client, plan)
    if json:
        print_json({**plan.record(), "merged": counts})
    else:
        out.print(", ".join(f"{n} {what}" for what, n in counts.items()) + f"; kept {plan.kept['id']}", markup=False)


def _show(plan: location_merge.MergePlan) -> None:
    err.print(f"keep {plan.kept['id']} {plan.name!r} (the oldest)", markup=False)
    for dup in plan.duplicates:
        levels, reservations = plan.levels[dup["id"]], plan.reservations[dup["id"]]
        err.print(f"merge {dup['id']}: {plural(len(levels), 'level')}, {plural(len(reservations), 'reservation')}, then delete it", markup=False)
        for level in levels:
            err.print(
                f"  {level.sku}: stocked +{level.stocked}, incoming +{level.incoming}, reserved {level.reserved} moved",
                markup=False,
            )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="locations")
