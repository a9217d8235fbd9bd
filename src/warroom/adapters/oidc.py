"""OpenID Connect single sign-on (authorisation code flow with PKCE), built on Authlib.

Discovery gives the endpoints and the signing keys; each sign-in carries a fresh state
(against forged callbacks), nonce (against replayed ID tokens) and PKCE verifier (against
stolen codes). The ID token's signature, issuer, audience (this client alone), expiry,
issue time and nonce are checked.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx2
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]


class SsoError(Exception):
    """Single sign-on failed; the message is safe to show."""


@dataclass(frozen=True)
class SsoStart:
    """Where to send the browser, and what the callback must find again."""

    url: str
    state: str
    nonce: str
    verifier: str


@dataclass(frozen=True)
class SsoIdentity:
    issuer: str
    subject: str
    handle_hint: str
    name: str | None
    email: str | None


class OidcClient:
    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        client_secret: str,
        scopes: str = "openid profile email",
        timeout: float = 10.0,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.scopes = scopes
        self.timeout = timeout
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    def _get(self, url: str) -> dict[str, Any]:
        try:
            response = httpx2.get(url, timeout=self.timeout)
            response.raise_for_status()
            data: dict[str, Any] = response.json()
        except (httpx2.HTTPError, ValueError) as exc:
            raise SsoError(f"the identity provider did not answer at {url}: {exc}") from None
        return data

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (fetched once)."""
        with self._lock:
            if self._metadata is None:
                data = self._get(self.issuer + "/.well-known/openid-configuration")
                if str(data.get("issuer", "")).rstrip("/") != self.issuer:
                    raise SsoError("the discovery document names another issuer")
                self._metadata = data
            return self._metadata

    def _key_set(self, refresh: bool = False) -> KeySet:
        with self._lock:
            if self._keys is None or refresh:
                jwks_uri = str((self._metadata or {}).get("jwks_uri", ""))
                self._keys = KeySet.import_key_set(self._get(jwks_uri))  # type: ignore[arg-type]
            return self._keys

    def start(self, redirect_uri: str) -> SsoStart:
        """A fresh authorisation request."""
        meta = self.metadata()
        state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
        url = prepare_grant_uri(
            meta["authorization_endpoint"],
            client_id=self.client_id,
            response_type="code",
            redirect_uri=redirect_uri,
            scope=self.scopes,
            state=state,
            nonce=nonce,
            code_challenge=create_s256_code_challenge(verifier),
            code_challenge_method="S256",
        )
        return SsoStart(url=url, state=state, nonce=nonce, verifier=verifier)

    def finish(self, *, code: str, redirect_uri: str, verifier: str, nonce: str) -> SsoIdentity:
        """Exchange the code and verify the ID token; the identity it proves."""
        meta = self.metadata()
        try:
            response = httpx2.post(
                meta["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "code_verifier": verifier,
                },
                auth=(self.client_id, self.client_secret),
                timeout=self.timeout,
            )
            body: dict[str, Any] = response.json()
        except (httpx2.HTTPError, ValueError) as exc:
            raise SsoError(f"the token endpoint did not answer: {exc}") from None
        if response.status_code != 200 or "id_token" not in body:
            raise SsoError(f"the identity provider refused the code: {body.get('error', '?')}")
        claims = self.verify_id_token(str(body["id_token"]), nonce)
        subject = str(claims["sub"])
        email = claims.get("email")
        hint = claims.get("preferred_username") or (email.split("@")[0] if email else subject)
        return SsoIdentity(
            issuer=self.issuer,
            subject=subject,
            handle_hint=str(hint),
            name=str(claims["name"]) if claims.get("name") else None,
            email=str(email) if email else None,
        )

    def verify_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims after checking signature, iss, aud, exp, iat and nonce."""
        issuer = str(self.metadata()["issuer"])
        try:
            try:
                token = jwt.decode(id_token, self._key_set(), algorithms=ALGORITHMS)
            except JoseError:
                # The provider may have rotated its keys since we fetched them.
                token = jwt.decode(id_token, self._key_set(refresh=True), algorithms=ALGORITHMS)
            registry = jwt.JWTClaimsRegistry(
                now=int(time.time()),
                leeway=60,
                iss={"essential": True, "value": issuer},
                aud={"essential": True, "value": self.client_id},
                exp={"essential": True},
                iat={"essential": True},  # OpenID Connect Core 2: required in every ID token
                sub={"essential": True},
                nonce={"essential": True, "value": nonce},
            )
            registry.validate(token.claims)
        except (JoseError, ValueError) as exc:
            raise SsoError(f"the ID token was refused: {exc}") from None
        claims: dict[str, Any] = dict(token.claims)
        # Core 3.1.3.7: refuse a token that also names audiences this client does not trust
        # (it trusts none but itself), and one whose authorised party is another client.
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        azp = claims.get("azp")
        if audiences != [self.client_id] or (azp is not None and azp != self.client_id):
            raise SsoError("the ID token was refused: it was issued to another client")
        return claims
