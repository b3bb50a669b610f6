"""What every command gets from the root callback: settings and rules, loaded once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import typer

from medusa_sync.config import Rules, Settings, load_rules, load_settings


@dataclass
class AppState:
    config_path: Path | None = None
    verbose: int = 0

    @cached_property
    def settings(self) -> Settings:
        return load_settings()

    @cached_property
    def rules(self) -> Rules:
        return load_rules(self.config_path or self.settings.config)


def state(ctx: typer.Context) -> AppState:
    return ctx.ensure_object(AppState)
