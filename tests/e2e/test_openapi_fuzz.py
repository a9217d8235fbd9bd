"""schemathesis over the whole OpenAPI schema, in process, as an admin.

Every operation gets a bounded number of generated requests (valid and invalid); the
app must never answer 5xx, and every documented response must match its schema.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance

from tests.conftest import make_warroom
from tests.fakes import ManualClock
from warroom.bootstrap import Warroom
from warroom.domain.access import AccessRole
from warroom.domain.commands import DeclareIncident
from warroom.entrypoints.api.app import create_app

MAX_EXAMPLES = 5
# Streams the whole log; its rows are checked by the audit tests.
SKIP = ("/api/v1/audit/export",)
REFS = ("INC-1", "INC-2", "INC-3")


@pytest.fixture(scope="module")
def fuzzed(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    target = tmp_path_factory.mktemp("fuzz") / "warroom.db"
    target.write_bytes(sqlite_template.read_bytes())
    wr: Warroom = make_warroom(f"sqlite:///{target}", ManualClock())
    token, _ = wr.tokens.create(name="root", role=AccessRole.ADMIN, now=wr.clock.now())
    for i, _ref in enumerate(REFS):
        wr.bus.handle(DeclareIncident(title=f"fuzzed {i}", severity="sev3", by="root", force=True))
    app = create_app(wr)
    yield schemathesis.openapi.from_asgi("/api/openapi.json", app), token
    wr.close()


def _run(operation: Any, mode: GenerationMode, token: str, seen: Counter[int]) -> None:
    @given(operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: schemathesis.Case) -> None:
        if mode is GenerationMode.POSITIVE and "ref" in (case.path_parameters or {}):
            # Reach past the lookup: most operations act on an existing incident.
            case.path_parameters["ref"] = REFS[len(str(case.body)) % len(REFS)]
        response = case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"},
            checks=[not_a_server_error, response_schema_conformance],
        )
        seen[response.status_code // 100] += 1

    run()


def test_no_server_errors_and_responses_match_the_schema(fuzzed: Any) -> None:
    schema, token = fuzzed
    failures = []
    operations = 0
    seen: Counter[int] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in SKIP:
            continue
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _run(operation, mode, token, seen)
            except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
                continue
            except Exception as exc:  # collected: one report for every operation at fault
                failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:1500]}")
    assert operations > 100
    # Authenticated, valid requests got through (not just 4xx everywhere).
    assert seen[2] > operations // 2, seen
    assert not failures, f"{len(failures)} failing:\n\n" + "\n\n".join(failures)
