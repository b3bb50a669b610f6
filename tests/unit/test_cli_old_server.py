"""A Medusa 2.0-2.2 server (no cross-item level batch) is refused before the first write, in one
line, instead of failing every write (answers recorded from Express's 404 for an unknown route)."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
import respx

from medusa_sync.cli.main import main

REPO_ROOT = Path(__file__).resolve().parents[2]
BASE_URL = "https://medusa.test"
LIST_KEYS = {
    "/admin/stock-locations": "stock_locations",
    "/admin/inventory-items": "inventory_items",
    "/admin/products": "products",
    "/admin/reservations": "reservations",
}
EXPRESS_404 = (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n'
    "<body>\n<pre>Cannot POST /admin/inventory-items/location-levels/batch</pre>\n</body>\n</html>\n"
)
REFUSAL = (
    "error: POST /admin/inventory-items/location-levels/batch → 404: the server has no cross-item level "
    "batch, so it is Medusa 2.0-2.2: medusa-sync supports Medusa 2.3.0 and later; upgrade the server"
)


@pytest.fixture(autouse=True)
def old_server_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("MEDUSA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MEDUSA_URL", BASE_URL)
    monkeypatch.setenv("MEDUSA_API_KEY", "sk_test")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)


def empty_page(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={LIST_KEYS[request.url.path]: [], "count": 0, "offset": 0, "limit": 1000})


def test_an_import_into_medusa_2_0_is_refused_in_one_line_before_any_write(tmp_path: Path, capsys) -> None:
    with respx.mock(base_url=BASE_URL, assert_all_mocked=True, assert_all_called=False) as medusa:
        medusa.get(path__in=tuple(LIST_KEYS)).mock(side_effect=empty_page)
        probe = medusa.post("/admin/inventory-items/location-levels/batch").respond(404, text=EXPRESS_404)
        code = main(["import", str(REPO_ROOT / "distributors"), "--yes", "--out", str(tmp_path / "out")])
        writes = [call.request for call in medusa.calls if call.request.method != "GET"]
    assert code == 7
    assert [(w.method, w.url.path, w.content) for w in writes] == [
        ("POST", "/admin/inventory-items/location-levels/batch", b"{}")
    ]
    assert probe.call_count == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith(("error: POST", "hint:"))]
    assert errors == [REFUSAL]
