"""The postmortem in the console: its Markdown rendered as sanitised HTML."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from warroom.entrypoints.web.auth import Viewer
from warroom.entrypoints.web.render import page, warroom
from warroom.service_layer.views import postmortem_view

router = APIRouter(include_in_schema=False)


@router.get("/incidents/{ref}/postmortem", response_class=HTMLResponse)
def postmortem_page(request: Request, ref: str, user: Viewer) -> Response:
    with warroom(request).read_session() as session:
        postmortem = postmortem_view(session, ref)
    return page(request, "console/postmortem.html", postmortem=postmortem, user=user)
