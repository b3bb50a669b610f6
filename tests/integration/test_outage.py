"""Medusa killed in the middle of a sync (#11.5): the run stops within 60 s with exit 8, says
which step failed and exactly what was and was not applied (output and run log), and a re-run
after the restart converges."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from medusa_sync.apply import LEVEL_CHUNKS_AT_ONCE
from medusa_sync.cli.main import main

from .conftest import REPO_ROOT, run_server_script
from .test_sync import client, owned_counts, store_counts  # noqa: F401 - the fixtures

pytestmark = pytest.mark.integration

ITEMS = 5000  # enough for a sync that is still writing items well after the kill (~100 per request)
KILL_AFTER_ITEMS = 1000
MOST_IN_FLIGHT = LEVEL_CHUNKS_AT_ONCE * 150
"""Items in the creation requests in flight: 4 requests of at most 90 KB, each generated item's
body being over 600 bytes."""


def created_items(client) -> int:
    return sum(1 for _ in client.inventory_items.iter(fields="id"))


def test_a_server_killed_mid_sync_stops_the_run_within_60_s_with_exact_accounting(store, client, raw_admin, medusa_server, tmp_path):
    feeds = tmp_path / "feeds"
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / "generate.py"), str(feeds), "--items", str(ITEMS)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    stderr_path = tmp_path / "stderr"
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "medusa_sync", "sync", str(feeds), "--out", str(tmp_path / "out")],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            deadline = time.monotonic() + 180
            while created_items(client) < KILL_AFTER_ITEMS and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.5)
            assert process.poll() is None, "the sync ended before the server could be killed"
            os.kill(int((medusa_server.run_dir / "medusa.pid").read_text()), signal.SIGKILL)
            killed = time.monotonic()
            code = process.wait(timeout=180)
            took = time.monotonic() - killed
        finally:
            if process.poll() is None:
                process.kill()
            run_server_script("up", timeout=600)

    err = stderr_path.read_text()
    assert (code, took < 60) == (8, True), (code, took, err[-3000:])
    assert "error: Medusa failed terminally during step 'items'; the apply stopped:" in err
    assert err.count("WARNING") < 100, err.count("WARNING")

    *_, last = (json.loads(line) for line in (tmp_path / "runs.jsonl").read_text().splitlines())
    assert (last["event"], last["error"], last["step"]) == ("error", "ApplyStopped", "items")
    applied, failed, not_applied = last["applied"], last["failed"], last["not_applied"]
    failed_items = [failure["key"] for failure in failed if failure["kind"] == "item"]
    assert applied["item.create"] + len(failed_items) + not_applied["item.create"] == ITEMS
    assert not_applied["item.create"] > 0
    assert len(failed) == len(failed_items) <= MOST_IN_FLIGHT  # at most the items of the requests in flight

    # What the store holds is exactly what was applied, plus those in-flight writes that landed.
    in_store = owned_counts(client)["items"]  # the server was killed mid-write: read once, through the client
    assert applied["item.create"] <= in_store <= applied["item.create"] + len(failed_items)

    assert main(["sync", str(feeds), "--out", str(tmp_path / "out")]) == 0
    assert store_counts(client, raw_admin)["items"] == ITEMS
    assert main(["plan", str(feeds), "--detailed-exitcode", "--out", str(tmp_path / "plan")]) == 0
