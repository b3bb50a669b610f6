"""write_atomic: a reader never sees half a file, and what killed writers left is cleared."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from medusa_sync.outputs import STALE_TEMPORARY_S, write_atomic


def _aged(path: Path, seconds: float) -> Path:
    path.write_bytes(b"half a file")
    past = time.time() - seconds
    os.utime(path, (past, past))
    return path


def test_the_file_is_written_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    write_atomic(tmp_path / "out.json", [b"{", b"}"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
    assert (tmp_path / "out.json").read_bytes() == b"{}"


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    (tmp_path / "out.json").write_bytes(b"old")

    def broken():
        yield b"new"
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(tmp_path / "out.json", broken())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
    assert (tmp_path / "out.json").read_bytes() == b"old"


def test_a_killed_writers_temporary_files_are_removed_by_the_next_write(tmp_path: Path) -> None:
    killed = _aged(tmp_path / ".out.json.k1ll_3d0", STALE_TEMPORARY_S + 60)
    other_file = _aged(tmp_path / ".other.json.k1ll_3d0", STALE_TEMPORARY_S + 60)
    write_atomic(tmp_path / "out.json", b"{}")
    assert not killed.exists()
    assert other_file.exists()  # another file's: its own next write removes it
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.json.k1ll_3d0", "out.json"]


def test_a_write_in_progress_and_files_not_made_by_mkstemp_are_kept(tmp_path: Path) -> None:
    in_progress = _aged(tmp_path / ".out.json.wr1t1ng_", STALE_TEMPORARY_S - 60)
    backup = _aged(tmp_path / ".out.json.bak", STALE_TEMPORARY_S + 60)
    longer = _aged(tmp_path / ".out.json.k1ll_3d0x", STALE_TEMPORARY_S + 60)
    folder = tmp_path / ".out.json.k1ll_3d1"
    folder.mkdir()
    os.utime(folder, (0, 0))
    write_atomic(tmp_path / "out.json", b"{}")
    assert in_progress.exists() and backup.exists() and longer.exists() and folder.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.json.bak", ".out.json.k1ll_3d0x", ".out.json.k1ll_3d1", ".out.json.wr1t1ng_", "out.json"]
