"""Prometheus gauges computed from the database at scrape time.

Any number of processes serve /metrics; each scrape asks the database, so every process
reports the same numbers (a per-process counter would not).
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from warroom import queries


class IncidentCollector(Collector):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        incidents = GaugeMetricFamily(
            "warroom_incidents",
            "Incidents by stage and severity (drills excluded)",
            labels=["stage", "severity"],
        )
        with self.engine.connect() as conn:
            for stage, severity, count in queries.incident_counts(conn):
                incidents.add_metric([stage, severity], count)
        yield incidents


def build_registry(engine: Engine) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(IncidentCollector(engine))
    return registry
