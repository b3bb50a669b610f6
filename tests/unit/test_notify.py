"""Alerts: the document, its delivery to a local HTTP listener, and that it never fails a run."""

from __future__ import annotations

import logging
import os
import re
import socket
import time
from pathlib import Path

import pytest

from medusa_sync import notify
from medusa_sync.cli.main import main
from webhook import Listener

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_run_document_reads_as_text_and_carries_the_fields() -> None:
    document = notify.run_document(
        run_id="20261125T220000Z-42",
        store="https://admin:hunter2@shop.example",
        result="refused",
        counts={"level": {"create": 0, "update": 3, "missing": 1, "unchanged": 200}, "item": {"create": 2}},
        refusals=["odex/odex-inverters.json lost 40 of 50 items"],
        errors=[],
        duration_s=2.345,
    )
    assert document == {
        "text": "medusa-sync refused: run 20261125T220000Z-42 on https://***@shop.example (2.3 s)\n"
        "changes: update 3 level, missing 1 level, create 2 item\n"
        "refused: odex/odex-inverters.json lost 40 of 50 items",
        "run": "20261125T220000Z-42",
        "store": "https://***@shop.example",
        "result": "refused",
        "counts": {"level": {"create": 0, "update": 3, "missing": 1, "unchanged": 200}, "item": {"create": 2}},
        "refusals": ["odex/odex-inverters.json lost 40 of 50 items"],
        "errors": [],
        "duration_s": 2.345,
    }


def test_only_the_first_errors_are_sent() -> None:
    document = notify.run_document(
        run_id="r", store="", result="failed", counts=None, refusals=[], errors=[f"e{n}" for n in range(9)], duration_s=0
    )
    assert document["errors"] == ["e0", "e1", "e2", "e3", "e4"]
    assert document["text"].splitlines() == ["medusa-sync failed: run r on  (0.0 s)", "changes: none", "error: e0", "error: e1", "error: e2", "error: e3", "error: e4"]


def test_post_delivers_the_json_document(listener: Listener) -> None:
    assert notify.post(listener.url, {"text": "hello", "n": 1}) is True
    assert listener.bodies == [{"text": "hello", "n": 1}]


def test_a_refusing_receiver_is_logged_not_raised(caplog) -> None:
    hook = Listener(status=500)
    try:
        with caplog.at_level(logging.WARNING, logger="medusa_sync"):
            assert notify.post(hook.url, {"text": "x"}) is False
    finally:
        hook.close()
    assert caplog.messages == [f"notification to {hook.url} failed: HTTPStatusError"]


def test_a_silent_receiver_delays_by_the_timeout_at_most(caplog) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts connections, never answers
    try:
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="medusa_sync"):
            assert notify.post(f"http://127.0.0.1:{silent.getsockname()[1]}/", {"text": "x"}, timeout=0.5) is False
        assert time.monotonic() - started < 3
    finally:
        silent.close()
    assert caplog.messages[0].endswith("failed: ReadTimeout")


def _clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("MEDUSA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)


def test_a_failed_sync_posts_its_alert_without_secrets(listener: Listener, tmp_path: Path, monkeypatch, capsys) -> None:
    _clean_env(tmp_path, monkeypatch)
    monkeypatch.setenv("MEDUSA_API_KEY", "sk_supersecret_key")
    monkeypatch.setenv("MEDUSA_EMAIL", "admin@example.com")
    monkeypatch.setenv("MEDUSA_PASSWORD", "pw-supersecret")
    monkeypatch.setenv("MEDUSA_SYNC_NOTIFY_URL", listener.url)
    # no MEDUSA_URL: the sync fails with a configuration error (exit 7), and says so to the webhook
    assert main(["sync", str(REPO_ROOT / "distributors"), "--out", str(tmp_path / "out"), "--quiet"]) == 7
    [document] = listener.bodies
    run_id = document["run"]  # refused before the lease: nothing in the run log yet
    assert re.fullmatch(r"\d{8}T\d{6}Z-\d+-\d+", run_id)  # the start second, the pid, the run in that process
    assert document["run"] == run_id
    assert document["result"] == "failed"
    assert document["store"] == ""
    assert document["counts"] is None
    assert document["errors"] == [
        "ConfigError: sync needs a Medusa server (MEDUSA_URL)"
    ]
    assert document["text"].startswith(f"medusa-sync failed: run {run_id} on  (")
    for secret in (b"sk_supersecret_key", b"pw-supersecret", b"admin@example.com"):
        assert secret not in listener.raw[0]


def test_notify_flag_wins_and_a_dead_webhook_never_changes_the_exit_code(tmp_path: Path, monkeypatch, capsys) -> None:
    _clean_env(tmp_path, monkeypatch)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there
    assert main(["sync", str(REPO_ROOT / "distributors"), "--out", str(tmp_path / "out"), "--notify", f"http://127.0.0.1:{port}/x"]) == 7
    assert f"notification to http://127.0.0.1:{port}/x failed: ConnectError" in capsys.readouterr().err
