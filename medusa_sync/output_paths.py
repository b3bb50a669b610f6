"""Where a run will write its files is checked before it reads or changes the store: an
unwritable `--out` found only after the apply leaves a changed store and no outputs."""

from __future__ import annotations

import tempfile
from pathlib import Path

from medusa_sync.errors import UsageError


def check_out_dir(path: Path, option: str = "--out") -> None:
    """Make sure `path` is a directory medusa-sync can write in: created when missing (as the
    outputs would be), then probed with a temporary file. UsageError naming the path if not."""
    _probe(path, path, option)


def check_out_file(path: Path, option: str) -> None:
    """Make sure the file `path` can be written (atomically: a temporary file in its folder, renamed)."""
    if path.is_dir():
        raise _cannot(option, path, "it is a directory")
    _probe(path.parent, path, option)


def _probe(folder: Path, named: Path, option: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=".medusa-sync-probe."):
            pass
    except FileExistsError:
        raise _cannot(option, named, f"{folder} is a file, not a directory") from None
    except OSError as exc:
        raise _cannot(option, named, exc.strerror or type(exc).__name__) from None


def _cannot(option: str, path: Path, reason: str) -> UsageError:
    return UsageError(f"{option} {path}: cannot write there ({reason}); nothing was changed")
