"""Options shared by several commands, declared once."""

from __future__ import annotations

from pathlib import Path
from enum import StrEnum
from typing import Annotated

import typer

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
Force = Annotated[bool, typer.Option("--force", help="Apply even when the shrink guard refuses.")]
PlanOut = Annotated[Path | None, typer.Option("--plan-out", help="Save the plan as JSON for `apply FILE`.", dir_okay=False)]
DetailedExitcode = Annotated[
    bool, typer.Option("--detailed-exitcode", help="Exit 0 when nothing would change, 2 when changes are pending, 1 on error.")
]
Wait = Annotated[
    float,
    typer.Option("--wait", min=0, help="Seconds to wait for another writer's lease (default 0: exit 6 at once, naming it)."),
]
