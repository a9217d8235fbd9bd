"""Prometheus gauges computed from the database at scrape time.

Any number of processes serve /metrics; each scrape asks the database, so every process
reports the same numbers (a per-process counter would not). The scrape is anonymous, so
restricted incidents are left out of every gauge, the stage counts included (a count
of restricted incidents in a stage is already more than the public may know).
Durations and adherence cover incidents declared in the last 90 days, so a scrape stays
quick however long the history.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from warroom import metrics_queries, queries
from warroom.adapters.clock import Clock
from warroom.domain.metrics import DEFINITIONS, MEASURES
from warroom.domain.policy import Policy

WINDOW = timedelta(days=90)


class IncidentCollector(Collector):
    def __init__(
        self, engine: Engine, policy: Policy | None = None, clock: Clock | None = None
    ) -> None:
        self.engine = engine
        self.policy = policy
        self.clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        incidents = GaugeMetricFamily(
            "warroom_incidents",
            "Incidents by stage and severity (drills and restricted incidents excluded)",
            labels=["stage", "severity"],
        )
        with self.engine.connect() as conn:
            for stage, severity, count in queries.incident_counts(conn):
                incidents.add_metric([stage, severity], count)
            yield incidents
            if self.policy is not None and self.clock is not None:
                now = self.clock.now()
                # Durations and adherence over a recent window: a scrape must stay fast
                # however long the history is (the dashboard covers any period).
                result = metrics_queries.compute(
                    conn,
                    metrics_queries.MetricsFilter(start=now - WINDOW),
                    policy=self.policy,
                    now=now,
                    viewer=None,
                )
                result["live"] = metrics_queries.live_counts(conn, now=now)
                yield from _process_gauges(result)


def _process_gauges(result: dict[str, object]) -> Iterator[GaugeMetricFamily]:
    """Mean durations per severity, open incidents, update and deadline adherence, follow-ups."""
    durations = result["durations"]
    assert isinstance(durations, dict)
    for name, *_ in MEASURES:
        gauge = GaugeMetricFamily(
            f"warroom_incident_{name}_seconds",
            f"Mean {DEFINITIONS[name]} (seconds; incidents declared in the last 90 days; "
            "drills and restricted incidents excluded)",
            labels=["severity"],
        )
        for row in durations["by_severity"]:
            mean = row[name]["mean_seconds"]
            if mean is not None:
                gauge.add_metric([row["group"]], mean)
        yield gauge
    live = result["live"]
    assert isinstance(live, dict)
    yield GaugeMetricFamily(
        "warroom_incidents_open",
        "Open incidents (drills and restricted incidents excluded)",
        value=live["open"],
    )
    adherence = GaugeMetricFamily(
        "warroom_update_adherence_ratio",
        "Share of status updates posted on time, per audience (last 90 days)",
        labels=["audience"],
    )
    updates = result["updates"]
    assert isinstance(updates, list)
    for row in updates:
        if row["adherence"] is not None:
            adherence.add_metric([row["audience"]], row["adherence"])
    yield adherence
    retro = result["retrospectives"]
    assert isinstance(retro, dict)
    if retro["adherence"] is not None:
        yield GaugeMetricFamily(
            "warroom_retrospective_adherence_ratio",
            "Share of retrospectives held by their deadline (last 90 days)",
            value=retro["adherence"],
        )
    fu = live["followups"]
    yield GaugeMetricFamily("warroom_followups_open", "Open follow-ups", value=fu["open"])
    yield GaugeMetricFamily(
        "warroom_followups_overdue", "Open follow-ups past their due date", value=fu["overdue"]
    )


def build_registry(
    engine: Engine, policy: Policy | None = None, clock: Clock | None = None
) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(IncidentCollector(engine, policy, clock))
    return registry
