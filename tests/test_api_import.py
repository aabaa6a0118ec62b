"""Issue 9: POST /api/import answers the same report as the CLI, as JSON."""

from __future__ import annotations

import io

import pytest

from conftest import ROOT

EXAMPLES = ROOT / "examples"
DATA = ROOT / "tests" / "data" / "import"
AUTH = {"Authorization": "Bearer s3cret"}


@pytest.fixture
def client(bundled_store):
    from server.app import create_app

    app = create_app({"STORE": bundled_store, "update_token": "s3cret", "TESTING": True})
    if "api_import" not in app.blueprints:  # until app.py registers it
        from server.api_import import bp
        app.register_blueprint(bp)
    return app.test_client()


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
