"""The postmortem end to end: a golden draft, HTML and PDF, the retrospective and customer CLI."""

from __future__ import annotations

import io
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from pypdf import PdfReader

from tests.conftest import Api, Cli
from tests.fakes import ManualClock
from tests.support.console import ConsoleClient
from tests.support.html_safety import active_content
from tests.support.testplan import person_client

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "postmortem-standard.md"
GOLDEN_RESOLVED = GOLDEN.with_name("postmortem-resolved.md")
GOLDEN_CUSTOMERS = GOLDEN.with_name("postmortem-customers.md")

# An incident run outside the tool and recorded afterwards, every step at its true time
# (the test clock stands at 2026-11-23 09:30 UTC).
RECORD = [
    ["declare", "Logging in is broken for all users", "--severity", "sev2",
     "--functionality", "logging in", "--state", "broken", "--audience", "all users",
     "--summary", "After the 07:40 deploy the identity provider rejected every login.",
     "--service", "auth", "--customers", "12", "--detected-at", "2026-11-23T07:52:00Z",
     "--at", "2026-11-23T07:55:00Z", "--force"],
    ["role", "INC-1", "commander", "alice", "--at", "2026-11-23T07:56:00Z"],
    ["role", "INC-1", "communications", "carol", "--at", "2026-11-23T07:57:00Z"],
    ["role", "INC-1", "worker", "bob", "--at", "2026-11-23T07:58:00Z"],
    ["log", "INC-1", "Deploy 2026.11.23-1 of auth went out", "--kind", "note",
     "--at", "2026-11-23T07:40:00Z"],
    ["log", "INC-1", "The new TLS bundle lacks the IdP's intermediate certificate",
     "--kind", "hypothesis", "--at", "2026-11-23T08:05:00Z"],
    ["experiment", "start", "INC-1", "The TLS bundle is incomplete",
     "--action", "Roll auth back to 2026.11.22-3", "--owner", "bob",
     "--at", "2026-11-23T08:10:00Z"],
    ["update", "INC-1", "Logins are failing; we are rolling back a change.",
     "--audience", "customers", "--at", "2026-11-23T08:12:00Z"],
    ["experiment", "conclude", "INC-1", "1", "confirmed", "Logins recover after the rollback",
     "--at", "2026-11-23T08:25:00Z"],
    ["stage", "INC-1", "identified", "--at", "2026-11-23T08:20:00Z"],
    ["log", "INC-1", "Pinned the old bundle on auth-1..3 by hand", "--kind", "manual-change",
     "--at", "2026-11-23T08:27:00Z"],
    ["stage", "INC-1", "mitigated", "--at", "2026-11-23T08:30:00Z"],
    ["why", "INC-1", "Logins failed because the IdP's certificate chain did not verify",
     "--at", "2026-11-23T09:00:00Z"],
    ["why", "INC-1", "The chain did not verify because the bundle was rebuilt without it",
     "--at", "2026-11-23T09:01:00Z"],
    ["followup", "add", "INC-1", "Put the certificate bundle in code", "--kind", "durable-fix",
     "--owner", "bob", "--due", "2026-11-27", "--at", "2026-11-23T09:05:00Z"],
    ["followup", "add", "INC-1", "Alert on certificate chain errors", "--kind", "prevention",
     "--at", "2026-11-23T09:06:00Z"],
]  # fmt: skip


# The same incident taken on to resolution the next day: every follow-up gets an owner (the
# closing gate asks for one), the whys reach five, the durable fix is done, the prevention
# is dropped with a reason, a cleanup stays open, and the test plan is run and signed.
RESOLUTION = [
    *RECORD[:-1],
    ["followup", "add", "INC-1", "Alert on certificate chain errors", "--kind", "prevention",
     "--owner", "carol", "--at", "2026-11-23T09:06:00Z"],
    ["followup", "add", "INC-1", "Remove the hand-pinned bundle from auth-1..3",
     "--kind", "cleanup", "--owner", "alice", "--at", "2026-11-23T09:07:00Z"],
    ["why", "INC-1", "The bundle was rebuilt because the base image changed",
     "--at", "2026-11-23T09:10:00Z"],
    ["why", "INC-1", "The rebuild was not checked because bundles are built by hand",
     "--at", "2026-11-23T09:11:00Z"],
    ["why", "INC-1", "Bundles are built by hand because they were never put in code",
     "--at", "2026-11-23T09:12:00Z"],
    ["followup", "done", "INC-1", "1", "--at", "2026-11-24T14:00:00Z"],
    ["followup", "done", "INC-1", "2", "--not-doing", "--reason",
     "The IdP already alerts on chain errors", "--at", "2026-11-24T14:05:00Z"],
    ["testplan", "step", "INC-1", "Log in with SSO", "--at", "2026-11-24T14:30:00Z"],
    ["testplan", "result", "INC-1", "1", "staging", "passed", "--at", "2026-11-24T14:40:00Z"],
    ["testplan", "result", "INC-1", "1", "production", "passed",
     "--at", "2026-11-24T15:10:00Z"],
    ("bob", ["testplan", "sign", "INC-1", "--at", "2026-11-24T15:20:00Z"]),
    ("alice", ["testplan", "sign", "INC-1", "--at", "2026-11-24T15:25:00Z"]),
    ["testplan", "tests", "INC-1", "https://ci.example.com/auth/812",
     "--at", "2026-11-24T15:30:00Z"],
    ["stage", "INC-1", "resolved", "--at", "2026-11-24T16:00:00Z"],
]  # fmt: skip


def record(cli: Cli) -> None:
    for args in RECORD:
        result = cli(*args)
        assert result.exit_code == 0, (args, result.output)


def resolve(cli: Cli, clock: ManualClock) -> None:
    """RESOLUTION recorded on the morning after (so no step is in the future)."""
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    for name in ("alice", "bob"):
        person_client(cli.api, name)
    for step in RESOLUTION:
        role, args = step if isinstance(step, tuple) else ("responder", step)
        result = cli(*args, role=role)
        assert result.exit_code == 0, (args, result.output)


def matches_golden(text: str, golden: Path) -> None:
    if os.environ.get("WARROOM_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_the_draft_of_a_recorded_incident_matches_the_golden_file(cli: Cli) -> None:
    record(cli)
    result = cli("postmortem", "INC-1")
    assert result.exit_code == 0, result.output
    draft = result.stdout
    if os.environ.get("WARROOM_UPDATE_GOLDEN"):
        GOLDEN.write_text(draft, encoding="utf-8")
    assert draft == GOLDEN.read_text(encoding="utf-8")


def test_the_draft_of_a_resolved_and_closed_incident_matches_the_golden_file(
    cli: Cli, clock: ManualClock
) -> None:
    resolve(cli, clock)
    result = cli("postmortem", "INC-1")
    assert result.exit_code == 0, result.output
    assert "[unsaved]" in result.stderr
    matches_golden(result.stdout, GOLDEN_RESOLVED)
    # Saved, published and closed, the postmortem is that same draft (saving strips the
    # final newline: bodies are stored stripped).
    assert cli("postmortem", "INC-1", "--save", "--publish").exit_code == 0
    closed = cli("stage", "INC-1", "closed", "--at", "2026-11-25T08:00:00Z")
    assert closed.exit_code == 0, closed.output
    assert json.loads(cli("show", "INC-1", "--json").stdout)["stage"] == "closed"
    after = cli("postmortem", "INC-1")
    assert after.stdout == GOLDEN_RESOLVED.read_text(encoding="utf-8").rstrip("\n")
    assert "[published]" in after.stderr


def test_the_customer_postmortem_of_a_resolved_incident_matches_the_golden_file(
    cli: Cli, clock: ManualClock
) -> None:
    resolve(cli, clock)
    assert cli("postmortem", "INC-1", "--save").exit_code == 0
    drafted = cli("customer-postmortem", "INC-1", "--save")
    assert drafted.exit_code == 0, drafted.output
    assert "[draft]" in drafted.stderr
    # The draft is only printed once saved, and saved bodies are stripped: the golden file
    # has no final newline.
    matches_golden(drafted.stdout, GOLDEN_CUSTOMERS)
    shown = cli("customer-postmortem", "INC-1")
    assert shown.stdout == GOLDEN_CUSTOMERS.read_text(encoding="utf-8")


def test_html_and_pdf_of_the_postmortem(api: Api, cli: Cli, tmp_path: Path) -> None:
    record(cli)
    assert cli("postmortem", "INC-1", "--save").exit_code == 0
    page = api.viewer.get("/api/v1/incidents/INC-1/postmortem.html")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "<h2>Five whys</h2>" in page.text
    assert "<title>Postmortem INC-1: Logging in is broken for all users</title>" in page.text
    same = api.viewer.get("/api/v1/incidents/INC-1/postmortem", params={"format": "html"})
    assert same.text == page.text

    pdf = api.viewer.get("/api/v1/incidents/INC-1/postmortem", params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Postmortem INC-1: Logging in is broken for all users" in " ".join(text.split())
    assert "Five whys" in text

    target = tmp_path / "pm.pdf"
    result = cli("postmortem", "INC-1", "--pdf", str(target))
    assert result.exit_code == 0, result.output
    reader = PdfReader(target)
    assert "Logging in is broken" in " ".join(reader.pages[0].extract_text().split())
    assert api.viewer.get("/api/v1/incidents/INC-9/postmortem.pdf").status_code == 404


def test_the_retrospective_from_the_cli(cli: Cli) -> None:
    record(cli)
    bad = cli("retro", "schedule", "INC-1", "--start", "tomorrow afternoon")
    assert bad.exit_code == 2 and "starts_at" in bad.stderr
    naive = cli("retro", "schedule", "INC-1", "--start", "2026-11-24T14:00:00")
    assert naive.exit_code == 2 and "starts_at" in naive.stderr
    refused = cli("retro", "schedule", "INC-1", "--start", "2026-11-27T10:00:00Z")
    assert refused.exit_code == 1  # sev2: within 2 working days (Wed 25 Nov 17:00 UTC)
    assert "retrospective.deadline" in refused.stderr
    scheduled = cli(
        "retro", "schedule", "INC-1", "--start", "2026-11-24T14:00:00+00:00",
        "--duration", "45", "--url", "https://meet.example.test/inc-1",
    )  # fmt: skip
    assert scheduled.exit_code == 0, scheduled.output
    assert "participants: alice, carol, bob" in scheduled.stdout
    shown = cli("retro", "show", "INC-1")
    assert "3. Open follow-ups" in shown.stdout
    assert "#2 (prevention) Alert on certificate chain errors" in shown.stdout
    moved = cli("retro", "schedule", "INC-1", "--start", "2026-11-25T09:00:00Z", "--json")
    assert '"sequence": 1' in moved.stdout


def test_the_customer_postmortem_from_the_cli(api: Api, cli: Cli, tmp_path: Path) -> None:
    record(cli)
    assert cli("postmortem", "INC-1", "--save").exit_code == 0
    drafted = cli("customer-postmortem", "INC-1", "--save")
    assert drafted.exit_code == 0, drafted.output
    assert "Logins are failing; we are rolling back a change." in drafted.stdout
    assert "bob" not in drafted.stdout and "Pinned the old bundle" not in drafted.stdout
    edited = tmp_path / "customers.md"
    edited.write_text("# What happened\n\nA certificate change broke logins for 38 minutes.\n")
    assert cli("customer-postmortem", "INC-1", "--file", str(edited)).exit_code == 0
    refused = cli("customer-postmortem", "INC-1", "--publish")
    assert refused.exit_code == 1
    assert "postmortem.customers.not_public" in refused.stderr  # declared internal
    r = api.responder.post("/api/v1/incidents/INC-1/postmortem/customers/publish", json={})
    assert r.status_code == 409 and r.json()["rule"] == "postmortem.customers.not_public"
    r = api.responder.patch("/api/v1/incidents/INC-1", json={"visibility": "public"})
    assert r.status_code == 200, r.text
    published = cli("customer-postmortem", "INC-1", "--publish", "--json")
    assert published.exit_code == 0, published.output
    assert '"status": "published"' in published.stdout


# Classic cross-site scripting payloads (OWASP's filter evasion cheat sheet and friends).
XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>',
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<IMG SRC= onmouseover=\"alert('xxs')\">",
    "<IMG onmouseover=\"alert('xxs')\">",
    "<IMG SRC=/ onerror=\"alert(String.fromCharCode(88,83,83))\"></img>",
    "<img src=x onerror=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041\">",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    '<IMG SRC="jav\tascript:alert(\'XSS\');">',
    '<IMG SRC="jav&#x09;ascript:alert(\'XSS\');">',
    '<IMG SRC=" &#14;  javascript:alert(\'XSS\');">',
    '<SCRIPT/XSS SRC="https://xss.example/xss.js"></SCRIPT>',
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    "<<SCRIPT>alert(\"XSS\");//\\<</SCRIPT>",
    "<SCRIPT SRC=//xss.example/.j>",
    '<iframe src=http://xss.example/scriptlet.html <',
    "</TITLE><SCRIPT>alert(\"XSS\");</SCRIPT>",
    '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<svg/onload=alert('XSS')>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    "<STYLE>@import'http://xss.example/xss.css';</STYLE>",
    "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:alert('XSS');\">",
    '<TABLE BACKGROUND="javascript:alert(\'XSS\')">',
    '<DIV STYLE="background-image: url(javascript:alert(\'XSS\'))">',
    '<DIV STYLE="width: expression(alert(\'XSS\'));">',
    '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.example/scriptlet.html"></OBJECT>',
    '<EMBED SRC="data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+">',
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '[x](https://ok.example "title" onclick="alert(1)")',
    "[a](&#x6A;avascript:alert(1))",
    "<details open ontoggle=alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    '<x onclick="alert(1)">click</x>',
    "`<script>alert(1)</script>` and ```\n<script>alert(2)</script>\n```",
    "<!--<img src=x onerror=alert(1)>-->",
]  # fmt: skip


def test_xss_payloads_in_notes_and_postmortem_markdown_never_run(api: Api, cli: Cli) -> None:
    assert len(XSS) >= 30
    record(cli)
    for payload in XSS:
        for kind in ("note", "hypothesis", "milestone"):
            r = api.responder.post(
                "/api/v1/incidents/INC-1/timeline", json={"kind": kind, "text": payload}
            )
            assert r.status_code == 201, r.text
    # The draft quotes the key entries; the saved body also carries every payload as is.
    assert cli("postmortem", "INC-1", "--save").exit_code == 0
    draft = api.viewer.get("/api/v1/incidents/INC-1/postmortem").json()["body"]
    body = draft + "\n\n## Raw\n\n" + "\n\n".join(XSS) + "\n"
    r = api.responder.put("/api/v1/incidents/INC-1/postmortem", json={"body": body})
    assert r.status_code == 200, r.text

    page = api.viewer.get("/api/v1/incidents/INC-1/postmortem.html").text
    article = page.split("<article>")[1].split("</article>")[0]
    assert active_content(article) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in article, "shown as text, not dropped"
    assert '<a href="https://ok.example"' not in article or "onclick" not in article

    # The console shows the notes on the timeline and the postmortem in its panel.
    console = ConsoleClient(api.app, api.wr, "viewer", "vera")
    try:
        for part in ("timeline", "postmortem"):
            r = console.get(f"/incidents/INC-1/part/{part}", params={"kind": "note"})
            assert r.status_code == 200, r.text
            assert active_content(r.text) == [], part
        timeline = console.get("/incidents/INC-1/part/timeline").text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in timeline
        panel = console.get("/incidents/INC-1/part/postmortem").text
        assert "<h2>Five whys</h2>" in panel
        page = console.get("/incidents/INC-1").text
        scripts = [f for f in active_content(page) if f.startswith("<script")]
        assert scripts == ["<script>"] * page.count("<script"), "only the console's own"
        assert page.count("<script") == console.get("/").text.count("<script")
    finally:
        console.close()
