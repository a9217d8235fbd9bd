"""Administration: API tokens and the active policy."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request
from starlette.responses import Response

from warroom.domain.access import AccessRole
from warroom.domain.errors import NotFound
from warroom.entrypoints.api import schemas
from warroom.entrypoints.api.deps import Admin, Reader, WarroomDep
from warroom.entrypoints.api.limits import Id
from warroom.entrypoints.api.openapi import INVALID, MISSING, problems
from warroom.entrypoints.api.responses import JSONBytes
from warroom.service_layer.policy_view import policy_public

router = APIRouter(tags=["admin"])


@router.get("/policy")
def get_policy(wr: WarroomDep, who: Reader) -> JSONBytes:
    """The process in force: severities, rules, gates, questions and templates."""
    return JSONBytes(policy_public(wr.policy))


@router.post(
    "/tokens",
    status_code=201,
    response_model=schemas.TokenCreated,
    responses={**problems({404: "No such user"}), **INVALID},
)
def create_token(body: schemas.TokenCreate, wr: WarroomDep, who: Admin) -> JSONBytes:
    """Make an API token; its value is shown in this response only."""
    user = wr.users.by_handle(body.user) if body.user else None
    if body.user and user is None:
        raise NotFound("user", body.user)
    token, record = wr.tokens.create(
        name=body.name,
        role=AccessRole(body.role),
        now=wr.clock.now(),
        expires_at=body.expires_at,
        user_id=user.id if user else None,
    )
    return JSONBytes({**asdict(record), "token": token}, status_code=201)


@router.get("/tokens", response_model=list[schemas.TokenPublic])
def list_tokens(wr: WarroomDep, who: Admin) -> JSONBytes:
    return JSONBytes([asdict(r) for r in wr.tokens.list()])


@router.delete("/tokens/{token_id}", status_code=204, response_class=Response, responses=MISSING)
def revoke_token(token_id: Id, request: Request, wr: WarroomDep, who: Admin) -> Response:
    """Revoke a token at once (every process forgets it within the token cache's lifetime)."""
    wr.tokens.revoke(token_id, wr.clock.now())
    request.app.state.token_cache.clear()
    return Response(status_code=204)
