"""What a browser gets from ``/sparql``: the query page (the YASGUI editor, served from
``static/yasgui/``) and a page of a query's results.

The editor is configured by the page: this service's endpoint (its only endpoint: the page's
Content-Security-Policy lets it reach no other), the store's prefixes (``amikg.namespaces``), the
named queries with the example values of their headers (:func:`amikg.queries.examples`), and an
update token field. When the editor's files were not built (``web/build``, run by
``make install``, needs npm), the page says so and offers a plain form.

A query whose ``Accept`` prefers HTML (a browser following a link to ``/sparql?query=...``) is run
by :func:`amikg_server.sparql.run_query` like any other; :func:`results_page` only draws its
answer: a table of the solutions, ASK's answer, or a CONSTRUCT/DESCRIBE graph as Turtle, with
downloads in the standard formats and a link that opens the query in the editor.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
from flask import Response, current_app, render_template, request, url_for

from amikg.executor import Answer
from amikg.namespaces import PREFIXES
from amikg.publish import compact_iri, serialize
from amikg.queries import examples

from .context import current_store
from .linked_data import local_href

#: The editor's files under ``static/`` (web/build writes them).
EDITOR_FILES = ("yasgui/yasgui.min.js", "yasgui/yasgui.min.css")
#: Rows (or triples) a results page shows; the downloads have them all.
HTML_ROWS = 1000
#: The downloads a results page offers: (format= name, label).
RESULT_DOWNLOADS = [("json", "SPARQL JSON"), ("xml", "SPARQL XML"), ("csv", "CSV"),
                    ("tsv", "TSV")]
GRAPH_DOWNLOADS = [("turtle", "Turtle"), ("ntriples", "N-Triples"), ("jsonld", "JSON-LD"),
                   ("rdfxml", "RDF/XML")]

DEFAULT_QUERY = """PREFIX ami: <https://w3id.org/amikg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

SELECT ?cluster ?label WHERE {
  ?cluster a ami:Cluster .
  OPTIONAL { ?cluster rdfs:label ?label }
} LIMIT 100
"""


def editor_installed() -> bool:
    """Whether the editor's files are in ``static/`` (built by ``web/build``)."""
    folder = Path(current_app.static_folder or "")
    return all((folder / f).is_file() for f in EDITOR_FILES)


def editor_config() -> dict:
    """What ``static/sparql.js`` sets YASGUI up with."""
    return {"endpoint": url_for("sparql.sparql", _external=True), "prefixes": PREFIXES,
            "query": DEFAULT_QUERY,
            "examples": [asdict(e) for e in examples(current_store())]}


#: The query page's Content-Security-Policy: the site's (server/safety.py), except that YASGUI's
#: result table sets inline styles. Scripts, connections and everything else stay on this host.
EDITOR_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
              "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
              "form-action 'self'")


def query_page() -> Response:
    """The query page: the editor, or (its files missing) a plain form."""
    config = editor_config()
    editor = editor_installed()
    html = render_template("sparql.html", editor=editor, config=config,
                           examples=config["examples"])
    resp = Response(html, mimetype="text/html")
    if editor:
        resp.headers["Content-Security-Policy"] = EDITOR_CSP
    return resp


# -- a page of results ---------------------------------------------------------------------------

def _term(t) -> dict:
    """A pyoxigraph term as the template draws it."""
    if t is None:
        return {"kind": "unbound"}
    if isinstance(t, ox.NamedNode):
        return {"kind": "iri", "text": t.value, "href": local_href(t.value),
                "short": compact_iri(t.value)}
    if isinstance(t, ox.BlankNode):
        return {"kind": "bnode", "text": t.value}
    if isinstance(t, ox.Literal):
        dt = t.datatype.value if t.datatype else ""
        plain = dt in ("", "http://www.w3.org/2001/XMLSchema#string") or t.language
        return {"kind": "literal", "text": t.value, "language": t.language,
                "datatype": None if plain else compact_iri(dt)}
    return {"kind": "literal", "text": str(t)}     # a quoted triple (RDF-star)


def _solutions(answer: Answer) -> dict:
    """A SELECT or ASK answer (SPARQL JSON) as the template's ``boolean`` or rows."""
    res = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
    if isinstance(res, ox.QueryBoolean):
        return {"boolean": bool(res)}
    names = [v.value for v in res.variables]
    rows = []
    for i, s in enumerate(res):
        if i == HTML_ROWS:
            break
        rows.append([_term(s[n]) for n in names])
    return {"columns": names, "rows": rows}


def _graph(answer: Answer) -> dict:
    """A CONSTRUCT or DESCRIBE answer (N-Triples) as Turtle, its first :data:`HTML_ROWS`
    triples."""
    triples = []
    for i, q in enumerate(ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES)):
        if i == HTML_ROWS:
            break
        triples.append(q.triple)
    return {"turtle": serialize(triples, "turtle").decode("utf-8"), "shown": len(triples)}


def _carried() -> list[tuple[str, str]]:
    """The dataset of this request (``default-graph-uri``, ``named-graph-uri``), which every
    download repeats."""
    return [(k, v) for k in ("default-graph-uri", "named-graph-uri")
            for v in request.values.getlist(k)]


def results_page(text: str, form: str, answer: Answer) -> Response:
    """The page of a query's ``answer`` (JSON for SELECT/ASK, N-Triples for CONSTRUCT/DESCRIBE,
    as :func:`amikg_server.sparql.run_query` asked the executor for)."""
    graph = answer.kind == "graph"
    shown = _graph(answer) if graph else _solutions(answer)
    html = render_template(
        "sparql_results.html", query=text, form=form, count=answer.count, limit=HTML_ROWS,
        downloads=GRAPH_DOWNLOADS if graph else RESULT_DOWNLOADS, carried=_carried(),
        editor_url=url_for("sparql.sparql") + "#query=" + quote(text, safe=""), **shown)
    resp = Response(html, mimetype="text/html")
    resp.headers["Vary"] = "Accept"
    resp.headers["X-Result-Count"] = str(answer.count)
    return resp
