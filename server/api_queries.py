"""Named queries over HTTP, generated from ``queries/*.rq`` (the library does all the work).

``GET /api/queries``                 every named query with its parameters and columns
``GET /api/queries/<name>?p=v&...``  one page of results: JSON (default), CSV, TSV, SPARQL JSON/XML
                                     by Accept (or ``format=``); ``limit``/``offset`` page
``GET /api/openapi.json``            OpenAPI 3 document generated from the headers
``GET /api/docs``                    that document as a server-rendered HTML page (no CDN)
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, request, url_for

from amikg.errors import ParameterError
from amikg.queries import (RESERVED, load_queries, openapi, query_params_from_multidict,
                           run_query)

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


@bp.get("/api/openapi.json")
def openapi_json():
    return jsonify(openapi(load_queries(), request.host_url.rstrip("/") or "/"))


@bp.get("/api/docs")
def docs():
    doc = openapi(load_queries(), request.host_url.rstrip("/") or "/")
    e = html.escape
    parts = ["<!doctype html><html lang=en><meta charset=utf-8>",
             "<title>amikg named queries: API</title>",
             "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
             "padding:0 1rem;line-height:1.4}code{background:#f3f3f3;padding:0 .2em}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;"
             "text-align:left;vertical-align:top}h2{margin-top:2rem}</style>",
             f"<h1>{e(doc['info']['title'])}</h1><p>{e(doc['info']['description'])}</p>",
             "<p>Machine-readable: <a href='/api/openapi.json'>/api/openapi.json</a> "
             "(OpenAPI 3). Results are JSON by default; send <code>Accept: text/csv</code>, "
             "<code>text/tab-separated-values</code>, <code>application/sparql-results+json</code> "
             "or <code>application/sparql-results+xml</code> (or <code>format=csv</code> ...). "
             "Page with <code>limit</code> and <code>offset</code>. Repeat a parameter for "
             "several values.</p><ul>"]
    ops = [(path, item["get"]) for path, item in doc["paths"].items()]
    for path, op in ops:
        parts.append(f"<li><a href='#{e(op['operationId'])}'>{e(path)}</a> "
                     f"{e(op.get('summary', ''))}</li>")
    parts.append("</ul>")
    for path, op in ops:
        parts.append(f"<h2 id='{e(op['operationId'])}'>GET {e(path)}</h2>"
                     f"<p><strong>{e(op.get('summary', ''))}</strong></p>")
        for para in (op.get("description") or "").split("\n\n"):
            parts.append(f"<p>{e(para)}</p>")
        own = [p for p in op.get("parameters", []) if "$ref" not in p]
        if own:
            parts.append("<table><tr><th>parameter</th><th>type</th><th>required</th>"
                         "<th>example</th><th>description</th></tr>")
            for p in own:
                schema = p["schema"]
                typ = (f"{schema['items']['type']} (repeatable)" if schema.get("type") == "array"
                       else schema.get("type", ""))
                parts.append(f"<tr><td><code>{e(p['name'])}</code></td><td>{e(typ)}</td>"
                             f"<td>{'yes' if p.get('required') else 'no'}</td>"
                             f"<td><code>{e(str(p.get('example', '')))}</code></td>"
                             f"<td>{e(p.get('description', ''))}</td></tr>")
            parts.append("</table>")
        examples = {p["name"]: p["example"] for p in own if "example" in p}
        if examples and path != "/api/queries":
            q = urlencode([(k, x) for k, v in examples.items()
                           for x in (v if isinstance(v, list) else [v])])
            parts.append(f"<p>Example: <a href='{e(path)}?{e(q)}'><code>{e(path)}?{e(q)}</code>"
                         "</a></p>")
    parts.append("</html>")
    return Response("".join(parts), mimetype="text/html")
