"""The public status page as Statuspage-compatible data, built from the read side."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from warroom.adapters.markdown import render_markdown
from warroom.domain.enums import Stage
from warroom.domain.policy import Policy
from warroom.domain.status_page import (
    IMPACT_COMPONENT_STATUS,
    ComponentStatus,
    Impact,
    ImpactWindow,
    IncidentStatus,
    impact_of,
    incident_status,
    is_unresolved,
    maintenance_status,
    page_indicator,
    uptime,
    worst,
)

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class PageInfo:
    name: str
    url: str  # the status page's own URL, ending in "/status/"
    time_zone: str = "Etc/UTC"

    @property
    def id(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-") or "status"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "group"


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def _impact(policy: Policy, severity: str) -> Impact:
    for level in policy.severities:
        if level.name == severity:
            return impact_of(level.statuspage_impact)
    return Impact.MINOR


def _affected(incident: dict[str, Any], service_map: dict[str, str]) -> list[str]:
    out: list[str] = []
    for name in incident["services"]:
        component = service_map.get(name)
        if component and component not in out:
            out.append(component)
    return out


def _window_end(incident: dict[str, Any]) -> datetime | None:
    end: datetime | None = incident["mitigated_at"]
    if end is None and Stage(incident["stage"]) is Stage.CLOSED:
        end = incident["resolved_at"] or incident["closed_at"]
    return end


class StatusView:
    """Everything the page, the feed and the JSON show, computed once per change."""

    def __init__(
        self,
        *,
        page: PageInfo,
        policy: Policy,
        now: datetime,
        components: list[dict[str, Any]],
        service_map: dict[str, str],
        incidents: list[dict[str, Any]],
        maintenances: list[dict[str, Any]],
    ) -> None:
        self.info = page
        self.now = now
        self.policy = policy
        self.service_map = service_map
        self.raw_components = components
        self.raw_incidents = incidents
        self.raw_maintenances = maintenances
        known = {c["name"] for c in components}
        self._affects = {
            i["id"]: [n for n in _affected(i, service_map) if n in known] for i in incidents
        }
        self.component_ids = {c["name"]: f"c{c['id']}" for c in components}
        self.incidents = [self._incident(i) for i in incidents]
        self.maintenances = [self._maintenance(m) for m in maintenances]
        self.components = self._components()
        self.unresolved = [i for i in self.incidents if is_unresolved(IncidentStatus(i["status"]))]
        leaves = [c for c in self.components if not c["group"]]
        self.indicator, self.description = page_indicator(
            [ComponentStatus(c["status"]) for c in leaves],
            [
                Impact(i["impact"])
                for i in self.unresolved
                if i["status"] != IncidentStatus.MONITORING
            ],
        )
        stamps = [
            EPOCH,
            *(c["updated_at"] for c in components),
            *(m["updated_at"] for m in maintenances),
            *(e["recorded_at"] for i in incidents for e in i["entries"]),
            *(i["declared_at"] for i in incidents),
        ]
        self.updated_at = max(stamps)

    # -- components --------------------------------------------------------------------------

    def _live_status(self, name: str, manual: str) -> ComponentStatus:
        causes = [ComponentStatus(manual)]
        for raw in self.raw_incidents:
            if name in self._affects[raw["id"]] and _window_end(raw) is None:
                causes.append(IMPACT_COMPONENT_STATUS[_impact(self.policy, raw["severity"])])
        for m in self.maintenances:
            if m["status"] == "in_progress" and name in m["_component_names"]:
                causes.append(ComponentStatus.UNDER_MAINTENANCE)
        return worst(causes)

    def _components(self) -> list[dict[str, Any]]:
        pid = self.info.id
        out: list[dict[str, Any]] = []
        groups: dict[str, dict[str, Any]] = {}
        for c in self.raw_components:
            group_id = None
            if c["group_name"]:
                group = groups.get(c["group_name"])
                if group is None:
                    group = groups[c["group_name"]] = {
                        "id": f"g-{_slug(c['group_name'])}",
                        "name": c["group_name"],
                        "status": "operational",
                        "created_at": _iso(c["created_at"]),
                        "updated_at": _iso(c["updated_at"]),
                        "position": c["position"],
                        "description": None,
                        "showcase": False,
                        "start_date": None,
                        "group_id": None,
                        "page_id": pid,
                        "group": True,
                        "only_show_if_degraded": False,
                        "components": [],
                    }
                    out.append(group)
                group["components"].append(self.component_ids[c["name"]])
                group_id = group["id"]
            out.append(
                {
                    "id": self.component_ids[c["name"]],
                    "name": c["name"],
                    "status": str(self._live_status(c["name"], c["status"])),
                    "created_at": _iso(c["created_at"]),
                    "updated_at": _iso(c["updated_at"]),
                    "position": c["position"],
                    "description": c["description"] or None,
                    "showcase": True,
                    "start_date": c["created_at"].date().isoformat(),
                    "group_id": group_id,
                    "page_id": pid,
                    "group": False,
                    "only_show_if_degraded": False,
                }
            )
        by_id = {c["id"]: c for c in out}
        for group in groups.values():
            group["status"] = str(
                worst(ComponentStatus(by_id[i]["status"]) for i in group["components"])
            )
        return out

    def component_refs(self, names: list[str]) -> list[dict[str, Any]]:
        ids = {self.component_ids[n] for n in names if n in self.component_ids}
        return [
            {k: v for k, v in c.items() if k != "components"}
            for c in self.components
            if c["id"] in ids
        ]

    # -- incidents -------------------------------------------------------------------------------

    def _incident(self, raw: dict[str, Any]) -> dict[str, Any]:
        iid = f"inc-{raw['id']}"
        names = self._affects[raw["id"]]
        published = raw["postmortem_published"]
        stage_at: list[tuple[datetime, Stage]] = []
        updates: list[dict[str, Any]] = []
        monitoring_at = None
        for e in raw["entries"]:
            if e["kind"] == "stage-change":
                stage = Stage(e["data"].get("to", raw["stage"]))
                stage_at.append((e["occurred_at"], stage))
                if incident_status(stage, postmortem_published=False) is IncidentStatus.MONITORING:
                    monitoring_at = monitoring_at or e["occurred_at"]
                continue
            current = stage_at[-1][1] if stage_at else Stage.INVESTIGATING
            status = incident_status(current, postmortem_published=False)
            updates.append(
                {
                    "id": f"u{e['id']}",
                    "status": str(status),
                    "body": e["text"],
                    "incident_id": iid,
                    "created_at": _iso(e["recorded_at"]),
                    "updated_at": _iso(e["recorded_at"]),
                    "display_at": _iso(e["occurred_at"]),
                    "affected_components": None,
                    "deliver_notifications": True,
                    "custom_tweet": None,
                    "tweet_id": None,
                }
            )
        updates.reverse()  # newest first, as Statuspage lists them
        status = incident_status(Stage(raw["stage"]), postmortem_published=published)
        last = max([raw["declared_at"], *(e["recorded_at"] for e in raw["entries"])])
        resolved = raw["resolved_at"] or raw["closed_at"]
        return {
            "id": iid,
            "name": raw["title"],
            "status": str(status),
            "created_at": _iso(raw["declared_at"]),
            "updated_at": _iso(last),
            "monitoring_at": _iso(monitoring_at),
            "resolved_at": _iso(resolved) if not is_unresolved(status) else None,
            "impact": str(_impact(self.policy, raw["severity"])),
            "shortlink": f"{self.info.url}incidents/{iid}/",
            "started_at": _iso(raw["detected_at"]),
            "page_id": self.info.id,
            "incident_updates": updates,
            "components": [],  # filled once components exist (see components_of)
            "_component_names": names,
            "_postmortem_html": (
                render_markdown(raw["customer_postmortem"]) if raw["customer_postmortem"] else None
            ),
            "_postmortem_at": _iso(raw["customer_postmortem_at"]),
        }

    def _maintenance(self, raw: dict[str, Any]) -> dict[str, Any]:
        mid = f"m{raw['id']}"
        status = maintenance_status(
            raw["scheduled_for"],
            raw["scheduled_until"],
            self.now,
            completed=raw["completed_at"] is not None,
        )
        return {
            "id": mid,
            "name": raw["name"],
            "status": str(status),
            "created_at": _iso(raw["created_at"]),
            "updated_at": _iso(raw["updated_at"]),
            "monitoring_at": None,
            "resolved_at": _iso(raw["completed_at"] or raw["scheduled_until"])
            if status == "completed"
            else None,
            "impact": "maintenance",
            "shortlink": f"{self.info.url}#maintenance-{mid}",
            "started_at": _iso(raw["scheduled_for"]),
            "page_id": self.info.id,
            "incident_updates": [
                {
                    "id": f"{mid}-u1",
                    "status": "scheduled",
                    "body": raw["body"] or raw["name"],
                    "incident_id": mid,
                    "created_at": _iso(raw["created_at"]),
                    "updated_at": _iso(raw["updated_at"]),
                    "display_at": _iso(raw["created_at"]),
                    "affected_components": None,
                    "deliver_notifications": True,
                    "custom_tweet": None,
                    "tweet_id": None,
                }
            ],
            "components": [],
            "scheduled_for": _iso(raw["scheduled_for"]),
            "scheduled_until": _iso(raw["scheduled_until"]),
            "_component_names": list(raw["components"]),
        }

    # -- uptime ---------------------------------------------------------------------------------

    def uptime(self, name: str, days: int = 90) -> tuple[list[Any], float]:
        windows = [
            ImpactWindow(
                start=raw["detected_at"],
                end=_window_end(raw),
                status=IMPACT_COMPONENT_STATUS[_impact(self.policy, raw["severity"])],
            )
            for raw in self.raw_incidents
            if name in self._affects[raw["id"]]
        ]
        return uptime(windows, now=self.now, days=days)

    # -- Statuspage documents ------------------------------------------------------------------

    def page(self) -> dict[str, Any]:
        return {
            "id": self.info.id,
            "name": self.info.name,
            "url": self.info.url,
            "time_zone": self.info.time_zone,
            "updated_at": _iso(self.updated_at),
        }

    def public(self, item: dict[str, Any]) -> dict[str, Any]:
        """An incident or maintenance without its private bookkeeping keys."""
        out = {k: v for k, v in item.items() if not k.startswith("_")}
        out["components"] = self.component_refs(item["_component_names"])
        return out

    def documents(self) -> dict[str, dict[str, Any]]:
        """Path (under /status/api/v2/) → JSON document."""
        page = self.page()
        status = {"indicator": self.indicator, "description": self.description}
        unresolved = [self.public(i) for i in self.unresolved]
        maint = [self.public(m) for m in self.maintenances]
        upcoming = [m for m in maint if m["status"] == "scheduled"]
        active = [m for m in maint if m["status"] in {"in_progress", "verifying"}]
        return {
            "summary.json": {
                "page": page,
                "components": self.components,
                "incidents": unresolved,
                "scheduled_maintenances": [*active, *upcoming],
                "status": status,
            },
            "status.json": {"page": page, "status": status},
            "components.json": {"page": page, "components": self.components},
            "incidents.json": {
                "page": page,
                "incidents": [self.public(i) for i in self.incidents[:50]],
            },
            "incidents/unresolved.json": {"page": page, "incidents": unresolved},
            "scheduled-maintenances.json": {
                "page": page,
                "scheduled_maintenances": maint[:50],
            },
            "scheduled-maintenances/upcoming.json": {
                "page": page,
                "scheduled_maintenances": upcoming,
            },
            "scheduled-maintenances/active.json": {
                "page": page,
                "scheduled_maintenances": active,
            },
        }
