"""Console single sign-on: /login/oidc sends the browser to the provider, the callback
signs the user in (made on first sign-in with WARROOM_OIDC_DEFAULT_ROLE)."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from warroom.adapters.oidc import OidcClient, SsoError
from warroom.bootstrap import Warroom
from warroom.domain.access import AccessRole, Principal
from warroom.entrypoints.web.console_pages import begin_session, login_failed, safe_next
from warroom.entrypoints.web.render import warroom

router = APIRouter(include_in_schema=False)

SSO_COOKIE = "warroom_sso"
SSO_SECONDS = 600


def sso_client(wr: Warroom) -> OidcClient | None:
    """The configured provider, or None when single sign-on is off."""
    s = wr.settings
    if not (s.oidc_issuer and s.oidc_client_id):
        return None
    return OidcClient(
        issuer=s.oidc_issuer,
        client_id=s.oidc_client_id,
        client_secret=s.oidc_client_secret.get_secret_value() if s.oidc_client_secret else "",
        scopes=s.oidc_scopes,
        timeout=s.oidc_timeout_seconds,
    )


def _client(request: Request) -> OidcClient | None:
    client: OidcClient | None = request.app.state.sso_client
    return client


def _signer(request: Request) -> URLSafeTimedSerializer:
    signer: URLSafeTimedSerializer = request.app.state.sso_signer
    return signer


def _redirect_uri(wr: Warroom) -> str:
    return wr.settings.base_url + "/login/oidc/callback"


@router.get("/login/oidc")
async def sso_start(request: Request, next: str | None = None) -> Response:
    client = _client(request)
    next_url = safe_next(next)
    if client is None:
        return await login_failed(request, "Single sign-on is not configured.", 404, next_url)
    wr = warroom(request)
    try:
        start = await run_in_threadpool(client.start, _redirect_uri(wr))
    except SsoError as exc:
        return await login_failed(request, f"Single sign-on failed: {exc}", 502, next_url)
    # What the callback must find again travels signed in a short-lived cookie.
    pending = {"s": start.state, "n": start.nonce, "v": start.verifier, "next": next_url}
    response = RedirectResponse(start.url, status_code=303)
    response.set_cookie(
        SSO_COOKIE,
        _signer(request).dumps(pending),
        max_age=SSO_SECONDS,
        **request.app.state.console_sessions.cookie_args(),
    )
    return response


@router.get("/login/oidc/callback")
async def sso_callback(
    request: Request,
    state: str | None = None,
    code: str | None = None,
    error: str | None = None,
) -> Response:
    client = _client(request)
    if client is None:
        return await login_failed(request, "Single sign-on is not configured.", 404, "/")
    try:
        pending: dict[str, Any] = _signer(request).loads(
            request.cookies.get(SSO_COOKIE, ""), max_age=SSO_SECONDS
        )
    except BadSignature:
        return await login_failed(request, "The sign-in expired; please start again.", 400, "/")
    next_url = safe_next(str(pending.get("next", "/")))
    if not state or not hmac.compare_digest(state, str(pending["s"])):
        return await login_failed(
            request, "The sign-in answer did not match; start again.", 400, next_url
        )
    if error or not code:
        return await login_failed(request, f"The identity provider refused: {error}", 401, next_url)
    wr = warroom(request)
    try:
        identity = await run_in_threadpool(
            lambda: client.finish(
                code=code,
                redirect_uri=_redirect_uri(wr),
                verifier=str(pending["v"]),
                nonce=str(pending["n"]),
            )
        )
    except SsoError as exc:
        return await login_failed(request, f"Single sign-on failed: {exc}", 401, next_url)
    user = await run_in_threadpool(
        lambda: wr.users.sso_login(
            issuer=identity.issuer,
            subject=identity.subject,
            handle_hint=identity.handle_hint,
            name=identity.name,
            email=identity.email,
            default_role=AccessRole(wr.settings.oidc_default_role),
            now=wr.clock.now(),
        )
    )
    if user is None:
        return await login_failed(
            request, "This account is disabled.", 403, next_url, handle=identity.handle_hint
        )
    response = await begin_session(
        request, Principal(name=user.handle, role=user.role, user_id=user.id), next_url
    )
    response.delete_cookie(SSO_COOKIE, path="/")
    return response
