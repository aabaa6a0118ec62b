"""``/graph``: the SPARQL 1.1 Graph Store HTTP Protocol (indirect identification).

``?graph=IRI`` names a graph, ``?default`` the store's own default graph (triples outside every
named graph; note that *queries* see the union of all graphs as their default graph). GET and HEAD
read (200, 404 for a graph with no triples), PUT replaces (201 when it created the graph, else
204), POST adds (201/204), DELETE removes (204, 404). A POST to ``/graph`` itself (no graph named)
creates a new graph with a new IRI (``<base IRI>graph/posted/<uuid>``) and answers 201 with its
``Location`` (SPARQL 1.1 Graph Store Protocol, section 5.5). Bodies are parsed completely with the
library's parser before anything is written; a syntax error is a 400 naming the line, and the
store is left unchanged. Writes need credentials (see safety.py) and are recorded with PROV-O in
the metadata graph like ``amikg load``.
"""

from __future__ import annotations

import uuid

import pyoxigraph as ox
from flask import Blueprint, Response, request, url_for
from werkzeug.exceptions import UnsupportedMediaType

from amikg.access import DEFAULT, refuse_restricted
from amikg.errors import FormatError, NotFound, QueryError
from amikg.executor import RDF_MEDIA
from amikg.loader import Source, load_sources, parse_source
from amikg.publish import serialize
from amikg.store import RDF_FORMATS, format_name, nn, quad_text, rdf_format

from .context import current_gate, current_settings, current_store
from .safety import require_read, require_write
from .sparql import negotiate

bp = Blueprint("graph_store", __name__)

#: The default graph as a placeholder while parsing a body for ``?default``.
_DEFAULT_PLACEHOLDER = "urn:amikg:gsp-default-graph"


def _target() -> str | None:
    """The graph IRI of this request, or None for ``?default``."""
    has_default = "default" in request.args
    graph = request.args.get("graph")
    if has_default == (graph is not None):
        raise QueryError("name exactly one graph: ?graph=<IRI> or ?default")
    if graph is None:
        return None
    return nn(graph).value


def _body_quads(target: str) -> tuple[Source, list[ox.Quad]]:
    mt = request.mimetype
    if not mt:
        raise UnsupportedMediaType("send the graph with a Content-Type (text/turtle, "
                                   "application/n-triples, application/ld+json, application/rdf+xml)")
    try:
        fmt = format_name(rdf_format(mt))
    except FormatError:
        raise UnsupportedMediaType(f"cannot read {mt}; send text/turtle, application/n-triples, "
                                   "application/ld+json or application/rdf+xml")
    src = Source("request body", request.get_data(cache=False), fmt)
    quads = parse_source(src, target)
    others = {q.graph_name.value for q in quads if q.graph_name.value != target}
    if others:
        raise QueryError(f"the body names other graphs ({', '.join(sorted(others)[:3])}); "
                         "send the triples of one graph")
    return src, quads


@bp.route("/graph", methods=["GET", "HEAD"])
def graph_store():
    """Read one graph, by content negotiation (Turtle by default)."""
    account = require_read()
    if not request.args:  # the bare URL (a link from the query page): say how to use it
        raise QueryError("name a graph: /graph?graph=<IRI> or /graph?default")
    graph = _target()
    if graph is not None:
        refuse_restricted(account, graph)
    store = current_store()
    fmt = negotiate("graph")
    if graph is None:
        triples = list(store.query("CONSTRUCT WHERE { ?s ?p ?o }", default_graph=[]))
        quads = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
    else:
        if not store.graph_exists(graph):
            raise NotFound(f"no graph {graph} in the store", graph=graph)
        quads = list(store.quads(graph))
    if fmt in ("nquads", "trig"):
        body = ox.serialize(quads, format=RDF_FORMATS[fmt])
    elif fmt == "turtle":
        body = serialize([q.triple for q in quads], "turtle")
    else:
        body = ox.serialize([q.triple for q in quads], format=RDF_FORMATS[fmt])
    resp = Response(body, mimetype=RDF_MEDIA[fmt])
    resp.headers["Vary"] = "Accept"
    return resp


@bp.route("/graph", methods=["PUT", "POST"])
def graph_write():
    """PUT replaces the graph, POST adds to it."""
    account = require_write()
    if request.method == "POST" and not request.args:  # the graph store itself: a new graph
        return _post_new_graph(account)
    graph = _target()
    store = current_gate().store  # the store itself: this route writes
    replace = request.method == "PUT"
    action = f"graph store {request.method}"
    if graph is None:
        _, quads = _body_quads(_DEFAULT_PLACEHOLDER)
        body = "\n".join(quad_text(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()))
                         for q in quads)
        current_gate().write(account, action, [DEFAULT], lambda: store.update(
            ("DROP SILENT DEFAULT ;\n" if replace else "") + f"INSERT DATA {{\n{body}\n}}"))
        return Response(status=204)
    src, _ = _body_quads(graph)
    existed = store.graph_exists(graph)
    current_gate().write(account, action, [graph], lambda: load_sources(
        store, [src], graph, replace=replace, label=f"graph store {request.method} {graph}",
        agent=account.name), written=lambda rep: rep.triples)
    resp = Response(status=204 if existed else 201)
    if not existed:
        resp.headers["Location"] = request.url
    return resp


def _post_new_graph(account) -> Response:
    """GSP 5.5: the body becomes a new graph, named here; 201 with its ``Location``."""
    graph = f"{current_settings().base_iri}graph/posted/{uuid.uuid4().hex}"
    src, _ = _body_quads(graph)
    current_gate().write(account, "graph store POST (new graph)", [graph], lambda: load_sources(
        current_gate().store, [src], graph, label=f"graph store POST (new graph {graph})",
        agent=account.name), written=lambda rep: rep.triples)
    resp = Response(status=201)
    resp.headers["Location"] = url_for("graph_store.graph_store", graph=graph, _external=True)
    return resp


@bp.route("/graph", methods=["DELETE"])
def graph_delete():
    account = require_write()
    graph = _target()
    store = current_gate().store
    if graph is None:
        current_gate().write(account, "graph store DELETE", [DEFAULT],
                             lambda: store.update("DROP SILENT DEFAULT"))
    elif not current_gate().write(account, "graph store DELETE", [graph],
                                  lambda: store.drop_graph(graph)):
        raise NotFound(f"no graph {graph} in the store", graph=graph)
    return Response(status=204)
