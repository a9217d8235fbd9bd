"""Documented error responses, shared by the routes."""

from __future__ import annotations

from typing import Any

from warroom.entrypoints.api.schemas import Problem

Responses = dict[int | str, dict[str, Any]]

CONFLICT: Responses = {409: {"model": Problem, "description": "Refused by a rule or a gate"}}
INVALID: Responses = {422: {"model": Problem, "description": "Invalid input; names the field"}}
MISSING: Responses = {404: {"model": Problem, "description": "No such incident"}}
ALL: Responses = {**MISSING, **CONFLICT, **INVALID}
