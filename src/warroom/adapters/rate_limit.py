"""Token buckets in memory: one per integration, per process."""

from __future__ import annotations

import math
import threading
import time


class TokenBuckets:
    """`rate` requests per minute with bursts up to `rate`; `take` says how long to wait."""

    def __init__(self, clock: object = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, name: str, per_minute: int) -> int:
        """0 if allowed (and counted); else the whole seconds to wait before retrying."""
        if per_minute <= 0:
            return 0
        now: float = self._clock()  # type: ignore[operator]
        refill = per_minute / 60.0
        with self._lock:
            tokens, last = self._buckets.get(name, (float(per_minute), now))
            tokens = min(float(per_minute), tokens + (now - last) * refill)
            if tokens >= 1.0:
                self._buckets[name] = (tokens - 1.0, now)
                return 0
            self._buckets[name] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / refill))
