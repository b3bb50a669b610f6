"""The live scenario: per size, one warm-up, then N rounds in which medusa-sync, the server floor
and the naive clients are each measured once, in this order:

1. the floor's creations (from an empty store), then one POST per item on a sample; the naive
   client's creations on a sample, sequential and then concurrent (each from an empty store);
2. medusa-sync's full import (from an empty store); on that synced store the floor's listing of
   every item (one page after the other, then at medusa-sync's concurrency) and its level passes (every level +1 and back, through the batch endpoint);
3. medusa-sync's re-sync of the "next night" feed (10% of the levels changed), its no-op
   re-sync with the feeds parsed (the catalog cache emptied first), the no-op again over the same
   feeds (the catalog loaded from the cache, as every run after the first over unchanged feeds),
   and as the real `medusa-sync import --yes` command;
4. the naive client undoing the changed levels one request each, sequential (a medusa-sync no-op
   against the base feed proves they landed), then redoing them concurrently (a no-op against the
   changed feed proves it); its per-SKU lookups, sequential and concurrent.

Each timed phase that follows writes starts after a 5 s pause, so that it does not pay for the
events the previous one queued. The full import and the re-sync start with an empty catalog cache
(`Settings.cache_dir`, the bench's own): they parse, as a first import and a night's new feeds do.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import clients
from bench.clients import settle
from bench.cpu import Meter
from bench.results import LiveRound, LiveSize, Pass, Step, SyncRun
from bench.server import Server, log

WARM_UP_ITEMS = 2000


class StepTimes:
    """An apply `Progress` that records how long each step takes, and the CPU it cost the client
    and the server's main thread (`server_pid`)."""

    def __init__(self, server_pid: int | None) -> None:
        self.server_pid = server_pid
        self.steps: dict[str, Step] = {}

    def step(self, name: str, total: int) -> Callable[[int], None]:
        started, cpu = time.perf_counter(), Meter(self.server_pid)
        self.steps[name] = Step(total, 0.0, 0.0)

        def advance(done: int) -> None:
            if done >= total:
                self.steps[name] = Step(total, time.perf_counter() - started, cpu.own_s(), cpu.server_main_s())

        return advance


def medusa_sync(server: Server, feed_root: Path, out_dir: Path, *, no_op: bool = False, parse: bool = False) -> SyncRun:
    """`medusa-sync import FEED_ROOT --yes`, in process, its phases and apply steps timed.
    `no_op`: the plan must have no change (else RuntimeError). `parse`: empty the catalog cache
    first, so the feeds are parsed."""
    from medusa_sync import pipeline
    from medusa_sync.config import Rules, Settings
    from medusa_sync.plan import PlanOptions
    from medusa_sync.timing import PhaseTimer

    settings = Settings(
        medusa_url=server.url, email=server.email, password=server.password, api_key=None, cache_dir=catalog_cache(out_dir)
    )
    if parse:
        shutil.rmtree(settings.cache_dir, ignore_errors=True)
    steps, timer = StepTimes(server.pid), PhaseTimer()
    started, cpu = time.perf_counter(), Meter(server.pid)
    result = pipeline.run_import(
        feed_root, settings, Rules(), PlanOptions(), out_dir=out_dir, dry_run=False, progress=steps, timer=timer
    )
    wall, own_cpu, others_cpu, server_main_cpu = time.perf_counter() - started, cpu.own_s(), cpu.others_s(), cpu.server_main_s()
    applied = result.applied
    if applied is not None and applied.failures:
        raise RuntimeError(f"medusa-sync: {len(applied.failures)} writes failed, e.g. {applied.failures[0]}")
    if no_op and result.plan.has_changes:
        raise RuntimeError(f"medusa-sync planned changes where it should see none: {result.plan.counts()}")
    counts = result.requests
    return SyncRun(
        wall_s=wall,
        requests=counts.total,
        writes=counts.writes,
        by_method=dict(counts.by_method),
        plan=result.plan.counts(),
        phases=dict(timer.seconds),
        steps=dict(steps.steps),
        client_cpu_s=own_cpu,
        others_cpu_s=others_cpu,
        server_main_cpu_s=server_main_cpu,
    )


def catalog_cache(out_dir: Path) -> Path:
    """The bench's catalog cache (never the user's), beside the outputs."""
    return out_dir.with_name("out-catalog-cache")


def medusa_sync_command(server: Server, feed_root: Path, out_dir: Path, items: int) -> Pass:
    """The real command, as a user runs it (interpreter start-up included), with the bench's catalog cache."""
    command = [str(Path(sys.executable).with_name("medusa-sync")), "import", str(feed_root), "--yes", "--json", "--out", str(out_dir)]
    if not Path(command[0]).exists():
        command[0:1] = [sys.executable, "-m", "medusa_sync"]
    env = {
        **os.environ,
        "MEDUSA_URL": server.url,
        "MEDUSA_EMAIL": server.email,
        "MEDUSA_PASSWORD": server.password,
        "MEDUSA_SYNC_CACHE_DIR": str(catalog_cache(out_dir)),
    }
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=3600, check=False)
    wall = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"medusa-sync exited {done.returncode}: {done.stderr[-2000:]}")
    return Pass(items, wall, json.loads(done.stdout)["requests"]["total"])


def live_round(
    server: Server, work: clients.Workload, base_root: Path, changed_root: Path, out: Path, concurrency: int, sample: int
) -> LiveRound:
    floor_create = clients.floor_create(server, work, concurrency)
    floor_create_single = clients.floor_create_single(server, work, concurrency, sample)
    naive_create = clients.naive_create(server, work, sample, 1)
    naive_create_concurrent = clients.naive_create(server, work, sample, concurrency)
    server.reset()
    settle()
    full = medusa_sync(server, base_root, out, parse=True)
    floor_list, floor_list_sequential, floor_levels, floor_levels_sequential = clients.floor_list_and_levels(server, concurrency)
    settle()
    resync = medusa_sync(server, changed_root, out, parse=True)
    settle()
    noop_parsed = medusa_sync(server, changed_root, out, no_op=True, parse=True)
    noop = medusa_sync(server, changed_root, out, no_op=True)
    noop_command = medusa_sync_command(server, changed_root, out.with_name(out.name + "-command"), len(work.items))
    naive_levels = clients.naive_levels(server, work.base_levels, 1)
    medusa_sync(server, base_root, out, no_op=True)  # the naive updates landed
    naive_levels_concurrent = clients.naive_levels(server, work.changed_levels, concurrency)
    medusa_sync(server, changed_root, out, no_op=True)  # ... and these too
    naive_lookup = clients.naive_lookup(server, work, sample, 1)
    naive_lookup_concurrent = clients.naive_lookup(server, work, sample, concurrency)
    return LiveRound(
        floor_create=floor_create,
        floor_list=floor_list,
        floor_list_sequential=floor_list_sequential,
        floor_levels=floor_levels,
        floor_levels_sequential=floor_levels_sequential,
        floor_create_single=floor_create_single,
        naive_create=naive_create,
        naive_create_concurrent=naive_create_concurrent,
        full=full,
        resync=resync,
        noop=noop,
        noop_command=noop_command,
        noop_parsed=noop_parsed,
        naive_levels=naive_levels,
        naive_levels_concurrent=naive_levels_concurrent,
        naive_lookup=naive_lookup,
        naive_lookup_concurrent=naive_lookup_concurrent,
    )


def live(server: Server, size: int, base_root: Path, changed_root: Path, out: Path, rounds: int, naive_sample: int) -> LiveSize:
    """One warm-up (not timed), then `rounds` rounds at `size`."""
    from medusa_sync.config import Settings

    concurrency = Settings().concurrency
    work = clients.workload(base_root, changed_root)
    sample = min(size, naive_sample)
    log(f"{size}: warm-up ({min(size, WARM_UP_ITEMS)} items, a listing, level passes; not timed)")
    clients.warm_up(server, work, concurrency, WARM_UP_ITEMS)
    measured = []
    for number in range(1, rounds + 1):
        log(f"{size}: round {number}/{rounds} (concurrency {concurrency}, naive sample {sample})")
        one = live_round(server, work, base_root, changed_root, out, concurrency, sample)
        log(
            f"{size}: round {number}: floor {one.floor_create.per_min:,.0f} items/min, full import {one.full.wall_s:.1f} s, "
            f"no-op {one.noop.wall_s:.2f} s, parsing {one.noop_parsed.wall_s:.2f} s (listing {one.floor_list.s:.2f} s), "
            f"re-sync {one.resync.wall_s:.2f} s"
        )
        measured.append(one)
    levels = sum(len(body["location_levels"]) for body in work.items)
    return LiveSize(size, concurrency, levels, len(work.changed_levels), measured)
