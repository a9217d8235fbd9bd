"""API schemas of the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class AuditEntryPublic(BaseModel):
    """One command as it was run: who, when, from where, what, and what it changed."""

    id: int
    at: datetime
    actor: str
    role: str | None
    channel: str
    client_ip: str | None
    user_agent: str | None
    command: str
    refs: list[str]
    fields: dict[str, Any]
    changes: list[dict[str, Any]]


class AuditEntriesPublic(BaseModel):
    data: list[AuditEntryPublic]
    count: int
