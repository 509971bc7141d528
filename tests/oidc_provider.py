"""A real OpenID Connect provider for the tests: ``oidc-provider-mock`` served on 127.0.0.1 in
a background thread, with knobs to make it misbehave the way broken or hostile providers do
(a slow token endpoint; an ID token re-signed with a wrong audience, an old expiry, another
key, or not signed at all)."""
from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager

import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "vendortrack"
CLIENT_SECRET = "test-client-secret"


class Provider:
    """The provider's address, its users, and how its token endpoint misbehaves."""

    def __init__(self, mock_app, url: str):
        self.mock_app = mock_app
        self.url = url
        self.delay = 0.0  # seconds the token endpoint waits before answering
        self.rewrite: Callable[[dict, dict], str] | None = None  # (header, claims) -> id_token

    def reset(self) -> None:
        self.delay, self.rewrite = 0.0, None

    def set_user(self, sub: str, **claims) -> None:
        """Create or change the person ``sub`` at the provider (email, email_verified, name,
        groups, ...)."""
        response = requests.put(f"{self.url}/users/{sub}", json=claims, timeout=5)
        response.raise_for_status()

    def signing_key(self) -> RSAKey:
        """The provider's own private key, to re-sign tokens it issued."""
        import flask

        with self.mock_app.test_request_context():
            self.mock_app.preprocess_request()
            return RSAKey.import_key(flask.g.oidc_provider_mock_storage.jwk.as_dict(
                is_private=True))

    def resign(self, **changes) -> Callable[[dict, dict], str]:
        """A rewrite that re-signs the ID token with the provider's key after ``changes``."""
        key = self.signing_key()

        def rewrite(header: dict, claims: dict) -> str:
            return jwt.encode(header, {**claims, **changes}, key)

        return rewrite

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != "/oauth2/token" or not (self.delay or self.rewrite):
            return self.mock_app(environ, start_response)
        time.sleep(self.delay)
        captured = {}

        def keep(status, headers, exc_info=None):
            captured.update(status=status, headers=headers)

        body = b"".join(self.mock_app(environ, keep))
        if self.rewrite is not None and captured["status"].startswith("200"):
            answer = json.loads(body)
            token = jwt.decode(answer["id_token"], self.signing_key())
            answer["id_token"] = self.rewrite(dict(token.header), dict(token.claims))
            body = json.dumps(answer).encode()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], [*headers, ("Content-Length", str(len(body)))])
        return [body]


def unsigned(header: dict, claims: dict) -> str:
    """The ID token with ``alg: none`` and no signature."""
    import base64

    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def signed_with_another_key(header: dict, claims: dict) -> str:
    return jwt.encode({"alg": "RS256"}, claims, RSAKey.generate_key(2048))


@contextmanager
def running_provider():
    """Serve the provider on a free port of 127.0.0.1 until the block ends."""
    from oidc_provider_mock import app as mock_app
    from werkzeug.serving import make_server

    before = os.environ.get("AUTHLIB_INSECURE_TRANSPORT")
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # the provider speaks plain HTTP locally
    wrapper = Provider(mock_app(), "")
    http = make_server("127.0.0.1", 0, wrapper, threaded=True)
    wrapper.url = f"http://127.0.0.1:{http.server_port}"
    thread = threading.Thread(target=http.serve_forever, name="oidc-provider", daemon=True)
    thread.start()
    try:
        yield wrapper
    finally:
        http.shutdown()
        http.server_close()
        if before is None:
            os.environ.pop("AUTHLIB_INSECURE_TRANSPORT", None)
        else:
            os.environ["AUTHLIB_INSECURE_TRANSPORT"] = before
