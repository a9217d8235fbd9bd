"""Who may call each route of the app, and what an admitted call of the matrix's shape gets.

`ROUTES` gives every (method, path) the router serves an access class;
`tests/e2e/test_authorisation_matrix.py` fails until a new route is added here. `ADMITTED`
names the status an admitted caller gets where it is not the default for the request the
matrix makes (see `admitted`), each with why.
"""

from __future__ import annotations

# Access classes.
PUBLIC = "public"  # anyone, signed in or not
OWN_CHECK = "own-check"  # its own credential (integration key, Slack signature, signed link)
API_READ, API_WRITE, API_ADMIN = "api-read", "api-write", "api-admin"
API_USER = "api-user"  # a user's own things (/me): a token of a user
INC_READ, INC_WRITE = "incident-read", "incident-write"  # bearer, an incident in the path
# An alert or a page by id (bearer): the permission of the role, then the alert or page is
# missing to whoever may not see its incident (no incident in the path: no working-role
# widening, so a viewer commanding the incident may not acknowledge its alerts).
ALERT_READ, ALERT_WRITE = "alert-read", "alert-write"
WEB_READ, WEB_WRITE = "console-read", "console-write"
WEB_INC_READ, WEB_INC_WRITE = "console-incident-read", "console-incident-write"
WEB_ADMIN = "console-admin"

ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/"): WEB_READ,
    ("GET", "/api/docs"): PUBLIC,
    ("GET", "/api/openapi.json"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("MOUNT", "/static"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("GET", "/login/oidc"): PUBLIC,
    ("GET", "/login/oidc/callback"): PUBLIC,
    ("POST", "/logout"): WEB_READ,
    ("GET", "/declare"): WEB_WRITE,
    ("POST", "/declare"): WEB_WRITE,
    ("GET", "/declare/classify"): WEB_READ,  # a preview of the policy's rules only
    ("GET", "/status"): PUBLIC,
    ("GET", "/status/subscribe"): PUBLIC,
    ("POST", "/status/subscribe"): PUBLIC,
    ("GET", "/status/subscribe/confirm"): PUBLIC,
    ("GET", "/status/unsubscribe"): PUBLIC,
    ("POST", "/status/unsubscribe"): PUBLIC,
    ("GET", "/incidents/{ref}"): WEB_INC_READ,
    ("GET", "/incidents/{ref}/part/{name}"): WEB_INC_READ,
    ("GET", "/incidents/{ref}/poll"): WEB_INC_READ,
    ("GET", "/incidents/{ref}/timeline/older"): WEB_INC_READ,
    ("GET", "/incidents/{ref}/postmortem"): WEB_INC_READ,
    ("GET", "/api/v1/audit"): API_ADMIN,
    ("GET", "/api/v1/audit/export"): API_ADMIN,
    ("POST", "/api/v1/hooks/{name}"): OWN_CHECK,  # Standard Webhooks signature per hook
    **{
        ("POST", f"/incidents/{{ref}}/{action}"): WEB_INC_WRITE
        for action in (
            "acknowledge",
            "answer",
            "checklist/check",
            "experiments",
            "experiments/conclude",
            "followups",
            "followups/close",
            "links",
            "roles",
            "roles/release",
            "severity",
            "stage",
            "test-plan/automated-tests",
            "test-plan/results",
            "test-plan/sign-offs",
            "test-plan/signers",
            "test-plan/steps",
            "timeline",
            "updates",
        )
    },
    # intake: integration keys; PagerDuty-compatible routing keys; Slack signatures
    ("POST", "/api/v1/alerts/alertmanager"): OWN_CHECK,
    ("POST", "/api/v1/alerts/generic"): OWN_CHECK,
    ("POST", "/api/v1/alerts/grafana"): OWN_CHECK,
    ("POST", "/v2/enqueue"): OWN_CHECK,
    ("POST", "/api/v1/slack/commands"): OWN_CHECK,
    ("POST", "/api/v1/slack/interactivity"): OWN_CHECK,
    ("GET", "/api/v1/pages/{page_id}/ack"): OWN_CHECK,
    ("POST", "/api/v1/pages/{page_id}/ack"): OWN_CHECK,
    # alerts and pages
    # (in this order: resolving the alert resolves its page, which can then not be
    # acknowledged)
    ("GET", "/api/v1/pages"): API_READ,
    ("GET", "/api/v1/pages/{page_id}"): ALERT_READ,
    ("POST", "/api/v1/pages/{page_id}/acknowledge"): ALERT_WRITE,
    ("GET", "/api/v1/alerts"): API_READ,
    ("GET", "/api/v1/alerts/{alert_id}"): ALERT_READ,
    ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): ALERT_WRITE,
    ("POST", "/api/v1/alerts/{alert_id}/resolve"): ALERT_WRITE,
    ("GET", "/api/v1/integrations"): API_ADMIN,
    ("POST", "/api/v1/integrations"): API_ADMIN,
    ("DELETE", "/api/v1/integrations/{name}"): API_ADMIN,
    ("PATCH", "/api/v1/integrations/{name}"): API_ADMIN,
    ("POST", "/api/v1/integrations/{name}/rotate-key"): API_ADMIN,
    # the catalog: readers read, responders write, admins import and delete
    ("GET", "/api/v1/catalog"): API_READ,
    ("POST", "/api/v1/catalog"): API_ADMIN,
    **{
        (method, f"/api/v1/{kind}{suffix}"): access
        for kind in ("people", "teams", "services", "schedules", "escalation-policies")
        for method, suffix, access in (
            ("GET", "", API_READ),
            ("GET", "/{key}", API_READ),
            ("PUT", "/{key}", API_WRITE),
            ("DELETE", "/{key}", API_ADMIN),
        )
    },
    ("GET", "/api/v1/people/{handle}/calendar.ics"): API_READ,
    ("GET", "/api/v1/schedules/{name}/calendar.ics"): API_READ,
    ("GET", "/api/v1/schedules/{name}/coverage"): API_READ,
    ("GET", "/api/v1/schedules/{name}/oncall"): API_READ,
    ("GET", "/api/v1/schedules/{name}/overrides"): API_READ,
    ("POST", "/api/v1/schedules/{name}/overrides"): API_WRITE,
    ("DELETE", "/api/v1/schedules/{name}/overrides/{override_id}"): API_WRITE,
    ("GET", "/api/v1/oncall"): API_READ,
    ("GET", "/api/v1/matrix"): API_READ,
    ("GET", "/api/v1/metrics"): API_READ,
    ("GET", "/api/v1/metrics.csv"): API_READ,
    ("POST", "/api/v1/drills"): API_WRITE,
    ("GET", "/api/v1/drills/{ref}/report"): INC_READ,
    ("GET", "/api/v1/drills/{ref}/report.md"): INC_READ,
    ("GET", "/dashboard"): WEB_READ,
    ("GET", "/dashboard.csv"): WEB_READ,
    ("GET", "/matrix"): WEB_READ,
    ("GET", "/matrix.md"): WEB_READ,
    # incidents
    ("GET", "/api/v1/incidents"): API_READ,
    ("POST", "/api/v1/incidents"): API_WRITE,
    ("GET", "/api/v1/incidents/{ref}"): INC_READ,
    ("PATCH", "/api/v1/incidents/{ref}"): INC_WRITE,
    ("GET", "/api/v1/incidents/{ref}/checklist"): INC_READ,
    ("GET", "/api/v1/incidents/{ref}/clocks"): INC_READ,
    ("GET", "/api/v1/incidents/{ref}/durability"): INC_READ,
    ("GET", "/api/v1/incidents/{ref}/test-plan"): INC_READ,
    ("GET", "/api/v1/incidents/{ref}/members"): INC_READ,
    ("GET", "/api/v1/incidents/{ref}/next-steps"): INC_READ,
    ("GET", "/api/v1/incidents/{ref}/notifications"): INC_READ,
    ("GET", "/api/v1/incidents/{ref}/postmortem"): INC_READ,
    ("GET", "/api/v1/incidents/{ref}/postmortem.html"): INC_READ,
    ("GET", "/api/v1/incidents/{ref}/postmortem.pdf"): INC_READ,
    ("GET", "/api/v1/incidents/{ref}/retrospective/meeting"): INC_READ,
    ("GET", "/api/v1/incidents/{ref}/questions"): INC_READ,
    ("GET", "/api/v1/incidents/{ref}/timeline"): INC_READ,
    ("POST", "/api/v1/incidents/{ref}/updates/preview"): INC_READ,  # renders, saves nothing
    # customers are personal data: reading them needs the right to write on the incident
    ("GET", "/api/v1/incidents/{ref}/customers"): INC_WRITE,
    **{
        (method, f"/api/v1/incidents/{{ref}}/{path}"): INC_WRITE
        for method, path in (
            ("POST", "acknowledge"),
            ("POST", "checklist/{item}/check"),
            ("POST", "checklist/{item}/reopen"),
            ("POST", "checklist/{item}/skip"),
            ("POST", "customers"),
            ("POST", "durability"),
            ("POST", "durability/{number}/waive"),
            ("POST", "fixes"),
            ("POST", "test-plan/automated-tests"),
            ("POST", "test-plan/sign-offs"),
            ("POST", "test-plan/signers"),
            ("POST", "test-plan/steps"),
            ("POST", "test-plan/steps/{number}/results"),
            ("PATCH", "customers/{number}"),
            ("POST", "customers/{number}/contacts"),
            ("POST", "customers/{number}/verification"),
            ("POST", "experiments"),
            ("POST", "experiments/{number}/conclude"),
            ("POST", "followups"),
            ("PATCH", "followups/{number}"),
            ("POST", "members"),
            ("DELETE", "members/{person}"),
            ("PUT", "postmortem"),
            ("POST", "postmortem/publish"),
            ("PUT", "postmortem/customers"),
            ("POST", "postmortem/customers/publish"),
            ("POST", "retrospective/schedule"),
            ("POST", "release-everyone"),
            ("POST", "retrospective"),
            ("POST", "roles"),
            ("POST", "roles/release"),
            ("POST", "severity"),
            ("POST", "stage"),
            ("POST", "timeline"),
            ("POST", "updates"),
            ("POST", "whys"),
        )
    },
    ("GET", "/api/v1/me"): API_USER,
    ("GET", "/api/v1/me/next-steps"): API_READ,
    ("GET", "/api/v1/me/tokens"): API_USER,
    ("POST", "/api/v1/me/tokens"): API_USER,
    ("DELETE", "/api/v1/me/tokens/{token_id}"): API_USER,
    ("GET", "/api/v1/notifications"): API_READ,
    ("POST", "/api/v1/notifications/{message_id}/retry"): API_ADMIN,
    ("GET", "/api/v1/templates"): API_READ,
    ("GET", "/api/v1/policy"): API_READ,
    ("GET", "/api/v1/status/components"): API_READ,
    ("POST", "/api/v1/status/components"): API_ADMIN,
    ("DELETE", "/api/v1/status/components/{component_id}"): API_ADMIN,
    ("PATCH", "/api/v1/status/components/{component_id}"): API_ADMIN,
    ("GET", "/api/v1/status/maintenances"): API_READ,
    ("POST", "/api/v1/status/maintenances"): API_ADMIN,
    ("DELETE", "/api/v1/status/maintenances/{maintenance_id}"): API_ADMIN,
    ("PATCH", "/api/v1/status/maintenances/{maintenance_id}"): API_ADMIN,
    ("GET", "/api/v1/tokens"): API_ADMIN,
    ("POST", "/api/v1/tokens"): API_ADMIN,
    ("DELETE", "/api/v1/tokens/{token_id}"): API_ADMIN,
    ("GET", "/api/v1/users"): API_ADMIN,
    ("PATCH", "/api/v1/users/{handle}"): API_ADMIN,
    ("GET", "/api/v1/users/{handle}/sessions"): API_ADMIN,
    ("DELETE", "/api/v1/users/{handle}/sessions"): API_ADMIN,
    ("GET", "/api/v1/me/sessions"): API_USER,
    ("DELETE", "/api/v1/me/sessions"): API_USER,
    ("GET", "/account"): WEB_READ,
    ("POST", "/account/sessions/end-others"): WEB_READ,
    ("GET", "/admin/users"): WEB_ADMIN,
    ("POST", "/admin/users"): WEB_ADMIN,
    ("POST", "/admin/users/{handle}/role"): WEB_ADMIN,
    ("POST", "/admin/users/{handle}/disable"): WEB_ADMIN,
    ("POST", "/admin/users/{handle}/enable"): WEB_ADMIN,
    ("POST", "/admin/users/{handle}/end-sessions"): WEB_ADMIN,
    ("GET", "/admin/tokens"): WEB_ADMIN,
    ("POST", "/admin/tokens"): WEB_ADMIN,
    ("POST", "/admin/tokens/{token_id}/revoke"): WEB_ADMIN,
    ("GET", "/incidents/{ref}/members"): WEB_INC_READ,
    ("POST", "/incidents/{ref}/members"): WEB_INC_WRITE,
    ("POST", "/incidents/{ref}/members/remove"): WEB_INC_WRITE,
}
# Routes that end the caller's console sessions run last, so the others still find them.
ENDS_SESSIONS = {("POST", "/logout"), ("DELETE", "/api/v1/me/sessions")}
# Catalog paths use their own parameter names.
_KEYS = {
    "people": "handle",
    "teams": "name",
    "services": "name",
    "schedules": "name",
    "escalation-policies": "name",
}
ROUTES = {
    (m, p.replace("{key}", "{" + _KEYS[p.split("/")[3]] + "}") if "{key}" in p else p): a
    for (m, p), a in ROUTES.items()
}

INCIDENT_CLASSES = {INC_READ, INC_WRITE, WEB_INC_READ, WEB_INC_WRITE}

# What an admitted caller gets where it is not the default: 200 for a GET (the matrix reads
# real rows), 422 for an API write (a JSON array where an object is expected, or an empty
# console form), 404 for an API DELETE (unknown ids: an admitted delete must not delete).
# For PUBLIC and OWN_CHECK routes, every caller gets these.
ADMITTED: dict[tuple[str, str], frozenset[int]] = {
    key: frozenset(statuses)
    for key, statuses in {
        ("GET", "/status"): {301},  # to /status/
        # No sign-in form cookie: 403 "the form expired". The world's sign-ins came from the
        # same address, so the sign-in rate limit (burst 10) answers 429 to the last ones.
        ("POST", "/login"): {403, 429},
        ("GET", "/login/oidc"): {404},  # single sign-on is not configured
        ("GET", "/login/oidc/callback"): {404},
        ("POST", "/status/subscribe"): {422, 429},  # no email; then its own rate limit (5)
        ("GET", "/status/subscribe/confirm"): {400},  # no signed token
        ("POST", "/status/unsubscribe"): {200},  # "unknown": no token, nobody unsubscribed
        ("POST", "/api/v1/hooks/{name}"): {404},  # no inbound hook configured
        ("POST", "/api/v1/alerts/alertmanager"): {401},  # no integration key
        ("POST", "/api/v1/alerts/generic"): {401},
        ("POST", "/api/v1/alerts/grafana"): {401},
        ("POST", "/v2/enqueue"): {400},  # PagerDuty's format: the routing key is in the body
        ("POST", "/api/v1/slack/commands"): {404},  # Slack is not configured
        ("POST", "/api/v1/slack/interactivity"): {404},
        ("GET", "/api/v1/pages/{page_id}/ack"): {403},  # a real page, an unsigned link
        ("POST", "/api/v1/pages/{page_id}/ack"): {403},
        # Real alerts and pages: acknowledged and resolved (again) by each admitted caller.
        ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): {200},
        ("POST", "/api/v1/alerts/{alert_id}/resolve"): {200},
        ("POST", "/api/v1/pages/{page_id}/acknowledge"): {200},
        ("POST", "/incidents/{ref}/acknowledge"): {409},  # already acknowledged
        ("POST", "/incidents/{ref}/test-plan/sign-offs"): {409},  # no test plan to sign
        ("POST", "/incidents/{ref}/links"): {303},  # no links given: nothing to change
        ("GET", "/api/v1/drills/{ref}/report"): {409},  # not a drill
        ("GET", "/api/v1/drills/{ref}/report.md"): {409},
        ("GET", "/api/v1/incidents/{ref}/retrospective/meeting"): {404},  # none scheduled
        ("POST", "/api/v1/incidents/{ref}/updates/preview"): {422},
        # Body-less writes on unknown ids.
        ("POST", "/api/v1/integrations/{name}/rotate-key"): {404},
        ("POST", "/api/v1/notifications/{message_id}/retry"): {404},
        ("DELETE", "/api/v1/me/sessions"): {200},  # ends the caller's sessions: runs last
        ("POST", "/account/sessions/end-others"): {303},  # to /account?ended=0
        ("POST", "/logout"): {303},  # to /login
        **{
            ("POST", f"/admin/users/{{handle}}/{action}"): {404}  # an unknown user
            for action in ("role", "disable", "enable", "end-sessions")
        },
        ("POST", "/admin/tokens/{token_id}/revoke"): {404},
    }.items()
}


def admitted(method: str, path: str) -> frozenset[int]:
    """The statuses an admitted call of the matrix's shape gets on this route."""
    if (method, path) in ADMITTED:
        return ADMITTED[(method, path)]
    if method == "GET":
        return frozenset({200})
    if method == "DELETE" and path.startswith("/api/"):
        return frozenset({404})
    return frozenset({422})
