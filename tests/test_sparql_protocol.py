"""The SPARQL 1.1 Protocol and Graph Store Protocol of ``amikg serve`` (issue 4).

Protocol details go through Flask's test client over an embedded store (queries in the executor's
worker processes, as in production); the acceptance tests start the service as a real process on
loopback and talk to it with SPARQLWrapper and rdflib's SPARQLUpdateStore, over the embedded store
and over a real Oxigraph server behind it.
"""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest

from conftest import ROOT, SHARED
from live import AUTH, TOKEN, LiveService

SAMPLE = ROOT / "tests" / "data" / "sample.ttl"
G1 = "http://example.org/g1"
G2 = "http://example.org/g2"
UPD = "application/sparql-update"


def _fill(store) -> None:
    store.update(f"""INSERT DATA {{
        GRAPH <{G1}> {{ <http://example.org/a> <http://example.org/p> "one" ;
                                             <http://example.org/q> <http://example.org/b> . }}
        GRAPH <{G2}> {{ <http://example.org/b> <http://example.org/p> "two"@en . }} }}""")


@pytest.fixture
def app(make_app, tmp_path):
    """A fresh embedded store with the two graphs for each test (tests write), with the token."""
    from amikg.store import open_store

    store = open_store(str(tmp_path / "store"))
    _fill(store)
    return make_app(store, update_token=TOKEN, QUERY_WORKERS=1)


def bindings(resp) -> list[dict]:
    assert resp.status_code == 200, resp.data
    return [{k: v["value"] for k, v in b.items()} for b in resp.json["results"]["bindings"]]


# -- query: the three ways to send one ----------------------------------------------------------

SELECT_P = "SELECT ?o WHERE { ?s <http://example.org/p> ?o } ORDER BY ?o"


def test_query_by_get(client):
    assert bindings(client.get("/sparql", query_string={"query": SELECT_P})) == \
        [{"o": "one"}, {"o": "two"}]


def test_query_by_post_form(client):
    assert bindings(client.post("/sparql", data={"query": SELECT_P})) == \
        [{"o": "one"}, {"o": "two"}]


def test_query_by_post_direct(client):
    resp = client.post("/sparql", data=SELECT_P, content_type="application/sparql-query")
    assert bindings(resp) == [{"o": "one"}, {"o": "two"}]


def test_default_graph_uri_selects_the_default_graph(client):
    resp = client.get("/sparql", query_string={"query": SELECT_P, "default-graph-uri": G2})
    assert bindings(resp) == [{"o": "two"}]


def test_named_graph_uri_limits_the_named_graphs(client):
    q = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    resp = client.post("/sparql", data={"query": q, "named-graph-uri": G1})
    assert bindings(resp) == [{"g": G1}]
    resp = client.post(f"/sparql?named-graph-uri={G2}", data=q,
                       content_type="application/sparql-query")
    assert bindings(resp) == [{"g": G2}]


def test_queries_see_the_union_of_named_graphs(client):
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert bindings(client.get("/sparql", query_string={"query": q})) == [{"n": "3"}]


# -- content negotiation ------------------------------------------------------------------------

@pytest.mark.parametrize("accept,media", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("*/*", "application/sparql-results+json"),
    ("text/html;q=0.5,application/sparql-results+json", "application/sparql-results+json"),
    # a browser gets a page of the results (tests/test_query_page.py)
    ("text/html,application/xhtml+xml,*/*;q=0.8", "text/html"),
])
def test_select_results_by_accept(client, accept, media):
    resp = client.get("/sparql", query_string={"query": SELECT_P}, headers={"Accept": accept})
    assert resp.status_code == 200 and resp.mimetype == media
    assert b"one" in resp.data


def test_select_as_csv_is_parseable(client):
    resp = client.get("/sparql", query_string={"query": SELECT_P, "format": "csv"})
    assert list(csv.reader(io.StringIO(resp.data.decode()))) == [["o"], ["one"], ["two"]]


@pytest.mark.parametrize("accept", ["application/sparql-results+json",
                                    "application/sparql-results+xml"])
def test_ask_by_accept(client, accept):
    resp = client.get("/sparql", query_string={"query": "ASK { ?s ?p 'one' }"},
                      headers={"Accept": accept})
    assert resp.mimetype == accept
    res = ox.parse_query_results(resp.data, format=ox.QueryResultsFormat.from_media_type(accept))
    assert bool(res) is True


@pytest.mark.parametrize("accept,fmt", [
    ("text/turtle", ox.RdfFormat.TURTLE), ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/ld+json", ox.RdfFormat.JSON_LD), ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ("application/n-quads", ox.RdfFormat.N_QUADS), ("application/trig", ox.RdfFormat.TRIG),
])
@pytest.mark.parametrize("query", ["CONSTRUCT WHERE { ?s <http://example.org/p> ?o }",
                                   "DESCRIBE <http://example.org/b>"])
def test_construct_and_describe_by_accept(client, accept, fmt, query):
    resp = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert resp.status_code == 200 and resp.mimetype == accept
    triples = list(ox.parse(resp.data, format=fmt))
    assert any(q.object == ox.Literal("two", language="en") for q in triples)


@pytest.mark.parametrize("fmt,media", [("json", "application/sparql-results+json"),
                                       ("xml", "application/sparql-results+xml"),
                                       ("csv", "text/csv"), ("tsv", "text/tab-separated-values")])
def test_format_parameter_overrides_accept(client, fmt, media):
    resp = client.get("/sparql", query_string={"query": SELECT_P, "format": fmt},
                      headers={"Accept": "text/html"})
    assert resp.mimetype == media


def test_format_parameter_for_graphs_and_download(client):
    resp = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }",
                                                "format": "ttl", "download": "1"})
    assert resp.mimetype == "text/turtle"
    assert resp.headers["Content-Disposition"] == 'attachment; filename="results.ttl"'


def test_not_acceptable_is_406(client):
    resp = client.get("/sparql", query_string={"query": SELECT_P}, headers={"Accept": "image/png"})
    assert resp.status_code == 406 and resp.json["error"] == "NotAcceptable"
    resp = client.get("/sparql", query_string={"query": SELECT_P, "format": "turtle"},
                      headers={"Accept": "image/png"})
    assert resp.status_code == 406


def test_relative_iris_resolve_against_the_endpoint_or_the_configured_base(client, make_app,
                                                                          app_store):
    """`CONSTRUCT { <s> <p> 1 } WHERE {}` and an update with relative IRIs answered 400."""
    r = client.get("/sparql", query_string={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"},
                   headers={"Accept": "application/n-triples"})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.data.startswith(b"<http://localhost/s> <http://localhost/p> ")
    r = client.get("/sparql", query_string={"query": "BASE <http://e.org/> SELECT (<x> AS ?x) {}"},
                   headers={"Accept": "text/csv"})
    assert r.data.split() == [b"x", b"http://e.org/x"]     # the query's own BASE wins
    r = client.post("/sparql", data={"update": "INSERT DATA { GRAPH <g> { <s> <p> <o> } }"},
                    headers=AUTH)
    assert r.status_code == 204, r.get_data(as_text=True)
    ask = "ASK { GRAPH <http://localhost/g> { <http://localhost/s> ?p ?o } }"
    assert client.get("/sparql", query_string={"query": ask}).json["boolean"] is True
    other = make_app(app_store, sparql_base="https://example.org/base/").test_client()
    r = other.get("/sparql", query_string={"query": "SELECT (<x> AS ?x) {}"},
                  headers={"Accept": "text/csv"})
    assert r.data.split() == [b"x", b"https://example.org/base/x"]


def test_a_format_name_that_does_not_fit_falls_back_to_the_accept_header(client):
    """A client's format name we do not know, or one for the other kind of result, is not a
    406: the Accept header decides (SPARQLWrapper sends both)."""
    resp = client.get("/sparql", query_string={"query": SELECT_P, "format": "turtle"})
    assert resp.status_code == 200 and resp.mimetype == "application/sparql-results+json"
    resp = client.get("/sparql", query_string={"query": SELECT_P, "format": "nonsense"},
                      headers={"Accept": "text/csv"})
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    construct = "CONSTRUCT WHERE { ?s <http://example.org/p> ?o }"
    for names, media in ((("rdf+xml",) * 3, "application/rdf+xml"), (("n3",) * 3, "text/turtle"),
                         (("xml", "xml", "xml"), "application/rdf+xml"),
                         (("", "", "application/n-triples"), "application/n-triples")):
        q = {"query": construct, **{k: v for k, v in zip(("format", "output", "results"), names)
                                    if v}}
        resp = client.get("/sparql", query_string=q)
        assert resp.status_code == 200 and resp.mimetype == media, (names, resp.status_code)


# -- updates ------------------------------------------------------------------------------------

def test_update_by_post_form_and_direct(client):
    r = client.post("/sparql", data={"update": "INSERT DATA { GRAPH <http://e/x> { <http://e/s> "
                                               "<http://e/p> 1 } }"}, headers=AUTH)
    assert r.status_code == 204
    r = client.post("/sparql", data="INSERT DATA { GRAPH <http://e/x> { <http://e/s> <http://e/p> 2 } }",
                    content_type=UPD, headers=AUTH)
    assert r.status_code == 204
    q = "SELECT ?o WHERE { <http://e/s> ?p ?o } ORDER BY ?o"
    assert bindings(client.get("/sparql", query_string={"query": q})) == [{"o": "1"}, {"o": "2"}]


def test_using_graph_uri_sets_the_where_dataset(client):
    u = ("INSERT { GRAPH <http://e/copy> { ?s ?p ?o } } WHERE { ?s ?p ?o }")
    r = client.post("/sparql", data={"update": u, "using-graph-uri": G2}, headers=AUTH)
    assert r.status_code == 204
    q = "SELECT ?o WHERE { GRAPH <http://e/copy> { ?s ?p ?o } }"
    assert bindings(client.get("/sparql", query_string={"query": q})) == [{"o": "two"}]


def test_using_named_graph_uri_on_a_direct_update(client):
    u = "INSERT { GRAPH <http://e/names> { ?g a <http://e/G> } } WHERE { GRAPH ?g { ?s ?p ?o } }"
    r = client.post(f"/sparql?using-named-graph-uri={G1}", data=u, content_type=UPD, headers=AUTH)
    assert r.status_code == 204
    q = "SELECT ?g WHERE { GRAPH <http://e/names> { ?g a <http://e/G> } }"
    assert bindings(client.get("/sparql", query_string={"query": q})) == [{"g": G1}]


def test_using_graph_uri_conflicts_with_using_in_the_update(client):
    u = f"INSERT {{ GRAPH <http://e/c> {{ ?s ?p ?o }} }} USING <{G1}> WHERE {{ ?s ?p ?o }}"
    r = client.post("/sparql", data={"update": u, "using-graph-uri": G2}, headers=AUTH)
    assert r.status_code == 400 and "USING" in r.json["message"]


# -- errors per the protocol --------------------------------------------------------------------

def test_malformed_query_is_400_with_the_parser_message(client):
    r = client.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert r.status_code == 400
    assert r.json["error"] == "QueryError" and "error at 1:" in r.json["parser"]
    assert r.json["message"].startswith("malformed query at line 1, column ")
    assert r.json["line"] == 1 and "Traceback" not in r.get_data(as_text=True)


def test_parser_errors_say_in_one_sentence_what_is_wrong(client):
    """An undefined prefix answered "expected one of Prefix not found, ['%'], ['-' | '0' ..",
    an empty query "expected [_]", an update error some 600 characters of tokens."""
    r = client.get("/sparql", query_string={"query": "SELECT * WHERE {\n  ?c a ami:Cluster }"})
    assert r.status_code == 400
    assert r.json["message"].startswith(
        "the prefix ami: is not declared (line 2, column 8); add PREFIX ami: "
        "<https://w3id.org/amikg/ontology#>. Prefixes the service knows: ami, amid,")
    assert (r.json["line"], r.json["column"]) == (2, 8)
    assert "Prefix not found" in r.json["parser"]              # the parser's words kept apart
    r = client.get("/sparql", query_string={"query": "  "})
    assert r.status_code == 400 and r.json["message"].startswith("the query is empty")
    r = client.post("/sparql", data={"update": "INSERT DATA { foo:a foo:b 1 }"}, headers=AUTH)
    assert r.status_code == 400 and len(r.json["message"]) < 300
    assert r.json["message"].startswith("the prefix foo: is not declared (line 1, column 15); "
                                        "declare it with PREFIX")


def test_malformed_update_is_400_with_the_parser_message(client):
    r = client.post("/sparql", data={"update": "INSERT DATA { <http://e/a> }"}, headers=AUTH)
    assert r.status_code == 400 and "malformed update" in r.json["message"]


def test_query_sent_as_update_is_400(client):
    r = client.post("/sparql", data={"update": "SELECT * WHERE { ?s ?p ?o }"}, headers=AUTH)
    assert r.status_code == 400 and "is a query" in r.json["message"]


def test_update_sent_as_query_is_400(client):
    r = client.get("/sparql", query_string={"query": "DELETE WHERE { ?s ?p ?o }"})
    assert r.status_code == 400 and "is an update" in r.json["message"]
    r = client.post("/sparql", data="DROP ALL", content_type="application/sparql-query")
    assert r.status_code == 400
    assert bindings(client.get("/sparql", query_string={"query": SELECT_P}))  # still there


def test_update_by_get_is_400(client):
    r = client.get("/sparql", query_string={"update": "DROP ALL"})
    assert r.status_code == 400


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_wrong_method_is_405(client, method):
    r = client.open("/sparql", method=method, data="x")
    assert r.status_code == 405 and "GET" in r.headers["Allow"]
    assert r.json["error"] == "MethodNotAllowed"


@pytest.mark.parametrize("ctype", ["text/plain", "application/json", None])
def test_unsupported_media_type_is_415(client, ctype):
    r = client.post("/sparql", data=SELECT_P, content_type=ctype)
    assert r.status_code == 415 and r.json["error"] == "UnsupportedMediaType"


def test_non_utf8_body_is_rejected(client):
    r = client.post("/sparql", data=SELECT_P.encode("utf-16"),
                    content_type="application/sparql-query; charset=UTF-16")
    assert r.status_code == 415
    r = client.post("/sparql", data=b"SELECT * WHERE { ?s ?p \"\xff\" }",
                    content_type="application/sparql-query")
    assert r.status_code == 400 and "UTF-8" in r.json["message"]


def test_more_than_one_query_is_400(client):
    r = client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert r.status_code == 400
    r = client.post("/sparql", data={"update": ["DROP ALL", "DROP ALL"]}, headers=AUTH)
    assert r.status_code == 400


def test_query_and_update_together_is_400(client):
    r = client.post("/sparql", data={"query": "ASK {}", "update": "DROP ALL"}, headers=AUTH)
    assert r.status_code == 400


def test_errors_for_browsers_are_html_without_traceback(client):
    r = client.get("/sparql", query_string={"query": "SELEC"}, headers={"Accept": "text/html"})
    assert r.status_code == 400 and r.mimetype == "text/html"
    assert "Traceback" not in r.get_data(as_text=True)
    assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")


# -- service description and query page ---------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"


@pytest.mark.parametrize("accept,fmt", [("text/turtle", ox.RdfFormat.TURTLE),
                                        ("application/ld+json", ox.RdfFormat.JSON_LD),
                                        (None, ox.RdfFormat.TURTLE)])
def test_service_description(client, accept, fmt):
    r = client.get("/sparql", headers={"Accept": accept} if accept else {})
    assert r.status_code == 200 and r.mimetype == fmt.media_type
    store = ox.Store()
    store.load(r.data, format=fmt)
    ask = f"""PREFIX sd: <{SD}> ASK {{ ?svc a sd:Service ; sd:endpoint <http://localhost/sparql> ;
        sd:supportedLanguage sd:SPARQL11Query, sd:SPARQL11Update ; sd:feature sd:UnionDefaultGraph ;
        sd:defaultDataset/sd:namedGraph/sd:name <{G1}> }}"""
    assert bool(store.query(ask))


def test_query_page_for_browsers(client):
    r = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert ('id="yasgui"' in page and "/static/sparql.js" in page) or 'id="editor-missing"' in page
    assert r.headers["X-Frame-Options"] == "DENY"
    js = client.get("/static/sparql.js")
    js.close()  # the file it streams, or a ResourceWarning fails a later test
    assert js.status_code == 200


def test_query_page_lists_the_named_queries(client):
    rq = sorted((ROOT / "queries").glob("*.rq"))
    if not rq:
        pytest.skip("queries/ has no .rq files yet")
    page = client.get("/sparql", headers={"Accept": "text/html"}).get_data(as_text=True)
    for p in rq:
        assert p.stem in page


# -- Graph Store HTTP Protocol ------------------------------------------------------------------

TTL = "text/turtle"


def test_gsp_get_a_graph(client):
    r = client.get("/graph", query_string={"graph": G2}, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and r.mimetype == "application/n-triples"
    assert r.data == b'<http://example.org/b> <http://example.org/p> "two"@en .\n'


def test_gsp_head_and_missing_graph(client):
    assert client.head("/graph", query_string={"graph": G1}).status_code == 200
    r = client.get("/graph", query_string={"graph": "http://example.org/none"})
    assert r.status_code == 404 and r.json["error"] == "NotFound"
    assert client.head("/graph", query_string={"graph": "http://example.org/none"}).status_code == 404


def test_gsp_put_creates_201_then_replaces_204(client):
    g = {"graph": "http://example.org/new"}
    r = client.put("/graph", query_string=g, data="<http://e/a> <http://e/p> 1 .",
                   content_type=TTL, headers=AUTH)
    assert r.status_code == 201
    r = client.put("/graph", query_string=g, data="<http://e/a> <http://e/p> 2 .",
                   content_type=TTL, headers=AUTH)
    assert r.status_code == 204
    body = client.get("/graph", query_string=g, headers={"Accept": "application/n-triples"}).data
    assert body.strip() == b'<http://e/a> <http://e/p> "2"^^<http://www.w3.org/2001/XMLSchema#integer> .'


def test_gsp_post_to_the_graph_store_creates_a_new_graph_with_its_location(client):
    """SPARQL 1.1 Graph Store Protocol 5.5: POST to the graph store itself answered 400."""
    from urllib.parse import parse_qs, urlsplit

    r = client.post("/graph", data="<http://e/new> <http://e/p> 5 .", content_type=TTL,
                    headers=AUTH)
    assert r.status_code == 201
    where = urlsplit(r.headers["Location"])
    graph = parse_qs(where.query)["graph"][0]
    assert where.path == "/graph" and graph.startswith("https://w3id.org/amikg/graph/posted/")
    got = client.get(f"{where.path}?{where.query}", headers={"Accept": "application/n-triples"})
    assert got.status_code == 200 and b"<http://e/new> <http://e/p>" in got.data
    again = client.post("/graph", data="<http://e/new> <http://e/p> 6 .", content_type=TTL,
                        headers=AUTH)
    assert again.headers["Location"] != r.headers["Location"]   # every POST a graph of its own
    assert client.post("/graph", data="<http://e/x> <http://e/p> 7 .",
                       content_type=TTL).status_code == 401      # a write: credentials needed
    bad = client.post("/graph", data="<http://e/x> <http://e/p> .", content_type=TTL,
                      headers=AUTH)
    assert bad.status_code == 400


def test_gsp_post_adds(client):
    r = client.post("/graph", query_string={"graph": G1}, data="<http://e/z> <http://e/p> \"3\" .",
                    content_type="application/n-triples", headers=AUTH)
    assert r.status_code == 204
    nt = client.get("/graph", query_string={"graph": G1}, headers={"Accept": "application/n-triples"})
    assert nt.data.count(b"\n") == 3


def test_gsp_delete(client):
    assert client.delete("/graph", query_string={"graph": G2}, headers=AUTH).status_code == 204
    assert client.delete("/graph", query_string={"graph": G2}, headers=AUTH).status_code == 404
    assert client.get("/graph", query_string={"graph": G2}).status_code == 404


def test_gsp_default_graph(client):
    r = client.put("/graph?default", data="<http://e/d> <http://e/p> 'in default' .",
                   content_type=TTL, headers=AUTH)
    assert r.status_code == 204
    r = client.get("/graph?default", headers={"Accept": "application/n-triples"})
    assert r.data == b'<http://e/d> <http://e/p> "in default" .\n'
    assert client.delete("/graph?default", headers=AUTH).status_code == 204
    assert client.get("/graph?default", headers={"Accept": "application/n-triples"}).data == b""


def test_gsp_syntax_error_is_400_naming_the_line_and_changes_nothing(client):
    before = client.get("/graph", query_string={"graph": G1}, headers={"Accept": "application/n-triples"}).data
    r = client.put("/graph", query_string={"graph": G1},
                   data="<http://e/a> <http://e/p> 1 .\n<http://e/a> <http://e/p> \"open .\n",
                   content_type=TTL, headers=AUTH)
    assert r.status_code == 400 and r.json["line"] == 2 and "line 2" in r.json["message"]
    after = client.get("/graph", query_string={"graph": G1}, headers={"Accept": "application/n-triples"}).data
    assert after == before


def test_gsp_needs_exactly_one_graph_and_a_known_media_type(client):
    assert client.get("/graph?default&graph=http://e/x").status_code == 400
    assert client.get("/graph").status_code == 400
    r = client.put("/graph", query_string={"graph": G1}, data="x", content_type="application/pdf",
                   headers=AUTH)
    assert r.status_code == 415


# -- W3C SPARQL 1.1 Protocol test suite (manifest-driven, where practical) -----------------------

PROTOCOL_MANIFEST = SHARED / "w3c-rdf-tests" / "sparql" / "sparql11" / "protocol" / "manifest.ttl"
PROTOCOL_BASE = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/"

#: Manifest tests not run here, with the reason (none: every test of the manifest runs).
NOT_RUN: dict[str, str] = {}


def _protocol_tests() -> dict:
    """Every ``mf:ProtocolTest`` of the manifest, read with rdflib: name -> (the graphs to load
    first, ``(graph IRI, file)``; the requests, each ``(method, path and query string, headers,
    body bytes, expected statuses, expected boolean, expected format)``)."""
    import rdflib
    from rdflib.collection import Collection

    mf = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
    ut = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
    ht = rdflib.Namespace("http://www.w3.org/2011/http#")
    cnt = rdflib.Namespace("http://www.w3.org/2011/content#")
    g = rdflib.Graph().parse(PROTOCOL_MANIFEST, format="turtle",
                             publicID=PROTOCOL_BASE + "manifest.ttl")
    tests = {}
    for test in g.subjects(rdflib.RDF.type, mf.ProtocolTest):
        graphs = sorted((str(g.value(d, rdflib.RDFS.label)),
                         PROTOCOL_MANIFEST.parent / str(g.value(d, ut.graph)).rsplit("/", 1)[1])
                        for d in g.objects(test, ut.graphData))
        requests = []
        for req in Collection(g, g.value(g.value(test, mf.action), ht.requests)):
            headers = {str(g.value(h, ht.fieldName)): str(g.value(h, ht.fieldValue))
                       for lst in g.objects(req, ht.headers) for h in Collection(g, lst)}
            body = g.value(req, ht.body)
            data = None if body is None else str(g.value(body, cnt.chars)).encode(
                str(g.value(body, cnt.characterEncoding) or "utf-8"))
            resp = g.value(req, ht.resp)
            statuses = {int(str(c).rsplit("StatusCode", 1)[1][0])
                        for c in g.objects(resp, mf.expectedStatus)}
            boolean = g.value(resp, mf.expectedBoolean)
            fmt = g.value(resp, mf.expectedFormat)
            requests.append((str(g.value(req, ht.methodName)), str(g.value(req, ht.absolutePath)),
                             headers, data, statuses,
                             None if boolean is None else boolean.toPython(),
                             None if fmt is None else str(fmt)))
        tests[str(test).rsplit("#", 1)[1]] = (graphs, requests)
    return tests


#: What each ``mf:expectedFormat`` may be sent as.
_EXPECTED_MEDIA = {
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": {"application/sparql-results+json", "application/sparql-results+xml",
                "text/csv", "text/tab-separated-values"},
    "RDF": {"text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json",
            "application/n-quads", "application/trig"}}


def _protocol_failures(client, store, name: str, graphs, requests) -> list[str]:
    """Run one manifest test's requests in order on a store holding only its ``graphs``."""
    store.update("DROP SILENT ALL")
    for iri, path in graphs:
        store.add([ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(iri))
                   for t in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)])
    failures = []
    for method, path, headers, data, statuses, boolean, fmt in requests:
        path, _, query = path.partition("?")
        kw = {"headers": {**{k: v for k, v in headers.items() if k.lower() != "content-type"},
                          **AUTH},
              "query_string": query, "base_url": "http://www.example/"}
        if "content-type" in {k.lower() for k in headers}:
            kw["content_type"] = next(v for k, v in headers.items() if k.lower() == "content-type")
        if data is not None:
            kw["data"] = data
        r = client.open(path.rstrip("/"), method=method, **kw)
        if r.status_code // 100 not in statuses:
            failures.append(f"{name}: {method} {path}?{query[:80]}: HTTP {r.status_code}, "
                            f"expected {sorted(statuses)}xx: {r.data[:200]!r}")
            continue
        if fmt is not None and r.mimetype not in _EXPECTED_MEDIA[fmt]:
            failures.append(f"{name}: {fmt} expected, got {r.mimetype}")
        if boolean is not None:
            got = ox.parse_query_results(
                r.data, format=ox.QueryResultsFormat.from_media_type(r.mimetype))
            if bool(got) is not boolean:
                failures.append(f"{name}: expected {boolean}, got {bool(got)}")
    return failures


def test_w3c_protocol_manifest(make_app, tmp_path):
    """Every test of the W3C SPARQL 1.1 Protocol manifest, its requests as the manifest writes
    them (the service at ``http://www.example/sparql``, credentials added for updates), with
    the graphs each test names (``ut:graphData``) loaded first as named graphs of the store."""
    from amikg.store import open_store

    if not PROTOCOL_MANIFEST.is_file():
        pytest.skip("../shared/w3c-rdf-tests is absent")
    tests = _protocol_tests()
    assert len(tests) == 34 and not set(NOT_RUN) - set(tests), sorted(tests)
    store = open_store(str(tmp_path / "store"))
    client = make_app(store, update_token=TOKEN, QUERY_WORKERS=1).test_client()
    failures = []
    for name, (graphs, requests) in sorted(tests.items()):
        if name not in NOT_RUN:
            failures += _protocol_failures(client, store, name, graphs, requests)
    assert not failures, "\n".join(failures)


# -- a real process, real clients -----------------------------------------------------------------

@pytest.fixture(scope="module")
def service(tmp_path_factory):
    from amikg.store import open_store

    d = tmp_path_factory.mktemp("svc")
    with open_store(str(d / "store")) as store:
        _fill(store)
    with LiveService(d / "store", log_dir=d) as svc:
        yield svc


def _sparqlwrapper_checks(endpoint: str) -> None:
    from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

    sw = SPARQLWrapper(endpoint)
    sw.setQuery(SELECT_P)
    sw.setReturnFormat(JSON)
    res = sw.query().convert()
    assert [b["o"]["value"] for b in res["results"]["bindings"]] == ["one", "two"]
    sw.setReturnFormat(XML)
    doc = sw.query().convert()
    assert [n.firstChild.data for n in doc.getElementsByTagName("literal")] == ["one", "two"]
    sw.setReturnFormat(CSV)
    assert sw.query().convert().decode().split() == ["o", "one", "two"]
    sw.setQuery("ASK { ?s ?p 'one' }")
    sw.setReturnFormat(JSON)
    assert sw.query().convert()["boolean"] is True
    sw.setQuery("CONSTRUCT WHERE { ?s <http://example.org/p> ?o }")
    sw.setReturnFormat(TURTLE)
    data = sw.query().convert()
    assert len(list(ox.parse(data, format=ox.RdfFormat.TURTLE))) == 2


def _update_store_checks(endpoint: str, with_patterns: bool = True) -> None:
    import rdflib
    from rdflib.plugins.stores.sparqlstore import SPARQLUpdateStore

    store = SPARQLUpdateStore(query_endpoint=endpoint, update_endpoint=endpoint,
                              headers={"Authorization": f"Bearer {TOKEN}"})
    g = rdflib.Graph(store, identifier=rdflib.URIRef("http://example.org/rdflib"))
    s, p = rdflib.URIRef("http://example.org/s"), rdflib.URIRef("http://example.org/p")
    g.add((s, p, rdflib.Literal("added by rdflib")))
    assert list(g.objects(s, p)) == [rdflib.Literal("added by rdflib")]
    rows = list(g.query("SELECT ?o WHERE { ?s <http://example.org/p> ?o }"))
    assert [str(r[0]) for r in rows] == ["added by rdflib"]
    if with_patterns:
        g.remove((s, p, None))
    else:
        # rdflib removes with WITH <g> DELETE ... WHERE, which an Oxigraph server started with
        # --union-default-graph refuses ("using-union-graph must not be used with USING")
        store.update('DELETE DATA { GRAPH <http://example.org/rdflib> { <http://example.org/s> '
                     '<http://example.org/p> "added by rdflib" } }')
    assert list(g.objects(s, p)) == []
    store.close()


def test_real_service_answers_sparqlwrapper(service):
    _sparqlwrapper_checks(service.endpoint)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("query", ["CONSTRUCT WHERE { ?s <http://example.org/p> ?o }",
                                   "DESCRIBE ?s WHERE { ?s <http://example.org/p> ?o }"])
def test_sparqlwrapper_gets_rdf_in_every_return_format_it_offers(service, query, method):
    """SPARQLWrapper adds format=rdf+xml&output=rdf+xml&results=rdf+xml (or n3, json-ld ...)
    to the request; each used to be a 406."""
    import rdflib
    from SPARQLWrapper import JSONLD, N3, RDFXML, TURTLE, XML, SPARQLWrapper

    for fmt, parse_as in ((RDFXML, "xml"), (XML, "xml"), (N3, "n3"), (TURTLE, "turtle"),
                          (JSONLD, "json-ld")):
        sw = SPARQLWrapper(service.endpoint)
        sw.setMethod(method)
        sw.setQuery(query)
        sw.setReturnFormat(fmt)
        resp = sw.query().response
        body = resp.read()
        assert resp.status == 200, (fmt, resp.status)
        g = rdflib.Graph().parse(data=body, format=parse_as)
        assert len(g) >= 1, (fmt, body[:200])


def test_real_service_takes_updates_from_rdflib_sparqlupdatestore(service):
    _update_store_checks(service.endpoint)


def test_real_service_refuses_rdflib_updates_without_the_token(service):
    import rdflib
    from rdflib.plugins.stores.sparqlstore import SPARQLUpdateStore
    from urllib.error import HTTPError

    store = SPARQLUpdateStore(query_endpoint=service.endpoint, update_endpoint=service.endpoint)
    g = rdflib.Graph(store, identifier=rdflib.URIRef("http://example.org/rdflib"))
    with pytest.raises(HTTPError) as e:
        g.add((rdflib.URIRef("http://e/s"), rdflib.URIRef("http://e/p"), rdflib.Literal(1)))
    e.value.close()  # its socket, or a ResourceWarning fails a later test
    assert e.value.code == 401


@pytest.mark.parametrize("backend", ["oxigraph-server", "virtuoso"])
def test_real_service_over_a_remote_store(backend, request, start_service):
    """The same endpoint in front of a real Oxigraph server, and of a real Virtuoso: it forwards
    queries and updates, keeping its own auth and SERVICE guard."""
    import urllib.request
    from urllib.error import HTTPError

    from amikg.store import open_store

    server = request.getfixturevalue(
        "virtuoso_server" if backend == "virtuoso" else "oxigraph_server")
    server.clear()
    with open_store(server.location) as remote:
        _fill(remote)
    svc = start_service(server.location)
    try:
        _sparqlwrapper_checks(svc.endpoint)
        _update_store_checks(svc.endpoint, with_patterns=False)
        rel = urllib.parse.urlencode({"query": "SELECT (<x> AS ?x) WHERE {}"})
        with urllib.request.urlopen(urllib.request.Request(
                f"{svc.endpoint}?{rel}", headers={"Accept": "text/csv"}), timeout=30) as r:
            assert r.read().split() == [b"x", (svc.endpoint.rsplit("/", 1)[0] + "/x").encode()]
        req = urllib.request.Request(svc.endpoint, data=b"DROP ALL",
                                     headers={"Content-Type": UPD}, method="POST")
        with pytest.raises(HTTPError) as e:
            urllib.request.urlopen(req, timeout=10)
        e.value.close()  # its socket, or a ResourceWarning fails a later test
        assert e.value.code == 401
        q = "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"
        req = urllib.request.Request(svc.endpoint + "?" + urllib.parse.urlencode({"query": q}))
        with pytest.raises(HTTPError) as e:
            urllib.request.urlopen(req, timeout=10)
        e.value.close()
        assert e.value.code == 403
    finally:
        server.clear()
