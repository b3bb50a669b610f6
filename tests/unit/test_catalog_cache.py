"""The catalog cache: a run over unchanged feed files loads the catalog instead of parsing them,
and anything the catalog is made from (a feed file's bytes, the set of files, the rules, the code)
parses again."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from medusa_sync import catalog_cache, pipeline
from medusa_sync.catalog_cache import entry_path, load_catalog_cached
from medusa_sync.config import Rules, Settings
from medusa_sync.feeds import load_catalog, parsing
from medusa_sync.outputs import STALE_TEMPORARY_S
from medusa_sync.plan import PlanOptions, item_digest

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_FEEDS = REPO_ROOT / "distributors"
REAL_ROOT = REPO_ROOT.parent / "shared" / "feeds-2025-10"


@pytest.fixture
def feed_root(tmp_path: Path) -> Path:
    root = tmp_path / "feeds"
    shutil.copytree(SAMPLE_FEEDS, root)
    return root


@pytest.fixture
def parses(monkeypatch) -> list[Path]:
    """The feed roots actually parsed, in order."""
    parsed: list[Path] = []

    def counted(root: Path, rules: Rules):
        parsed.append(root)
        return load_catalog(root, rules)

    monkeypatch.setattr(catalog_cache, "load_catalog", counted)
    return parsed


def test_a_second_load_of_the_same_feeds_is_the_parsed_catalog_without_a_parse(feed_root, tmp_path, parses) -> None:
    cache = tmp_path / "cache"
    parsed = load_catalog_cached(feed_root, Rules(), cache)
    loaded = load_catalog_cached(feed_root, Rules(), cache)
    assert parses == [feed_root]
    assert loaded == parsed == load_catalog(feed_root, Rules())
    assert (len(loaded.items), len(loaded.levels), len(loaded.kits), len(loaded.issues)) == (243, 245, 4, 55)
    assert [item_digest(item) for item in loaded.items] == [item_digest(item) for item in parsed.items]
    assert [path.name for path in cache.iterdir()] == [entry_path(cache, feed_root).name]



def test_an_entry_holds_a_chunk_of_records_a_line_and_loads_as_the_parse(feed_root, tmp_path, parses, monkeypatch) -> None:
    monkeypatch.setattr(catalog_cache, "CHUNK", 10)
    cache = tmp_path / "cache"
    parsed = load_catalog_cached(feed_root, Rules(), cache)
    labels = [line.split(b" ", 1)[0] for line in entry_path(cache, feed_root).read_bytes().splitlines()[1:]]
    assert {label: labels.count(label) for label in labels} == {b"items": 25, b"levels": 25, b"kits": 1, b"files": 2, b"issues": 6, b"end": 1}
    assert load_catalog_cached(feed_root, Rules(), cache) == parsed == load_catalog(feed_root, Rules())
    assert parses == [feed_root]

def _change_a_byte(root: Path, rules: Rules) -> Rules:
    path = root / "odex" / "odex-inverters.json"
    path.write_bytes(path.read_bytes().replace(b"Inversor", b"INVERSOR", 1))
    return rules


def _add_a_file(root: Path, rules: Rules) -> Rules:
    shutil.copy(root / "odex" / "odex-inverters.json", root / "odex" / "more" / "odex-inverters.json")
    return rules


def _change_the_rules(root: Path, rules: Rules) -> Rules:
    return Rules.model_validate({**rules.model_dump(), "categories": {"inversor-solar": "inverters"}})


@pytest.mark.parametrize("change", [_change_a_byte, _add_a_file, _change_the_rules])
def test_a_change_to_the_feed_files_or_the_rules_parses_again(feed_root, tmp_path, parses, change) -> None:
    (feed_root / "odex" / "more").mkdir()
    cache = tmp_path / "cache"
    first = load_catalog_cached(feed_root, Rules(), cache)
    rules = change(feed_root, Rules())
    again = load_catalog_cached(feed_root, rules, cache)
    assert parses == [feed_root, feed_root]
    assert again == load_catalog(feed_root, rules)
    if change is not _change_the_rules:
        assert again != first
    assert load_catalog_cached(feed_root, rules, cache) == again and len(parses) == 2  # the new entry


def test_a_change_to_the_code_parses_again(feed_root, tmp_path, parses, monkeypatch) -> None:
    load_catalog_cached(feed_root, Rules(), tmp_path / "cache")
    monkeypatch.setattr(catalog_cache, "code_digest", lambda: "another version")
    load_catalog_cached(feed_root, Rules(), tmp_path / "cache")
    assert len(parses) == 2


def test_each_feed_root_has_its_own_entry(tmp_path, parses) -> None:
    roots = [tmp_path / "a", tmp_path / "b"]
    for root in roots:
        shutil.copytree(SAMPLE_FEEDS, root)
    for root in [*roots, *roots]:
        load_catalog_cached(root, Rules(), tmp_path / "cache")
    assert parses == roots
    assert len(list((tmp_path / "cache").iterdir())) == 2


def test_the_entries_of_the_feed_roots_used_last_are_kept(tmp_path, parses) -> None:
    """A cron that downloads each night's feeds into a new folder: the entries of the `KEEP`
    roots used last stay, a hit counting as a use."""
    roots = [tmp_path / f"night-{number}" for number in range(6)]
    for root in roots:
        shutil.copytree(SAMPLE_FEEDS, root)
    cache = tmp_path / "cache"
    for root in [*roots[:4], roots[0], roots[4], roots[5]]:  # the first night's again: a hit
        load_catalog_cached(root, Rules(), cache)
        time.sleep(0.02)  # each use a later modification time
    assert parses == [*roots[:4], roots[4], roots[5]]
    assert sorted(path.name for path in cache.iterdir()) == sorted(entry_path(cache, root).name for root in (roots[0], *roots[3:]))


def test_a_killed_writers_entry_is_removed_when_another_feed_root_writes_its_own(tmp_path, parses) -> None:
    """Last night's feeds, in a folder never used again, whose entry's write was killed: the
    half-written entry (as large as the items payload) goes with the next write of any entry."""
    cache, root = tmp_path / "cache", tmp_path / "tonight"
    shutil.copytree(SAMPLE_FEEDS, root)
    cache.mkdir()
    killed = cache / f".{entry_path(cache, tmp_path / 'last-night').name}.x8k2_q0p"
    killed.write_bytes(b"0" * 64 + b"\n{")
    os.utime(killed, (time.time() - STALE_TEMPORARY_S - 1,) * 2)
    in_progress = cache / f".{entry_path(cache, tmp_path / 'elsewhere').name}.m4x9_a1b"
    in_progress.write_bytes(b"0" * 64 + b"\n{")
    load_catalog_cached(root, Rules(), cache)
    assert parses == [root]
    assert sorted(path.name for path in cache.iterdir()) == sorted([entry_path(cache, root).name, in_progress.name])


@pytest.mark.parametrize(
    "damage", ["cut", "cut after a line", "a line lost", "key only", "not a catalog", "a line of no part", "empty"]
)
def test_an_entry_that_cannot_be_read_is_parsed_again_and_rewritten(feed_root, tmp_path, parses, damage) -> None:
    cache = tmp_path / "cache"
    parsed = load_catalog_cached(feed_root, Rules(), cache)
    entry = entry_path(cache, feed_root)
    key, *lines = entry.read_bytes().splitlines(keepends=True)
    assert [line.split(b" ", 1)[0] for line in lines] == [b"items", b"levels", b"kits", b"files", b"issues", b"end"]
    body = b"".join(lines)
    entry.write_bytes(
        {
            "cut": key + body[: len(body) // 2],
            "cut after a line": key + b"".join(lines[:3]),
            "a line lost": key + b"".join(lines[:1] + lines[2:]),
            "key only": key.rstrip(b"\n"),
            "not a catalog": key + b'{"items": 3}\n',
            "a line of no part": key + b"prices []\n" + body,
            "empty": b"",
        }[damage]
    )
    assert load_catalog_cached(feed_root, Rules(), cache) == parsed
    assert load_catalog_cached(feed_root, Rules(), cache) == parsed
    assert len(parses) == 2


def test_a_cache_that_cannot_be_written_leaves_the_parse_as_it_is(feed_root, tmp_path, parses) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    assert load_catalog_cached(feed_root, Rules(), blocked) == load_catalog(feed_root, Rules())
    assert load_catalog_cached(feed_root, Rules(), blocked) == load_catalog(feed_root, Rules())
    assert len(parses) == 2


def test_a_catalog_json_cannot_hold_is_not_kept(feed_root, tmp_path, monkeypatch) -> None:
    """A lone surrogate is text Python holds and UTF-8 cannot (the reader replaces those of the
    feeds; the cache does not rely on it)."""
    parsed: list[Path] = []

    def with_a_surrogate(root: Path, rules: Rules):
        parsed.append(root)
        catalog = load_catalog(root, rules)
        return catalog.model_copy(update={"items": (catalog.items[0].model_copy(update={"title": "a \ud800"}), *catalog.items[1:])})

    monkeypatch.setattr(catalog_cache, "load_catalog", with_a_surrogate)
    first = load_catalog_cached(feed_root, Rules(), tmp_path / "cache")
    assert load_catalog_cached(feed_root, Rules(), tmp_path / "cache") == first
    assert len(parsed) == 2 and not entry_path(tmp_path / "cache", feed_root).exists()


def test_a_file_rewritten_during_the_parse_is_kept_under_the_bytes_the_parse_read(feed_root, tmp_path, monkeypatch) -> None:
    """The parse reads the file after it was hashed for the lookup: the entry gets the key of
    what the parse read, so the old bytes never load the new catalog."""
    inverters = feed_root / "odex" / "odex-inverters.json"
    old = inverters.read_bytes()

    def rewritten_first(root: Path, rules: Rules):
        inverters.write_bytes(old.replace(b"Inversor", b"INVERSOR", 1))
        return load_catalog(root, rules)

    monkeypatch.setattr(catalog_cache, "load_catalog", rewritten_first)
    new = load_catalog_cached(feed_root, Rules(), tmp_path / "cache")
    monkeypatch.setattr(catalog_cache, "load_catalog", load_catalog)
    inverters.write_bytes(old)
    assert load_catalog_cached(feed_root, Rules(), tmp_path / "cache") == load_catalog(feed_root, Rules()) != new


def test_a_file_written_between_the_parses_two_reads_is_reported_and_not_cached(feed_root, tmp_path, parses, monkeypatch) -> None:
    """Its digest (the first read) would not describe the records (the second): no entry, and the
    file counts as incomplete, so the shrink guard protects what the store holds from it."""
    inverters = feed_root / "odex" / "odex-inverters.json"
    old = inverters.read_bytes()
    opened = parsing.open_feed

    def written_after_the_first_read(path: Path, ctx):
        feed = opened(path, ctx)
        if path == inverters:
            path.write_bytes(old.replace(b"Inversor", b"INVERSOR", 1))
        return feed

    monkeypatch.setattr(parsing, "open_feed", written_after_the_first_read)
    first = load_catalog_cached(feed_root, Rules(), tmp_path / "cache")
    changed = next(file for file in first.files if file.path == "odex/odex-inverters.json")
    assert (changed.complete, changed.digest) == (False, "")
    assert [issue.code for issue in first.issues if issue.code == "file_changed"] == ["file_changed"]
    assert not (tmp_path / "cache").exists()
    monkeypatch.setattr(parsing, "open_feed", opened)
    again = load_catalog_cached(feed_root, Rules(), tmp_path / "cache")
    assert len(parses) == 2 and "file_changed" not in {issue.code for issue in again.issues}
    assert entry_path(tmp_path / "cache", feed_root).exists()


def test_an_unreadable_feed_file_is_parsed_and_reported_not_cached(feed_root, tmp_path, parses, monkeypatch) -> None:
    inverters = feed_root / "odex" / "odex-inverters.json"
    opened = Path.open

    def refused(path: Path, *args, **kwargs):
        if path == inverters:
            raise PermissionError(13, "Permission denied")
        return opened(path, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refused)
    first = load_catalog_cached(feed_root, Rules(), tmp_path / "cache")
    assert [issue.code for issue in first.issues if issue.file == "odex/odex-inverters.json"] == ["unreadable_file"]
    load_catalog_cached(feed_root, Rules(), tmp_path / "cache")
    assert len(parses) == 2 and not (tmp_path / "cache").exists()


@pytest.mark.skipif(not REAL_ROOT.is_dir(), reason=f"the real feed snapshot is absent: {REAL_ROOT}")
def test_the_real_snapshot_loads_from_the_cache_as_it_parses(tmp_path, parses) -> None:
    parsed = load_catalog_cached(REAL_ROOT, Rules(), tmp_path / "cache")
    loaded = load_catalog_cached(REAL_ROOT, Rules(), tmp_path / "cache")
    assert len(parses) == 1
    assert loaded == parsed and loaded.issues == parsed.issues and len(loaded.items) == 241
    assert [item_digest(item) for item in loaded.items] == [item_digest(item) for item in parsed.items]


@pytest.mark.parametrize(("enabled", "parsed"), [(True, 1), (False, 2)])
def test_a_dry_run_uses_the_cache_unless_it_is_off(feed_root, tmp_path, monkeypatch, enabled, parsed) -> None:
    counted: list[Path] = []

    def counting(root: Path, rules: Rules):
        counted.append(root)
        return load_catalog(root, rules)

    monkeypatch.setattr(catalog_cache, "load_catalog", counting)
    settings = Settings(medusa_url=None, catalog_cache=enabled, cache_dir=tmp_path / "cache")
    results = [
        pipeline.run_import(feed_root, settings, Rules(), PlanOptions(), out_dir=tmp_path / "out", dry_run=True) for _ in range(2)
    ]
    assert len(counted) == parsed
    assert results[0].plan.counts() == results[1].plan.counts()
    assert results[1].plan.counts()["item"]["create"] == 243
    assert (tmp_path / "cache").exists() is enabled


def test_a_run_writes_a_new_entry_after_the_parse_and_waits_for_it_before_it_returns(feed_root, tmp_path, monkeypatch) -> None:
    """The entry is written while the run plans: it waits for the plan to start, which would
    never come if the parse waited for the write."""
    planning = threading.Event()
    make_plan, write = pipeline.make_plan, catalog_cache._write

    def signalled_plan(*args, **kwargs):
        planning.set()
        return make_plan(*args, **kwargs)

    def write_once_planning(*args):
        assert planning.wait(timeout=10), "the parse waited for the entry to be written"
        time.sleep(0.2)  # still writing when the run has nothing left to do
        write(*args)

    monkeypatch.setattr(pipeline, "make_plan", signalled_plan)
    monkeypatch.setattr(catalog_cache, "_write", write_once_planning)
    settings = Settings(medusa_url=None, cache_dir=tmp_path / "cache")
    pipeline.run_import(feed_root, settings, Rules(), PlanOptions(), out_dir=tmp_path / "out", dry_run=True)
    assert [path.name for path in (tmp_path / "cache").iterdir()] == [entry_path(tmp_path / "cache", feed_root).name]


def test_no_write_starts_once_the_run_has_ended() -> None:
    writes, ran = pipeline._BackgroundWrites(), []
    writes.start(lambda: ran.append("during the run"))
    writes.wait()
    writes.start(lambda: ran.append("after it"))
    time.sleep(0.1)
    assert ran == ["during the run"]
