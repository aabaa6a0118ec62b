"""Accounts on the service: ``/api/audit`` (admins), ``/api/me``; browser sign-in and sign-out.

API clients send ``Authorization: Bearer TOKEN`` on every request; a browser signs in with a
password (``/signin``) and gets a session cookie that signs only the service's own forms (each
with a CSRF token): the API, ``/sparql`` and ``/graph`` never take the cookie.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from amikg.errors import ParameterError

from .context import current_service
from .safety import require_admin, require_read

bp = Blueprint("auth", __name__)


@bp.get("/api/audit")
def audit():
    """The audit log, newest first (``?account=``, ``?limit=``); admins only."""
    require_admin("the audit log")
    try:
        limit = int(request.args.get("limit", "1000"))
    except ValueError:
        raise ParameterError("limit must be a whole number", parameter="limit")
    return jsonify(current_service().accounts.audit(limit, request.args.get("account")))


@bp.get("/api/me")
def me():
    """Who the credentials sent belong to (``null`` for none): name, role, clusters."""
    account = require_read()
    return jsonify(account.to_dict() if account else None)
