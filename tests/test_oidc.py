"""Issue 21: OpenID Connect sign-in (EU Login speaks it) against a real provider on loopback.

The provider is panva's oidc-provider from the npm registry (tests/oidc/provider.mjs, installed by
``npm ci --prefix tests/oidc``), run by node on 127.0.0.2: another host than the service's
127.0.0.1, so the browser keeps their cookies apart as it would for EU Login. Most tests drive the
service in this process (Flask's test client) and walk the provider's pages with requests; the
last ones do the whole dance in Chromium against a real ``amikg serve``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from conftest import ROOT, need, run_cli, server_module
from live import LiveService, free_port, wait_http
from test_web_pages import browser  # noqa: F401 (Chromium as every page test starts it)

#: How the session keys of a sign-in's state begin.
STATE_KEYS = server_module("oidc").STATE_KEYS
PROVIDER_DIR = ROOT / "tests" / "oidc"
CLIENT_ID, CLIENT_SECRET = "amikg-test", "client-secret-7f3a9c1e5b"
#: Where the service in this process sends the provider's answers (Flask's test client's host).
IN_PROCESS = "http://localhost/signin/oidc/callback"
#: The port of the real service of the browser tests (registered at the provider beforehand).
LIVE_PORT = free_port()
FILAS_IRI = "https://w3id.org/amikg/id/cluster/filas"
ANA_SUB = "ana-7c41"  # the subject the provider gives ana


class Provider:
    """``node tests/oidc/provider.mjs`` on a free port of 127.0.0.2 (``wrong_keys``: it publishes
    keys its ID tokens do not verify with)."""

    def __init__(self, log_dir, wrong_keys: bool = False):
        need(shutil.which("node") is not None, "node is not installed (apt-get install nodejs)")
        need((PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir(),
             "the OpenID Connect test provider is not installed: run `npm ci --prefix tests/oidc` "
             "(.ci/run does)")
        self.issuer = f"http://127.0.0.2:{free_port('127.0.0.2')}"
        env = {**os.environ, "OIDC_ISSUER": self.issuer, "OIDC_CLIENT_ID": CLIENT_ID,
               "OIDC_CLIENT_SECRET": CLIENT_SECRET, "OIDC_WRONG_KEYS": "1" if wrong_keys else "",
               "OIDC_REDIRECT_URIS": f"{IN_PROCESS} http://127.0.0.1:{LIVE_PORT}/signin/oidc/callback"}
        self.log = log_dir / f"provider-{time.monotonic_ns()}.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(["node", str(PROVIDER_DIR / "provider.mjs")], env=env,
                                         stdout=log, stderr=subprocess.STDOUT)
        wait_http(self.issuer + "/.well-known/openid-configuration", proc=self.proc)

    def settings(self, **more) -> dict:
        """The service's settings for this provider."""
        return {"oidc_issuer": self.issuer, "oidc_client_id": CLIENT_ID,
                "oidc_client_secret": CLIENT_SECRET, "oidc_name": "Test ID", **more}

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    p = Provider(tmp_path_factory.mktemp("oidc"))
    yield p
    p.stop()


@pytest.fixture
def make_oidc_app(make_app, bundled_store):
    """``make_oidc_app(provider, **settings)``: the service in this process, signing in through
    ``provider``; ana (a manager of FILAS) is linked to the subject :data:`ANA_SUB`, rita (a reader)
    to no identity."""
    def make(provider, **settings):
        app = make_app(bundled_store, **provider.settings(**settings))
        book = app.extensions["amikg"].accounts
        book.add("ana", "manager", [FILAS_IRI])
        book.add("rita", "reader")
        book.link_oidc("ana", provider.issuer, ANA_SUB)
        return app
    return make


@pytest.fixture
def client(make_oidc_app, provider):
    return make_oidc_app(provider).test_client()


def at_provider(authorize_url: str, subject: str | None = None) -> str:
    """Walk the provider's pages as a browser would, signing in as ``subject`` (None: press
    "Refuse"), and return the URL it sends the browser back to."""
    web = requests.Session()
    url = authorize_url
    for _ in range(10):
        if url.startswith(IN_PROCESS):
            return url
        r = web.get(url, allow_redirects=False, timeout=10)
        if r.status_code == 200 and "/interaction/" in url:
            action = "login" if subject else "abort"
            r = web.post(f"{url}/{action}", data={"login": subject or ""},
                         allow_redirects=False, timeout=10)
        assert r.status_code in (302, 303), (r.status_code, r.text[:300])
        url = urljoin(url, r.headers["Location"])
    raise AssertionError(f"the provider never sent the browser back (last at {url})")


def start(client, next_path: str = "/my") -> str:
    """Press "Sign in with Test ID": the provider's authorization URL."""
    r = client.get(f"/signin/oidc?next={next_path}")
    assert r.status_code == 302, r.get_data(as_text=True)
    return r.headers["Location"]


def error_of(r) -> str:
    return re.search(r'id="signin-error">([^<]*)<', r.get_data(as_text=True)).group(1)


# -- the dance, in this process ------------------------------------------------------------------

def test_the_sign_in_page_offers_the_provider_and_the_authorization_request_is_pkce(client):
    page = client.get("/signin?next=/my/filas").get_data(as_text=True)
    assert re.search(r'<a class="button" id="oidc-signin" href="/signin/oidc\?next=/my/filas">'
                     r'Sign in with Test ID</a>', page)
    query = parse_qs(urlsplit(start(client)).query)
    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [IN_PROCESS]
    assert set(query["scope"][0].split()) == {"openid", "profile", "email"}
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 20


def test_a_new_start_replaces_a_sign_in_left_unfinished(client):
    """Each start keeps its state in the session cookie: left to pile up, they would make the
    cookie too large for the browser."""
    for _ in range(12):
        start(client)
    with client.session_transaction() as session:
        assert len([k for k in session if k.startswith(STATE_KEYS)]) == 1
    assert client.get(at_provider(start(client), ANA_SUB)).status_code == 302


def test_a_linked_identity_signs_in_as_its_account_with_the_same_session(client):
    assert client.get("/my/filas").status_code == 302  # not signed in yet
    r = client.get(at_provider(start(client), ANA_SUB))
    assert r.status_code == 302 and r.headers["Location"] == "/my"
    with client.session_transaction() as session:  # what a password sign-in keeps, nothing more
        assert set(session) == {"account", "changed", "at", "_permanent"}
        assert session["account"] == "ana"
    assert client.get("/my").headers["Location"] == "/my/filas"
    page = client.get("/my/filas").get_data(as_text=True)
    assert "My cluster: FILAS" in page and "Sign out" in page
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/signout", data={"csrf_token": token}).status_code == 302
    assert client.get("/my/filas").status_code == 302


def test_an_oidc_session_expires_as_a_password_session_does(make_oidc_app, provider):
    brief = make_oidc_app(provider, session_hours=0.0).test_client()
    assert brief.get(at_provider(start(brief), ANA_SUB)).status_code == 302
    assert brief.get("/my/filas").status_code == 302  # expired at once: sign in again


def test_unlinking_ends_the_session(make_oidc_app, provider):
    app = make_oidc_app(provider)
    client = app.test_client()
    client.get(at_provider(start(client), ANA_SUB))
    assert client.get("/my/filas").status_code == 200
    app.extensions["amikg"].accounts.unlink_oidc("ana")
    assert client.get("/my/filas").status_code == 302
    r = client.get(at_provider(start(client), ANA_SUB))
    assert r.status_code == 403 and "not linked" in error_of(r)


def test_an_identity_linked_to_no_account_is_refused_and_gets_no_session(client):
    r = client.get(at_provider(start(client), "stranger-42"))
    assert r.status_code == 403
    message = error_of(r)
    assert "not linked to an account" in message and "stranger-42" in message
    with client.session_transaction() as session:
        assert "account" not in session
    assert client.get("/my").headers["Location"].startswith("/signin")


def test_a_wrong_or_missing_state_is_refused(client):
    back = at_provider(start(client), ANA_SUB)
    forged = re.sub(r"state=[^&]+", "state=forged-by-someone-else", back)
    r = client.get(forged)
    assert r.status_code == 400 and "not started in this browser" in error_of(r)
    fresh = client.application.test_client()  # the right state, in a browser that did not start
    assert fresh.get(back).status_code == 400
    for c in (client, fresh):
        assert c.get("/my").headers["Location"].startswith("/signin")


def test_a_failed_sign_in_leaves_the_session_before_it_as_it_was(client):
    """So a link to the callback from another site signs no one out."""
    client.get(at_provider(start(client), ANA_SUB))
    assert client.get("/signin/oidc/callback?code=x&state=from-elsewhere").status_code == 400
    assert client.get("/my/filas").status_code == 200


def test_an_error_sent_back_by_the_provider_is_refused(client):
    r = client.get(at_provider(start(client), None))  # "Refuse" at the provider
    assert r.status_code == 401 and "(access_denied)" in error_of(r)
    assert client.get("/my").headers["Location"].startswith("/signin")


def test_a_code_used_twice_is_refused(client):
    back = at_provider(start(client), ANA_SUB)
    copy = client.application.test_client()  # a copy of the browser, state and all
    with client.session_transaction() as kept, copy.session_transaction() as copied:
        copied.update(kept)
    assert client.get(back).status_code == 302
    r = copy.get(back)
    assert r.status_code == 401 and "(invalid_grant)" in error_of(r)
    assert copy.get("/my").headers["Location"].startswith("/signin")


def test_an_id_token_that_fails_verification_is_refused(make_oidc_app, tmp_path):
    wrong = Provider(tmp_path, wrong_keys=True)  # signs with a key it does not publish
    try:
        client = make_oidc_app(wrong).test_client()
        r = client.get(at_provider(start(client), ANA_SUB))
        assert r.status_code == 401 and "could not be verified" in error_of(r)
        assert client.get("/my").headers["Location"].startswith("/signin")
    finally:
        wrong.stop()


def test_an_id_token_for_another_sign_in_is_refused(client):
    """The nonce: an ID token minted for another sign-in (here: the nonce this browser expects is
    changed) does not sign anyone in."""
    back = at_provider(start(client), ANA_SUB)
    with client.session_transaction() as session:
        key = next(k for k in session if k.startswith(STATE_KEYS))
        kept = dict(session[key])
        kept["data"] = {**kept["data"], "nonce": "another-sign-in"}
        session[key] = kept
    r = client.get(back)
    assert r.status_code == 401 and "could not be verified" in error_of(r)


def test_an_unreachable_provider_is_said_in_a_sentence(make_app, bundled_store):
    down = {"oidc_issuer": f"http://127.0.0.2:{free_port('127.0.0.2')}", "oidc_name": "Test ID",
            "oidc_client_id": CLIENT_ID, "oidc_client_secret": CLIENT_SECRET}
    client = make_app(bundled_store, **down).test_client()
    for path in ("/signin/oidc", "/signin/oidc/callback?code=abc&state=xyz"):
        r = client.get(path)
        assert r.status_code == 502 and "could not be reached" in error_of(r), path
        assert "Traceback" not in r.get_data(as_text=True)


def test_oidc_is_off_unless_configured_and_a_half_configuration_is_an_error(make_app,
                                                                             bundled_store):
    from amikg.errors import ConfigError

    client = make_app(bundled_store).test_client()
    assert "oidc-signin" not in client.get("/signin").get_data(as_text=True)
    assert client.get("/signin/oidc").status_code == 404
    assert client.get("/signin/oidc/callback?code=x&state=y").status_code == 404
    with pytest.raises(ConfigError, match="AMIKG_OIDC_CLIENT_SECRET"):
        make_app(bundled_store, oidc_issuer="https://ecas.example.eu/cas/oauth2",
                 oidc_client_id="amikg")
    served = run_cli("serve", "--store", "memory:", "--port", str(free_port()),
                     env={"AMIKG_OIDC_ISSUER": "https://ecas.example.eu/cas/oauth2"})
    assert served.returncode == 2 and b"needs AMIKG_OIDC_CLIENT_ID" in served.stderr


def test_the_redirect_uri_setting_is_the_one_sent(make_oidc_app, provider):
    client = make_oidc_app(provider, oidc_redirect_uri="https://amikg.example.org/signin/oidc/"
                                                       "callback").test_client()
    query = parse_qs(urlsplit(start(client)).query)
    assert query["redirect_uri"] == ["https://amikg.example.org/signin/oidc/callback"]


# -- linking accounts on the command line ---------------------------------------------------------

def test_users_link_list_and_unlink(runner, tmp_path):
    store = ["--store", str(tmp_path / "store")]
    for args in (["ana", "--role", "manager", "--cluster", "filas"], ["rita", "--role", "reader"]):
        assert runner.invoke(["users", "add", *args, *store]).exit_code == 0
    issuer = "https://ecas.example.eu/cas/oauth2"
    r = runner.invoke(["users", "link", "ana", "--oidc-subject", "n00ana", *store],
                      env={"AMIKG_OIDC_ISSUER": issuer + "/"})
    assert r.exit_code == 0 and f"n00ana at {issuer}" in r.stdout
    listed = runner.invoke(["users", "list", "--json", *store]).stdout
    oidc = {a["name"]: a["oidc"] for a in __import__("json").loads(listed)}
    assert oidc == {"ana": {"issuer": issuer, "subject": "n00ana"}, "rita": None}
    table = runner.invoke(["users", "list", *store]).stdout
    assert re.search(r"ana .*n00ana at https://ecas", table) and re.search(r"rita .* no\s*$", table,
                                                                           re.M)
    taken = runner.invoke(["users", "link", "rita", "--oidc-subject", "n00ana", "--oidc-issuer",
                           issuer, *store], catch_exceptions=True)
    assert taken.exit_code == 2 and "linked to account 'ana'" in taken.output
    nowhere = runner.invoke(["users", "link", "rita", "--oidc-subject", "x", *store],
                            env={"AMIKG_OIDC_ISSUER": ""}, catch_exceptions=True)
    assert nowhere.exit_code == 2 and "issuer" in nowhere.output
    assert runner.invoke(["users", "unlink", "ana", *store]).exit_code == 0
    listed = runner.invoke(["users", "list", "--json", *store]).stdout
    assert all(a["oidc"] is None for a in __import__("json").loads(listed))


# -- in Chromium, against a real service ---------------------------------------------------------

@pytest.fixture(scope="module")
def site(provider, bundled_store_dir, tmp_path_factory, runner):
    """``amikg serve`` on :data:`LIVE_PORT` signing in through ``provider``; ana linked."""
    work = tmp_path_factory.mktemp("oidc-site")
    store = work / "store"
    shutil.copytree(bundled_store_dir, store)
    for args in (["users", "add", "ana", "--role", "manager", "--cluster", "filas"],
                 ["users", "link", "ana", "--oidc-subject", ANA_SUB, "--oidc-issuer",
                  provider.issuer]):
        assert runner.invoke([*args, "--store", str(store)]).exit_code == 0
    env = {"AMIKG_" + k.upper(): v for k, v in provider.settings().items()}
    with LiveService(store, log_dir=work, token=None, port=LIVE_PORT, env=env) as svc:
        yield svc


@pytest.fixture
def page(browser, site):  # noqa: F811
    """A fresh browser (no cookies) that reaches only the service and the provider."""
    context = browser.new_context()
    outside: list[str] = []

    def route(r):
        if urlsplit(r.request.url).hostname in ("127.0.0.1", "127.0.0.2"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    yield page
    context.close()
    assert outside == [], f"requests leaving loopback: {outside}"


def sign_in_at_provider(page, site, subject: str) -> None:
    page.goto(site.url + "/my")
    page.click("#oidc-signin")
    page.wait_for_url("http://127.0.0.2:*/interaction/*")
    page.fill("#login", subject)
    page.click("#provider-signin")


@pytest.mark.external
def test_a_manager_signs_in_with_the_provider_in_the_browser(page, site):
    codes: list[str] = []
    page.on("request", lambda r: codes.extend(parse_qs(urlsplit(r.url).query).get("code", [])))
    sign_in_at_provider(page, site, ANA_SUB)
    page.wait_for_url(site.url + "/my/filas")
    assert "My cluster: FILAS" in page.locator("h1").inner_text()
    page.click("#signout")
    page.wait_for_url(site.url + "/")
    assert page.locator("#signin-link").count() == 1
    log = site.log_text()
    assert codes and not any(code in log for code in codes)
    assert CLIENT_SECRET not in log and "eyJ" not in log  # no code, secret or token logged


@pytest.mark.external
def test_an_unlinked_subject_is_refused_in_the_browser(page, site):
    sign_in_at_provider(page, site, "stranger-42")
    page.wait_for_url(site.url + "/signin/oidc/callback*")
    assert "not linked to an account" in page.locator("#signin-error").inner_text()
    page.goto(site.url + "/my")
    assert urlsplit(page.url).path == "/signin"


@pytest.mark.external
def test_a_tampered_state_is_refused_in_the_browser(page, site):
    """The state is changed on the way to the provider (the service's redirect is rewritten): the
    browser holds the real one in its session, the provider sends the changed one back."""
    def tamper(route):
        answer = route.fetch(max_redirects=0)
        to = re.sub(r"state=[^&]+", "state=tampered", answer.headers["location"])
        route.fulfill(response=answer, headers={**answer.headers, "location": to})

    page.route(re.compile(r".*/signin/oidc\?.*"), tamper)
    sign_in_at_provider(page, site, ANA_SUB)
    page.wait_for_url(site.url + "/signin/oidc/callback*")
    assert "not started in this browser" in page.locator("#signin-error").inner_text()
    assert "session" in {c["name"] for c in page.context.cookies(site.url)}  # the real state
    page.goto(site.url + "/my")
    assert urlsplit(page.url).path == "/signin"
