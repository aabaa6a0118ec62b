"""Optional OpenID Connect sign-in (EU Login speaks it), through Authlib's Flask client.

Off unless ``AMIKG_OIDC_ISSUER``, ``AMIKG_OIDC_CLIENT_ID`` and ``AMIKG_OIDC_CLIENT_SECRET`` are
set; then the sign-in page also shows "Sign in with ``AMIKG_OIDC_NAME``". That link starts the
authorization code flow with PKCE (S256): Authlib reads the provider's discovery document, keeps
the state, the nonce and the code verifier in this browser's session, and on the way back checks
the state, trades the code for tokens and verifies the ID token (signature by the provider's
JWKS, issuer, audience, expiry, nonce). Starting is a plain link, not a form: the pages'
``form-action 'self'`` would stop a form's redirect to the provider, and a start made by another
site leads nowhere, since only the browser that started a sign-in can finish it (the state).

An identity brings no rights of its own: it signs in as the account an operator linked it to
(``amikg users link``), with the same session as a password sign-in (:func:`.auth.start_session`).
An identity linked to no account gets a 403 page and no session. Every failure (the provider
unreachable, a wrong or stale state, an error the provider sent back, a token that fails
verification) is the sign-in page with a sentence saying what happened, never a 500; codes,
tokens and the client secret are never logged or shown.
"""

from __future__ import annotations

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, current_app, redirect, request, session, url_for
from joserfc.errors import JoseError

from amikg.access.accounts import normal_issuer
from amikg.errors import NotFound

from .auth import safe_next, signin_page, start_session
from .context import current_service, current_settings

bp = Blueprint("oidc", __name__)

#: The provider's name in Authlib's registry.
CLIENT = "oidc"
#: How the session keys holding a sign-in's state begin (Authlib's ``_state_<client>_<state>``).
STATE_KEYS = f"_state_{CLIENT}_"
#: Seconds to wait for the provider's discovery document, keys and token endpoint.
TIMEOUT = 10
#: What the provider answered is unusable or did not arrive: unreachable, an HTTP error, a
#: document that is not JSON or lacks an endpoint.
UNREACHABLE = (requests.RequestException, KeyError, ValueError, RuntimeError)


class ProviderMismatch(Exception):
    """The discovery document names another issuer than the one configured: its keys and
    tokens are not trusted (OpenID Connect Discovery 1.0, section 4.3)."""


def _client():
    """The provider's Authlib client, after checking that its discovery document (read once,
    then kept) belongs to the configured issuer."""
    settings = current_settings()
    if not settings.oidc_enabled:
        raise NotFound("OpenID Connect sign-in is not configured on this service")
    client = current_app.extensions["authlib.integrations.flask_client"].create_client(CLIENT)
    metadata = client.load_server_metadata()
    if normal_issuer(metadata.get("issuer", "")) != normal_issuer(settings.oidc_issuer):
        raise ProviderMismatch()
    return client


def _unreachable(name: str):
    return signin_page(f"{name} could not be reached or gave an unusable answer: try again in a "
                       "while, or sign in with your account name and password.", 502)


def _misconfigured(name: str):
    current_app.logger.error("OpenID Connect: the provider's discovery document names another "
                             "issuer than AMIKG_OIDC_ISSUER; sign-ins through it are refused")
    return signin_page(f"{name} sign-in is not set up correctly on this service: sign in with "
                       "your account name and password, and tell the administrator.", 502)


def _unverified(name: str):
    return signin_page(f"The answer from {name} could not be verified (its identity token is "
                       "not valid for this service): nothing has been signed in; try again.", 401)


@bp.get("/signin/oidc")
def start():
    """Off to the provider; back at :func:`callback` (then to ``?next=``, a path here)."""
    settings = current_settings()
    # a sign-in started before and never finished is replaced: each would keep its state in the
    # cookie, which past 4 kB the browser drops, session and all
    for key in [k for k in session if k.startswith(STATE_KEYS)]:
        del session[key]
    try:
        client = _client()
        redirect_uri = settings.oidc_redirect_uri or url_for("oidc.callback", _external=True)
        answer = client.authorize_redirect(redirect_uri)
    except UNREACHABLE:
        return _unreachable(settings.oidc_name)
    except ProviderMismatch:
        return _misconfigured(settings.oidc_name)
    session["oidc_next"] = safe_next(request.args.get("next"))
    return answer


@bp.get("/signin/oidc/callback")
def callback():
    """The provider sends the browser back here with a code (or an error) and the state."""
    name = current_settings().oidc_name
    next_page = session.pop("oidc_next", None)
    try:
        token = _client().authorize_access_token()
    except MismatchingStateError:
        return signin_page(f"This {name} sign-in was not started in this browser, or it is too "
                           "old: start it again.", 400)
    except OAuthError as e:
        # e.error is the provider's code (access_denied, invalid_grant, ...), not a secret
        return signin_page(f"{name} did not sign you in ({e.error}): try again, or sign in with "
                           "your account name and password.", 401)
    except JoseError:
        return _unverified(name)
    except UNREACHABLE:
        return _unreachable(name)
    except ProviderMismatch:
        return _misconfigured(name)
    identity = token.get("userinfo")
    if not identity:  # Authlib verifies an ID token only when there is one
        return _unverified(name)
    account = current_service().accounts.by_oidc(identity["iss"], identity["sub"])
    if account is None:
        return signin_page(
            f"You signed in at {name}, but that identity (subject {identity['sub']}) is not "
            "linked to an account of this service. Ask the service's administrator to link it "
            "to your account; nothing has been signed in.", 403)
    start_session(account)
    return redirect(next_page or safe_next(None))


def register(app) -> None:
    """Register the provider with Authlib when the settings configure one (a
    :class:`~amikg.errors.ConfigError` names a missing part), and let the sign-in page show its
    button."""
    settings = app.extensions["amikg"].settings
    oauth = OAuth(app)
    if settings.oidc_enabled:
        oauth.register(
            CLIENT, client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            server_metadata_url=normal_issuer(settings.oidc_issuer)
            + "/.well-known/openid-configuration",
            client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256",
                           "default_timeout": TIMEOUT})

    @app.context_processor
    def _oidc_button():
        return {"oidc_name": settings.oidc_name if settings.oidc_enabled else None}
