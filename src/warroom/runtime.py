"""Settings of the Python runtime for a long-running warroom process.

The cyclic garbage collector runs a young-generation pass every 700 allocations by
default and, every hundred of those, a pass over the whole heap — in a server holding the
ORM's mappings, the policy, templates and caches, that full pass stops every request and
the intake writer for tens of milliseconds. Freezing what exists once the process has
started (it lives as long as the process) takes it out of every pass, and a larger young
generation makes passes rarer. Alert storm, one process, SQLite, alternated runs: 3,458
and 3,614 webhooks/s with a p99 of 152 ms without, 4,607 and 4,805/s with a p99 of 12 to 15
ms with (docs/benchmarks.md). Memory is still freed by reference counting as before; only
cycles wait a little longer. What a command allocates is freed by reference counting
(a unit of work is kept out of reference cycles, `service_layer/unit_of_work.py`), so
young passes stay rare and short.
"""

from __future__ import annotations

import gc

YOUNG = 20_000  # allocations between young-generation passes (CPython's default is 700)
OLDER = 20  # young passes per middle pass, middle passes per full pass (defaults 10, 10)


def tune_gc() -> None:
    """Call once the process has built its long-lived objects, before serving."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, OLDER, OLDER)
