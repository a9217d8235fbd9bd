"""A small OpenID provider on 127.0.0.1 that can be told to put one defect in the next ID
token, so the console's checks can be proved end to end; oidc-provider-mock only mints
good tokens.

It serves discovery, a JWKS with one RSA key, an authorisation endpoint that approves at
once (redirecting with a code and the state it was sent) and a token endpoint that checks
the client, the redirect URI, the PKCE verifier and that a code is used only once, as
RFC 6749 requires; what it mints is a good ID token unless `defect` says otherwise.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.support.servers import ThreadedServer

# What `defect` may name, and what the ID token then gets wrong.
DEFECTS = {
    "aud": "issued to another client",
    "aud-list": "an audience list without this client",
    "aud-extra": "this client and another, no authorised party",
    "azp": "authorised party is another client",
    "iss": "issued by another issuer",
    "exp": "expired ten minutes ago",
    "no-exp": "no expiry at all",
    "iat": "issued an hour in the future",
    "nbf": "not valid for another hour",
    "nonce": "the nonce of another sign-in",
    "no-iat": "no issue time",
    "no-nonce": "no nonce at all",
    "no-sub": "no subject",
    "foreign-key": "signed with a key not in the JWKS (same kid)",
    "unknown-kid": "signed with a key not in the JWKS (its own kid)",
    "tampered": "claims changed after signing",
    "alg-none": "alg none and no signature",
    "hs256": "HS256 with the provider's public key as the secret",
    "garbage": "not a JWT at all",
}


@cache
def _key(name: str) -> RSAKey:
    """One RSA key per name for the whole run (generating them is the slow part)."""
    return RSAKey.generate_key(2048, parameters={"kid": "good", "use": "sig", "alg": "RS256"})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    """header.payload, encoded by hand (what no JOSE library will sign)."""
    return ".".join(_b64(json.dumps(part).encode()) for part in (header, claims))


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    challenge: str
    sub: str


@dataclass
class TestProvider:
    """The provider's state; `defect` applies to every token minted until it is reset."""

    client_id: str
    client_secret: str
    user: dict[str, Any] = field(default_factory=dict)
    defect: str | None = None
    issuer: str = ""
    minted: list[str] = field(default_factory=list)
    _grants: dict[str, _Grant] = field(default_factory=dict)

    __test__ = False  # not a pytest test class, whatever its name

    def discovery(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    def jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [_key("good").as_dict(private=False)]})

    def authorize(self, request: Request) -> Response:
        """Approve at once as `user["sub"]`: back to the client with a code and its state."""
        q = request.query_params
        if q.get("client_id") != self.client_id or q.get("code_challenge_method") != "S256":
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        code = secrets.token_urlsafe(24)
        self._grants[code] = _Grant(
            client_id=self.client_id,
            redirect_uri=q["redirect_uri"],
            nonce=q.get("nonce"),
            challenge=q["code_challenge"],
            sub=str(self.user["sub"]),
        )
        back = {"code": code, "state": q.get("state", "")}
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode(back)}", status_code=302)

    async def token(self, request: Request) -> Response:
        form = await request.form()
        expected = (
            "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        )
        if not hmac.compare_digest(request.headers.get("authorization", ""), expected):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self._grants.pop(str(form.get("code", "")), None)  # a code works once
        verifier = str(form.get("code_verifier", ""))
        challenge = _b64(hashlib.sha256(verifier.encode()).digest())
        if (
            grant is None
            or grant.redirect_uri != form.get("redirect_uri")
            or not hmac.compare_digest(challenge, grant.challenge)
        ):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        id_token = self.mint(grant)
        self.minted.append(id_token)
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "id_token": id_token,
            }
        )

    def mint(self, grant: _Grant) -> str:
        """The ID token for `grant`, with `defect` in it."""
        now, defect = int(time.time()), self.defect
        claims: dict[str, Any] = {
            **self.user,
            "iss": self.issuer,
            "sub": grant.sub,
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant.nonce,
        }
        changes: dict[str, Any] = {
            "aud": {"aud": "another-client"},
            "aud-list": {"aud": ["another-client", "a-third-client"]},
            "aud-extra": {"aud": [grant.client_id, "another-client"]},
            "azp": {"azp": "another-client"},
            "iss": {"iss": "http://127.0.0.1:1/not-the-issuer"},
            "exp": {"iat": now - 900, "exp": now - 600},
            "iat": {"iat": now + 3600, "exp": now + 3900},
            "nbf": {"nbf": now + 3600},
            "nonce": {"nonce": "the-nonce-of-another-sign-in"},
        }
        claims.update(changes.get(defect or "", {}))
        for claim in ("exp", "iat", "nonce", "sub"):
            if defect == f"no-{claim}":
                del claims[claim]
        header = {"alg": "RS256", "kid": "good"}
        if defect == "alg-none":
            return _unsigned({"alg": "none", "kid": "good"}, claims) + "."
        if defect == "hs256":
            # The classic confusion: the public key's PEM used as an HMAC secret.
            secret = _key("good").as_pem(private=False)
            signing = _unsigned({"alg": "HS256", "kid": "good"}, claims)
            digest = hmac.new(secret, signing.encode(), hashlib.sha256).digest()
            return f"{signing}.{_b64(digest)}"
        if defect == "garbage":
            return "not.a.jwt"
        if defect == "foreign-key":
            return jwt.encode(header, claims, _key("foreign"))
        if defect == "unknown-kid":
            return jwt.encode({**header, "kid": "unknown"}, claims, _key("foreign"))
        token = jwt.encode(header, claims, _key("good"))
        if defect == "tampered":
            _, _, signature = token.split(".")
            forged = {**claims, "sub": "someone-else", "preferred_username": "root"}
            return f"{_unsigned(header, forged)}.{signature}"
        return token

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/jwks", self.jwks),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
            ]
        )


def serve_provider(provider: TestProvider) -> ThreadedServer:
    """Start `provider` on a free port of 127.0.0.1; its issuer is set to that URL."""
    server = ThreadedServer(provider.app())
    provider.issuer = server.url
    server.start()
    return server
