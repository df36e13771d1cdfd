"""What a benchmark stage is: an input maker per size, fasttda's call and the baseline's."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable


def level() -> str:
    return os.environ.get("FASTTDA_BENCH_LEVEL", "standard")


@dataclass
class Size:
    label: str
    make: Callable[[], Any]
    baseline: bool = True  # run the baseline at this size (some are too slow at the largest)
    baseline_repeats: int | None = None


@dataclass
class Stage:
    name: str
    module: str
    sizes: Callable[[], list[Size]]
    fasttda: Callable[..., Any]
    baseline: Callable[..., Any] | None
    baseline_name: str
    notes: list[str] = field(default_factory=list)
