"""The SPARQL service is safe by default (issue 4): each test here would fail on a naive endpoint.

Credentials for writes; no SERVICE/LOAD to other hosts or local files unless allow-listed (a
loopback listener records whether it was called); no external entities in RDF/XML; a time limit
that really stops a query (a cartesian product, also one with COUNT that does not stream) and
frees the worker; a result-size limit; a body-size limit; all-or-nothing updates; CORS; security
headers on HTML.
"""

from __future__ import annotations

import base64
import http.server
import threading
import time
import urllib.parse
import urllib.request
from urllib.error import HTTPError

import pytest

from conftest import server_module
from live import AUTH, TOKEN, LiveService

UPD = "application/sparql-update"


class Listener:
    """A loopback HTTP server that records every request and serves a few documents."""

    def __init__(self, documents: dict[str, tuple[str, bytes]] | None = None):
        self.calls: list[str] = []
        self.documents = documents or {}
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.calls.append(self.path)
                ctype, body = outer.documents.get(self.path, ("text/plain", b"nothing here"))
                self.send_response(200 if self.path in outer.documents else 404)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


@pytest.fixture
def fifty_app(make_app, tmp_path):
    """``fifty_app(**settings)``: the app over a fresh embedded store of 50 triples, with the
    update token and one query worker, unless ``settings`` say otherwise (once per test)."""
    from amikg.store import open_store

    def make(**settings):
        store = open_store(str(tmp_path / "store"))
        store.update("INSERT DATA { GRAPH <http://example.org/g> { "
                     + " ".join(f"<http://example.org/s{i}> <http://example.org/p> {i} ."
                                for i in range(50))
                     + " } }")
        return make_app(store, **{"QUERY_WORKERS": 1, "update_token": TOKEN, **settings})

    return make


@pytest.fixture
def app(fifty_app):
    """The app for each test (tests write): 50 triples, the update token, one query worker."""
    return fifty_app()


def count(client) -> int:
    """The data's triples (an update's PROV-O record, in the provenance graph, left out)."""
    r = client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o "
                                                     "FILTER NOT EXISTS { GRAPH "
                                                     "<https://w3id.org/amikg/graph/meta> "
                                                     "{ ?s ?p ?o } } }"})
    return int(r.json["results"]["bindings"][0]["n"]["value"])


# -- credentials --------------------------------------------------------------------------------

INSERT = "INSERT DATA { GRAPH <http://example.org/x> { <http://e/a> <http://e/b> 1 } }"


def test_update_without_credentials_is_401(client):
    r = client.post("/sparql", data={"update": INSERT})
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert count(client) == 50


def test_update_with_a_wrong_token_is_403(client):
    r = client.post("/sparql", data={"update": INSERT}, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 403 and count(client) == 50


def test_update_with_the_token_is_accepted(client):
    assert client.post("/sparql", data={"update": INSERT}, headers=AUTH).status_code == 204
    assert count(client) == 51


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_graph_store_writes_need_credentials(client, method):
    kw = {"query_string": {"graph": "http://example.org/g"}, "data": "<http://e/a> <http://e/b> 1 .",
          "content_type": "text/turtle"}
    assert client.open("/graph", method=method, **kw).status_code == 401
    assert client.open("/graph", method=method, headers={"Authorization": "Bearer x"},
                       **kw).status_code == 403
    assert count(client) == 50


def test_writes_are_refused_when_no_token_is_configured(fifty_app, monkeypatch):
    monkeypatch.delenv("AMIKG_UPDATE_TOKEN", raising=False)
    monkeypatch.delenv("AMIKG_UPDATE_TOKEN_FILE", raising=False)
    monkeypatch.delenv("AMIKG_BASIC_AUTH", raising=False)
    app = fifty_app(update_token="")
    c = app.test_client()
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Bearer anything"}):
        r = c.post("/sparql", data={"update": INSERT}, headers=headers)
        assert r.status_code == 403 and "no update token" in r.json["message"]
    assert count(c) == 50


def test_token_file_and_basic_auth(fifty_app, tmp_path):
    (tmp_path / "token").write_text("from-a-file\n")
    app = fifty_app(update_token="", update_token_file=str(tmp_path / "token"),
                    basic_auth="editor:pa ss")
    c = app.test_client()
    ok = c.post("/sparql", data={"update": INSERT},
                headers={"Authorization": "Bearer from-a-file"})
    assert ok.status_code == 204
    basic = base64.b64encode(b"editor:pa ss").decode()
    assert c.post("/sparql", data={"update": INSERT},
                  headers={"Authorization": f"Basic {basic}"}).status_code == 204
    bad = base64.b64encode(b"editor:wrong").decode()
    assert c.post("/sparql", data={"update": INSERT},
                  headers={"Authorization": f"Basic {bad}"}).status_code == 403


def test_read_auth_protects_reads_when_configured(fifty_app):
    app = fifty_app(read_auth=True)
    c = app.test_client()
    assert c.get("/sparql", query_string={"query": "ASK {}"}).status_code == 401
    assert c.get("/sparql", query_string={"query": "ASK {}"}, headers=AUTH).status_code == 200


def test_tokens_are_compared_in_constant_time():
    import inspect as pyinspect

    assert "hmac.compare_digest" in pyinspect.getsource(server_module("safety").token_matches)


# -- SERVICE and LOAD -----------------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <{url}/sparql> { ?s ?p ?o } }",
    "select * where { service silent <{url}/sparql> { ?s ?p ?o } }",
    "PREFIX remote: <{url}/> SELECT * WHERE { SERVICE remote:sparql { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053ERVICE <{url}/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { BIND(<{url}/sparql> AS ?u) SERVICE ?u { ?s ?p ?o } }",
])
def test_service_cannot_reach_other_hosts(client, listener, query):
    r = client.get("/sparql", query_string={"query": query.replace("{url}", listener.url)})
    assert r.status_code == 403 and r.json["error"] == "ForbiddenOperation"
    assert listener.calls == []


@pytest.mark.parametrize("update", [
    "LOAD <{url}/data.ttl>",
    "LOAD SILENT <{url}/data.ttl> INTO GRAPH <http://example.org/loaded>",
    "INSERT DATA { <http://e/a> <http://e/b> 1 } ; LOAD <{url}/data.ttl>",
    "LOAD <file:///etc/passwd> INTO GRAPH <http://example.org/passwd>",
])
def test_load_cannot_reach_other_hosts_or_local_files(client, listener, update):
    r = client.post("/sparql", data={"update": update.replace("{url}", listener.url)},
                    headers=AUTH)
    assert r.status_code == 403 and "AMIKG_SERVICE_ALLOW" in r.json["message"]
    assert listener.calls == [] and count(client) == 50


def test_the_words_service_and_load_in_strings_and_iris_are_not_refused(client):
    q = ('SELECT ("SERVICE <http://127.0.0.1:1/>" AS ?x) WHERE { '
         '?s <http://example.org/LOAD> ?o } # SERVICE <http://127.0.0.1:1/>')
    assert client.get("/sparql", query_string={"query": q}).status_code == 200


def test_allow_listed_load_reaches_the_host(fifty_app):
    """The listener does see calls when the operator allows them (so the tests above would fail
    on an endpoint that follows LOAD)."""
    lst = Listener({"/data.ttl": ("text/turtle", b"<http://e/x> <http://e/y> <http://e/z> .")})
    app = fifty_app(service_allow=["127.0.0.1"])
    try:
        c = app.test_client()
        r = c.post("/sparql", data={"update": f"LOAD <{lst.url}/data.ttl> INTO GRAPH <http://e/l>"},
                   headers=AUTH)
        assert r.status_code == 204, r.data
        assert lst.calls == ["/data.ttl"] and count(c) == 51
    finally:
        lst.close()


# -- RDF/XML external entities --------------------------------------------------------------------

def xxe_document(url: str) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
  <!ENTITY remote SYSTEM "{url}/xxe">
  <!ENTITY local SYSTEM "file:///etc/hostname">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://e/">
  <rdf:Description rdf:about="http://e/doc"><ex:remote>&remote;</ex:remote><ex:local>&local;</ex:local></rdf:Description>
</rdf:RDF>""".encode()


def _no_entity_content(client, graph):
    r = client.get("/sparql", query_string={
        "query": f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"})
    if r.status_code == 200:
        hostname = open("/etc/hostname").read().strip() if __import__("os").path.exists(
            "/etc/hostname") else "\0"
        for b in r.json["results"]["bindings"]:
            assert hostname not in b["o"]["value"]


def test_graph_store_rdfxml_never_resolves_external_entities(client, listener):
    r = client.put("/graph", query_string={"graph": "http://example.org/xxe"},
                   data=xxe_document(listener.url), content_type="application/rdf+xml",
                   headers=AUTH)
    assert r.status_code in (201, 400)
    assert listener.calls == []
    _no_entity_content(client, "http://example.org/xxe")


def test_loaded_rdfxml_never_resolves_external_entities(fifty_app):
    lst = Listener()
    lst.documents["/doc.rdf"] = ("application/rdf+xml", xxe_document(lst.url))
    app = fifty_app(service_allow=["127.0.0.1"])
    try:
        c = app.test_client()
        r = c.post("/sparql", data={"update": f"LOAD <{lst.url}/doc.rdf> INTO GRAPH <http://e/x>"},
                   headers=AUTH)
        assert r.status_code in (204, 400)
        assert lst.calls == ["/doc.rdf"]  # the document, never the entity
        _no_entity_content(c, "http://e/x")
    finally:
        lst.close()


# -- limits -----------------------------------------------------------------------------------------

def test_result_size_limit(fifty_app):
    app = fifty_app(max_results=10)
    c = app.test_client()
    r = c.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"})
    assert r.status_code == 413 and "AMIKG_MAX_RESULTS" in r.json["message"]
    r = c.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert r.status_code == 413
    r = c.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o } LIMIT 10"})
    assert r.status_code == 200 and len(r.json["results"]["bindings"]) == 10


def test_request_body_limit_is_413(fifty_app):
    app = fifty_app(max_body=1000)
    c = app.test_client()
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 2000
    assert c.post("/sparql", data=big, content_type="application/sparql-query").status_code == 413
    assert c.post("/sparql", data={"query": big}).status_code == 413
    r = c.put("/graph?graph=http://e/big", data="<http://e/a> <http://e/b> 1 .\n" * 100,
              content_type="text/turtle", headers=AUTH)
    assert r.status_code == 413 and count(c) == 50


# -- all-or-nothing updates ----------------------------------------------------------------------

def test_a_failing_part_of_a_multi_part_update_changes_nothing(client):
    u = ("INSERT DATA { GRAPH <http://example.org/new> { <http://e/a> <http://e/b> 1 } } ;\n"
         "DELETE WHERE { GRAPH <http://example.org/g> { ?s ?p ?o } } ;\n"
         "CREATE GRAPH <http://example.org/g>")  # fails at run time: the graph exists
    r = client.post("/sparql", data={"update": u}, headers=AUTH)
    assert r.status_code == 400 and "already exists" in r.json["message"]
    assert count(client) == 50


def test_a_syntax_error_late_in_an_update_changes_nothing(client):
    u = "DROP ALL ;\nINSERT DATA { <http://e/a> <http://e/b> }"
    r = client.post("/sparql", data={"update": u}, headers=AUTH)
    assert r.status_code == 400 and r.json["line"] == 2
    assert count(client) == 50


# -- browsers ----------------------------------------------------------------------------------

def test_cors_preflight_and_headers_for_yasgui(client):
    r = client.options("/sparql", headers={"Origin": "https://yasgui.example",
                                           "Access-Control-Request-Method": "POST",
                                           "Access-Control-Request-Headers": "authorization,content-type"})
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in r.headers["Access-Control-Allow-Headers"]
    r = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://y.example"})
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_html_has_security_headers(client):
    r = client.get("/sparql", headers={"Accept": "text/html"})
    assert r.mimetype == "text/html"
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "no-referrer"


# -- the time limit, on a real process -------------------------------------------------------------

@pytest.fixture(scope="module")
def slow_service(tmp_path_factory):
    from amikg.store import open_store

    d = tmp_path_factory.mktemp("slow")
    with open_store(str(d / "store")) as store:
        store.update("INSERT DATA { GRAPH <http://example.org/g> { "
                     + " ".join(f"<http://e/s{i}> <http://e/p{i % 10}> {i} ." for i in range(2000))
                     + " } }")
    with LiveService(d / "store", "--query-workers", "2", log_dir=d,
                     env={"AMIKG_QUERY_TIMEOUT": "2"}) as svc:
        yield svc


def _get(url: str, query: str, timeout: float = 30) -> tuple[int, bytes, float]:
    t = time.monotonic()
    try:
        with urllib.request.urlopen(url + "?" + urllib.parse.urlencode({"query": query}),
                                    timeout=timeout) as resp:
            return resp.status, resp.read(), time.monotonic() - t
    except HTTPError as e:
        return e.code, e.read(), time.monotonic() - t


CARTESIAN = [
    # does not stream: COUNT blocks inside the engine until the whole product is counted
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    # ORDER BY: sorts everything before the first row
    "SELECT ?a ?d ?g WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i LIMIT 1",
    # streams, but never finds a row
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(?c = ?f + ?i + 100000) }",
]


@pytest.mark.slow
@pytest.mark.parametrize("query", CARTESIAN)
def test_a_cartesian_product_hits_the_time_limit_and_the_next_query_is_answered(
        slow_service, query):
    status, body, took = _get(slow_service.endpoint, query)
    assert status == 503 and b"QueryTimeout" in body and b"time limit" in body
    assert 1.5 < took < 6
    status, body, took = _get(slow_service.endpoint, "ASK { ?s <http://e/p1> 11 }")
    assert status == 200 and b"true" in body and took < 1.5


@pytest.mark.slow
def test_timed_out_queries_do_not_pile_up_busy_processes(slow_service):
    """Four slow queries at once on two query processes: all stop at the limit, and afterwards
    every process is free again (killed and replaced, not still counting)."""
    results = []
    threads = [threading.Thread(target=lambda: results.append(_get(slow_service.endpoint,
                                                                   CARTESIAN[0])))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r[0] for r in results) == [503] * 4
    starts = time.monotonic()
    for _ in range(4):
        status, _, _ = _get(slow_service.endpoint, "ASK { ?s ?p ?o }")
        assert status == 200
    assert time.monotonic() - starts < 3


def test_the_token_is_never_logged(slow_service):
    req = urllib.request.Request(slow_service.endpoint, data=INSERT.encode(),
                                 headers={"Content-Type": UPD, **AUTH}, method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 204
    time.sleep(0.3)
    assert TOKEN not in slow_service.log.read_text(errors="replace")
