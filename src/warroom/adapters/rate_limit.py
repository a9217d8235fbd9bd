"""Token buckets: the one rate limiter (intake, sign-in, subscribe).

`TokenBuckets` keeps them in memory, per process (alert intake per integration, where a
database round trip per webhook would cost the hot path). `SharedTokenBuckets` keeps them
in the database, so every process counts against one limit (sign-in and status
subscriptions, whatever the number of `serve` processes).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.engine import Engine


class TokenBuckets:
    """`per_minute` requests with bursts up to `burst` (default: `per_minute`) per name;
    `take` says how long to wait."""

    def __init__(self, clock: object = time.monotonic, max_names: int = 100_000) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self._max_names = max_names

    def take(self, name: str, per_minute: float, burst: int | None = None) -> int:
        """0 if allowed (and counted); else the whole seconds to wait before retrying."""
        if per_minute <= 0:
            return 0
        capacity = float(burst if burst is not None else max(1, math.floor(per_minute)))
        now: float = self._clock()  # type: ignore[operator]
        refill = per_minute / 60.0
        with self._lock:
            if len(self._buckets) > self._max_names:
                # Many clients (or a flood of addresses): forget everyone rather than grow.
                self._buckets.clear()
            tokens, last = self._buckets.get(name, (capacity, now))
            tokens = min(capacity, tokens + (now - last) * refill)
            if tokens >= 1.0:
                self._buckets[name] = (tokens - 1.0, now)
                return 0
            self._buckets[name] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / refill))

    def settle(self, name: str, tokens: float) -> None:
        """Set a bucket to what an authority counted (the shared buckets' last word)."""
        now: float = self._clock()  # type: ignore[operator]
        with self._lock:
            self._buckets[name] = (tokens, now)


# Refill since the last count (never negative, should clocks disagree), capped at capacity.
_FILL = (
    "(CASE WHEN rate_buckets.tokens + (CASE WHEN :now > rate_buckets.at"
    " THEN :now - rate_buckets.at ELSE 0 END) * :refill > :capacity THEN :capacity"
    " ELSE rate_buckets.tokens + (CASE WHEN :now > rate_buckets.at"
    " THEN :now - rate_buckets.at ELSE 0 END) * :refill END)"
)
# One statement, atomic on both databases: a new name starts full and pays one token; a
# known one is refilled, then pays if it can. Every SET expression reads the old row.
_TAKE = text(
    "INSERT INTO rate_buckets (name, tokens, at, granted) VALUES (:name, :capacity - 1, :now, 1)"
    " ON CONFLICT (name) DO UPDATE SET"
    f" tokens = CASE WHEN {_FILL} >= 1 THEN {_FILL} - 1 ELSE {_FILL} END,"
    f" granted = CASE WHEN {_FILL} >= 1 THEN 1 ELSE 0 END,"
    " at = :now"
    " RETURNING granted, tokens"
)
# A bucket untouched for a day is full again: the same as no row at all.
_FORGET = text("DELETE FROM rate_buckets WHERE at < :before")
FORGET_AFTER_SECONDS = 86_400.0


class SharedTokenBuckets:
    """The same buckets kept in the `rate_buckets` table, shared by every process.

    A per-process copy stands in front, set to the database's count after every visit:
    other processes only ever take tokens, so when the copy says no the database would
    too, and a flood from one address is refused without touching the database.
    """

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], float] = time.time,
        local: TokenBuckets | None = None,
        sweep_every: int = 1000,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._local = local or TokenBuckets(clock=clock)
        self._sweep_every = sweep_every
        self._count = 0
        self._lock = threading.Lock()

    def take(self, name: str, per_minute: float, burst: int | None = None) -> int:
        """0 if allowed (and counted); else the whole seconds to wait before retrying."""
        if per_minute <= 0:
            return 0
        name = name[:300]
        wait = self._local.take(name, per_minute, burst)
        if wait:
            return wait
        capacity = float(burst if burst is not None else max(1, math.floor(per_minute)))
        refill = per_minute / 60.0
        now = self._clock()
        with self._engine.begin() as conn:
            granted, tokens = conn.execute(
                _TAKE, {"name": name, "capacity": capacity, "refill": refill, "now": now}
            ).one()
            if self._due_for_sweep():
                conn.execute(_FORGET, {"before": now - FORGET_AFTER_SECONDS})
        self._local.settle(name, float(tokens))
        if granted:
            return 0
        return max(1, math.ceil((1.0 - float(tokens)) / refill))

    def _due_for_sweep(self) -> bool:
        with self._lock:
            self._count += 1
            return self._count % self._sweep_every == 0
