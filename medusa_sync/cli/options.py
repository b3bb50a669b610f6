"""Options shared by several commands, declared once."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from medusa_sync.plan import PlanOptions

FeedRoot = Annotated[
    Path,
    typer.Argument(help="Folder holding {odex,solfacil,fotus}/**/*.json.", file_okay=False),
]
DEFAULT_FEED_ROOT = Path("distributors")
OutDir = Annotated[Path, typer.Option("--out", help="Where the output files are written.", file_okay=False)]
DEFAULT_OUT_DIR = Path("outputs")
Json = Annotated[bool, typer.Option("--json", help="Print JSON on stdout instead of tables.")]
Strict = Annotated[bool, typer.Option("--strict", help="Fail (exit 3) when the feeds have any issue.")]


class MissingPolicy(StrEnum):
    KEEP = "keep"
    ZERO = "zero"


Missing = Annotated[
    MissingPolicy, typer.Option("--missing", help="Managed items a feed no longer lists: keep them, or zero their stock.")
]
AllowBelowReserved = Annotated[
    bool, typer.Option("--allow-below-reserved", help="Let stocked fall below reserved instead of clamping it.")
]
class DriftPolicy(StrEnum):
    FEED = "feed"
    KEEP = "keep"


OnDrift = Annotated[
    DriftPolicy,
    typer.Option(
        "--on-drift",
        help="A level both the feed and someone else changed since the last sync: write the feed's value, or keep the store's.",
    ),
]
Force = Annotated[bool, typer.Option("--force", help="Apply even when the shrink guard refuses.")]
PlanOut = Annotated[Path | None, typer.Option("--plan-out", help="Save the plan as JSON for `apply FILE`.", dir_okay=False)]
DetailedExitcode = Annotated[
    bool, typer.Option("--detailed-exitcode", help="Exit 0 when nothing would change, 2 when changes are pending, 1 on error.")
]
Compact = Annotated[bool, typer.Option("--compact", help="Show the plan with one line per change.")]


def plan_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give `command` the plan options --missing, --allow-below-reserved, --force and --on-drift, in place of
    its `options` parameter, which receives them as one PlanOptions."""
    signature = inspect.signature(command, eval_str=True)
    declared = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
        for name, annotation, default in (
            ("missing", Missing, MissingPolicy.KEEP),
            ("allow_below_reserved", AllowBelowReserved, False),
            ("force", Force, False),
            ("on_drift", OnDrift, DriftPolicy.FEED),
        )
    ]
    parameters = [parameter for parameter in signature.parameters.values() if parameter.name != "options"] + declared

    @functools.wraps(command)
    def with_plan_options(
        *args: Any, missing: MissingPolicy, allow_below_reserved: bool, force: bool, on_drift: DriftPolicy, **kwargs: Any
    ) -> Any:
        options = PlanOptions(
            missing=missing.value, allow_below_reserved=allow_below_reserved, force=force, on_drift=on_drift.value
        )
        return command(*args, options=options, **kwargs)

    with_plan_options.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    with_plan_options.__annotations__ = {parameter.name: parameter.annotation for parameter in parameters}
    return with_plan_options
Wait = Annotated[
    float,
    typer.Option("--wait", min=0, help="Seconds to wait for another writer's lease (default 0: exit 6 at once, naming it)."),
]


def examples(*commands: str) -> str:
    """A command's help epilog: its examples, each a paragraph of its own so that every typer
    version shows it on its own line. No square brackets: the help is rich markup."""
    return "\n\n".join(["Examples:", *commands])
