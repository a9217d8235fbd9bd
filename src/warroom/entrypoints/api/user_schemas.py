"""API schemas for users, scoped tokens and incident members."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from warroom.domain.access import AccessRole
from warroom.entrypoints.api.schemas import Name, _In

Scope = Literal["read", "write", "admin"]


class MemberCreate(_In):
    person: Name


class MemberPublic(BaseModel):
    person: str
    added_by: str | None = Field(description="Who added them; null for role holders.")
    roles: list[str] = Field(description="Roles held now (members need none).")


class MembersPublic(BaseModel):
    data: list[MemberPublic]
    count: int


class UserPublic(BaseModel):
    id: int
    handle: str
    name: str
    email: str | None
    role: AccessRole
    sso: bool
    has_password: bool
    created_at: datetime
    last_login_at: datetime | None
    disabled_at: datetime | None


class UserUpdate(_In):
    role: AccessRole | None = None
    disabled: bool | None = None


class MyTokenCreate(_In):
    name: Name
    scope: Scope = Field(description="read, write or admin; never above your own role.")
    expires_at: AwareDatetime | None = None


class SessionPublic(BaseModel):
    id: int
    principal: str = Field(description="Who the session acts for.")
    user: str | None
    token_id: int | None = Field(description="The token the session began with, if any.")
    created_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None
    client_ip: str | None
    user_agent: str | None


class SessionsEnded(BaseModel):
    ended: int = Field(description="How many sessions were ended.")
