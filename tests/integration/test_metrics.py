"""Metrics from incidents recorded after the fact with known true times, on both databases.

Every expected number below is worked out by hand from the times in `record_history`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.conftest import make_warroom
from tests.fakes import ManualClock
from tests.support.policies import without_checklists
from tests.support.testplan import pass_test_plan
from warroom import metrics_csv
from warroom import metrics_queries as mq
from warroom.bootstrap import Warroom
from warroom.domain import commands as c
from warroom.domain.access import AccessRole, Principal
from warroom.domain.clock_commands import RecordRetrospective
from warroom.domain.enums import Audience, FollowUpKind, FollowUpStatus, RoleName, Stage, Visibility
from warroom.domain.errors import InvalidInput
from warroom.domain.policy import Policy

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def t(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


EMILY = Principal(name="emily", role=AccessRole.RESPONDER)
CAROL = Principal(name="carol", role=AccessRole.VIEWER)  # holds a role in the restricted one
ROOT = Principal(name="root", role=AccessRole.ADMIN)


@pytest.fixture
def history(database_url: str, standard: Policy) -> Iterator[Warroom]:
    clock = ManualClock(NOW)
    wr = make_warroom(database_url, clock, without_checklists(standard))
    record_history(wr)
    yield wr
    wr.close()


def record_history(wr: Warroom) -> dict[str, str]:
    def do(command: Any) -> Any:
        return wr.bus.handle(command)

    def declare(severity: str, detected: datetime, declared: datetime, **kw: Any) -> str:
        result = do(
            c.DeclareIncident(
                title=kw.pop("title", f"Broken since {detected.isoformat()}"),
                severity=severity,
                by="alice",
                detected_at=detected,
                occurred_at=declared,
                force=True,
                **kw,
            )
        )
        return str(result["ref"])

    def role(ref: str, person: str, at: datetime, role: RoleName = RoleName.COMMANDER) -> None:
        do(c.AssignRole(ref=ref, role=role, person=person, by="alice", occurred_at=at))

    def stage(ref: str, to: Stage, at: datetime) -> None:
        do(c.ChangeStage(ref=ref, stage=to, by="alice", occurred_at=at))

    def update(ref: str, audience: Audience, at: datetime) -> None:
        do(c.PostUpdate(ref=ref, audience=audience, text="Still on it", by="bob", occurred_at=at))

    # A: sev2 on login. Ack 7 min after declaring; identified 40 min, mitigated 90 min,
    # resolved 3 h after detection.
    a = declare("sev2", t(2, 9, 0), t(2, 9, 5), services=("login",))
    role(a, "alice", t(2, 9, 12))
    update(a, Audience.INTERNAL, t(2, 9, 30))  # due 09:35 → on time
    update(a, Audience.CUSTOMERS, t(2, 9, 50))  # due 10:05 → on time
    stage(a, Stage.IDENTIFIED, t(2, 9, 40))
    update(a, Audience.INTERNAL, t(2, 10, 20))  # due 10:00 + 10m grace → late
    stage(a, Stage.MITIGATED, t(2, 10, 30))  # observers never told: missed by 11:15
    do(RecordRetrospective(ref=a, by="alice", occurred_at=t(3, 15)))  # due Wed 4th 17:00
    do(
        c.AddFollowUp(
            ref=a, title="Add a login canary", kind=FollowUpKind.PREVENTION, by="alice",
            due=date(2026, 11, 10),
        )
    )  # fmt: skip
    do(c.AddFollowUp(ref=a, title="Fix the pool", kind=FollowUpKind.DURABLE_FIX, by="alice"))
    do(c.CloseFollowUp(ref=a, number=2, status=FollowUpStatus.DONE, by="alice"))
    role(a, "bob", t(2, 9, 20), RoleName.WORKER)
    pass_test_plan(do, a, commander="alice", worker="bob")  # document 003: sev2 resolves tested
    stage(a, Stage.RESOLVED, t(2, 12, 0))

    # B: sev3 on payments, declared on detection; ack 30 min, identified 1 h, mitigated 2 h.
    b = declare("sev3", t(10, 8), t(10, 8), services=("payments",))
    role(b, "bob", t(10, 8, 30))
    update(b, Audience.INTERNAL, t(10, 9))  # due 10:00 → on time
    stage(b, Stage.IDENTIFIED, t(10, 9))
    stage(b, Stage.MITIGATED, t(10, 10))  # retrospective due Thu 12th 17:00: never held
    do(
        c.AddFollowUp(
            ref=b, title="Retry payments", kind=FollowUpKind.PREVENTION, by="alice",
            due=date(2026, 12, 1),
        )
    )  # fmt: skip

    # E: sev3 on search in October; ack after 5 minutes.
    e = declare("sev3", t(15, 10, month=10), t(15, 10, month=10), services=("search",))
    role(e, "erin", t(15, 10, 5, month=10))

    # A drill with slow numbers that must not count.
    d = declare("sev2", t(5, 9), t(5, 9), services=("login",), drill=True)
    role(d, "dave", t(5, 14))
    stage(d, Stage.MITIGATED, t(5, 18))

    # A restricted incident: only admins and its members (carol) count it.
    r = declare("sev3", t(12, 10), t(12, 10), services=("hr",), visibility=Visibility.RESTRICTED)
    role(r, "carol", t(12, 10, 10))
    return {"a": a, "b": b, "e": e, "drill": d, "restricted": r}


def compute(wr: Warroom, viewer: Principal | None = EMILY, **kw: Any) -> dict[str, Any]:
    f = mq.make_filter(policy=wr.policy, **kw)
    with wr.db.read.connect() as conn:
        return mq.compute(conn, f, policy=wr.policy, now=NOW, viewer=viewer)


def means(group: dict[str, Any]) -> dict[str, float | None]:
    return {k: group[k]["mean_seconds"] for k in ("mtta", "time_to_identify", "mttm", "mttr")}


def test_durations_equal_those_computed_by_hand(history: Warroom) -> None:
    result = compute(history)
    d = result["durations"]
    overall = d["overall"]
    # mtta: A 7m, B 30m, E 5m; identify: A 40m, B 1h; mitigate: A 1h30, B 2h; resolve: A 3h.
    assert means(overall) == {
        "mtta": (420 + 1800 + 300) / 3,
        "time_to_identify": (2400 + 3600) / 2,
        "mttm": (5400 + 7200) / 2,
        "mttr": 10800.0,
    }
    assert overall["mtta"]["median_seconds"] == 420
    assert overall["mtta"]["p90_seconds"] == 1800
    assert overall["mttr"]["count"] == 1
    by_severity = {g["group"]: means(g) for g in d["by_severity"]}
    assert list(by_severity) == ["sev2", "sev3"]  # policy order, not the drill's sev2 numbers
    assert by_severity["sev2"] == {
        "mtta": 420.0,
        "time_to_identify": 2400.0,
        "mttm": 5400.0,
        "mttr": 10800.0,
    }
    assert by_severity["sev3"] == {
        "mtta": (1800 + 300) / 2,
        "time_to_identify": 3600.0,
        "mttm": 7200.0,
        "mttr": None,
    }
    by_service = {g["group"]: means(g)["mtta"] for g in d["by_service"]}
    assert by_service == {"login": 420.0, "payments": 1800.0, "search": 300.0}
    by_month = {g["group"]: means(g)["mtta"] for g in d["by_month"]}
    assert by_month == {"2026-10": 300.0, "2026-11": (420 + 1800) / 2}


def test_counts_adherence_and_followups(history: Warroom) -> None:
    result = compute(history)
    assert result["incidents"] == {
        "total": 3,
        "open": 3,
        "by_severity": {"sev2": 1, "sev3": 2},
        "by_stage": {"resolved": 1, "mitigated": 1, "investigating": 1},
    }
    updates = {u["audience"]: u for u in result["updates"]}
    # internal: A on time + late, B on time; E (sev3, 2h cadence, 15m grace, open since
    # 15 Oct) never updated: missed. customers: A on time; E owes its 4-hourly one.
    assert updates["internal"] == {
        "audience": "internal",
        "due": 4,
        "on_time": 2,
        "late": 1,
        "missed": 1,
        "adherence": 0.5,
    }
    assert (updates["customers"]["on_time"], updates["customers"]["missed"]) == (1, 1)
    assert (updates["observers"]["due"], updates["observers"]["missed"]) == (1, 1)
    assert result["retrospectives"] == {
        "held_on_time": 1,
        "held_late": 0,
        "breached": 1,
        "pending": 0,
        "adherence": 0.5,
    }
    assert result["followups"] == {
        "total": 3,
        "done": 1,
        "not_doing": 0,
        "open": 2,
        "overdue": 1,
        "completion": round(1 / 3, 4),
    }


def test_filters_by_period_severity_and_service(history: Warroom) -> None:
    november = compute(history, start=t(1, 0), end=t(1, 0, month=12))
    assert november["incidents"]["total"] == 2
    assert means(november["durations"]["overall"])["mtta"] == (420 + 1800) / 2
    sev3 = compute(history, severities=["sev3"])
    assert sev3["incidents"]["by_severity"] == {"sev3": 2}
    login = compute(history, service="login")
    assert login["incidents"]["total"] == 1
    assert login["followups"]["total"] == 2
    with pytest.raises(InvalidInput) as bad:
        compute(history, start=t(2, 0), end=t(1, 0))
    assert bad.value.field == "to"
    with pytest.raises(InvalidInput) as unknown:
        compute(history, severities=["sev9"])
    assert unknown.value.field == "severity"


@pytest.mark.parametrize(
    ("viewer", "total", "mtta"),
    [
        (None, 3, (420 + 1800 + 300) / 3),
        (EMILY, 3, (420 + 1800 + 300) / 3),
        (CAROL, 4, (420 + 1800 + 300 + 600) / 4),
        (ROOT, 4, (420 + 1800 + 300 + 600) / 4),
    ],
)
def test_restricted_incidents_count_only_for_admins_and_members(
    history: Warroom, viewer: Principal | None, total: int, mtta: float
) -> None:
    result = compute(history, viewer=viewer)
    assert result["incidents"]["total"] == total
    assert result["durations"]["overall"]["mtta"]["mean_seconds"] == mtta


def test_csv_rows_carry_the_same_numbers(history: Warroom) -> None:
    rows = metrics_csv.csv_rows(compute(history))
    assert all(list(r) == list(metrics_csv.CSV_COLUMNS) for r in rows)
    [mttr] = [
        r for r in rows if (r["section"], r["group"], r["metric"]) == ("severity", "sev2", "mttr")
    ]
    assert (mttr["count"], mttr["mean_seconds"]) == (1, 10800.0)
    [internal] = [r for r in rows if r["metric"] == "update_adherence" and r["group"] == "internal"]
    assert (internal["count"], internal["ratio"]) == (4, 0.5)
