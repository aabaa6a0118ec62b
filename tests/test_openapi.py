"""Issue 19: the OpenAPI document names every JSON route of the service, with its request bodies,
auth and error shapes, and what the routes really answer fits what it says.

A route added to the service without an entry in ``server/openapi.yaml`` fails
:func:`test_every_json_route_of_the_service_is_in_the_document`; an answer that does not fit its
documented schema (a field renamed, a status not listed) fails
:func:`test_real_answers_fit_the_documented_schemas`.
"""

from __future__ import annotations

import io
import re

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec

from conftest import ROOT

AUTH = {"Authorization": "Bearer s3cret"}
EXAMPLES = ROOT / "examples"

#: The routes of the service that answer JSON (or are operations of the API: SPARQL, Graph
#: Store, health, metrics, backups). Pages and linked-data views are for people and for
#: linked-data clients, and are not part of the API document.
API_PREFIXES = ("/api/", "/sparql", "/graph", "/healthz", "/readyz", "/metrics", "/admin/")
#: Endpoints that only answer 405 for methods the protocol does not allow.
NOT_OPERATIONS = {"sparql.wrong_method"}


@pytest.fixture
def app(make_app, bundled_store):
    """A private copy of the initialised store (some calls write), with an update token."""
    return make_app(bundled_store, update_token="s3cret")


@pytest.fixture
def doc(client):
    return client.get("/api/openapi.json").get_json()


def documented_path(rule: str) -> str:
    """``/api/clusters/<path:ident>`` as OpenAPI writes it: ``/api/clusters/{ident}``."""
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def test_the_document_is_valid_openapi(doc):
    validate_spec(doc)
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_every_json_route_of_the_service_is_in_the_document(app, doc):
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_OPERATIONS or not rule.rule.startswith(API_PREFIXES):
            continue
        path = documented_path(rule.rule)
        # a route with a variable is documented as such, or once per value (the named queries)
        pattern = re.compile(re.sub(r"\\{\w+\\}", "[^/]+", re.escape(path)) + "$")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if not any(pattern.match(p) and method.lower() in item
                       for p, item in doc["paths"].items()):
                missing.append(f"{method} {path}")
    assert missing == [], f"routes missing from server/openapi.yaml: {missing}"


def test_writes_name_the_bearer_token_and_errors_have_the_one_shape(doc):
    writes = [("post", "/api/import"), ("delete", "/api/imports/{import_id}"),
              ("put", "/graph"), ("post", "/graph"), ("delete", "/graph"),
              ("post", "/admin/backup")]
    for method, path in writes:
        op = doc["paths"][path][method]
        assert op["security"] == [{"bearerAuth": []}], (method, path)
        assert "401" in op["responses"] and "403" in op["responses"], (method, path)
    assert "requestBody" in doc["paths"]["/api/import"]["post"]
    assert "multipart/form-data" in doc["paths"]["/api/validate"]["post"]["requestBody"]["content"]
    error = doc["components"]["schemas"]["Error"]
    assert error["required"] == ["error", "message"] and "parser" in error["properties"]


def _schema(doc: dict, method: str, path: str, status: int, media: str) -> dict:
    op = doc["paths"][path][method.lower()]
    assert str(status) in op["responses"], f"{method} {path} answered {status}, not documented"
    resp = op["responses"][str(status)]
    if "$ref" in resp:
        resp = doc["components"]["responses"][resp["$ref"].rsplit("/", 1)[1]]
    content = resp.get("content", {})
    assert media in content, f"{method} {path} {status} answered {media}, documented {list(content)}"
    # the schema with the document's components beside it, so that its $refs resolve
    return {**content[media]["schema"], "components": doc["components"]}


def _check(doc, method, path, resp, status):
    assert resp.status_code == status, (method, path, resp.get_data(as_text=True)[:300])
    if resp.mimetype == "application/json" or resp.mimetype.endswith("+json"):
        OAS30Validator(_schema(doc, method, path, status, resp.mimetype)).validate(resp.get_json())
    elif resp.data:
        _schema(doc, method, path, status, resp.mimetype)  # the media type is documented
    else:
        assert str(status) in doc["paths"][path][method.lower()]["responses"], (method, path)


def test_real_answers_fit_the_documented_schemas(client, doc):
    """One real call per documented answer that a test can provoke here, successes and errors
    alike, checked against the schema the document gives for its status and media type."""
    def upload(path, **form):
        with open(path, "rb") as f:
            return {"content_type": "multipart/form-data",
                    "data": {"file": (io.BytesIO(f.read()), path.name), **form}}

    calls = [
        ("GET", "/sparql", {"query_string": {"query": "ASK {}"}}, 200),
        ("GET", "/sparql", {"query_string": {"query": "SELECT * WHERE { ?s ?p }"}}, 400),
        ("POST", "/sparql", {"data": {"update": "CLEAR SILENT GRAPH <http://e/x>"}}, 401),
        ("POST", "/sparql", {"data": {"update": "CLEAR SILENT GRAPH <http://e/x>"},
                             "headers": AUTH}, 204),
        ("POST", "/sparql", {"data": "ASK {}", "content_type": "text/plain"}, 415),
        ("GET", "/graph", {"query_string": {"graph": "http://e/none"}}, 404),
        ("PUT", "/graph", {"query_string": {"graph": "http://e/g"}, "headers": AUTH,
                           "data": "<http://e/s> <http://e/p> 1 .", "content_type": "text/turtle"},
         201),
        ("GET", "/graph", {"query_string": {"graph": "http://e/g"},
                           "headers": {"Accept": "text/turtle"}}, 200),
        ("POST", "/graph", {"headers": AUTH, "data": "<http://e/s> <http://e/p> 2 .",
                            "content_type": "text/turtle"}, 201),
        ("DELETE", "/graph", {"query_string": {"graph": "http://e/g"}, "headers": AUTH}, 204),
        ("POST", "/api/import", {**upload(EXAMPLES / "members.csv", cluster="filas")}, 401),
        ("POST", "/api/import", {**upload(ROOT / "tests/data/import/members-errors.csv",
                                          cluster="filas"), "headers": AUTH}, 422),
        ("POST", "/api/import", {**upload(EXAMPLES / "members.csv", cluster="filas"),
                                 "headers": AUTH}, 201),
        ("POST", "/api/import", {**upload(EXAMPLES / "members.csv", cluster="filas",
                                          dry_run="1")}, 200),
        ("GET", "/api/imports", {}, 200),
        ("DELETE", "/api/imports/{import_id}", {"headers": AUTH}, 404),
        ("POST", "/api/validate", {"data": "<http://e/s> <http://e/p> 1 .",
                                   "content_type": "text/turtle"}, 200),
        ("POST", "/api/validate", {"data": "<http://e/s> <http://e/p> .",
                                   "content_type": "text/turtle"}, 400),
        ("GET", "/api/clusters/{ident}", {}, 200),
        ("GET", "/api/clusters/{ident}/roadmap", {}, 200),
        ("GET", "/api/clusters/{ident}/roadmap", {"ident": "no-such-cluster"}, 404),
        ("GET", "/api/queries", {}, 200),
        ("GET", "/api/openapi.json", {}, 200),
        ("GET", "/api/docs", {}, 200),
        ("GET", "/healthz", {}, 200),
        ("GET", "/readyz", {}, 200),
        ("GET", "/metrics", {}, 200),
    ]
    for method, path, kw, status in calls:
        kw = dict(kw)
        url = path.replace("{import_id}", "no-such-import").replace(
            "{ident}", kw.pop("ident", "filas"))
        resp = client.open(url, method=method, **kw)
        _check(doc, method, path, resp, status)
        if path == "/api/imports" and resp.get_json():
            iid = resp.get_json()[0]["id"]
            undone = client.delete(f"/api/imports/{iid}", headers=AUTH)
            _check(doc, "DELETE", "/api/imports/{import_id}", undone, 200)


def test_the_docs_page_shows_every_operation(client, doc):
    page = client.get("/api/docs").get_data(as_text=True)
    for path, item in doc["paths"].items():
        for method in item:
            assert f"{method.upper()} {path}" in page, (method, path)
    assert "Needs the update token" in page
