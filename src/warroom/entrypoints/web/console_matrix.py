"""The roles and responsibilities matrix in the console, and its Markdown to print."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from warroom.entrypoints.web.auth import Viewer
from warroom.entrypoints.web.render import page, warroom
from warroom.service_layer.matrix import matrix_markdown, roles_matrix, step_notes

router = APIRouter(include_in_schema=False)


def _matrix(request: Request) -> dict[str, Any]:
    wr = warroom(request)
    return roles_matrix(wr.policy, on_duty=wr.on_duty, now=wr.clock.now())


@router.get("/matrix", response_class=HTMLResponse)
def matrix_page(request: Request, user: Viewer) -> Response:
    matrix = _matrix(request)
    for row in matrix["roles"]:
        row["steps"] = [{**step, "notes": step_notes(step)} for step in row["steps"]]
    return page(request, "console/matrix.html", user=user, matrix=matrix)


@router.get("/matrix.md")
def matrix_export(request: Request, user: Viewer) -> Response:
    """The same matrix as Markdown, to print or paste into a runbook."""
    return Response(
        matrix_markdown(_matrix(request)),
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="roles-matrix.md"'},
    )
