"""Named queries over HTTP, generated from ``queries/*.rq`` (the library does all the work).

``GET /api/queries``                 every named query with its parameters and columns
``GET /api/queries/<name>?p=v&...``  one page of results: JSON (default), CSV, TSV, SPARQL JSON/XML
                                     by Accept (or ``format=``); ``limit``/``offset`` page
``GET /api/openapi.json``            OpenAPI 3 document generated from the headers
``GET /api/docs``                    that document as a server-rendered HTML page (no CDN)
"""

from __future__ import annotations

from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, render_template, request, url_for

from amikg.errors import ParameterError
from amikg.queries import (RESERVED, load_queries, openapi, query_params_from_multidict,
                           run_query)

from amikg.search.openapi import search_openapi

from .context import current_executor, current_store

bp = Blueprint("api_queries", __name__)

#: media type -> (format name, pyoxigraph results format or None for our JSON)
MEDIA = {
    "application/json": ("json", None),
    "text/csv": ("csv", ox.QueryResultsFormat.CSV),
    "text/tab-separated-values": ("tsv", ox.QueryResultsFormat.TSV),
    "application/sparql-results+json": ("sparql-json", ox.QueryResultsFormat.JSON),
    "application/sparql-results+xml": ("sparql-xml", ox.QueryResultsFormat.XML),
}
BY_NAME = {v[0]: k for k, v in MEDIA.items()}


def _negotiate() -> str:
    fmt = request.args.get("format")
    if fmt:
        if fmt not in BY_NAME:
            raise ParameterError(f"parameter format: use one of {', '.join(BY_NAME)}",
                                 parameter="format")
        return BY_NAME[fmt]
    best = request.accept_mimetypes.best_match(list(MEDIA), default="application/json")
    return best or "application/json"


@bp.get("/api/queries")
def list_queries():
    queries = load_queries()
    return jsonify({"queries": [
        {**q.to_dict(), "url": url_for("api_queries.named_query", name=q.name)}
        for q in sorted(queries.values(), key=lambda q: q.name)]})


@bp.get("/api/queries/<name>")
def named_query(name: str):
    params = query_params_from_multidict(
        (k, v) for k, v in request.args.items(multi=True) if k not in RESERVED)
    media = _negotiate()
    # the service's executor: its time and size limits apply
    run = run_query(current_store(), name, params, limit=request.args.get("limit"),
                    offset=request.args.get("offset"), executor=current_executor())
    fmt, oxfmt = MEDIA[media]
    if oxfmt is None:
        resp = jsonify(run.result())
    else:
        resp = Response(run.solutions.serialize(format=oxfmt), mimetype=media)
        if media.startswith("text/") or media.endswith("json"):
            resp.charset = "utf-8"
    resp.headers["Vary"] = "Accept"
    return resp


def _document() -> dict:
    """The OpenAPI document: every named query, and full-text search."""
    doc = openapi(load_queries(), request.host_url.rstrip("/") or "/")
    item, schemas = search_openapi()
    doc["paths"]["/api/search"] = item
    doc["components"]["schemas"].update(schemas)
    return doc


@bp.get("/api/openapi.json")
def openapi_json():
    return jsonify(_document())


@bp.get("/api/docs")
def docs():
    """The named queries for people: the OpenAPI document as a page of the site."""
    doc = _document()
    ops = [(path, item["get"]) for path, item in doc["paths"].items()]
    examples = {}
    for path, op in ops:
        given = [(p["name"], x) for p in op.get("parameters", []) if "example" in p
                 for x in (p["example"] if isinstance(p["example"], list) else [p["example"]])]
        if given and path != "/api/queries":
            examples[path] = f"{path}?{urlencode(given)}"
    return render_template("pages/api_docs.html", doc=doc, ops=ops, examples=examples)
