"""A hospital's OpenID Connect provider, served for real on 127.0.0.1 (a plugin of conftest.py).

It speaks the authorization code flow as a provider does: discovery, /authorize (state, nonce, PKCE S256 checked
and echoed), /token (client secret, code, redirect and verifier checked; an RS256 ID token), /jwks. It signs in
whoever `provider.person` says, at once: no login page, since the tests are about the console, not the provider.
`provider.faults` makes it misbehave the ways real providers and attackers do (names in FAULTS).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Iterator
from urllib.parse import urlencode

import pytest
from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey
from joserfc.jws import JWSRegistry
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

CLIENT_ID = "ot-info-line-console"
CLIENT_SECRET = "provider-test-client-secret"
FAULTS = {
    "deny": "the person (or the provider) refuses: error=access_denied comes back",
    "other-state": "the answer carries a state the console never sent (a forged or crossed answer)",
    "other-audience": "the ID token is for another application",
    "other-issuer": "the ID token names another issuer",
    "expired": "the ID token expired an hour ago",
    "other-nonce": "the ID token's nonce is not the one the console sent (a replayed token)",
    "other-key": "the ID token is signed with a key the provider does not publish (a forgery)",
    "hang-token": "the token endpoint answers only after the console has given up",
    "no-id-token": "the token endpoint answers with an access token only (plain OAuth, no OpenID Connect)",
    "alg-none": "the ID token is not signed at all (alg none), and the provider's settings offer none",
    "hs256-public-key": "the ID token is signed with HS256, the provider's public key as the secret",
}
# Faults in the provider's settings (its discovery document): the console must refuse to use such a provider.
SETTINGS_FAULTS = {
    "issuer-slash": "the provider names itself with a trailing slash OIDC_ISSUER does not have",
    "no-jwks-uri": "the settings name no place for the provider's keys",
    "settings-not-an-object": "the settings are a JSON list",
    "settings-error": "the settings page answers 500",
    "only-shared-secret-algorithms": "the provider offers HS256 and none only",
}

# The signing algorithms the provider's settings offer, where a fault changes them (else RS256 only).
OFFERED = {"alg-none": ["RS256", "none"], "hs256-public-key": ["RS256", "HS256"],
           "only-shared-secret-algorithms": ["HS256", "none"]}


@dataclass
class IdentityProvider:
    issuer: str  # http://127.0.0.1:PORT
    person: dict[str, object]  # the claims about who signs in: email, email_verified, name...
    faults: set[str] = field(default_factory=set)
    hang_seconds: float = 3.0
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "provider-key-1"}))
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    token_requests: int = 0
    settings_requests: int = 0

    def environ(self) -> dict[str, str]:
        """The console's OIDC_* settings for this provider."""
        return {"OIDC_ISSUER": self.issuer, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET,
                "OIDC_NAME": "Hospital sign-in"}

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": f"person-{self.person.get('email')}", "aud": CLIENT_ID,
                  "iat": now, "exp": now + 300, "nonce": nonce, **self.person}
        if "other-audience" in self.faults:
            claims["aud"] = "someone-elses-app"
        if "other-issuer" in self.faults:
            claims["iss"] = "https://login.example.org"
        if "expired" in self.faults:
            claims.update(iat=now - 7200, exp=now - 3600)
        if "other-nonce" in self.faults:
            claims["nonce"] = "a-nonce-from-another-sign-in"
        if "alg-none" in self.faults:
            return ".".join(_base64_json(part) for part in ({"alg": "none", "kid": "provider-key-1"}, claims)) + "."
        if "hs256-public-key" in self.faults:
            public = OctKey.import_key(json.dumps(self.key.as_dict(private=False)).encode())
            return jwt.encode({"alg": "HS256", "kid": "provider-key-1"}, claims, public,
                              registry=JWSRegistry(algorithms=["HS256"]))
        signer = RSAKey.generate_key(2048, parameters={"kid": "provider-key-1"}) if "other-key" in self.faults \
            else self.key
        return jwt.encode({"alg": "RS256", "kid": "provider-key-1"}, claims, signer)

    def app(self) -> Flask:
        provider = Flask("identity_provider")

        @provider.get("/.well-known/openid-configuration")
        def discovery() -> Response | tuple[str, int]:
            self.settings_requests += 1
            if "settings-error" in self.faults:
                return "the provider is having a bad day", 500
            if "settings-not-an-object" in self.faults:
                return jsonify([self.issuer])
            algorithms = next((OFFERED[fault] for fault in self.faults if fault in OFFERED), ["RS256"])
            settings = {"issuer": f"{self.issuer}/" if "issuer-slash" in self.faults else self.issuer,
                        "authorization_endpoint": f"{self.issuer}/authorize", "token_endpoint": f"{self.issuer}/token",
                        "jwks_uri": f"{self.issuer}/jwks", "response_types_supported": ["code"],
                        "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": algorithms,
                        "code_challenge_methods_supported": ["S256"],
                        "token_endpoint_auth_methods_supported": ["client_secret_basic"]}
            if "no-jwks-uri" in self.faults:
                del settings["jwks_uri"]
            return jsonify(settings)

        @provider.get("/jwks")
        def jwks() -> Response:
            return jsonify(keys=[self.key.as_dict(private=False)])

        @provider.get("/authorize")
        def authorize() -> Response:
            asked = request.args
            if asked.get("client_id") != CLIENT_ID or asked.get("response_type") != "code" \
                    or "openid" not in asked.get("scope", "").split() or asked.get("code_challenge_method") != "S256" \
                    or not asked.get("nonce") or not asked.get("state") or not asked.get("code_challenge"):
                abort(400)
            state = "a-state-the-console-never-sent" if "other-state" in self.faults else asked["state"]
            if "deny" in self.faults:
                return redirect(f"{asked['redirect_uri']}?{urlencode({'error': 'access_denied', 'state': state})}")
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"nonce": asked["nonce"], "redirect_uri": asked["redirect_uri"],
                                "challenge": asked["code_challenge"]}
            return redirect(f"{asked['redirect_uri']}?{urlencode({'code': code, 'state': state})}")

        @provider.post("/token")
        def token() -> Response | tuple[Response, int]:
            self.token_requests += 1
            if "hang-token" in self.faults:
                time.sleep(self.hang_seconds)
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if request.headers.get("Authorization") != f"Basic {expected}":
                return jsonify(error="invalid_client"), 401
            issued = self.codes.pop(request.form.get("code", ""), None)  # a code works once
            verifier = request.form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if issued is None or request.form.get("redirect_uri") != issued["redirect_uri"] \
                    or challenge != issued["challenge"] or request.form.get("grant_type") != "authorization_code":
                return jsonify(error="invalid_grant"), 400
            answer = {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300}
            if "no-id-token" not in self.faults:
                answer["id_token"] = self.id_token(issued["nonce"])
            return jsonify(answer)

        return provider


def _base64_json(part: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


@pytest.fixture
def identity_provider() -> Iterator[IdentityProvider]:
    """The provider, served on a free port of 127.0.0.1 for one test; it signs in a verified staff email."""
    provider = IdentityProvider(issuer="", person={"email": "nurse@hospital.example.org", "email_verified": True})
    server = make_server("127.0.0.1", 0, provider.app(), threaded=True)
    provider.issuer = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="identity-provider", daemon=True)
    thread.start()
    yield provider
    server.shutdown()
    thread.join(timeout=10)
