"""A server process freezes its start-up objects and makes collections rarer."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from warroom.runtime import OLDER, YOUNG, tune_gc


@pytest.fixture
def restored_gc() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


@pytest.mark.usefixtures("restored_gc")
def test_tune_gc_freezes_what_exists_and_raises_the_thresholds() -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    tune_gc()
    assert gc.get_freeze_count() > 1000  # the modules, the mappings, this test's own objects
    assert gc.get_threshold() == (YOUNG, OLDER, OLDER)
