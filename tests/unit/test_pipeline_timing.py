"""The pipeline's phases: each reported to a PhaseTimer, the store read while the feeds are parsed."""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path

import httpx
import orjson
import pytest

from medusa_sync import pipeline, timing
from medusa_sync.client import MedusaClient
from medusa_sync.config import Rules, Settings
from medusa_sync.errors import FeedError, MedusaSyncError
from medusa_sync.apply import ApplyResult
from medusa_sync.plan import PlanOptions, StoreIds
from medusa_sync.store import read_store_to_sell
from medusa_sync.timing import PhaseTimer

SAMPLE_FEEDS = Path(__file__).resolve().parents[2] / "distributors"
SYNCED_STORE = Path(__file__).parent / "fixtures" / "synced_store.json"


def synced_store(request: httpx.Request) -> httpx.Response:
    """The store after an import of the samples (recorded from Medusa 2.21.2); no selling setup."""
    for exchange in orjson.loads(SYNCED_STORE.read_bytes())["exchanges"]:
        if exchange["path"] == request.url.path:
            return httpx.Response(200, json=exchange["response"])
    return empty_store(request)


def empty_store(request: httpx.Request) -> httpx.Response:
    """Every list empty."""
    key = request.url.path.rsplit("/", 1)[-1].replace("-", "_")
    return httpx.Response(200, json={key: [], "count": 0, "offset": 0, "limit": 1000})


def leased_import(tmp_path: Path, monkeypatch, medusa, writer_lease) -> pipeline.ImportResult:
    """A real (not dry) import of the samples into `tmp_path / "out"`, against the mock store
    `medusa`, under the fake `writer_lease`."""
    client = MedusaClient("http://medusa.test", api_key="sk_test", transport=httpx.MockTransport(medusa))
    monkeypatch.setattr(pipeline, "writer_lease", writer_lease)
    monkeypatch.setattr(MedusaClient, "from_settings", classmethod(lambda cls, settings: client))
    settings = Settings(medusa_url="http://127.0.0.1:9", api_key="sk_test", run_log=tmp_path / "runs.jsonl", audit_log=tmp_path / "audit.jsonl")
    return pipeline.run_import(SAMPLE_FEEDS, settings, Rules(), PlanOptions(), out_dir=tmp_path / "out", dry_run=False)


def test_a_phase_run_twice_is_summed(monkeypatch) -> None:
    clock = iter([10.0, 11.0, 20.0, 22.5, 30.0, 30.25])
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(clock))
    timer = PhaseTimer()
    for name in ("plan", "plan", "outputs"):
        with timer.phase(name):
            pass
    assert timer.seconds == {"plan": 3.5, "outputs": 0.25}


def test_a_phase_that_raises_is_still_timed(monkeypatch) -> None:
    clock = iter([1.0, 4.0])
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(clock))
    timer = PhaseTimer()
    try:
        with timer.phase("read store"):
            raise ValueError("boom")
    except ValueError:
        pass
    assert timer.seconds == {"read store": 3.0}


def test_an_offline_dry_run_reports_its_phases(tmp_path: Path) -> None:
    timer = PhaseTimer()
    result = pipeline.run_import(
        SAMPLE_FEEDS, Settings(medusa_url=None), Rules(), PlanOptions(), out_dir=tmp_path, dry_run=True, timer=timer
    )
    assert result.plan.has_changes
    # offline: no store to read, and a dry run applies nothing
    assert list(timer.seconds) == ["parse feeds", "plan", "reservations report", "outputs"]


def test_each_item_digest_is_computed_once_for_the_plan_and_the_outputs(tmp_path: Path, digested: list[str]) -> None:
    result = pipeline.run_import(
        SAMPLE_FEEDS, Settings(medusa_url=None), Rules(), PlanOptions(), out_dir=tmp_path, dry_run=True
    )
    assert len(result.catalog.items) == 243
    assert sorted(digested) == sorted(item.sku for item in result.catalog.items)
    payload = orjson.loads((tmp_path / "inventory_items_payload.json").read_bytes())["inventory_items"]
    assert [row["metadata"]["feed_digest"] for row in payload] == [result.digests(item) for item in result.catalog.items]
    assert len(digested) == 243  # those were kept


def test_the_store_is_read_while_the_feeds_are_parsed(monkeypatch) -> None:
    read_started = threading.Event()
    parse = pipeline.load_catalog

    def parse_once_the_read_started(root, rules):
        assert read_started.wait(timeout=10), "the store was not read during the parse"
        return parse(root, rules)

    def medusa(request: httpx.Request) -> httpx.Response:
        read_started.set()
        return synced_store(request)

    monkeypatch.setattr(pipeline, "load_catalog", parse_once_the_read_started)
    timer = PhaseTimer()
    with MedusaClient("http://medusa.test", api_key="sk_test", transport=httpx.MockTransport(medusa)) as client:
        result = pipeline.plan_import(SAMPLE_FEEDS, Rules(), PlanOptions(), client=client, timer=timer)
    assert list(timer.seconds) == ["parse feeds", "read store", "plan"]
    assert (len(result.snapshot.items), sorted(result.snapshot.kits)) == (243, sorted(k.sku for k in result.catalog.kits))
    assert not result.plan.has_changes


def test_locations_products_and_the_selling_setup_are_read_while_the_items_are_listed() -> None:
    others = {"/admin/stock-locations", "/admin/products", "/admin/stores", "/admin/shipping-profiles", "/admin/sales-channels", "/admin/regions"}
    others.add("/admin/reservations")  # the reserved watch: asked before the listing, by design (store/watch.py)
    seen: set[str] = set()
    all_read = threading.Event()
    lock = threading.Lock()

    def medusa(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/admin/inventory-items":
            assert all_read.wait(timeout=10), f"the items listing waited for nothing but got only {sorted(seen)}"
        else:
            with lock:
                seen.add(request.url.path)
                if seen >= others:
                    all_read.set()
        return synced_store(request)

    with MedusaClient("http://medusa.test", api_key="sk_test", transport=httpx.MockTransport(medusa)) as client:
        snapshot = read_store_to_sell(client, None)
    assert seen == others
    assert (len(snapshot.items), len(snapshot.locations), snapshot.selling is not None) == (243, 4, True)


def test_the_four_selling_reads_go_out_at_once_beside_the_products_read() -> None:
    """Under a listing of thousands of items each of these short reads waits ~0.3 s for the
    server; made one after the other behind the products, they ended after the items."""
    selling = {"/admin/stores", "/admin/shipping-profiles", "/admin/sales-channels", "/admin/regions"}
    seen: set[str] = set()
    all_asked = threading.Event()
    lock = threading.Lock()

    def medusa(request: httpx.Request) -> httpx.Response:
        with lock:
            seen.add(request.url.path)
            if seen >= selling:
                all_asked.set()
        if request.url.path in {"/admin/products", *selling}:
            assert all_asked.wait(timeout=5), f"the selling reads did not go out at once: only {sorted(seen & selling)}"
        return synced_store(request)

    with MedusaClient("http://medusa.test", api_key="sk_test", transport=httpx.MockTransport(medusa)) as client:
        snapshot = read_store_to_sell(client, None)
    assert snapshot.selling is not None
    assert (len(snapshot.items), len(snapshot.kits)) == (243, 4)


def test_a_parse_that_fails_does_not_wait_for_the_store_read(monkeypatch) -> None:
    release = threading.Event()

    def medusa(request: httpx.Request) -> httpx.Response:
        release.wait(timeout=10)  # a slow store: the read would take 10 s
        return synced_store(request)

    with MedusaClient("http://medusa.test", api_key="sk_test", transport=httpx.MockTransport(medusa)) as client:
        with pytest.raises(FeedError, match="no-such-root"):
            pipeline.plan_import(SAMPLE_FEEDS / "no-such-root", Rules(), PlanOptions(), client=client)
        assert not release.is_set()
        release.set()


def test_the_lease_is_released_while_the_outputs_are_written(tmp_path: Path, monkeypatch) -> None:
    released = threading.Event()
    write = pipeline.write_outputs

    @contextlib.contextmanager
    def writer_lease(settings, command, *, wait, signed_in=None):
        yield None
        released.set()

    def write_once_released(*args):
        assert released.wait(timeout=10), "the outputs waited for the lease's release"
        return write(*args)

    monkeypatch.setattr(pipeline, "write_outputs", write_once_released)
    result = leased_import(tmp_path, monkeypatch, synced_store, writer_lease)
    assert not result.plan.has_changes
    assert sorted(path.name for path in result.outputs) == sorted(path.name for path in (tmp_path / "out").iterdir())
    assert len(result.outputs) == 5


def test_the_feeds_are_parsed_while_the_lease_is_taken_and_the_store_read_only_once_it_is_held(
    tmp_path: Path, monkeypatch
) -> None:
    parse_started, lease_held = threading.Event(), threading.Event()
    reads_before_the_lease: list[str] = []
    parse = pipeline.load_catalog_cached

    def parse_signalled(root, rules, cache_dir, write_later):
        parse_started.set()
        return parse(root, rules, cache_dir, write_later)

    @contextlib.contextmanager
    def writer_lease(settings, command, *, wait, signed_in=None):
        assert parse_started.wait(timeout=10), "the parse waited for the lease"
        lease_held.set()
        yield None

    def medusa(request: httpx.Request) -> httpx.Response:
        if not lease_held.is_set():
            reads_before_the_lease.append(request.url.path)
        return synced_store(request)

    monkeypatch.setattr(pipeline, "load_catalog_cached", parse_signalled)
    result = leased_import(tmp_path, monkeypatch, medusa, writer_lease)
    assert reads_before_the_lease == []
    assert (len(result.catalog.items), len(result.snapshot.items), result.plan.has_changes) == (243, 243, False)


def test_the_items_payload_and_the_levels_file_are_written_while_the_kits_are_created(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "out"
    written_during_kits: list[list[str]] = []

    def apply(client, plan, settings, snapshot, progress, items_settled=None):
        ids = StoreIds(items={change.sku: f"iitem_{change.sku}" for change in plan.writes("item", "create")})
        items_settled(ids)
        payload = out / "inventory_items_payload.json"
        deadline = time.monotonic() + 10
        while not (payload.exists() and (out / "inventory_levels_by_location.json").exists()) and time.monotonic() < deadline:
            time.sleep(0.01)  # the kit step
        written_during_kits.append(sorted(path.name for path in out.iterdir()))
        return ApplyResult(ids=ids)

    @contextlib.contextmanager
    def writer_lease(settings, command, *, wait, signed_in=None):
        yield None

    monkeypatch.setattr(pipeline, "_apply", apply)
    result = leased_import(tmp_path, monkeypatch, empty_store, writer_lease)
    assert written_during_kits == [["inventory_items_payload.json", "inventory_levels_by_location.json"]]
    assert len(result.outputs) == 5 and all(path.exists() for path in result.outputs)
    rows = orjson.loads((out / "inventory_items_payload.json").read_bytes())["inventory_items"]
    assert [row["id"] for row in rows] == [f"iitem_{item.sku}" for item in result.catalog.items]


def test_an_apply_that_stops_in_the_kit_step_leaves_the_two_item_files_whole_and_no_other(tmp_path: Path, monkeypatch) -> None:
    def apply(client, plan, settings, snapshot, progress, items_settled=None):
        items_settled(StoreIds(items={change.sku: f"iitem_{change.sku}" for change in plan.writes("item", "create")}))
        raise MedusaSyncError("the kit step stopped")

    @contextlib.contextmanager
    def writer_lease(settings, command, *, wait, signed_in=None):
        yield None

    write = pipeline.write_item_outputs

    def slow_write(*args):
        time.sleep(0.3)  # still writing when the apply stops
        return write(*args)

    monkeypatch.setattr(pipeline, "_apply", apply)
    monkeypatch.setattr(pipeline, "write_item_outputs", slow_write)
    with pytest.raises(MedusaSyncError, match="the kit step stopped"):
        leased_import(tmp_path, monkeypatch, empty_store, writer_lease)
    out = tmp_path / "out"
    assert sorted(path.name for path in out.iterdir()) == ["inventory_items_payload.json", "inventory_levels_by_location.json"]
    assert orjson.loads((out / "inventory_items_payload.json").read_bytes())["count"] == 243
    assert len(orjson.loads((out / "inventory_levels_by_location.json").read_bytes())["locations"]) == 4
