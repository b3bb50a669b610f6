"""Entry point and the one error boundary: each error maps to its exit code (cli.exit_codes).

The global options (-v, --config, --json) may stand before or after the subcommand: `main`
moves them to where click expects them (the first two to the root, --json to the command)."""

from __future__ import annotations

import gc
import logging
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from typer.exceptions import TyperException

from medusa_sync import __version__
from medusa_sync.cli import render
from medusa_sync.cli.state import AppState
from medusa_sync.cli.exit_codes import ExitCode, exit_code_of, usage_exit_code
from medusa_sync.cli.options import examples
from medusa_sync.errors import MedusaSyncError

app = typer.Typer(
    name="medusa-sync",
    help="Keep a Medusa v2 store's inventory true to the Odex, Solfacil and Fotus catalog feeds.",
    epilog=examples(
        "medusa-sync import --dry-run",
        "medusa-sync availability odex_inverters_ODEX-INV-SAJ-3000W",
        "medusa-sync COMMAND --help",
    ),
    no_args_is_help=True,
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
    from medusa_sync.cli.commands import feeds, locations, operations, runs, sync

    feeds.register(app)
    sync.register(app)
    locations.register(app)
    operations.register(app)
    runs.register(app)


_register()

_VERBOSE = re.compile(r"-v+|--verbose")


def arrange_global_options(argv: Sequence[str]) -> list[str]:
    """`argv` with -v/--verbose and --config FILE moved to the front (the root's options) and
    --json moved to the end (every command's option), wherever they were given. Nothing after
    `--` is moved."""
    front: list[str] = []
    rest: list[str] = []
    json = False
    tokens = iter(argv)
    for token in tokens:
        if token == "--":
            rest += [token, *tokens]
        elif _VERBOSE.fullmatch(token) or token.startswith("--config="):
            front.append(token)
        elif token == "--config":
            front.append(token)
            value = next(tokens, None)
            if value is not None:
                front.append(value)
        elif token == "--json":
            json = True
        else:
            rest.append(token)
    if json:
        end = rest.index("--") if "--" in rest else len(rest)
        rest.insert(end, "--json")
    return front + rest


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (tests call this in-process)."""
    args = arrange_global_options(sys.argv[1:] if argv is None else argv)
    try:
        result = app(args=args, prog_name="medusa-sync", standalone_mode=False)
    except typer.Abort:
        render.err.print("aborted")
        return ExitCode.INTERRUPTED
    except TyperException as exc:  # click's usage errors, as typer re-exports them
        render.err.print(f"usage error: {exc.format_message()}", markup=False)  # type: ignore[attr-defined]
        render.err.print("Try 'medusa-sync --help'.", markup=False)
        return usage_exit_code(getattr(exc, "exit_code", ExitCode.USAGE))
    except MedusaSyncError as exc:
        render.err.print(f"error: {exc}", markup=False)
        if exc.hint:
            render.err.print(f"hint: {exc.hint}", markup=False)
        return exit_code_of(exc)
    except KeyboardInterrupt as exc:
        render.err.print("interrupted")
        return exit_code_of(exc)
    except SystemExit as exc:  # --show-completion and --install-completion exit once done
        return ExitCode.OK if exc.code is None else exc.code if isinstance(exc.code, int) else ExitCode.ERROR
    except Exception as exc:  # the boundary: an unexpected error is a bug, reported in one line
        logging.getLogger("medusa_sync").debug("unexpected error", exc_info=True)
        render.err.print(f"unexpected error: {type(exc).__name__}: {exc} (run with -vv for the traceback)", markup=False)
        return exit_code_of(exc)
    return result if isinstance(result, int) else ExitCode.OK


def utf8_output() -> None:
    """Write UTF-8 whatever the locale (LANG=C, a Windows code page): a "→" must not raise
    UnicodeEncodeError. The rich consoles write to sys.stdout/stderr as they are at print time."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")


def run() -> None:
    utf8_output()
    code = main()
    # The interpreter's last collection at exit walks every object the run and its imports made
    # (0.13-0.25 s after a short command); frozen, they are left to the OS with the process. Not
    # in `main`, which tests call many times in one process.
    gc.freeze()
    sys.exit(code)
