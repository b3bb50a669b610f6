"""The median and the range of a figure's samples."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, samples: Sequence[float]) -> Spread:
        if not samples:
            raise ValueError("no samples")
        return cls(statistics.median(samples), min(samples), max(samples), len(samples))

    def format(self, number: Callable[[float], str], unit: str = "") -> str:
        """`1.20 s (1.10–1.31)`: the median, then the range of the N samples."""
        text = f"{number(self.median)}{unit}"
        if self.n > 1:
            text += f" ({number(self.low)}–{number(self.high)})"
        return text
