"""CPU seconds spent per named part of a run (`time.process_time`), for the benches that split a cost into
its parts (`bench.post_stages`, `bench.first_pass`)."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any


class CpuSpent(defaultdict[str, float]):
    """Part name → CPU seconds spent in it so far."""

    def __init__(self) -> None:
        super().__init__(float)

    def timed(self, part: str, fn: Callable[..., Any], *args, **kwargs) -> Any:
        """`fn(*args, **kwargs)`, its CPU time added to `part`."""
        start = time.process_time()
        out = fn(*args, **kwargs)
        self[part] += time.process_time() - start
        return out

    def timing(self, part: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        """`fn`, each call's CPU time added to `part`."""
        return lambda *args, **kwargs: self.timed(part, fn, *args, **kwargs)
