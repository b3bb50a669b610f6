"""Issue 11.6: output paths are checked before anything is read or applied. An unwritable
`--out` used to be found only after the whole import was applied."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from medusa_sync.cli.main import main
from medusa_sync.client import MedusaClient
from medusa_sync.errors import UsageError
from medusa_sync.output_paths import check_out_dir, check_out_file

from .medusa_fake import standard_store


@pytest.fixture
def blocker(tmp_path: Path) -> Path:
    """A regular file: no folder can be created under it."""
    path = tmp_path / "blocker"
    path.write_text("not a folder")
    return path


@pytest.fixture
def store(monkeypatch, tmp_path, feeds, odex_record):
    """A live configuration whose every request and writer lease is recorded (none may happen)."""
    for name in list(os.environ):
        if name.startswith("MEDUSA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MEDUSA_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("MEDUSA_API_KEY", "sk_test")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    fake = standard_store()
    fake.leases = []

    @contextlib.contextmanager
    def writer_lease(settings, command, *, wait, signed_in=None):
        fake.leases.append(command)
        yield None

    monkeypatch.setattr("medusa_sync.pipeline.writer_lease", writer_lease)
    monkeypatch.setattr(MedusaClient, "from_settings", classmethod(lambda cls, settings: fake.client()))
    feeds.write("odex/odex-inverters.json", [odex_record()])
    fake.root = feeds.root
    return fake


def test_a_missing_folder_is_created_and_nothing_else_is_left(tmp_path: Path) -> None:
    check_out_dir(tmp_path / "a" / "b")
    assert list((tmp_path / "a" / "b").iterdir()) == []


@pytest.mark.parametrize(
    ("under", "reason"),
    [
        ("", "{blocker} is a file, not a directory"),
        ("sub", "Not a directory"),
    ],
)
def test_a_folder_that_cannot_be_one_is_refused(blocker: Path, under: str, reason: str) -> None:
    path = blocker / under if under else blocker
    with pytest.raises(UsageError) as raised:
        check_out_dir(path)
    assert str(raised.value) == f"--out {path}: cannot write there ({reason.format(blocker=blocker)}); nothing was changed"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in a read-only folder")
def test_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o555)
    with pytest.raises(UsageError, match=rf"--out {folder}: cannot write there \(Permission denied\)"):
        check_out_dir(folder)


def test_a_plan_file_that_is_a_folder_or_under_a_file_is_refused(tmp_path: Path, blocker: Path) -> None:
    with pytest.raises(UsageError, match=rf"^--plan-out {tmp_path}: cannot write there \(it is a directory\)"):
        check_out_file(tmp_path, "--plan-out")
    with pytest.raises(UsageError, match=rf"^--plan-out {blocker}/plan.json: cannot write there \({blocker} is a file, not a directory\)"):
        check_out_file(blocker / "plan.json", "--plan-out")
    check_out_file(tmp_path / "new" / "plan.json", "--plan-out")


OUT_UNDER_A_FILE = "error: --out {blocker}/out: cannot write there (Not a directory); nothing was changed"
PLAN_UNDER_A_FILE = (
    "error: --plan-out {blocker}/plan.json: cannot write there ({blocker} is a file, not a directory); nothing was changed"
)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "{root}", "--yes", "--out", "{blocker}/out"], OUT_UNDER_A_FILE),
        (["import", "{root}", "--dry-run", "--out", "{blocker}/out"], OUT_UNDER_A_FILE),
        (["sync", "{root}", "--out", "{blocker}/out"], OUT_UNDER_A_FILE),
        (["plan", "{root}", "--out", "{blocker}/out"], OUT_UNDER_A_FILE),
        (["import", "{root}", "--yes", "--plan-out", "{blocker}/plan.json"], PLAN_UNDER_A_FILE),
        (["plan", "{root}", "--plan-out", "{blocker}/plan.json"], PLAN_UNDER_A_FILE),
        (["report", "reservations", "--out", "{blocker}/out"], OUT_UNDER_A_FILE),
    ],
)
def test_commands_refuse_an_unwritable_output_before_any_request(store, blocker: Path, args: list[str], message: str, capsys) -> None:
    code = main([arg.format(root=store.root, blocker=blocker) for arg in args])
    err = capsys.readouterr().err
    assert code == 64, err
    assert message.format(blocker=blocker) in err.splitlines()
    assert store.calls == []
    assert store.leases == []


def test_an_out_that_is_a_file_is_a_usage_error(store, blocker: Path, capsys) -> None:
    assert main(["import", str(store.root), "--yes", "--out", str(blocker)]) == 64
    assert "is a file" in capsys.readouterr().err
    assert store.calls == []
