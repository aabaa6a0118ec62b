"""Issue 21: browser sign-in and a manager editing their own cluster ("my cluster").

The forms are driven through Flask's test client (sign-in, CSRF, validation, rights, undo) and,
for what a manager sees, through Chromium with Playwright against a real ``amikg serve``.
"""

from __future__ import annotations

import re
import shutil

import pytest

from test_web_pages import browser  # noqa: F401 (Chromium as every page test starts it)

FILAS_IRI = "https://w3id.org/amikg/id/cluster/filas"
PASSWORD = "correct horse battery staple"
G = "https://w3id.org/amikg/graph/"


@pytest.fixture
def app(make_app, bundled_store):
    app = make_app(bundled_store)
    book = app.extensions["amikg"].accounts
    book.add("ana", "manager", [FILAS_IRI], password=PASSWORD)
    book.add("rita", "reader", password=PASSWORD)
    return app


def csrf(html: str, prefix: str = "") -> str:
    name = f"{prefix}-csrf_token" if prefix else "csrf_token"
    return re.search(rf'name="{name}" type="hidden" value="([^"]+)"', html).group(1)


def sign_in(client, name="ana", password=PASSWORD):
    page = client.get("/signin").get_data(as_text=True)
    return client.post("/signin", data={"csrf_token": csrf(page), "name": name,
                                        "password": password, "next": "/my"})


def percent(html: str) -> int:
    return int(re.search(r'id="roadmap-percent">(\d+)%', html).group(1))


ASSESSMENT = {"a-item": "https://w3id.org/amikg/ontology#cp-market-barriers",
              "a-status": "done", "a-date": "2026-11-30",
              "a-evidence": "https://example.org/filas/barriers.pdf",
              "a-responsible": "Maria Rossi"}


def test_sign_in_then_my_cluster_then_sign_out(client):
    assert client.get("/my").headers["Location"].startswith("/signin")
    r = sign_in(client)
    assert r.status_code == 302 and r.headers["Location"] == "/my"
    assert client.get("/my").headers["Location"] == "/my/filas"  # one cluster: straight to it
    page = client.get("/my/filas").get_data(as_text=True)
    assert "My cluster: FILAS" in page and "Sign out" in page
    r = client.post("/signout", data={"csrf_token": csrf(page)})
    assert r.status_code == 302
    assert client.get("/my/filas").status_code == 302  # signed out


def test_a_wrong_password_is_refused_and_repeated_failures_are_slowed(client):
    for _ in range(3):
        r = sign_in(client, password="wrong password")
        assert r.status_code == 401 and "wrong" in r.get_data(as_text=True)
    r = sign_in(client)  # even the right password must wait now
    assert r.status_code == 429 and "wait" in r.get_data(as_text=True)
    assert client.get("/my/filas").status_code == 302


def test_forms_without_a_csrf_token_write_nothing(client, bundled_store):
    sign_in(client)
    before = set(bundled_store.quads())
    r = client.post("/my/filas/assessment", data=ASSESSMENT)
    assert r.status_code == 400 and "expired" in r.get_data(as_text=True)
    page = client.get("/signin").get_data(as_text=True)
    r = client.post("/signin", data={"name": "ana", "password": PASSWORD})  # no token
    assert r.status_code == 400
    assert set(bundled_store.quads()) == before and csrf(page)


def test_recording_a_checkpoint_raises_the_roadmap_and_can_be_undone(client, bundled_store):
    sign_in(client)
    before_quads = set(bundled_store.quads())
    page = client.get("/my/filas").get_data(as_text=True)
    before = percent(page)
    r = client.post("/my/filas/assessment", data={**ASSESSMENT, "a-csrf_token": csrf(page, "a")})
    assert r.status_code == 302, r.get_data(as_text=True)
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert percent(page) > before and "Saved: checkpoint assessment" in page
    # the person responsible is private: in the cluster's restricted graph
    assert any(q.object.value == "Maria Rossi" for q in bundled_store.quads(
        G + "cluster/filas/restricted"))
    # provenance names the account
    assert bundled_store.query(
        "ASK { GRAPH <https://w3id.org/amikg/graph/meta> { ?a <http://www.w3.org/ns/prov#"
        "wasAssociatedWith> <https://w3id.org/amikg/id/agent/ana> } }")
    edit = re.search(r'action="(/my/filas/undo/edit-[0-9a-f]+)"', page).group(1)
    r = client.post(edit, data={"csrf_token": csrf(page)})
    assert r.status_code == 302
    page = client.get("/my/filas").get_data(as_text=True)
    assert percent(page) == before and "undone" in page
    assert {q for q in bundled_store.quads() if not q.subject.value.endswith("/agent/ana")} == \
        before_quads


def test_an_invalid_assessment_shows_the_problems_and_writes_nothing(client, bundled_store):
    sign_in(client)
    page = client.get("/my/filas").get_data(as_text=True)
    before = set(bundled_store.quads())
    r = client.post("/my/filas/assessment", data={
        **ASSESSMENT, "a-date": "30/11/2026", "a-evidence": "the minutes in my drawer",
        "a-csrf_token": csrf(page, "a")})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Nothing was saved" in html
    assert re.search(r'id="a-evidence-problem">Evidence must be a document IRI or link', html)
    assert 'id="a-date-problem"' in html
    assert set(bundled_store.quads()) == before


def test_editing_the_profile_and_adding_a_member(client, bundled_store):
    sign_in(client)
    page = client.get("/my/filas").get_data(as_text=True)
    r = client.post("/my/filas/profile", data={
        "p-csrf_token": csrf(page, "p"), "p-mission": "Imaging for Lazio",
        "p-goals": "First goal\nSecond goal", "p-fees": "yes",
        "p-legal_form": "https://w3id.org/amikg/ontology#legal-non-profit-organization",
        "p-funding": ["https://w3id.org/amikg/ontology#funding-member-fees"]})
    assert r.status_code == 302, r.get_data(as_text=True)
    from amikg.editing import profile_values

    got = profile_values(bundled_store, "filas")
    assert (got["mission"], got["goals"], got["fees"]) == (
        "Imaging for Lazio", ["First goal", "Second goal"], "yes")
    page = client.get("/my/filas").get_data(as_text=True)
    r = client.post("/my/filas/member", data={
        "m-csrf_token": csrf(page, "m"), "m-name": "Ospedale Esempio",
        "m-category": "https://w3id.org/amikg/ontology#Hospital",
        "m-country": "http://publications.europa.eu/resource/authority/country/ITA"})
    assert r.status_code == 302, r.get_data(as_text=True)
    assert bundled_store.query(
        "ASK { GRAPH <https://w3id.org/amikg/graph/cluster/filas> { ?o <http://www.w3.org/ns/org#"
        "memberOf> <https://w3id.org/amikg/id/cluster/filas> ; <http://www.w3.org/2000/01/"
        "rdf-schema#label> 'Ospedale Esempio'@en } }")


def test_another_cluster_is_refused_and_unchanged(client, bundled_store):
    sign_in(client)
    page = client.get("/my/filas").get_data(as_text=True)
    before = set(bundled_store.quads())
    assert client.get("/my/pharmapolis").status_code == 403
    for form, prefix, data in (("assessment", "a", ASSESSMENT),
                               ("profile", "p", {"p-mission": "taken over"}),
                               ("member", "m", {"m-name": "Intruder"})):
        r = client.post(f"/my/pharmapolis/{form}",
                        data={**data, f"{prefix}-csrf_token": csrf(page, prefix)})
        assert r.status_code == 403
    assert set(bundled_store.quads()) == before


def test_a_reader_edits_nothing(client, bundled_store):
    sign_in(client, "rita")
    page = client.get("/my").get_data(as_text=True)
    assert 'id="no-clusters"' in page
    before = set(bundled_store.quads())
    r = client.post("/my/filas/assessment", data={**ASSESSMENT, "a-csrf_token": csrf(page)})
    assert r.status_code == 403
    assert set(bundled_store.quads()) == before


def test_sessions_expire(make_app, bundled_store):
    app = make_app(bundled_store, session_hours=0.0)
    app.extensions["amikg"].accounts.add("ana", "manager", [FILAS_IRI], password=PASSWORD)
    client = app.test_client()
    assert sign_in(client).status_code == 302
    assert client.get("/my/filas").status_code == 302  # expired at once: sign in again


def test_a_new_password_ends_the_sessions(client, app):
    sign_in(client)
    assert client.get("/my/filas").status_code == 200
    app.extensions["amikg"].accounts.set_password("ana", "another long password")
    assert client.get("/my/filas").status_code == 302


# -- in Chromium, against a real service ---------------------------------------------------------

@pytest.fixture
def site(bundled_store_dir, tmp_path, runner, start_service):
    store = tmp_path / "store"
    shutil.copytree(bundled_store_dir, store)
    for name, role in (("ana", ["--role", "manager", "--cluster", "filas"]),):
        r = runner.invoke(["users", "add", name, *role, "--password", "--store", str(store)],
                          input=f"{PASSWORD}\n{PASSWORD}\n")
        assert r.exit_code == 0, r.output
    svc = start_service(store, token=None)
    return svc


@pytest.mark.external
def test_a_manager_records_a_checkpoint_in_the_browser(site, browser):  # noqa: F811
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(site.url + "/my")
    page.fill("#name", "ana")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/my/filas")
    before = int(page.locator("#roadmap-percent").inner_text().rstrip("%"))
    page.select_option("#a-item", "https://w3id.org/amikg/ontology#cp-market-barriers")
    page.select_option("#a-status", "done")
    page.fill("#a-date", "2026-11-30")
    page.fill("#a-evidence", "not a link")
    page.fill("#a-responsible", "Maria Rossi")
    page.click("button:has-text('Save the assessment')")
    assert "Evidence must be a document IRI or link" in page.locator("#a-evidence-problem") \
        .inner_text()
    assert int(page.locator("#roadmap-percent").inner_text().rstrip("%")) == before
    page.fill("#a-evidence", "https://example.org/filas/barriers.pdf")
    page.click("button:has-text('Save the assessment')")
    page.wait_for_selector("#saved")
    assert int(page.locator("#roadmap-percent").inner_text().rstrip("%")) > before
    # another cluster: refused, in the service's words
    resp = page.goto(site.url + "/my/pharmapolis")
    assert resp.status == 403 and "may not edit this cluster" in page.content()
    page.goto(site.url + "/my/filas")
    page.click("#signout")
    page.wait_for_url(site.url + "/")
    assert page.locator("#signin-link").count() == 1
    assert errors == []
    log = site.log.read_text()
    assert PASSWORD not in log and "Maria Rossi" not in log
