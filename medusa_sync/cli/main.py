"""Entry point and the one error boundary: each error class maps to an exit code."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.exceptions import TyperException

from medusa_sync import __version__
from medusa_sync.cli import render
from medusa_sync.cli.state import AppState
from medusa_sync.errors import EXIT_ERROR, EXIT_USAGE, MedusaSyncError

app = typer.Typer(
    name="medusa-sync",
    help="Keep a Medusa v2 store's inventory true to the Odex, Solfacil and Fotus catalog feeds.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        render.out.print(f"medusa-sync {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option("--config", help="Rules file (TOML). Default: $MEDUSA_SYNC_CONFIG or ./medusa-sync.toml.", dir_okay=False)
    ] = None,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="More log output on stderr (-vv: debug).")] = 0,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")] = False,
) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr, force=True)
    ctx.obj = AppState(config_path=config, verbose=verbose)


def _register() -> None:
    from medusa_sync.cli.commands import feeds, locations, sync

    feeds.register(app)
    sync.register(app)
    locations.register(app)
    try:
        from medusa_sync.cli.commands import operations
    except ImportError:  # pragma: no cover - operations land separately
        return
    operations.register(app)


_register()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (tests call this in-process)."""
    try:
        result = app(args=argv, prog_name="medusa-sync", standalone_mode=False)
    except typer.Abort:
        render.err.print("aborted")
        return 130
    except TyperException as exc:  # click's usage errors, as typer re-exports them
        code = getattr(exc, "exit_code", EXIT_USAGE)
        render.err.print(f"usage error: {exc.format_message()}", markup=False)  # type: ignore[attr-defined]
        render.err.print("Try 'medusa-sync --help'.", markup=False)
        return EXIT_USAGE if code == 2 else code
    except MedusaSyncError as exc:
        render.err.print(f"error: {exc}", markup=False)
        if exc.hint:
            render.err.print(f"hint: {exc.hint}", markup=False)
        return exc.exit_code
    except KeyboardInterrupt:
        render.err.print("interrupted")
        return 130
    except Exception as exc:  # the boundary: an unexpected error is a bug, reported in one line
        logging.getLogger("medusa_sync").debug("unexpected error", exc_info=True)
        render.err.print(f"unexpected error: {type(exc).__name__}: {exc} (run with -vv for the traceback)", markup=False)
        return EXIT_ERROR
    return result if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())
