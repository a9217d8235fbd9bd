"""An XSS corpus through every free-text field, rendered in real Chromium: nothing runs.

Each payload goes into an incident's title, summary triple and summary, link names and a
free-text link (plus a `javascript:` one), a note, an internal and a customer update, a
severity and a stage change reason, a why, an experiment (hypothesis, action, result), a
test plan step and its result note, a follow-up, an affected customer's name and a
contact with its answers, a role holder and a member (people are free text there), and
the postmortem (Markdown); into a user's display name and an API token's name; into a
status page maintenance and component; into the members page's `done` message, which
comes from the URL; and into every free-text field of the service catalog (people's
names, phones, chat ids and e-mail; teams' channels and lists; services' descriptions,
runbook links and status components; schedules' and escalation policies' descriptions),
each incident declared for a service carrying them. Every page showing them is
opened with `alert`/`confirm`/`prompt` hooked, a flag any payload would set, and CSP
violations collected; the page's markup is also checked for handlers and script URLs,
which would need a click to run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from tests.conftest import need
from tests.support import browser as support
from tests.support.browser import sign_in_with_token
from tests.support.catalog import xss_catalog
from tests.support.html_safety import active_content
from tests.support.smtp import free_port
from warroom.adapters.orm import start_mappers
from warroom.adapters.policy_file import load_policy
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain.access import AccessRole

pytestmark = pytest.mark.slow

RUN = "window.__xss=1"
PAYLOADS = [
    f"<script>{RUN}</script>",
    f"<SCRIPT SRC=data:text/javascript,{RUN}></SCRIPT>",
    f'<img src=x onerror="{RUN}">',
    f"<img src=x onerror={RUN}//",
    f"<svg onload={RUN}>",
    f"<svg><script>{RUN}</script></svg>",
    f'"><script>{RUN}</script>',
    f"'><img src=x onerror={RUN}>",
    f"</title><script>{RUN}</script>",
    f"</textarea><script>{RUN}</script>",
    f"<body onload={RUN}>",
    '<iframe src="javascript:parent.__xss=1"></iframe>',
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    f"<details open ontoggle={RUN}>",
    f"<input autofocus onfocus={RUN}>",
    f"<video><source onerror={RUN}></video>",
    f"<math><mtext><table><mglyph><style><img src=x onerror={RUN}>",
    f'<a href="javascript:{RUN}">click</a>',
    f'<object data="javascript:{RUN}"></object>',
    '<embed src="data:text/html,<script>parent.__xss=1</script>">',
    f'<meta http-equiv="refresh" content="0;url=javascript:{RUN}">',
    f'<div style="background:url(javascript:{RUN})">x</div>',
    f'<div hx-get="/" hx-trigger="load" hx-on::before-request="{RUN}">x</div>',
    f'<div hx-on:click="{RUN}" id=hx>x</div>',
    f"{{{{constructor.constructor('{RUN}')()}}}}",
    "{{7*7}}${7*7}<%= 7*7 %>",
    f"[click](javascript:{RUN})",
    f"[click](JaVaScRiPt:{RUN})",
    f'![img](x" onerror="{RUN})',
    f'<https://example.test/" onmouseover="{RUN}>',
    f"```html\n<script>{RUN}</script>\n```",
    f"# Title <img src=x onerror={RUN}>",
    f"<scr<script>ipt>{RUN}</scr</script>ipt>",
    f"&lt;script&gt;{RUN}&lt;/script&gt;",
    f"\u003cscript\u003e{RUN}\u003c/script\u003e",
    f'<form action="javascript:{RUN}"><button>go</button></form>',
    f'<base href="javascript:{RUN}//">',
]
HOOKS = """
window.__xss = 0;
window.__csp = [];
for (const name of ["alert", "confirm", "prompt"]) {
  window[name] = () => { window.__xss = name; };
}
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture
def live(sqlite_url: str) -> Iterator[tuple[Warroom, str]]:
    need(support.chromium_missing() is None, str(support.chromium_missing()))
    start_mappers()
    port = free_port()
    settings = Settings(database_url=sqlite_url, dev=True, url=f"http://127.0.0.1:{port}")
    wr = bootstrap(settings, policy=load_policy("standard"), migrate=False)
    with support.serving(wr) as url:
        yield wr, url
    wr.close()


def _write_everywhere(api: TestClient, i: int, payload: str) -> str:
    """Put `payload` in every free-text field of a new incident; returns its reference."""
    text = f"XSS{i} {payload}"
    r = api.post(
        "/api/v1/incidents",
        json={
            "title": text,
            "severity": "sev3",
            "visibility": "public",
            "services": [f"xsss{i}"],  # its catalog entries carry payload i
            "force": True,
        },
    )
    assert r.status_code == 201, r.text
    ref = r.json()["ref"]
    base = f"/api/v1/incidents/{ref}"
    writes = [
        ("POST", f"{base}/timeline", {"text": text}),
        ("POST", f"{base}/updates", {"audience": "internal", "text": text}),
        ("POST", f"{base}/updates", {"audience": "customers", "text": text}),
        ("POST", f"{base}/followups", {"title": text, "kind": "prevention"}),
        ("POST", f"{base}/roles", {"role": "commander", "person": text[:100]}),
        ("POST", f"{base}/members", {"person": text[:100]}),
        ("POST", f"{base}/customers", {"name": text}),
        ("PUT", f"{base}/postmortem", {"body": f"# XSS{i}\n\n{payload}\n\n- {payload}\n"}),
        (
            "PATCH",
            base,
            {
                "functionality": text[:100],
                "state": text[:100],
                "audience": text[:100],
                "summary": text,
                "links": {
                    text[:100]: "https://example.test/",
                    "bridge": text,  # free text: a dial-in is not a URL
                    "runbook": f"javascript:{RUN}",  # shown as text, never as a link
                },
            },
        ),
        ("POST", f"{base}/severity", {"severity": "sev2", "reason": text}),
        ("POST", f"{base}/whys", {"text": text}),
        ("POST", f"{base}/experiments", {"hypothesis": text, "action": text}),
        ("POST", f"{base}/experiments/1/conclude", {"status": "refuted", "result": text}),
        (
            "POST",
            f"{base}/customers/1/contacts",
            {
                "method": "phone",
                "outcome": "reached",
                "note": text,
                "answers": [{"question": text, "answer": text}],
            },
        ),
        ("POST", f"{base}/test-plan/steps", {"title": text[:200]}),
        (
            "POST",
            f"{base}/test-plan/steps/1/results",
            {
                "environment": "staging",
                "status": "failed",
                "note": text,
            },
        ),
    ]
    for method, path, body in writes:
        r = api.request(method, path, json=body)
        assert r.status_code in (200, 201), (path, r.text)
    r = api.post(f"{base}/stage", json={"stage": "identified", "note": text})
    assert r.status_code == 200, r.text
    return str(ref)


def test_no_payload_runs_anywhere(live: tuple[Warroom, str], chromium: Any) -> None:
    wr, url = live
    assert len(PAYLOADS) >= 30
    token, _ = wr.tokens.create(name="root", role=AccessRole.ADMIN, now=wr.clock.now())
    from warroom.entrypoints.api.app import create_app  # noqa: PLC0415 - same app, in process

    api = TestClient(create_app(wr), headers={"Authorization": f"Bearer {token}"})
    r = api.post("/api/v1/catalog", json=xss_catalog(PAYLOADS))
    assert r.status_code == 200, r.text
    for i, payload in enumerate(PAYLOADS):  # the components the services name
        text = f"XSSK{i} {payload}"
        r = api.post("/api/v1/status/components", json={"name": text[:100], "description": text})
        assert r.status_code == 201, r.text
    refs = [_write_everywhere(api, i, p) for i, p in enumerate(PAYLOADS)]
    # Catalog names are slugs: a payload is refused there.
    r = api.put(f"/api/v1/teams/{quote(PAYLOADS[4], safe='')}", json={"name": PAYLOADS[4]})
    assert r.status_code == 422, r.text
    for i, payload in enumerate(PAYLOADS):  # display names and token names
        now_ = wr.clock.now()
        wr.users.create(
            handle=f"xss{i}", role=AccessRole.VIEWER, now=now_, name=f"XSSU{i} {payload}"
        )
        wr.tokens.create(name=f"XSST{i} {payload}", role=AccessRole.VIEWER, now=now_)
    now = wr.clock.now().isoformat()
    r = api.post(
        "/api/v1/status/maintenances",
        json={
            "name": f"XSSM {PAYLOADS[0]}",
            "body": f"XSSM body {PAYLOADS[2]}",
            "scheduled_for": now,
            "scheduled_until": now.replace(now[:4], str(int(now[:4]) + 1), 1),
        },
    )
    assert r.status_code == 201, r.text

    context = chromium.new_context()
    context.add_init_script(HOOKS)
    dialogs: list[str] = []
    page = context.new_page()
    page.set_default_timeout(15_000)

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    sign_in_with_token(page, url, token)

    findings: list[str] = []

    def visit(path: str, expect: str) -> str:
        page.goto(f"{url}{path}", wait_until="load")
        page.wait_for_timeout(50)
        ran = page.evaluate("window.__xss")
        blocked = [v for v in page.evaluate("window.__csp") if v.startswith("script-src")]
        if ran:
            findings.append(f"{path}: a payload ran ({ran})")
        if blocked:
            findings.append(f"{path}: CSP blocked scripts {blocked}")
        # What needs a click to run: script URLs and handlers (the page's own tags allowed).
        clickable = [f for f in active_content(page.content()) if " " in f]
        if clickable:
            findings.append(f"{path}: active content {clickable}")
        text = page.inner_text("body")
        if expect not in text:
            findings.append(f"{path}: {expect!r} is not shown")
        return text

    visit("/?status=all", "XSS0")
    for i, ref in enumerate(refs):
        shown = visit(f"/incidents/{ref}", f"XSS{i}")
        for field in (
            "Why #1",
            "Experiment #1 refuted",
            "Test step #1 failed in staging",
            "Severity raised sev3 → sev2",
            "Stage investigating → identified",
        ):
            if f"{field}: XSS{i} " not in shown:
                findings.append(f"/incidents/{ref}: {field} is not shown")
        visit(f"/incidents/{ref}/postmortem", f"XSS{i}")
    for i in (0, 2, 17, 26):
        visit(f"/incidents/{refs[i]}/members", f"XSS{i}")
        visit(f"/incidents/{refs[i]}/members?done={quote(PAYLOADS[i])}", "")
    visit("/admin/users", "XSSU0")
    visit("/admin/tokens", "XSST0")
    visit("/account", "")
    visit("/dashboard", "")
    visit("/matrix", "")
    visit("/status/", "XSSK0")  # the components
    visit("/status/history", "")  # lists resolved incidents only: checked for scripts
    for i in (0, 2, 17, 26):
        status_id = api.get("/status/api/v2/incidents.json").json()["incidents"]
        match = [s for s in status_id if s["name"].startswith(f"XSS{i} ")]
        assert match, i
        visit(f"/status/incidents/{match[0]['id']}/", f"XSS{i}")
    assert dialogs == []
    assert findings == []
    # The check itself works: a script the page is made to run is seen.
    page.evaluate(RUN)
    assert page.evaluate("window.__xss") == 1
