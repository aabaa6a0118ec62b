"""Who may write, how big a request may be, and the headers every response carries.

- Writes (SPARQL update, Graph Store PUT/POST/DELETE) need credentials: ``Authorization: Bearer
  <AMIKG_UPDATE_TOKEN or the token file's content>``, or HTTP basic ``AMIKG_BASIC_AUTH``
  (``user:password``) when configured. Missing -> 401, wrong -> 403; with no credentials configured
  writes are refused outright (403). Compared in constant time, never logged.
- ``AMIKG_READ_AUTH=true`` requires the same credentials for reads.
- Request bodies are limited to ``AMIKG_MAX_BODY`` bytes (Flask ``MAX_CONTENT_LENGTH`` -> 413).
- CORS: any origin may read and send (``Authorization`` included), so YASGUI and other browser
  clients work; credentials are explicit headers, never cookies.
- HTML responses carry a strict Content-Security-Policy (no outside scripts, no framing).
"""

from __future__ import annotations

import base64
import hmac

from flask import Flask, request

from amikg.errors import AuthenticationRequired, ForbiddenOperation, LimitExceeded

from .context import current_settings

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Authorization, Content-Type",
    "Access-Control-Expose-Headers": "Content-Type, Content-Disposition, Location",
    "Access-Control-Max-Age": "600",
}
HTML_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
                               "base-uri 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def token_matches(given: str, expected: str) -> bool:
    """Whether ``given`` is the secret ``expected``, compared in constant time."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def check_credentials(settings, *, what: str = "writing") -> None:
    """Raise unless the request carries valid credentials.

    :raise AuthenticationRequired: none sent (401).
    :raise ForbiddenOperation: wrong ones, or none configured on the server (403).
    """
    token = settings.token()
    basic = settings.basic_auth
    if not token and not basic:
        raise ForbiddenOperation(f"{what} is disabled: this service has no update token "
                                 "configured (set AMIKG_UPDATE_TOKEN or AMIKG_UPDATE_TOKEN_FILE)")
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    scheme, value = scheme.lower(), value.strip()
    if not header:
        raise AuthenticationRequired(f"{what} needs credentials: send "
                                     "'Authorization: Bearer <token>'")
    ok = False
    if scheme == "bearer" and token:
        ok = token_matches(value, token)
    elif scheme == "basic" and basic:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            decoded = ""
        ok = token_matches(decoded, basic)
    if not ok:
        raise ForbiddenOperation("the credentials are not valid")


def require_write() -> None:
    """Guard for every write route."""
    check_credentials(current_settings())


def require_read() -> None:
    """Guard for read routes (a no-op unless AMIKG_READ_AUTH is set)."""
    settings = current_settings()
    if settings.read_auth:
        check_credentials(settings, what="reading")


def register(app: Flask) -> None:
    @app.before_request
    def body_limit():
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if limit and request.content_length and request.content_length > limit:
            raise LimitExceeded(f"the request body is larger than {limit} bytes "
                                "(AMIKG_MAX_BODY)", limit=limit)

    @app.after_request
    def headers(resp):
        for k, v in CORS_HEADERS.items():
            resp.headers.setdefault(k, v)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        if resp.mimetype == "text/html":
            for k, v in HTML_HEADERS.items():
                resp.headers.setdefault(k, v)
        return resp
