"""Pausing Python's cyclic garbage collector around large, cycle-free builds."""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")


def paused_gc(build: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run `build` with the cyclic garbage collector paused (reference counting still frees).

    Building a catalog or a plan allocates millions of objects and no reference cycles; with the
    collector on, each full collection re-scans everything built so far, which was 40% of the
    time of parsing and planning 50k items. Any cycle made meanwhile is collected afterwards."""

    @functools.wraps(build)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if not gc.isenabled():
            return build(*args, **kwargs)
        gc.disable()
        try:
            return build(*args, **kwargs)
        finally:
            gc.enable()

    return paused
