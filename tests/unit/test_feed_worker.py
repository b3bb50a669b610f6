"""A large feed root is parsed by this process and a worker process at once (feeds.parsing): the
catalog is the one a parse here alone gives, issues in the same order, whoever parsed what and
whatever happens to the worker."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from medusa_sync.config import Rules
from medusa_sync.feeds import load_catalog, parsing
from medusa_sync.feeds.distributor import Distributor
from medusa_sync.feeds.products import parse_products
from medusa_sync.feeds.registry import DISTRIBUTORS
from medusa_sync.models import Catalog

REAL_ROOT = Path(__file__).resolve().parents[3] / "shared" / "feeds-2025-10"


@pytest.fixture
def in_parallel(monkeypatch, tmp_path) -> Path:
    """Any feed root is parsed with a worker, on any machine; its temporary folders go in the
    folder returned."""
    monkeypatch.setattr(parsing, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(parsing, "_cores", lambda: 2)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    return temporary


def first_file_here_once(monkeypatch, worker_is_there: Callable[[parsing._Worker, int], bool]) -> None:
    """This process parses its first file only once `worker_is_there(worker, files it can take)`
    (or after a minute): who parses what is then certain, where the worker would otherwise still
    be starting when the small files of a test are all parsed here."""
    workers: list[tuple[parsing._Worker, int]] = []
    start = parsing._Worker.__init__
    parse = parsing.parse_file

    def recorded(self, feed_root, found, rules, queue, parsed) -> None:
        workers.append((self, len(queue) - 1))  # all but the file this process takes first
        start(self, feed_root, found, rules, queue, parsed)

    def once_the_worker_is_there(*args):
        if workers:  # not in a parse here alone
            deadline = time.monotonic() + 60
            while not worker_is_there(*workers[-1]) and time.monotonic() < deadline:
                time.sleep(0.01)
        return parse(*args)

    monkeypatch.setattr(parsing._Worker, "__init__", recorded)
    monkeypatch.setattr(parsing, "parse_file", once_the_worker_is_there)


@pytest.fixture
def worker_takes_the_rest(monkeypatch, in_parallel) -> None:
    """The worker has parsed every other file it can, or has stopped, before this process parses one."""
    first_file_here_once(monkeypatch, lambda worker, share: worker.count == share or not worker._thread.is_alive())


@pytest.fixture
def worker_takes_a_file(monkeypatch, in_parallel) -> None:
    """The worker has taken a file before this process parses one."""
    first_file_here_once(monkeypatch, lambda worker, share: len(worker._queue) < share)


def parsed_here_only(root: Path, monkeypatch, rules: Rules | None = None) -> Catalog:
    with monkeypatch.context() as here:
        here.setattr(parsing, "PARALLEL_BYTES", 1 << 62)
        return load_catalog(root, rules or Rules())


def worker_share(caplog) -> str:
    return next(r.getMessage() for r in caplog.records if r.getMessage().endswith("files parsed by a worker process"))


@pytest.fixture
def defective_root(feeds, odex_record, solfacil_record, shifted_panel, fotus_kit) -> Path:
    """Six files whose issues interleave with the catalog's own (duplicate SKUs within a file and
    across files), a shifted panel, kits, and a file cut short."""
    feeds.write(
        "odex/odex-inverters.json",
        [
            odex_record(id="A"),
            odex_record(id="A"),  # duplicate of record 0
            odex_record(id="B", price=None, pricing=None),  # no price
            odex_record(id="C"),  # defined by odex/more/…, read first
            odex_record(id="B"),  # duplicate of record 2
        ],
    )
    feeds.write("odex/more/odex-inverters-2.json", [odex_record(id="C"), odex_record(id="D")])
    feeds.write("solfacil/solfacil-inverters.json", [solfacil_record(id="S1"), solfacil_record(id="S1"), solfacil_record(id="S2")])
    feeds.write("solfacil/solfacil-panels.json", [shifted_panel(), solfacil_record(id="S3", category="paineis")])
    feeds.write("solfacil/solfacil-cables.json", '[{"id": "X1", "name": "Cabo", "price": "R$ 1,00"}, {"id": "X2", "na')
    feeds.write("fotus/fotus-kits.json", [fotus_kit(), fotus_kit(), fotus_kit(id="FOTUS-KP05-kits")])
    return feeds.root


def test_files_the_worker_parsed_make_the_catalog_a_parse_here_makes(defective_root, worker_takes_the_rest, monkeypatch, caplog) -> None:
    here = parsed_here_only(defective_root, monkeypatch)
    with caplog.at_level(logging.DEBUG, logger="medusa_sync"):
        both = load_catalog(defective_root, Rules())
    assert worker_share(caplog) == "feeds: 5 of 6 files parsed by a worker process"
    assert both == here
    by_file = {file.path: [(issue.record, issue.code) for issue in here.issues if issue.file == file.path] for file in here.files}
    assert by_file == {
        "odex/more/odex-inverters-2.json": [],  # read first: its C is the one kept
        "odex/odex-inverters.json": [(1, "duplicate_sku"), (2, "missing_price"), (3, "duplicate_sku"), (4, "duplicate_sku")],
        "solfacil/solfacil-cables.json": [(0, "unknown_category"), (0, "unit_unknown"), (None, "truncated_json")],
        "solfacil/solfacil-inverters.json": [(1, "duplicate_sku")],
        "solfacil/solfacil-panels.json": [(0, "shifted_columns")],
        "fotus/fotus-kits.json": [(1, "duplicate_sku")],
    }
    assert (len(here.items), len(here.kits)) == (11, 2)


def test_the_worker_parses_by_the_rules_of_this_process(defective_root, worker_takes_the_rest, monkeypatch, caplog) -> None:
    rules = Rules.model_validate(
        {
            "locations": {"odex": "Odex Curitiba"},
            "prices": {"ceilings": {"inverters": "1000"}},
            "stock": {"default_quantity": 7},
        }
    )
    here = parsed_here_only(defective_root, monkeypatch, rules)
    with caplog.at_level(logging.DEBUG, logger="medusa_sync"):
        both = load_catalog(defective_root, rules)
    assert worker_share(caplog) == "feeds: 5 of 6 files parsed by a worker process"
    assert both == here
    assert {level.location for level in here.levels if level.sku.startswith("odex_")} == {"Odex Curitiba"}
    suspect = [issue.sku for issue in here.issues if issue.code == "price_suspect"]  # above R$ 1.000,00: every priced inverter
    assert len(suspect) == 9 and all(sku.startswith(("odex_inverters_", "solfacil_inverters_")) for sku in suspect)
    assert not any(issue.code == "price_suspect" for issue in load_catalog(defective_root, Rules()).issues)


def test_the_worker_leaves_no_temporary_file(defective_root, worker_takes_the_rest, in_parallel) -> None:
    load_catalog(defective_root, Rules())
    assert list(in_parallel.iterdir()) == []


@pytest.mark.skipif(not REAL_ROOT.is_dir(), reason=f"the real feed snapshot is absent: {REAL_ROOT}")
def test_the_real_snapshot_parsed_with_the_worker_is_the_catalog_parsed_here(worker_takes_the_rest, monkeypatch, caplog) -> None:
    here = parsed_here_only(REAL_ROOT, monkeypatch)
    with caplog.at_level(logging.DEBUG, logger="medusa_sync"):
        both = load_catalog(REAL_ROOT, Rules())
    files = len(here.files)
    assert worker_share(caplog) == f"feeds: {files - 1} of {files} files parsed by a worker process"
    assert both == here


def test_a_distributor_registered_while_running_is_parsed_here(
    defective_root, feeds, worker_takes_the_rest, monkeypatch, caplog, odex_record
) -> None:
    """The worker's registry is the one `feeds.registry` defines."""
    voltix = Distributor(name="voltix", parse=parse_products, location="Voltix Recife")
    monkeypatch.setitem(DISTRIBUTORS, voltix.name, voltix)
    feeds.write("voltix/voltix-inverters.json", [odex_record(id="V1")])
    here = parsed_here_only(defective_root, monkeypatch)
    with caplog.at_level(logging.DEBUG, logger="medusa_sync"):
        both = load_catalog(defective_root, Rules())
    assert worker_share(caplog) == "feeds: 5 of 7 files parsed by a worker process"
    assert both == here
    assert "voltix_inverters_V1" in {item.sku for item in both.items}


def worker_command(command: str):
    return lambda monkeypatch, root: monkeypatch.setattr(parsing, "_BOOTSTRAP", command)


FAILING_WORKERS = {  # what makes it fail, and the reason it stopped
    "cannot start": (lambda monkeypatch, root: monkeypatch.setattr(sys, "executable", str(root / "no-such-python")), "No such file"),
    "has no temporary folder": (lambda monkeypatch, root: monkeypatch.setattr(tempfile, "tempdir", str(root / "gone")), "No such file"),
    "dies on its first file": (
        worker_command("import sys; print(flush=True); sys.stdin.readline(); sys.stdin.readline(); sys.exit(3)"),
        "the worker ended (3)",
    ),
    "writes a broken result": (
        worker_command(
            "import json, sys\nprint(flush=True)\nsys.stdin.readline()\nfor line in sys.stdin:\n"
            "    open(json.loads(line)['result'], 'w').write('{}')\n    print(flush=True)"
        ),
        "4 validation errors for ParsedFile",
    ),
}


@pytest.mark.parametrize("failure", FAILING_WORKERS)
def test_a_failing_worker_leaves_its_files_to_this_process(
    failure, defective_root, worker_takes_the_rest, in_parallel, monkeypatch, caplog
) -> None:
    here = parsed_here_only(defective_root, monkeypatch)
    make_it_fail, reason = FAILING_WORKERS[failure]
    make_it_fail(monkeypatch, defective_root)
    assert_parsed_here_alone(defective_root, here, reason, in_parallel, caplog)


HANGING_WORKERS = {
    "before it is ready": "import time; time.sleep(600)",
    "on its first file": "import sys, time; print(flush=True); sys.stdin.readline(); sys.stdin.readline(); time.sleep(600)",
}


@pytest.mark.parametrize("hang", HANGING_WORKERS)
def test_a_worker_that_hangs_is_ended_and_its_files_parsed_here(hang, defective_root, in_parallel, monkeypatch, caplog, request) -> None:
    """Once this process has parsed its share, the worker has `WORKER_GRACE_S` (here 0.5 s) more
    than twice that time."""
    here = parsed_here_only(defective_root, monkeypatch)
    if hang == "on its first file":
        request.getfixturevalue("worker_takes_a_file")
    monkeypatch.setattr(parsing, "_BOOTSTRAP", HANGING_WORKERS[hang])
    monkeypatch.setattr(parsing, "WORKER_GRACE_S", 0.5)
    started = time.monotonic()
    assert_parsed_here_alone(defective_root, here, "the worker ended (-9)", in_parallel, caplog)
    assert time.monotonic() - started < 30


def assert_parsed_here_alone(root: Path, here: Catalog, reason: str, temporary: Path, caplog) -> None:
    with caplog.at_level(logging.DEBUG, logger="medusa_sync"):
        both = load_catalog(root, Rules())
    assert worker_share(caplog) == "feeds: 0 of 6 files parsed by a worker process"
    stopped = [r.getMessage() for r in caplog.records if r.getMessage().startswith("feeds: the worker process stopped (")]
    assert len(stopped) == 1 and reason in stopped[0]
    assert both == here
    assert list(temporary.iterdir()) == []


def test_an_error_in_this_process_ends_the_worker_and_is_raised(defective_root, in_parallel, monkeypatch) -> None:
    started = []
    start = parsing._start

    def recorded(*args):
        started.append(start(*args))
        return started[-1]

    def broken(*args):
        raise RuntimeError("a parser bug")

    monkeypatch.setattr(parsing, "_start", recorded)
    monkeypatch.setattr(parsing, "parse_file", broken)
    with pytest.raises(RuntimeError, match="a parser bug"):
        load_catalog(defective_root, Rules())
    assert len(started) == 1 and started[0].returncode is not None  # ended and waited for
    assert list(in_parallel.iterdir()) == []


@pytest.mark.parametrize(("threshold", "cores"), [(parsing.PARALLEL_BYTES, 2), (0, 1)], ids=["small root", "one core"])
def test_a_small_root_or_a_single_core_parses_here_only(threshold, cores, defective_root, monkeypatch) -> None:
    workers = []
    monkeypatch.setattr(parsing, "PARALLEL_BYTES", threshold)
    monkeypatch.setattr(parsing, "_cores", lambda: cores)
    monkeypatch.setattr(parsing, "_Worker", lambda *args: workers.append(args))
    catalog = load_catalog(defective_root, Rules())
    assert workers == [] and len(catalog.items) == 11


@pytest.mark.parametrize(
    ("own_cgroup", "limits", "cores"),
    [
        ("0::/system.slice/cron.service", {}, 2),
        ("0::/system.slice/cron.service", {"system.slice/cron.service": "max 100000"}, 2),
        ("0::/system.slice/cron.service", {"system.slice/cron.service": "100000 100000"}, 1),
        ("0::/system.slice/cron.service", {"system.slice": "50000 100000", "system.slice/cron.service": "max 100000"}, 1),
        ("0::/system.slice/cron.service", {"system.slice/cron.service": "300000 100000"}, 2),
        ("0::/", {"": "150000 100000"}, 1),  # a container's own view
        ("4:memory:/docker/1\n1:cpu:/docker/1", {"": "100000 100000"}, 2),  # cgroup v1: not read
    ],
    ids=["no limit", "max", "one CPU", "a parent's half CPU", "above the CPUs", "container", "cgroup v1"],
)
def test_the_cores_counted_stay_within_the_cgroup_cpu_quota(own_cgroup, limits, cores, tmp_path, monkeypatch) -> None:
    """Two CPUs to run on; the worker starts only where the quota leaves two."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    (tmp_path / "self").write_text(own_cgroup + "\n")
    for folder, value in limits.items():
        (tmp_path / "cgroup" / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / "cgroup" / folder / "cpu.max").write_text(value + "\n")
    monkeypatch.setattr(parsing, "SELF_CGROUP", tmp_path / "self")
    monkeypatch.setattr(parsing, "CGROUP_ROOT", tmp_path / "cgroup")
    assert parsing._cores() == cores
