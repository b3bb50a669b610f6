"""The imports run one way: CLI → pipeline/operations → plan/apply/reports → store/feeds → client."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "medusa_sync"

# What each part must never import (by module prefix under medusa_sync).
FORBIDDEN = {
    "client": ("cli", "pipeline", "operations", "reports", "plan", "apply", "outputs", "store", "feeds", "config", "models", "normalize"),
    "store": ("cli", "pipeline", "operations", "reports", "plan", "apply", "outputs"),
    "reports": ("cli", "pipeline", "operations"),
    "operations": ("cli", "pipeline", "reports"),
    "pipeline": ("cli",),
}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name.removeprefix("medusa_sync.") for name in names if name.startswith("medusa_sync.")}


def _modules(part: str) -> list[Path]:
    return sorted((PACKAGE / part).rglob("*.py")) if (PACKAGE / part).is_dir() else [PACKAGE / f"{part}.py"]


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_no_import_runs_upwards_or_sideways(part: str) -> None:
    wrong = {
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules(part)
        for name in _imports(path)
        if name.split(".")[0] in FORBIDDEN[part]
    }
    assert sorted(wrong) == []
