"""Who may write, how big a request may be, and the headers every response carries.

- Writes (SPARQL update, Graph Store PUT/POST/DELETE, imports, undo) need credentials:
  ``Authorization: Bearer <token>`` (an account's token from ``amikg users``, or
  AMIKG_UPDATE_TOKEN / the token file's content, an admin), or HTTP basic ``AMIKG_BASIC_AUTH``
  (``user:password``, an admin) when configured. Missing -> 401, wrong -> 403; with no accounts
  and no token configured writes are refused outright (403). Which graphs the account may write
  is decided by :mod:`amikg.access` (the write gate). Never logged.
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

from amikg.access import Account

from .context import current_service, current_settings

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


def token_account(settings, given: str):
    """The account whose API token ``given`` is (AMIKG_UPDATE_TOKEN: an admin recorded as
    AMIKG_AGENT), or None."""
    token = settings.token()
    if token and token_matches(given, token):
        return Account(settings.agent, "admin")
    return current_service().accounts.by_token(given)


def request_account(settings, *, what: str = "writing"):
    """The account whose credentials this request carries, or None when it carries none.

    ``Authorization: Bearer <token>``: an account's API token (``amikg users``), or the
    service-wide ``AMIKG_UPDATE_TOKEN`` (an admin, recorded as ``AMIKG_AGENT``); HTTP basic
    ``AMIKG_BASIC_AUTH`` is an admin too. Credentials are compared by hash or in constant time
    and never logged.

    :raise ForbiddenOperation: credentials sent but not valid (403).
    """
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    scheme, value = scheme.lower(), value.strip()
    basic = settings.basic_auth
    if scheme == "bearer" and value:
        account = token_account(settings, value)
        if account is not None:
            return account
    elif scheme == "basic" and basic:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            decoded = ""
        if token_matches(decoded, basic):
            return Account(decoded.partition(":")[0] or settings.agent, "admin")
    raise ForbiddenOperation("the credentials are not valid")


def check_credentials(settings, *, what: str = "writing"):
    """The account of this request; raise unless it carries valid credentials.

    :raise AuthenticationRequired: none sent (401).
    :raise ForbiddenOperation: wrong ones, or none configured on the server (403).
    """
    if not settings.token() and not settings.basic_auth and not current_service().accounts.list():
        raise ForbiddenOperation(f"{what} is disabled: this service has no accounts and no update "
                                 "token (add one with `amikg users add`, or set "
                                 "AMIKG_UPDATE_TOKEN or AMIKG_UPDATE_TOKEN_FILE)")
    account = request_account(settings, what=what)
    if account is None:
        raise AuthenticationRequired(f"{what} needs credentials: send "
                                     "'Authorization: Bearer <token>'")
    return account


def require_write():
    """Guard for every write route: the account writing (its rights per graph are asked of the
    write gate, ``current_gate()``)."""
    return check_credentials(current_settings())


def require_admin(what: str = "this"):
    """Guard for routes only an admin may use (backup, the audit log): the admin's account.

    :raise ForbiddenOperation: (403) a valid account that is not an admin.
    """
    account = require_write()
    if account.role != "admin":
        raise ForbiddenOperation(f"{what} is for admins only; {account.name} is a {account.role}",
                                 account=account.name)
    return account


def read_account():
    """The account whose credentials this request carries, or None: none, or credentials that
    are not valid (a read anyone may make is then anonymous; clients send their write
    credentials on every request)."""
    try:
        return request_account(current_settings(), what="reading")
    except ForbiddenOperation:
        return None


def require_read():
    """Guard for read routes: the account reading, or None for an anonymous reader (refused
    with 401 when AMIKG_READ_AUTH is set)."""
    settings = current_settings()
    if settings.read_auth:
        return check_credentials(settings, what="reading")
    return read_account()


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
