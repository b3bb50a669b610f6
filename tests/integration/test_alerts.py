"""Quiet cron and alerts on the real server: a no-op `sync --quiet` prints one line, a refused
sync POSTs its alert to a webhook (a local listener) without any secret."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medusa_sync.cli.main import main

from .test_sync import imported_samples  # noqa: F401  (fixtures)

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[2] / "distributors"


def test_a_no_op_quiet_sync_prints_one_line(store, capsys, tmp_path) -> None:
    assert main(["sync", str(SAMPLES), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "Plan: create 4 locations, 243 items, 245 levels, 4 kits. Applied: 243 item.create, 4 kit.create, 245 level.create, 4 location.create."
    ]
    assert err == ""
    assert main(["sync", str(SAMPLES), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert (out + err).splitlines() == ["Plan: unchanged 4 locations, 243 items, 245 levels, 4 kits."]


def test_a_refused_sync_posts_its_alert(imported_samples, store, listener, capsys, tmp_path) -> None:
    feeds = imported_samples
    assert main(["sync", str(feeds), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    assert listener.bodies == []  # an ok run is not announced by default
    structures = feeds / "odex" / "odex-structures.json"
    text = structures.read_text(encoding="utf-8")
    structures.write_text(text[: len(text) // 2], encoding="utf-8")  # truncated mid-record

    assert main(["sync", str(feeds), "--out", str(tmp_path / "out"), "--quiet", "--notify", listener.url]) == 4
    [document] = listener.bodies
    run = [json.loads(line) for line in (tmp_path / "runs.jsonl").read_text().splitlines()][-1]["run"]
    assert document["run"] == run
    assert document["result"] == "refused"
    assert document["store"] == store.url
    assert document["errors"] == []
    assert document["refusals"] == [
        "feed file odex/odex-structures.json is empty, unreadable or truncated (12 records read; the store holds 26 items from it)",
        "feed file odex/odex-structures.json: 14 of its 26 items in the store are missing from the feed (54% > 20% and more than 5)",
    ]
    assert document["text"].splitlines()[0].startswith(f"medusa-sync refused: run {run} on {store.url} (")
    assert document["text"].splitlines()[2] == f"refused: {document['refusals'][0]}"
    assert store.password.encode() not in listener.raw[0]

    # --notify-on always: every run, ok included
    structures.write_text(text, encoding="utf-8")
    assert main(["sync", str(feeds), "--out", str(tmp_path / "out"), "--quiet", "--notify", listener.url, "--notify-on", "always"]) == 0
    assert listener.bodies[1]["result"] == "ok"
    assert listener.bodies[1]["counts"]["item"]["unchanged"] == 243
