"""`report reservations` and `report stock`: read-only reports on the live store."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated

import orjson

import typer

from medusa_sync.cli import operations_render as show
from medusa_sync.cli.live import store_client
from medusa_sync.cli.options import DEFAULT_OUT_DIR, Json, OutDir, examples
from medusa_sync.cli.render import err, out, print_json
from medusa_sync.cli.state import state
from medusa_sync.durations import parse_duration
from medusa_sync.notify import post, stock_document
from medusa_sync.config import Settings, redact_url
from medusa_sync.errors import ConfigError, UsageError
from medusa_sync.output_paths import check_out_dir
from medusa_sync.outputs import RESERVATIONS_FILE, dump_json, write_atomic
from medusa_sync.reports import reservations as reservations_report
from medusa_sync.reports import stock as stock_report


class ReservationsFormat(StrEnum):
    MD = "md"
    CSV = "csv"


def reservations(
    ctx: typer.Context,
    out_dir: OutDir = DEFAULT_OUT_DIR,
    location: Annotated[str | None, typer.Option("--location", "-l", help="Only this stock location (id or name).")] = None,
    sku_prefix: Annotated[str | None, typer.Option("--sku-prefix", help="Only items whose SKU starts with this.")] = None,
    distributor: Annotated[str | None, typer.Option("--distributor", help="Only items of this distributor (metadata).")] = None,
    min_age: Annotated[str | None, typer.Option("--min-age", help="Only reservations at least this old (3d, 12h).")] = None,
    output_format: Annotated[ReservationsFormat, typer.Option("--format", help="What to print: md, or csv (one row per reservation).")] = ReservationsFormat.MD,
    json: Json = False,
) -> None:
    """Write inventory_reservations_report.md to --out and print it (--format csv: CSV rows; --json: the data)."""
    app = state(ctx)
    min_age_days = parse_duration(min_age) / timedelta(days=1) if min_age else None
    check_out_dir(out_dir)
    with store_client(ctx) as client:
        report = reservations_report.build_reservations_report(
            client, app.rules, location=location, sku_prefix=sku_prefix, distributor=distributor, min_age_days=min_age_days
        )
    markdown = reservations_report.render_markdown(report)
    path = out_dir / RESERVATIONS_FILE
    write_atomic(path, markdown.encode("utf-8"))
    if json:
        print_json({**report.as_json(), "file": str(path)})
    elif output_format is ReservationsFormat.CSV:
        out.print(reservations_report.render_csv(report), markup=False, end="")
    else:
        out.print(markdown, markup=False, end="")
        err.print(f"written to {path}", markup=False)


class StockFormat(StrEnum):
    TABLE = "table"
    MD = "md"
    CSV = "csv"


def stock(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="Only in_stock, low_stock, out_of_stock or backordered.")] = None,
    output_format: Annotated[StockFormat, typer.Option("--format", help="table (terminal), md or csv.")] = StockFormat.TABLE,
    json: Json = False,
    notify: Annotated[
        str | None,
        typer.Option("--notify", metavar="URL", help="POST the levels that crossed into low or out of stock since the last --notify report."),
    ] = None,
) -> None:
    """Every level's stocked / reserved / available / incoming and status, with summary statistics."""
    if notify and status:
        raise UsageError("--notify compares every level with the last report: drop --status")
    with store_client(ctx) as client:
        report = stock_report.build_stock_report(client, state(ctx).rules, status=status)
    if notify:
        _notify_crossings(report, notify, state(ctx).settings)
    if json:
        print_json(report.as_json())
    elif output_format is StockFormat.CSV:
        out.print(stock_report.render_csv(report), markup=False, end="")
    elif output_format is StockFormat.MD:
        out.print(stock_report.render_markdown(report), markup=False, end="")
    else:
        show.print_stock_report(report)


STOCK_STATE_FILE = "stock-status.json"


def _notify_crossings(report: stock_report.StockReport, url: str, settings: Settings) -> None:
    """POST the levels that crossed into low or out of stock since the last report; the statuses
    are kept next to the run log, and replaced only once the alert is delivered (or not needed)."""
    state_file = settings.run_log.parent / STOCK_STATE_FILE
    try:
        previous = orjson.loads(state_file.read_bytes())
    except FileNotFoundError:
        previous = {}
    except orjson.JSONDecodeError:
        raise ConfigError(f"{state_file} is not a stock state file: delete it to start afresh") from None
    crossed = stock_report.crossings(report, previous)
    if crossed and not post(url, stock_document(store=settings.medusa_url or "", crossed=crossed)):
        return
    state_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_atomic(state_file, dump_json(stock_report.level_statuses(report)))
    err.print(f"{len(crossed)} levels crossed into low or out of stock" + (f"; alert sent to {redact_url(url)}" if crossed else ""), markup=False)


def register(app: typer.Typer) -> None:
    report = typer.Typer(
        help="Reports on the live store.",
        epilog=examples("medusa-sync report reservations", "medusa-sync report stock --status low_stock"),
        no_args_is_help=True,
    )
    report.command(
        epilog=examples(
            "medusa-sync report reservations --out reports",
            'medusa-sync report reservations --location "Odex CD" --min-age 3d --format csv',
        )
    )(reservations)
    report.command(
        epilog=examples(
            "medusa-sync report stock --status low_stock --format md",
            "medusa-sync report stock --notify https://hooks.example/purchasing",
        )
    )(stock)
    app.add_typer(report, name="report")
