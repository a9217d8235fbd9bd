"""schemathesis over the whole OpenAPI schema, in process, as an admin, a responder and a viewer.

Every operation gets a bounded number of generated requests (valid and invalid); the app
must never answer 5xx, and every response must be documented: its status, its media type,
its required headers, and its body must match the schema.

Every operation is included, `/api/v1/audit/export` too: the database starts empty, so the
log it streams holds only this run's writes (a few hundred rows at most).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import make_warroom
from tests.fakes import ManualClock
from warroom.bootstrap import Warroom
from warroom.domain.access import AccessRole
from warroom.domain.commands import DeclareIncident
from warroom.entrypoints.api.app import create_app

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
REFS = ("INC-1", "INC-2", "INC-3")
# CI runs the bounded number below; a deeper search locally: WARROOM_FUZZ_SCALE=10.
SCALE = int(os.environ.get("WARROOM_FUZZ_SCALE", "1"))
POSITIVE, NEGATIVE = GenerationMode.POSITIVE, GenerationMode.NEGATIVE


@dataclass(frozen=True)
class Run:
    """Who calls (None: a caller with an unknown token), with how many examples per
    operation, in which generation modes."""

    role: AccessRole | None
    examples: int
    modes: tuple[GenerationMode, ...]


# The admin reaches every handler, with valid and invalid input. The responder and the
# viewer are refused in other places (403 on admin operations, the viewer on every write);
# invalid input is refused the same way whoever sends it, so they send valid input only.
# A caller with an unknown token gets 401 (and its `WWW-Authenticate`) everywhere.
RUNS = (
    Run(AccessRole.ADMIN, 5, (POSITIVE, NEGATIVE)),
    Run(AccessRole.RESPONDER, 3, (POSITIVE,)),
    Run(AccessRole.VIEWER, 3, (POSITIVE,)),
    Run(None, 1, (POSITIVE,)),
)
UNKNOWN_TOKEN = "not-a-warroom-token"


@dataclass(frozen=True)
class Fuzzed:
    schema: Any
    tokens: dict[AccessRole, str]
    # The fuzzers' own token ids, and a spare token for the revoking operations to revoke.
    own: frozenset[int]
    spare: int


@dataclass
class Tally:
    operations: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    # Operations that take a bearer token and answered a valid request with 401 though the
    # token is good, or with anything else though it is unknown.
    misjudged: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def fuzzed(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    target = tmp_path_factory.mktemp("fuzz") / "warroom.db"
    target.write_bytes(sqlite_template.read_bytes())
    wr: Warroom = make_warroom(f"sqlite:///{target}", ManualClock())
    created = {
        role: wr.tokens.create(name=f"fuzz-{role}", role=role, now=wr.clock.now())
        for role in AccessRole
    }
    _, spare = wr.tokens.create(name="spare", role=AccessRole.VIEWER, now=wr.clock.now())
    for i, _ref in enumerate(REFS):
        wr.bus.handle(
            DeclareIncident(title=f"fuzzed {i}", severity="sev3", by="fuzz-admin", force=True)
        )
    app = create_app(wr)
    yield Fuzzed(
        schema=schemathesis.openapi.from_asgi("/api/openapi.json", app),
        tokens={role: token for role, (token, _) in created.items()},
        own=frozenset(record.id for _, record in created.values()),
        spare=spare.id,
    )
    wr.close()


def _run(fuzzed: Fuzzed, operation: Any, mode: GenerationMode, spec: Run, tally: Tally) -> None:
    token = UNKNOWN_TOKEN if spec.role is None else fuzzed.tokens[spec.role]
    bearer = bool(operation.definition.raw.get("security"))

    @given(operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=spec.examples * SCALE,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
        # No shrinking: a failure is reported as found (with a curl line to reproduce it),
        # not after many more requests that each log a server error's traceback.
        phases=(Phase.explicit, Phase.generate),
    )
    def run(case: schemathesis.Case) -> None:
        path = case.path_parameters or {}
        if mode is POSITIVE and "ref" in path:
            # Reach past the lookup: most operations act on an existing incident.
            path["ref"] = REFS[len(str(case.body)) % len(REFS)]
        if path.get("token_id") in fuzzed.own:
            # Revoking its own token would leave the run to go on as 401s.
            path["token_id"] = fuzzed.spare
        response = case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"}, checks=CHECKS
        )
        tally.statuses[response.status_code] += 1
        if bearer and mode is POSITIVE and (response.status_code == 401) != (spec.role is None):
            tally.misjudged.add(f"{operation.label}: {response.status_code}")

    run()


def _fuzz(fuzzed: Fuzzed, spec: Run) -> Tally:
    tally = Tally()
    for result in fuzzed.schema.get_all_operations():
        operation = result.ok()
        tally.operations += 1
        for mode in spec.modes:
            try:
                _run(fuzzed, operation, mode, spec, tally)
            except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
                continue
            # One report for every operation at fault. schemathesis raises a group (a
            # BaseExceptionGroup) when a case fails several checks at once.
            except (Exception, BaseExceptionGroup) as exc:
                tally.failures.append(
                    f"{spec.role} {operation.label} [{mode.value}]: {str(exc)[:1500]}"
                )
    return tally


@pytest.mark.parametrize("spec", RUNS, ids=lambda spec: str(spec.role or "unknown-token"))
def test_no_server_errors_and_every_response_is_documented(fuzzed: Fuzzed, spec: Run) -> None:
    tally = _fuzz(fuzzed, spec)
    assert tally.operations > 100
    assert not tally.failures, f"{len(tally.failures)} failing:\n\n" + "\n\n".join(tally.failures)
    assert not tally.misjudged, tally.misjudged
    ok = sum(n for status, n in tally.statuses.items() if status < 300)
    refused = tally.statuses[403]
    if spec.role is None:
        assert tally.statuses[401] > tally.operations // 2, tally.statuses
        return
    # Valid requests got through (not just 4xx everywhere), and the roles are told apart:
    # the viewer is refused on every write, the responder on the admin's operations.
    assert ok > tally.operations // 2, tally.statuses
    if spec.role is AccessRole.VIEWER:
        assert refused > tally.operations // 2, tally.statuses
    elif spec.role is AccessRole.RESPONDER:
        assert refused > 0, tally.statuses
