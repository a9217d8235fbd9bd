"""The stage machine: forward with skips, back to investigating, close only when resolved."""

from __future__ import annotations

import pytest

from tests.unit.helpers import T0, at, declare, walk
from warroom.domain.enums import Stage
from warroom.domain.errors import RuleViolation
from warroom.domain.policy import Policy
from warroom.domain.stages import allowed_targets


def test_forward_stages_and_milestones(standard: Policy) -> None:
    inc = declare(standard)
    inc.change_stage(Stage.IDENTIFIED, policy=standard, by="a", now=at(10))
    inc.change_stage(Stage.RESTORING, policy=standard, by="a", now=at(20))
    inc.change_stage(Stage.MONITORING, policy=standard, by="a", now=at(30))
    inc.change_stage(Stage.MITIGATED, policy=standard, by="a", now=at(40))
    assert inc.stage is Stage.MITIGATED
    assert (inc.identified_at, inc.mitigated_at, inc.resolved_at) == (at(10), at(40), None)


def test_skipping_forward_stamps_every_milestone_passed(standard: Policy) -> None:
    inc = declare(standard)
    inc.change_stage(Stage.MITIGATED, policy=standard, by="a", now=at(5))
    assert inc.identified_at == inc.mitigated_at == at(5)


def test_any_open_stage_may_return_to_investigating(standard: Policy) -> None:
    inc = declare(standard)
    walk(inc, standard, Stage.IDENTIFIED, Stage.MITIGATED)
    inc.change_stage(Stage.INVESTIGATING, policy=standard, by="a", now=at(50), note="relapse")
    assert inc.stage is Stage.INVESTIGATING
    assert inc.mitigated_at is None and inc.identified_at is None
    assert "Reopened" in inc.new_entries[-1].text


@pytest.mark.parametrize("stage", [s for s in Stage if s not in {Stage.CLOSED}])
def test_close_only_from_resolved(stage: Stage) -> None:
    assert (Stage.CLOSED in allowed_targets(stage)) == (stage is Stage.RESOLVED)


def test_closed_is_final(standard: Policy) -> None:
    assert allowed_targets(Stage.CLOSED) == []


def test_forbidden_transition_names_the_rule(standard: Policy) -> None:
    inc = declare(standard)
    with pytest.raises(RuleViolation) as err:
        inc.change_stage(Stage.CLOSED, policy=standard, by="a", now=T0)
    assert err.value.rule == "stages.transition"
    assert "allowed:" in err.value.message
    assert inc.stage is Stage.INVESTIGATING


def test_same_stage_is_refused(standard: Policy) -> None:
    inc = declare(standard)
    with pytest.raises(RuleViolation) as err:
        inc.change_stage(Stage.INVESTIGATING, policy=standard, by="a", now=T0)
    assert err.value.rule == "stages.same"


def test_stage_change_keeps_its_true_time(standard: Policy) -> None:
    inc = declare(standard, now=at(60), occurred_at=at(0))
    inc.change_stage(Stage.IDENTIFIED, policy=standard, by="a", now=at(60), occurred_at=at(14))
    entry = inc.new_entries[-1]
    assert entry.occurred_at == at(14) and entry.recorded_at == at(60)
    assert inc.identified_at == at(14)
