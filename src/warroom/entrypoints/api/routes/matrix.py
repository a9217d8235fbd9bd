"""The roles and responsibilities matrix of the policy in force."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from starlette.responses import Response

from warroom.entrypoints.api import schemas_checklists as s
from warroom.entrypoints.api.deps import Reader, WarroomDep
from warroom.entrypoints.api.responses import JSONBytes
from warroom.service_layer.matrix import matrix_html, matrix_markdown, roles_matrix

router = APIRouter(tags=["roles matrix"])


@router.get(
    "/matrix",
    response_model=s.MatrixPublic,
    responses={
        200: {
            "content": {"text/markdown": {}, "text/html": {}},
            "description": "JSON by default; Markdown or a printable HTML page with `format`.",
        }
    },
)
def get_matrix(
    wr: WarroomDep, who: Reader, format: Literal["json", "md", "html"] = "json"
) -> Response:
    """Roles by responsibilities, the checklist steps each role owns, and who is on duty."""
    matrix = roles_matrix(wr.policy, on_duty=wr.on_duty, now=wr.clock.now())
    if format == "md":
        return Response(matrix_markdown(matrix), media_type="text/markdown; charset=utf-8")
    if format == "html":
        return Response(matrix_html(matrix), media_type="text/html; charset=utf-8")
    return JSONBytes(matrix)
