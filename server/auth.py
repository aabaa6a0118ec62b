"""Accounts on the service: ``/api/audit`` (admins), ``/api/me``; browser sign-in and sign-out.

API clients send ``Authorization: Bearer TOKEN`` on every request; a browser signs in with a
password (``/signin``), or through OpenID Connect where configured (:mod:`.oidc`), and gets a
session cookie (:func:`start_session`) that signs only the service's own forms (each with a CSRF
token): the API, ``/sparql`` and ``/graph`` never take the cookie.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired

from amikg.errors import AuthenticationRequired, NotFound, ParameterError

from .context import current_service, current_settings
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


# -- browser sign-in ----------------------------------------------------------------------------

class SignInForm(FlaskForm):
    name = StringField("Account name", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])
    next = HiddenField()


class SignOutForm(FlaskForm):
    """Sign-out is a POST with a CSRF token, so no other site can sign a user out."""


def session_account():
    """The signed-in account of this browser, or None (no session, expired, or the account was
    removed or its password or token changed since)."""
    name = session.get("account")
    if not name:
        return None
    lifetime = current_settings().session_hours * 3600
    try:
        account = current_service().accounts.get(name)
    except NotFound:
        account = None
    if account is None or session.get("changed") != account.changed or \
            time.time() - session.get("at", 0) > lifetime:
        session.clear()
        return None
    return account


def start_session(account) -> None:
    """Sign this browser in as ``account``, however it proved who it is: a fresh session
    (nothing kept from before it, so a session id planted earlier is worth nothing) that lasts
    AMIKG_SESSION_HOURS and ends when the account's credentials change (:func:`session_account`)."""
    session.clear()
    session.permanent = True
    session.update(account=account.name, changed=account.changed, at=time.time())


def signin_page(error: str | None = None, status: int = 200, form: SignInForm | None = None):
    """The sign-in page, with ``error`` said in a sentence for the person signing in: every
    refused sign-in, by password or OpenID Connect, is answered with this page."""
    return render_template("pages/signin.html", form=form or SignInForm(), error=error), status


def safe_next(target: str | None) -> str:
    """Only a path on this site (never ``//host`` or a URL): no open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("my_cluster.my")


@bp.route("/signin", methods=["GET", "POST"])
def signin():
    form = SignInForm()
    error, status = None, 200
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    elif form.validate_on_submit():
        book = current_service().accounts
        wait = book.wait_before_login(form.name.data)
        if wait > 0:
            error, status = (f"Too many failed sign-ins for this account: wait "
                             f"{int(wait) + 1} seconds, then try again."), 429
        else:
            try:
                account = book.check_password(form.name.data, form.password.data)
            except AuthenticationRequired:
                error, status = "The account name or the password is wrong.", 401
            else:
                start_session(account)
                return redirect(safe_next(form.next.data))
    else:
        error, status = "The form expired or was not sent from this site: try again.", 400
    return signin_page(error, status, form)


@bp.post("/signout")
def signout():
    form = SignOutForm()
    if not form.validate_on_submit():
        return signin_page("The sign-out form expired: try again.", 400)
    session.clear()
    return redirect(url_for("pages.home"))


def register(app) -> None:
    """Session cookies: signed with AMIKG_SECRET_KEY (else a key kept in the accounts file),
    HttpOnly, SameSite=Lax, expiring after AMIKG_SESSION_HOURS."""
    settings = app.extensions["amikg"].settings
    app.config["SECRET_KEY"] = settings.secret_key or app.extensions["amikg"].accounts.secret_key()
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=settings.session_hours)
    # a form's token lasts as long as a sign-in (at least an hour, for the sign-in form itself)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", int(max(1.0, settings.session_hours) * 3600))

    @app.context_processor
    def _signed_in():
        account = session_account() if "account" in session else None
        return {"signed_in": account, "signout_form": SignOutForm() if account else None}
