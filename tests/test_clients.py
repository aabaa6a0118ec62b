"""Every SPARQL client works unchanged (issue 19): the client matrix.

One real ``amikg serve`` process for the module (tests/live.py) over an embedded store holding
known data in two named graphs; each client sends what it sends by itself, and each answer is
parsed the way that client's user would parse it and checked by value:

- SPARQLWrapper: every return format it offers (JSON, XML, CSV, TSV, RDF/XML, RDF, Turtle, N3,
  JSON-LD; N-Triples has no constant, a user asks for it by ``Accept`` with ``setOnlyConneg``)
  for SELECT, ASK, CONSTRUCT and DESCRIBE, by GET, by URL-encoded POST and by direct POST. A
  format that does not fit the query form (CSV for a CONSTRUCT, Turtle for a SELECT) gets the
  service's fallback, which SPARQLWrapper parses and says so in a warning; updates with the token.
- rdflib: ``SPARQLStore`` through ``rdflib.Graph(store)`` with each ``returnFormat`` and method;
  ``SPARQLUpdateStore`` with ``headers={"Authorization": "Bearer ..."}`` or ``auth=(user,
  password)``; without them a 401 and the store unchanged.
- JavaScript (tests/js/client.mjs, npm packages from tests/js/package-lock.json: sparql-http-client,
  n3, jsonld, rdfxml-streaming-parser): SELECT, ASK, CONSTRUCT and updates by each of the client's
  operations, the Graph Store, and Turtle, JSON-LD and RDF/XML from the service parsed in
  JavaScript and in rdflib to the same triples.
- curl: GET and POST queries, updates with and without the token, Graph Store PUT/GET/DELETE.

Apache Jena's command-line tools (``rsparql``, ``arq``) are not in the matrix: Debian bookworm
ships Jena only as a library (``libapache-jena-java`` 4.5.0, no ``rsparql``/``arq`` scripts), and
its ``arq.rsparql`` class does not start there (``ExceptionInInitializerError`` in the relocated
Xerces of jena-core while setting up the XSD datatypes); the registries reachable here offer no
other Jena.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import urllib.parse
import warnings
from pathlib import Path
from urllib.error import HTTPError

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import RDFS, XSD

from conftest import ROOT, need
from live import AUTH, TOKEN, LiveService

EX = "http://example.org/clients/"
G1, G2 = EX + "g1", EX + "g2"
FILAS, CLINIC, V = URIRef(EX + "filas"), URIRef(EX + "clinic"), URIRef(EX + "v")
NOTE = 'line one\nline "two", with a comma'
BASIC = ("editor", "s3cret-basic")

#: The known data: (subject, object) of ``ex:v`` per graph; queries see the union.
V_ROWS = [(FILAS, Literal("plain")), (FILAS, Literal("Ünïcödé", lang="de")),
          (FILAS, Literal(42)), (CLINIC, Literal(NOTE)), (CLINIC, FILAS)]
DATA = f"""PREFIX ex: <{EX}>
INSERT DATA {{
  GRAPH <{G1}> {{ ex:filas ex:v "plain", "Ünïcödé"@de, 42 ;
                          <{RDFS.label}> "FILAS" . }}
  GRAPH <{G2}> {{ ex:clinic ex:v "line one\\nline \\"two\\", with a comma", ex:filas . }}
}}"""

SELECT = f"SELECT ?s ?o WHERE {{ ?s <{V}> ?o }}"
ASK_TRUE = f'ASK {{ <{FILAS}> <{V}> "Ünïcödé"@de }}'
ASK_FALSE = f'ASK {{ <{FILAS}> <{V}> "Ünïcödé"@en }}'
CONSTRUCT = f"CONSTRUCT WHERE {{ ?s <{V}> ?o }}"
DESCRIBE = f"DESCRIBE <{FILAS}>"
#: What each query form answers, as rdflib triples.
V_TRIPLES = {(s, V, o) for s, o in V_ROWS}
FILAS_TRIPLES = {(s, p, o) for s, p, o in V_TRIPLES if s == FILAS} | {(FILAS, RDFS.label,
                                                                        Literal("FILAS"))}
JS = ROOT / "tests" / "js"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    from amikg.store import open_store

    d = tmp_path_factory.mktemp("clients")
    with open_store(str(d / "store")) as store:
        store.update(DATA)
    with LiveService(d / "store", log_dir=d,
                     env={"AMIKG_BASIC_AUTH": ":".join(BASIC)}) as svc:
        yield svc


def rows_of(svc) -> set:
    """The (s, o) rows of ``ex:v`` in the running service, read without any client library."""
    out = set()
    for b in svc.select(SELECT):
        out.add((b["s"]["value"], b["o"]["value"]))
    return out


def expected_values() -> set:
    return {(str(s), str(o)) for s, o in V_ROWS}


def _term(t):
    """A pyoxigraph term as the rdflib term."""
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return rdflib.BNode(t.value)
    if t.language:
        return Literal(t.value, lang=t.language)
    return Literal(t.value, datatype=URIRef(t.datatype.value)) \
        if t.datatype.value != str(XSD.string) else Literal(t.value)


def _json_term(d: dict):
    if d["type"] == "uri":
        return URIRef(d["value"])
    if d["type"] == "bnode":
        return rdflib.BNode(d["value"])
    return Literal(d["value"], lang=d.get("xml:lang"),
                   datatype=URIRef(d["datatype"]) if "datatype" in d else None)


def _dom_term(el):
    """A term of a SPARQL XML result (``<uri>``, ``<literal>``, ``<bnode>``) as an rdflib term."""
    text = "".join(n.data for n in el.childNodes if n.nodeType == n.TEXT_NODE)
    if el.tagName == "uri":
        return URIRef(text)
    if el.tagName == "bnode":
        return rdflib.BNode(text)
    lang, dt = el.getAttribute("xml:lang"), el.getAttribute("datatype")
    return Literal(text, lang=lang or None, datatype=URIRef(dt) if dt else None)


# -- SPARQLWrapper ------------------------------------------------------------------------------

SW_FORMATS = ["json", "xml", "csv", "tsv", "rdf+xml", "rdf", "turtle", "n3", "json-ld"]
SW_METHODS = [("GET", "urlencoded"), ("POST", "urlencoded"), ("POST", "postdirectly")]
#: What the service answers a SELECT asked for each SPARQLWrapper format (a graph format falls
#: back to the Accept header, which SPARQLWrapper then sets to */*: JSON; RDF/XML names are XML).
SELECT_ANSWER = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "rdf+xml": "xml",
                 "rdf": "xml", "turtle": "json", "n3": "json", "json-ld": "json"}
#: ... an ASK: as a SELECT, but CSV and TSV (defined for SELECT only) are answered as JSON.
ASK_ANSWER = {**SELECT_ANSWER, "csv": "json", "tsv": "json"}
#: ... a CONSTRUCT or DESCRIBE (JSON is JSON-LD; a results format falls back to Turtle).
GRAPH_ANSWER = {"json": "json-ld", "xml": "rdf+xml", "csv": "turtle", "tsv": "turtle",
                "rdf+xml": "rdf+xml", "rdf": "rdf+xml", "turtle": "turtle", "n3": "turtle",
                "json-ld": "json-ld"}
MEDIA = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
         "csv": "text/csv", "tsv": "text/tab-separated-values", "turtle": "text/turtle",
         "rdf+xml": "application/rdf+xml", "json-ld": "application/ld+json",
         "ntriples": "application/n-triples"}
#: Which of SPARQLWrapper's formats it takes each answer for without a warning.
SW_ACCEPTS = {"json": {"json"}, "xml": {"xml"}, "csv": {"csv"}, "tsv": {"tsv"},
              "rdf+xml": {"rdf", "xml", "rdf+xml"}, "turtle": {"n3", "turtle"},
              "json-ld": {"json-ld", "json"}}


def _sparqlwrapper(endpoint, query, fmt, method, request_method, **headers):
    """Run ``query`` as a SPARQLWrapper user does; (media type, converted result, the
    "Format requested was ..." warnings)."""
    from SPARQLWrapper import SPARQLWrapper

    sw = SPARQLWrapper(endpoint)
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    sw.setMethod(method)
    sw.setRequestMethod(request_method)
    if headers:
        sw.setOnlyConneg(True)
        for k, v in headers.items():
            sw.addCustomHttpHeader(k, v)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = sw.query()
        media = result.info()["content-type"].split(";")[0]
        converted = result.convert()
    said = [str(w.message) for w in caught if "Format requested was" in str(w.message)]
    return media, converted, said


def _sw_rows(answer: str, converted) -> set:
    """(s, o) rows of a converted SELECT result; CSV has values only."""
    if answer == "json":
        return {(_json_term(b["s"]), _json_term(b["o"]))
                for b in converted["results"]["bindings"]}
    if answer == "xml":
        out = set()
        for result in converted.getElementsByTagName("result"):
            row = {}
            for b in result.getElementsByTagName("binding"):
                el = next(n for n in b.childNodes if n.nodeType == n.ELEMENT_NODE)
                row[b.getAttribute("name")] = _dom_term(el)
            out.add((row["s"], row["o"]))
        return out
    if answer == "csv":
        lines = list(csv.reader(io.StringIO(converted.decode("utf-8"), newline="")))
        assert lines[0] == ["s", "o"]
        return {tuple(r) for r in lines[1:]}
    assert answer == "tsv"
    parsed = ox.parse_query_results(converted, format=ox.QueryResultsFormat.TSV)
    return {(_term(s["s"]), _term(s["o"])) for s in parsed}


def _sw_graph(answer: str, converted) -> set:
    if isinstance(converted, rdflib.Graph):          # RDF/XML and JSON-LD: an rdflib graph
        return set(converted.triples((None, None, None)))
    assert answer in ("turtle", "ntriples")          # Turtle, N3: the text
    return set(rdflib.Graph().parse(data=converted, format="turtle"))


@pytest.mark.parametrize("method,request_method", SW_METHODS, ids=["get", "post-form",
                                                                    "post-direct"])
@pytest.mark.parametrize("fmt", SW_FORMATS)
def test_sparqlwrapper_select(service, fmt, method, request_method):
    answer = SELECT_ANSWER[fmt]
    media, converted, said = _sparqlwrapper(service.endpoint, SELECT, fmt, method,
                                            request_method)
    assert media == MEDIA[answer]
    assert bool(said) == (fmt not in SW_ACCEPTS[answer]), said   # a fallback is said, once
    got = _sw_rows(answer, converted)
    if answer == "csv":
        assert got == expected_values()
    else:
        assert got == set(V_ROWS)


@pytest.mark.parametrize("method,request_method", SW_METHODS, ids=["get", "post-form",
                                                                    "post-direct"])
@pytest.mark.parametrize("fmt", SW_FORMATS)
def test_sparqlwrapper_ask(service, fmt, method, request_method):
    answer = ASK_ANSWER[fmt]
    for query, truth in ((ASK_TRUE, True), (ASK_FALSE, False)):
        media, converted, said = _sparqlwrapper(service.endpoint, query, fmt, method,
                                                request_method)
        assert media == MEDIA[answer]
        assert bool(said) == (fmt not in SW_ACCEPTS[answer]), said
        if answer == "json":
            assert converted["boolean"] is truth
        else:
            text = converted.getElementsByTagName("boolean")[0].firstChild.data
            assert text == str(truth).lower()


@pytest.mark.parametrize("method,request_method", SW_METHODS, ids=["get", "post-form",
                                                                    "post-direct"])
@pytest.mark.parametrize("fmt", SW_FORMATS)
@pytest.mark.parametrize("query,expected", [(CONSTRUCT, V_TRIPLES), (DESCRIBE, FILAS_TRIPLES)],
                         ids=["construct", "describe"])
def test_sparqlwrapper_construct_and_describe(service, query, expected, fmt, method,
                                              request_method):
    answer = GRAPH_ANSWER[fmt]
    media, converted, said = _sparqlwrapper(service.endpoint, query, fmt, method, request_method)
    assert media == MEDIA[answer]
    assert bool(said) == (fmt not in SW_ACCEPTS[answer]), said
    assert _sw_graph(answer, converted) == expected


@pytest.mark.parametrize("method,request_method", SW_METHODS, ids=["get", "post-form",
                                                                    "post-direct"])
def test_sparqlwrapper_gets_ntriples_by_its_accept_header(service, method, request_method):
    """SPARQLWrapper has no N-Triples constant: its users ask with an Accept header and
    ``setOnlyConneg(True)`` (otherwise its own ``format=n3`` wins)."""
    media, converted, said = _sparqlwrapper(service.endpoint, CONSTRUCT, "n3", method,
                                            request_method, Accept="application/n-triples")
    assert media == "application/n-triples" and not said
    assert set(rdflib.Graph().parse(data=converted, format="nt")) == V_TRIPLES


@pytest.mark.parametrize("method,request_method", SW_METHODS, ids=["get", "post-form",
                                                                    "post-direct"])
def test_sparqlwrapper_sets_the_dataset(service, method, request_method):
    """``addDefaultGraph`` / ``addNamedGraph`` become default-graph-uri / named-graph-uri."""
    from SPARQLWrapper import JSON, SPARQLWrapper

    sw = SPARQLWrapper(service.endpoint)
    sw.setMethod(method)
    sw.setRequestMethod(request_method)
    sw.setReturnFormat(JSON)
    sw.addDefaultGraph(G2)
    sw.setQuery(SELECT)
    rows = sw.queryAndConvert()["results"]["bindings"]
    assert {(_json_term(b["s"]), _json_term(b["o"])) for b in rows} == \
        {(s, o) for s, o in V_ROWS if s == CLINIC}
    sw = SPARQLWrapper(service.endpoint)
    sw.setMethod(method)
    sw.setRequestMethod(request_method)
    sw.setReturnFormat(JSON)
    sw.addNamedGraph(G1)
    sw.setQuery("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert [b["g"]["value"] for b in sw.queryAndConvert()["results"]["bindings"]] == [G1]


def test_sparqlwrapper_updates_with_the_token_and_is_refused_without(service):
    from SPARQLWrapper import POST, POSTDIRECTLY, URLENCODED, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import Unauthorized

    graph = EX + "sparqlwrapper"
    for request_method, value in ((URLENCODED, "form"), (POSTDIRECTLY, "direct")):
        sw = SPARQLWrapper(service.endpoint)
        sw.setMethod(POST)
        sw.setRequestMethod(request_method)
        sw.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
        sw.setQuery(f'INSERT DATA {{ GRAPH <{graph}> {{ <{FILAS}> <{EX}w> "{value}" }} }}')
        assert sw.query().response.status == 204
    sw = SPARQLWrapper(service.endpoint)           # HTTP basic, SPARQLWrapper's own way
    sw.setMethod(POST)
    sw.setCredentials(*BASIC)
    sw.setQuery(f'INSERT DATA {{ GRAPH <{graph}> {{ <{FILAS}> <{EX}w> "basic" }} }}')
    assert sw.query().response.status == 204
    sw = SPARQLWrapper(service.endpoint)
    sw.setMethod(POST)
    sw.setQuery(f"DROP GRAPH <{graph}>")
    with pytest.raises(Unauthorized):
        sw.query()
    got = service.select(f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert sorted(b["o"]["value"] for b in got) == ["basic", "direct", "form"]
    service.update(f"DROP GRAPH <{graph}>")


# -- rdflib -------------------------------------------------------------------------------------

RDFLIB_FORMATS = ["xml", "json", "csv", "tsv"]
RDFLIB_METHODS = ["GET", "POST", "POST_FORM"]


@pytest.mark.parametrize("method", RDFLIB_METHODS)
@pytest.mark.parametrize("return_format", RDFLIB_FORMATS)
def test_rdflib_sparqlstore_answers_every_query_form(service, return_format, method):
    """rdflib sends ``Accept`` for its ``returnFormat`` only (``json``:
    ``application/sparql-results+json``) whatever the query form: a CONSTRUCT answered 406 (and
    rdflib said "You did something wrong formulating either the URI or your SPARQL query"), an
    ASK in CSV was read as a table with no rows, i.e. False, and in TSV did not parse."""
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    g = rdflib.Graph(SPARQLStore(service.endpoint, returnFormat=return_format, method=method))
    rows = set(g.query(SELECT))
    if return_format == "csv":        # CSV has no types: rdflib reads every value as a literal
        assert {(str(s), str(o)) for s, o in rows} == expected_values()
    else:
        assert {tuple(r) for r in rows} == set(V_ROWS)
    assert g.query(ASK_TRUE).askAnswer is True
    assert g.query(ASK_FALSE).askAnswer is False
    assert set(g.query(CONSTRUCT).graph) == V_TRIPLES
    assert set(g.query(DESCRIBE).graph) == FILAS_TRIPLES


def test_rdflib_sparqlstore_reads_the_graph_like_a_local_one(service):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(service.endpoint)
    union = rdflib.Graph(store)
    assert set(union.triples((None, V, None))) == V_TRIPLES
    assert union.value(FILAS, RDFS.label) == Literal("FILAS")
    assert (CLINIC, V, Literal(NOTE)) in union
    g2 = rdflib.Graph(store, identifier=URIRef(G2))   # one graph: default-graph-uri
    assert set(g2.triples((None, None, None))) == {t for t in V_TRIPLES if t[0] == CLINIC}
    assert len(g2) == 2
    assert {str(c) for c in store.contexts()} >= {G1, G2}


def _update_store(service, **auth):
    from rdflib.plugins.stores.sparqlstore import SPARQLUpdateStore

    return SPARQLUpdateStore(query_endpoint=service.endpoint, update_endpoint=service.endpoint,
                             **auth)


@pytest.mark.parametrize("auth", [{"headers": {"Authorization": f"Bearer {TOKEN}"}},
                                  {"auth": BASIC}], ids=["bearer", "basic"])
def test_rdflib_sparqlupdatestore_writes_with_credentials(service, auth):
    store = _update_store(service, **auth)
    name = URIRef(EX + "rdflib-" + next(iter(auth)))
    g = rdflib.Graph(store, identifier=name)
    g.add((FILAS, V, Literal("added")))
    g.addN([(CLINIC, V, Literal(n), g) for n in (1, 2)])
    g.update(f'INSERT DATA {{ <{FILAS}> <{V}> "by update" }}')   # into the graph g names
    assert set(g.objects(FILAS, V)) == {Literal("added"), Literal("by update")}
    assert set(g.objects(CLINIC, V)) == {Literal(1), Literal(2)}
    g.remove((CLINIC, V, Literal(1)))
    assert set(g.objects(CLINIC, V)) == {Literal(2)}
    assert len(g) == 3
    store.remove_graph(g)
    assert len(g) == 0
    assert rows_of(service) == expected_values()      # the known data is untouched
    store.close()


@pytest.mark.parametrize("auth,status", [({}, 401),
                                         ({"headers": {"Authorization": "Bearer wrong"}}, 403),
                                         ({"auth": (BASIC[0], "wrong")}, 403)],
                         ids=["none", "wrong-token", "wrong-password"])
def test_rdflib_sparqlupdatestore_without_credentials_is_refused_and_changes_nothing(
        service, auth, status):
    store = _update_store(service, **auth)
    g = rdflib.Graph(store, identifier=URIRef(G1))
    for write in (lambda: g.add((FILAS, V, Literal("intruder"))),
                  lambda: g.update(f"DELETE WHERE {{ <{FILAS}> ?p ?o }}"),
                  lambda: store.update("DROP ALL")):
        with pytest.raises(HTTPError) as e:
            write()
        e.value.close()   # its socket, or a ResourceWarning fails a later test
        assert e.value.code == status
    assert rows_of(service) == expected_values()
    assert set(g.objects(FILAS, V)) == {o for s, o in V_ROWS if s == FILAS}   # reads still work
    store.close()


# -- JavaScript: sparql-http-client, n3, jsonld, rdfxml-streaming-parser -------------------------

def _node(*args: str, ok: bool = True):
    need(shutil.which("node") is not None, "node is not installed (apt-get install nodejs)")
    need((JS / "node_modules" / "sparql-http-client").is_dir(),
         "the JavaScript clients are not installed: run `npm ci --prefix tests/js` (.ci/run does)")
    proc = subprocess.run(["node", str(JS / "client.mjs"), *args], capture_output=True,
                          text=True, timeout=120)
    assert proc.stderr == "", proc.stderr
    out = json.loads(proc.stdout)
    assert (proc.returncode == 0) == ok, out
    return out


def _js_triples(lines: list[str]) -> set:
    return set(rdflib.Graph().parse(data="".join(lines), format="nt"))


def _js_term(t: dict):
    if t["termType"] == "NamedNode":
        return URIRef(t["value"])
    if t["language"]:
        return Literal(t["value"], lang=t["language"])
    dt = None if t["datatype"] == str(XSD.string) else URIRef(t["datatype"])
    return Literal(t["value"], datatype=dt)


JS_OPERATIONS = ["get", "postUrlencoded", "postDirect"]


@pytest.mark.parametrize("operation", JS_OPERATIONS)
def test_js_client_select_ask_and_construct(service, operation):
    rows = _node("select", service.endpoint, SELECT, operation)
    assert {(_js_term(r["s"]), _js_term(r["o"])) for r in rows} == set(V_ROWS)
    assert _node("ask", service.endpoint, ASK_TRUE, operation) is True
    assert _node("ask", service.endpoint, ASK_FALSE, operation) is False
    assert _js_triples(_node("construct", service.endpoint, CONSTRUCT, operation)) == V_TRIPLES
    assert _js_triples(_node("construct", service.endpoint, DESCRIBE, operation)) == \
        FILAS_TRIPLES


def test_js_client_updates_with_the_token_and_is_refused_without(service):
    graph = EX + "js"
    insert = f'INSERT DATA {{ GRAPH <{graph}> {{ <{FILAS}> <{V}> "from node" }} }}'
    assert _node("update", service.endpoint, insert, TOKEN) == {"ok": True}
    direct = f'INSERT DATA {{ GRAPH <{graph}> {{ <{FILAS}> <{V}> "direct" }} }}'
    # sparql-http-client's postDirect labels an update application/sparql-query: refused,
    # saying what to send instead
    refused = _node("update", service.endpoint, direct, TOKEN, "postDirect", ok=False)
    assert refused["status"] == 400 and "application/sparql-update" in refused["error"]
    q = f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    assert [b["o"]["value"] for b in service.select(q)] == ["from node"]
    for token, status, error in (("", 401, "AuthenticationRequired"),
                                 ("wrong", 403, "ForbiddenOperation")):
        out = _node("update", service.endpoint, f"DROP GRAPH <{graph}>", token, ok=False)
        assert out["status"] == status and error in out["error"], out
    assert [b["o"]["value"] for b in service.select(q)] == ["from node"]   # unchanged
    service.update(f"DROP GRAPH <{graph}>")


def test_js_client_graph_store_put_and_get(service):
    store = service.url + "/graph"
    graph = EX + "js-gsp"
    nt = f'<{FILAS}> <{V}> "put by node" .\n<{CLINIC}> <{V}> <{FILAS}> .\n'
    assert _node("store-put", store, graph, nt, TOKEN) == {"ok": True}   # a streamed body
    assert _js_triples(_node("store-get", store, graph)) == \
        set(rdflib.Graph().parse(data=nt, format="nt"))
    out = _node("store-put", store, graph, f'<{FILAS}> <{V}> "x" .\n', "", ok=False)
    assert out["status"] == 401
    service.update(f"DROP GRAPH <{graph}>")


RDF_DOCS = [("text/turtle", "n3", "turtle"), ("application/ld+json", "jsonld", "json-ld"),
            ("application/rdf+xml", "rdfxml", "xml")]


@pytest.mark.parametrize("accept,js_parser,rdflib_format", RDF_DOCS,
                         ids=["turtle", "json-ld", "rdf-xml"])
def test_rdf_from_the_service_parses_in_javascript_and_in_rdflib(service, accept, js_parser,
                                                                 rdflib_format):
    """The same document, from /sparql (CONSTRUCT, DESCRIBE) and /graph, read by n3, jsonld or
    rdfxml-streaming-parser and by rdflib: the same triples, the ones the store holds."""
    import urllib.request

    urls = {f"{service.endpoint}?{urllib.parse.urlencode({'query': CONSTRUCT})}": V_TRIPLES,
            f"{service.endpoint}?{urllib.parse.urlencode({'query': DESCRIBE})}": FILAS_TRIPLES,
            f"{service.url}/graph?{urllib.parse.urlencode({'graph': G2})}":
                {t for t in V_TRIPLES if t[0] == CLINIC}}
    for url, expected in urls.items():
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept}),
                                    timeout=30) as resp:
            assert resp.headers.get_content_type() == accept
            body = resp.read()
        assert set(rdflib.Graph().parse(data=body, format=rdflib_format,
                                        publicID=url)) == expected, url
        assert _js_triples(_node("parse", url, accept, js_parser)) == expected, url


# -- curl ---------------------------------------------------------------------------------------

def _curl(*args: str, data: bytes | None = None) -> tuple[int, str, bytes]:
    """curl's status code, Content-Type and body."""
    need(shutil.which("curl") is not None, "curl is not installed (apt-get install curl)")
    proc = subprocess.run(["curl", "-sS", "-o", "-", "-w", "\n%{http_code} %{content_type}",
                           *args], input=data, capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    body, _, tail = proc.stdout.rpartition(b"\n")
    code, _, ctype = tail.decode().partition(" ")
    return int(code), ctype.split(";")[0], body


def _csv_values(body: bytes) -> set:
    lines = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    assert lines[0] == ["s", "o"]
    return {tuple(r) for r in lines[1:]}


def test_curl_queries_by_get_form_post_and_direct_post(service):
    e = service.endpoint
    code, ctype, body = _curl("-G", e, "-H", "Accept: text/csv", "--data-urlencode",
                              f"query={SELECT}")
    assert (code, ctype) == (200, "text/csv") and _csv_values(body) == expected_values()
    code, ctype, body = _curl(e, "-H", "Accept: application/sparql-results+json",
                              "--data-urlencode", f"query={ASK_TRUE}")
    assert code == 200 and json.loads(body) == {"head": {}, "boolean": True}
    code, ctype, body = _curl(e, "-H", "Content-Type: application/sparql-query", "-H",
                              "Accept: application/n-triples", "--data-binary", "@-",
                              data=CONSTRUCT.encode())
    assert (code, ctype) == (200, "application/n-triples")
    assert set(rdflib.Graph().parse(data=body, format="nt")) == V_TRIPLES
    code, ctype, body = _curl("-G", e, "--data-urlencode", f"query={DESCRIBE}")  # no Accept
    assert (code, ctype) == (200, "text/turtle")
    assert set(rdflib.Graph().parse(data=body, format="turtle")) == FILAS_TRIPLES


def test_curl_update_needs_the_token(service):
    e, graph = service.endpoint, EX + "curl"
    insert = f'INSERT DATA {{ GRAPH <{graph}> {{ <{FILAS}> <{V}> "by curl" }} }}'
    code, _, body = _curl(e, "-H", "Content-Type: application/sparql-update",
                          "--data-binary", "@-", data=insert.encode())
    assert code == 401 and json.loads(body)["error"] == "AuthenticationRequired"
    q = f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    assert service.select(q) == []
    code, _, body = _curl(e, "-H", f"Authorization: Bearer {TOKEN}", "-H",
                          "Content-Type: application/sparql-update", "--data-binary", "@-",
                          data=insert.encode())
    assert (code, body) == (204, b"")
    code, _, _ = _curl(e, "-u", ":".join(BASIC), "--data-urlencode", f"update=DROP GRAPH <{graph}>")
    assert code == 204 and service.select(q) == []


def test_curl_graph_store_put_get_delete(service, tmp_path):
    graph = EX + "curl-gsp"
    where = f"{service.url}/graph?{urllib.parse.urlencode({'graph': graph})}"
    ttl = tmp_path / "members.ttl"
    ttl.write_text(f'<{CLINIC}> <{V}> "Ünïcödé put"@de, """{NOTE}""" .\n', encoding="utf-8")
    expected = set(rdflib.Graph().parse(ttl, format="turtle"))
    put = ["-X", "PUT", where, "-H", "Content-Type: text/turtle", "--data-binary", f"@{ttl}"]
    assert _curl(*put)[0] == 401
    assert _curl(where)[0] == 404                       # nothing was written
    assert _curl(*put, "-H", f"Authorization: Bearer {TOKEN}")[0] == 201
    assert _curl(*put, "-H", f"Authorization: Bearer {TOKEN}")[0] == 204   # replaced
    code, ctype, body = _curl(where, "-H", "Accept: application/n-triples")
    assert (code, ctype) == (200, "application/n-triples")
    assert set(rdflib.Graph().parse(data=body, format="nt")) == expected
    code, ctype, body = _curl(where)                   # Turtle by default
    assert (code, ctype) == (200, "text/turtle")
    assert set(rdflib.Graph().parse(data=body, format="turtle")) == expected
    assert _curl("-X", "DELETE", where, "-H", f"Authorization: Bearer {TOKEN}")[0] == 204
    assert _curl(where)[0] == 404


@pytest.mark.parametrize("folder", ["js", "oidc"])
def test_the_npm_packages_of_the_tests_are_pinned_by_a_lockfile(folder):
    """.ci/run installs tests/js (these clients) and tests/oidc (the OpenID Connect provider of
    tests/test_oidc.py) with `npm ci`, which needs the lockfile to match package.json."""
    pkg = json.loads((ROOT / "tests" / folder / "package.json").read_text())
    lock = json.loads((ROOT / "tests" / folder / "package-lock.json").read_text())
    assert lock["packages"][""]["dependencies"] == pkg["dependencies"]
    for name, version in pkg["dependencies"].items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert f"npm ci --prefix tests/{folder} " in (ROOT / ".ci" / "run").read_text()
