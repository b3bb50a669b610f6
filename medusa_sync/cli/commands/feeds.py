"""`medusa-sync validate`: parse and normalize the feeds, report every issue."""

from __future__ import annotations

import typer

from medusa_sync import pipeline
from medusa_sync.cli import render
from medusa_sync.cli.options import DEFAULT_FEED_ROOT, FeedRoot, Json, Strict, examples
from medusa_sync.cli.state import state
from medusa_sync.models import Catalog


def validate(ctx: typer.Context, feed_root: FeedRoot = DEFAULT_FEED_ROOT, json: Json = False, strict: Strict = False) -> None:
    """Parse and normalize the feeds; print a summary per distributor and category and every issue."""

    def show(catalog: Catalog) -> None:
        if json:
            render.print_json(
                {"summary": render.catalog_summary(catalog), "issues": [issue.model_dump() for issue in catalog.issues]}
            )
        else:
            render.render_summary(catalog)
        render.render_issues(catalog.issues)

    pipeline.validate(feed_root, state(ctx).rules, strict=strict, show=show)


def register(app: typer.Typer) -> None:
    app.command(
        epilog=examples(
            "medusa-sync validate",
            "medusa-sync validate ../shared/feeds-2025-10 --strict --json",
        )
    )(validate)
