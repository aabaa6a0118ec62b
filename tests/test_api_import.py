"""Issue 9: POST /api/import answers the same report as the CLI, as JSON."""

from __future__ import annotations

import io

import pytest

from conftest import ROOT

EXAMPLES = ROOT / "examples"
DATA = ROOT / "tests" / "data" / "import"
AUTH = {"Authorization": "Bearer s3cret"}


@pytest.fixture
def app(make_app, bundled_store):
    """A private copy of the initialised store for each test (tests write), with the token."""
    return make_app(bundled_store, update_token="s3cret")


def _post(client, path, headers=AUTH, **form):
    with open(path, "rb") as f:
        return client.post("/api/import", headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(f.read()), path.name), **form})


def test_post_import_writes_and_reports_like_the_cli(client):
    r = _post(client, EXAMPLES / "members.xlsx", cluster="filas")
    assert r.status_code == 201, r.json
    assert (r.json["file"], r.json["organisations"], r.json["problems"]) == ("members.xlsx", 7, [])
    imports = client.get("/api/imports").json
    assert [i["id"] for i in imports] == [r.json["import"]]
    again = _post(client, EXAMPLES / "members.xlsx", cluster="filas")
    assert again.status_code == 200 and again.json["skipped"]
    assert client.delete(f"/api/imports/{r.json['import']}", headers=AUTH).status_code == 200
    assert client.get("/api/imports").json == []


def test_post_import_rejects_a_bad_spreadsheet_with_every_problem(client):
    r = _post(client, DATA / "members-errors.csv", cluster="filas")
    assert r.status_code == 422
    problems = r.json["problems"]
    assert [(p["row"], p["column"]) for p in problems] == [
        (3, "category"), (4, "NUTS region"), (5, "employees"), (6, "name"), (7, "identifier")]
    assert problems[0]["suggestion"] == "Hospital"
    assert client.get("/api/imports").json == []


def test_post_import_needs_credentials(client):
    assert _post(client, EXAMPLES / "members.csv", headers={}, cluster="filas").status_code == 401
    assert client.get("/api/imports").json == []


def test_post_import_dry_run_writes_nothing(client):
    r = _post(client, EXAMPLES / "members.csv", cluster="filas", dry_run="true")
    assert r.status_code == 200 and r.json["dry_run"] and r.json["triples"] > 0
    assert client.get("/api/imports").json == []


def test_an_api_dry_run_is_a_read_and_needs_no_write_credentials(client):
    """Issue 18: a dry run writes nothing, so it needs what a read needs (nothing, unless
    AMIKG_READ_AUTH is on), like the page's dry run; a real import still needs credentials."""
    r = _post(client, EXAMPLES / "members.csv", headers={}, cluster="filas", dry_run="1")
    assert r.status_code == 200, r.json
    assert r.json["dry_run"] and r.json["organisations"] == 7
    assert _post(client, EXAMPLES / "members.csv", headers={}, cluster="filas",
                 dry_run="0").status_code == 401
    assert client.get("/api/imports").json == []


def test_with_read_auth_an_api_dry_run_needs_the_read_credentials(make_app, bundled_store):
    client = make_app(bundled_store, update_token="s3cret", read_auth=True).test_client()
    assert _post(client, EXAMPLES / "members.csv", headers={}, cluster="filas",
                 dry_run="1").status_code == 401
    r = _post(client, EXAMPLES / "members.csv", cluster="filas", dry_run="1")
    assert r.status_code == 200 and r.json["dry_run"]


def test_a_dry_run_says_what_would_change_and_gives_the_triples_only_on_request(client):
    r = _post(client, EXAMPLES / "members.csv", headers={}, cluster="filas", dry_run="1")
    body = r.json
    assert (body["change"], body["members_added"], body["members_already"]) == (
        "new import", 7, 0)
    assert "nquads" not in body
    with_triples = _post(client, EXAMPLES / "members.csv", headers={}, cluster="filas",
                         dry_run="1", triples="1").json
    lines = with_triples["nquads"].splitlines()
    assert len(lines) == body["triples"] and lines[0].endswith(" .")
    assert _post(client, EXAMPLES / "members.csv", cluster="filas").status_code == 201
    again = _post(client, EXAMPLES / "members.csv", headers={}, cluster="filas", dry_run="1").json
    assert again["skipped"] and again["change"] == "already imported"
    other = _post(client, EXAMPLES / "members.xlsx", headers={}, cluster="filas",
                  dry_run="1").json   # the same members from another file
    assert (other["change"], other["members_added"], other["members_already"]) == (
        "new import", 0, 7)


def _form(client, path, **form):
    with open(path, "rb") as f:
        return client.post("/validate/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(f.read()), path.name), **form})


def test_import_form_on_the_validation_page(client):
    """The upload form of /validate: the same import; a dry run needs no token, a real import
    needs the update token as a form field (the page has no script to send a header)."""
    page = client.get("/validate").get_data(as_text=True)
    assert 'id="import-form"' in page and 'value="filas"' in page and 'id="i-dry"' in page
    r = _form(client, DATA / "members-errors.csv", cluster="filas", dry_run="on")
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "members-errors.csv row 3, column category: &#34;Hospitl&#34; is not a stakeholder " \
           "category; did you mean &#34;Hospital&#34;?" in html
    r = _form(client, EXAMPLES / "members.csv", cluster="filas", dry_run="on")
    assert r.status_code == 200 and "Dry run: nothing was written" in r.get_data(as_text=True)
    assert client.get("/api/imports").json == []
    r = _form(client, EXAMPLES / "members.csv", cluster="filas")  # no token, not a dry run
    assert r.status_code == 401 and "needs the update token" in r.get_data(as_text=True)
    assert _form(client, EXAMPLES / "members.csv", cluster="filas", token="wrong").status_code == 403
    assert client.get("/api/imports").json == []
    r = _form(client, EXAMPLES / "members.csv", cluster="filas", token="s3cret")
    assert r.status_code == 201 and "Imported" in r.get_data(as_text=True)
    assert len(client.get("/api/imports").json) == 1
