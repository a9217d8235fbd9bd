"""Request and response schemas of the status page's admin API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from warroom.domain.status_page import ComponentStatus

Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Text = Annotated[str, StringConstraints(max_length=10_000)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ComponentCreate(_In):
    name: Name
    group: Name | None = Field(
        None, description="Components with the same group are shown together."
    )
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    position: int | None = Field(None, ge=0, le=100_000, description="Order on the page.")
    status: ComponentStatus = ComponentStatus.OPERATIONAL


class ComponentUpdate(_In):
    name: Name | None = None
    group: Name | None = None
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    position: int | None = Field(None, ge=0, le=100_000)
    status: ComponentStatus | None = None


class ComponentPublic(BaseModel):
    id: int
    name: str
    group: str | None
    description: str
    position: int
    status: ComponentStatus
    created_at: datetime
    updated_at: datetime


class MaintenanceCreate(_In):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    body: Text = ""
    components: list[Name] = Field(default_factory=list, max_length=100)
    scheduled_for: AwareDatetime
    scheduled_until: AwareDatetime


class MaintenanceUpdate(_In):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    body: Text | None = None
    components: list[Name] | None = Field(None, max_length=100)
    scheduled_for: AwareDatetime | None = None
    scheduled_until: AwareDatetime | None = None
    completed: bool | None = Field(None, description="Mark the maintenance finished early.")


class MaintenancePublic(BaseModel):
    id: int
    name: str
    body: str
    components: list[str]
    scheduled_for: datetime
    scheduled_until: datetime
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime
