"""Named queries over HTTP, generated from ``queries/*.rq`` (the library does all the work).

``GET /api/queries``                 every named query with its parameters and columns
``GET /api/queries/<name>?p=v&...``  one page of results: JSON (default), CSV, TSV, SPARQL JSON/XML
                                     by Accept (or ``format=``); ``limit``/``offset`` page
``GET /api/openapi.json``            OpenAPI 3 document: the service's routes (``openapi.yaml``
                                     beside this module) and the named queries (from the headers)
``GET /api/docs``                    that document as a server-rendered HTML page (no CDN)
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
import yaml
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


METHODS = ("get", "post", "put", "delete")


@functools.cache
def _service_routes() -> dict:
    return yaml.safe_load((Path(__file__).with_name("openapi.yaml")).read_text("utf-8"))


def service_openapi(server_url: str) -> dict:
    """The whole API: the service's own routes (``openapi.yaml``) and every named query."""
    doc = openapi(load_queries(), server_url)
    own = copy.deepcopy(_service_routes())
    doc["info"]["title"] = "amikg API"
    doc["info"]["description"] = (
        "The SPARQL endpoint, the Graph Store, imports, validation, clusters and operations of "
        "the AMI cluster knowledge graph (AMI-4Europe D2.2), and its named queries (generated "
        "from the headers of queries/*.rq).")
    doc["tags"] = own["tags"]
    doc["paths"] = {**own["paths"], **doc["paths"]}
    for kind, items in own["components"].items():
        doc["components"].setdefault(kind, {}).update(items)
    item, schemas = search_openapi()  # full-text search describes itself, as the queries do
    doc["paths"]["/api/search"] = item
    doc["components"]["schemas"].update(schemas)
    return doc


@bp.get("/api/openapi.json")
def openapi_json():
    return jsonify(service_openapi(request.host_url.rstrip("/") or "/"))


@bp.get("/api/docs")
def docs():
    """The API for people: the OpenAPI document as a page of the site."""
    doc = service_openapi(request.host_url.rstrip("/") or "/")
    ops = [(method.upper(), path, item[method]) for path, item in doc["paths"].items()
           for method in METHODS if method in item]
    examples = {}
    for method, path, op in ops:
        given = [(p["name"], x) for p in op.get("parameters", []) if "example" in p
                 and p.get("in") == "query"
                 for x in (p["example"] if isinstance(p["example"], list) else [p["example"]])]
        if method == "GET" and given and "{" not in path and path != "/api/queries":
            examples[path] = f"{path}?{urlencode(given)}"
    return render_template("pages/api_docs.html", doc=doc, ops=ops, examples=examples)
