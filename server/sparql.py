"""``/sparql``: the SPARQL 1.1 Protocol (query and update on one URL) and the query page.

Query: GET ``?query=``, POST form ``query=``, POST ``application/sparql-query``; dataset from
``default-graph-uri`` / ``named-graph-uri``. Update: POST form ``update=`` or
``application/sparql-update``; ``using-graph-uri`` / ``using-named-graph-uri``. Answers by content
negotiation (``Accept``) or ``format=``. GET without a query: the SPARQL 1.1 Service Description,
or the query page for a browser; a browser's query gets a page of its results (server/query_page.py).
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, request, url_for
from werkzeug.exceptions import MethodNotAllowed, NotAcceptable, UnsupportedMediaType

from amikg.errors import QueryError
from amikg.executor import RDF_MEDIA, Answer
from amikg.publish import serialize
from amikg.sparql.explain import reaches_out
from amikg.sparql.guard import inspect
from amikg.store import scratch_store

from .context import current_executor, current_gate, current_settings, current_store
from .query_page import query_page, results_page
from .safety import require_read, require_write

bp = Blueprint("sparql", __name__)

#: Media types we answer SELECT/ASK with, in order of preference (the first is the default).
RESULT_TYPES = [("application/sparql-results+json", "json"), ("application/json", "json"),
                ("application/sparql-results+xml", "xml"), ("application/xml", "xml"),
                ("text/xml", "xml"), ("text/csv", "csv"), ("text/tab-separated-values", "tsv")]
#: ... and CONSTRUCT/DESCRIBE (and the service description) with.
GRAPH_TYPES = [("text/turtle", "turtle"), ("application/n-triples", "ntriples"),
               ("application/ld+json", "jsonld"), ("application/rdf+xml", "xml"),
               ("application/n-quads", "nquads"), ("application/trig", "trig"),
               ("application/x-turtle", "turtle"), ("text/plain", "ntriples"),
               ("application/json", "jsonld"), ("application/xml", "xml"), ("text/xml", "xml")]
#: ``format=`` names (either kind); ``xml``/``json`` mean results or RDF by the query form.
FORMAT_ALIASES = {"json": "json", "srj": "json", "xml": "xml", "srx": "xml", "csv": "csv",
                  "tsv": "tsv", "turtle": "turtle", "ttl": "turtle", "ntriples": "ntriples",
                  "nt": "ntriples", "n-triples": "ntriples", "jsonld": "jsonld",
                  "json-ld": "jsonld", "rdfxml": "xml", "rdf": "xml", "rdf/xml": "xml",
                  "nquads": "nquads", "nq": "nquads", "trig": "trig",
                  # the names SPARQL clients send (SPARQLWrapper: format=, output=, results=)
                  "rdf+xml": "xml", "rdf-xml": "xml", "n3": "turtle", "text/n3": "turtle",
                  "sparql-results+json": "json", "sparql-results+xml": "xml"}
#: The parameters clients name a format in (SPARQLWrapper sends all three).
FORMAT_PARAMS = ("format", "output", "results")
EXTENSION = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "turtle": "ttl",
             "ntriples": "nt", "jsonld": "jsonld", "nquads": "nq", "trig": "trig"}

FORM = "application/x-www-form-urlencoded"


#: CSV and TSV are defined for SELECT results only: an ASK asked for them is answered in JSON
#: (rdflib's SPARQLStore read the bare ``true`` of a CSV as a table with no rows, i.e. False).
BOOLEAN_TYPES = [(mt, n) for mt, n in RESULT_TYPES if n not in ("csv", "tsv")]


def _table(kind: str) -> list[tuple[str, str]]:
    return {"results": RESULT_TYPES, "boolean": BOOLEAN_TYPES}.get(kind, GRAPH_TYPES)


def named_format(kind: str) -> str | None:
    """The short format name the first of ``format=``, ``output=``, ``results=`` names that a
    result of ``kind`` (``results``, ``boolean`` for ASK, or ``graph``) can be written in (a short
    name, a client's name such as ``rdf+xml`` or ``n3``, or a media type); ``None`` when none
    does."""
    table = _table(kind)
    names = {n for _, n in table}
    for param in FORMAT_PARAMS:
        wanted = (request.values.get(param) or "").strip().lower()
        if not wanted:
            continue
        key = dict(table).get(wanted.split(";")[0].strip()) or FORMAT_ALIASES.get(wanted, "")
        if kind == "graph" and key == "json":
            key = "jsonld"
        if key in names:
            return key
    return None


def negotiate(kind: str) -> str:
    """The short format name for a result of ``kind`` (``results``, ``boolean`` for ASK, or
    ``graph``): :func:`named_format`, else the ``Accept`` header (a name we do not know, or one
    for the other kind of result, falls back to it, as SPARQLWrapper expects: it sends its own
    names beside the ``Accept`` header). An ``Accept`` header that names only media types of the
    other kind of result gets this kind's default (rdflib's SPARQLStore sends
    ``application/sparql-results+json`` for a CONSTRUCT too, and parses the Turtle it gets).

    :raise NotAcceptable: when ``Accept`` names nothing we can write, of either kind.
    """
    table = _table(kind)
    named = named_format(kind)
    if named:
        return named
    accept = request.accept_mimetypes
    if not request.headers.get("Accept"):
        return table[0][1]
    best = accept.best_match([mt for mt, _ in table])
    if best is None and accept.best_match([mt for mt, _ in RESULT_TYPES + GRAPH_TYPES]):
        return table[0][1]
    if best is None:
        raise NotAcceptable(
            f"none of the media types in Accept: {request.headers.get('Accept')} can be sent; "
            f"available: {', '.join(mt for mt, _ in table)}")
    return dict(table)[best]


def wants_html(kind: str) -> bool:
    """Whether a browser asks (one following a link to ``/sparql?query=...``): no format
    parameter names a format, and ``Accept`` names ``text/html`` itself at least as high as every
    type a result of ``kind`` is written in (a browser's ``application/xml;q=0.9`` and ``*/*``
    come after it). SPARQL clients name their own types and never get HTML."""
    if named_format(kind):
        return False
    accept = request.accept_mimetypes
    if "text/html" not in accept.values():
        return False
    html = accept["text/html"]
    return html > 0 and all(html >= accept[mt] for mt, _ in _table(kind))


def _one(values, name: str) -> str | None:
    got = values.getlist(name)
    if len(got) > 1:
        raise QueryError(f"more than one {name} parameter")
    return got[0] if got else None


def _body_text() -> str:
    charset = (request.mimetype_params.get("charset") or "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"charset {charset} is not supported; send UTF-8")
    try:
        return request.get_data(cache=False).decode("utf-8")
    except UnicodeDecodeError as e:
        raise QueryError(f"the request body is not valid UTF-8 ({e.reason} at byte {e.start})")


def _request_operation() -> tuple[str, str, dict]:
    """(``query`` or ``update``, its text, the dataset/using graphs) of this request."""
    if request.method == "GET":
        if "update" in request.args:
            raise QueryError("an update must be sent with POST (form update= or "
                             "Content-Type: application/sparql-update)")
        return "query", _one(request.args, "query"), {
            "default_graph": request.args.getlist("default-graph-uri"),
            "named_graphs": request.args.getlist("named-graph-uri")}
    mt = request.mimetype
    if mt == FORM:
        values = request.form
        q, u = _one(values, "query"), _one(values, "update")
        if q is not None and u is not None:
            raise QueryError("send either query= or update=, not both")
        if q is None and u is None:
            raise QueryError("the form has neither query= nor update=")
        src = values
    elif mt == "application/sparql-query":
        q, u, src = _body_text(), None, request.args
    elif mt == "application/sparql-update":
        q, u, src = None, _body_text(), request.args
    else:
        raise UnsupportedMediaType(
            f"POST /sparql needs Content-Type {FORM}, application/sparql-query or "
            f"application/sparql-update, not {mt or 'none'}")
    if q is not None:
        return "query", q, {"default_graph": src.getlist("default-graph-uri"),
                            "named_graphs": src.getlist("named-graph-uri")}
    return "update", u, {"using": src.getlist("using-graph-uri"),
                         "using_named": src.getlist("using-named-graph-uri")}


@bp.route("/sparql", methods=["GET", "POST"])
def sparql():
    """The SPARQL 1.1 Protocol endpoint."""
    op, text, graphs = _request_operation()
    if op == "query":
        require_read()
        if text is None:
            return service_description()
        # the dataset as the reader's view of the store says: an anonymous reader's is narrowed
        # to the public graphs before the query runs (amikg.access.PublicReads.dataset)
        return run_query(text, *current_store().dataset(text, graphs["default_graph"] or None,
                                                        graphs["named_graphs"] or None))
    account = require_write()
    # the gate adds the update's PROV-O record (the account, the graphs) to the text it runs
    current_gate().update(account, text, lambda recorded: current_executor().update(
        recorded, using_graphs=graphs["using"], using_named_graphs=graphs["using_named"],
        base_iri=_base_iri()), base_iri=_base_iri())
    return Response(status=204)


def _base_iri() -> str:
    """What relative IRIs (``<s>``) of a query or update resolve against: AMIKG_SPARQL_BASE, by
    default this endpoint's own URL (as the SPARQL protocol's tests expect)."""
    return current_settings().sparql_base or request.base_url


def run_query(text: str, default_graph=None, named_graphs=None) -> Response:
    info = inspect(text)
    if info.is_update:
        raise QueryError("this is an update, not a query: send it as an update "
                         "(POST update=... or Content-Type: application/sparql-update)")
    kind = {"CONSTRUCT": "graph", "DESCRIBE": "graph", "ASK": "boolean"}.get(info.form, "results")
    # a browser gets a page of the results, made from the JSON or N-Triples answer
    html = bool(info.form) and wants_html(kind)
    # no recognisable form: the engine's parser will say what is wrong, whatever was accepted
    try:
        fmt = ("ntriples" if kind == "graph" else "json") if html else \
            negotiate(kind) if info.form else "json"
    except NotAcceptable:
        _refuse_if_malformed(text)
        raise
    # Turtle is written by the one Turtle writer (sorted, only the prefixes used), from the
    # N-Triples the executor answers
    answer = current_executor().query(text, "ntriples" if fmt == "turtle" else fmt,
                                      default_graph=default_graph, named_graphs=named_graphs,
                                      base_iri=_base_iri())
    if html:
        return results_page(text, info.form, answer)
    if fmt == "turtle" and answer.kind == "graph":
        body = serialize(ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES), "turtle")
        answer = Answer("graph", body, "text/turtle", answer.count, "turtle")
    resp = Response(answer.body, mimetype=answer.media_type)
    if answer.media_type.startswith("text/") or answer.media_type.endswith("json"):
        resp.charset = "utf-8"
    resp.headers["Vary"] = "Accept"
    resp.headers["X-Result-Count"] = str(answer.count)
    if request.values.get("download"):
        resp.headers["Content-Disposition"] = \
            f'attachment; filename="results.{EXTENSION.get(answer.format, "txt")}"'
    return resp


def _refuse_if_malformed(text: str) -> None:
    """Raise the syntax error of a malformed query, so that it is answered as one (400) rather
    than as an ``Accept`` header nothing matches (406): the text is parsed on an empty scratch
    store, never when it could reach out (SERVICE, LOAD)."""
    if reaches_out(text):
        return
    scratch = scratch_store()
    try:
        scratch.query(text)
    except QueryError as e:
        if e.details.get("line") is not None or "parser" in e.details:
            raise
    finally:
        scratch.close()


# -- service description --------------------------------------------------------------------

FORMATS_NS = "http://www.w3.org/ns/formats/"
SD_FORMATS = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
              "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "N-Quads", "TriG"]


def service_description_turtle(endpoint: str) -> str:
    """The SPARQL 1.1 Service Description of this endpoint, as Turtle."""
    settings = current_settings()
    # anonymous readers are told of the public graphs only (issue 21): the reader's view
    graphs = current_store().named_graphs()
    features = ["sd:UnionDefaultGraph"]
    if settings.service_allow:
        features.append("sd:BasicFederatedQuery")
    named = "".join(f'\n        sd:namedGraph [ a sd:NamedGraph ; sd:name <{g}> ] ;'
                    for g in graphs)
    return f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix fmt: <{FORMATS_NS}> .
@prefix dcterms: <http://purl.org/dc/terms/> .

<{endpoint}> a sd:Service ;
    dcterms:title "amikg SPARQL service: Advanced Medical Imaging clusters in Europe"@en ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query, sd:SPARQL11Update ;
    sd:feature {", ".join(features)} ;
    sd:resultFormat {", ".join("fmt:" + f for f in SD_FORMATS)} ;
    sd:defaultDataset [ a sd:Dataset ;
        sd:defaultGraph [ a sd:Graph ] ;{named}
    ] .
"""


def service_description() -> Response:
    accept = request.accept_mimetypes
    if not request.values.get("format") and accept["text/html"] > accept["text/turtle"] \
            and accept["text/html"] > accept["application/ld+json"]:
        return query_page()
    fmt = negotiate("graph")
    ttl = service_description_turtle(url_for("sparql.sparql", _external=True))
    if fmt == "turtle":
        body = ttl.encode()
    else:
        rfmt = {"ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
                "xml": ox.RdfFormat.RDF_XML, "nquads": ox.RdfFormat.N_QUADS,
                "trig": ox.RdfFormat.TRIG}[fmt]
        body = ox.serialize(ox.parse(ttl, format=ox.RdfFormat.TURTLE), format=rfmt)
    resp = Response(body, mimetype=RDF_MEDIA[fmt])
    resp.headers["Vary"] = "Accept"
    return resp


@bp.route("/sparql", methods=["PUT", "DELETE", "PATCH"])
def wrong_method():
    raise MethodNotAllowed(valid_methods=["GET", "HEAD", "POST", "OPTIONS"],
                           description="/sparql takes GET (query) and POST (query or update)")
