"""The OpenAPI 3.0 document of ``/api/queries`` and every named query, from the headers."""

from __future__ import annotations

from .. import __version__
from .header import MAX_LIMIT, MAX_STRING, NamedQuery, as_list, load_queries
from .params import short_name

_SCHEMAS = {"iri": {"type": "string", "format": "iri"}, "string": {"type": "string",
            "maxLength": MAX_STRING}, "integer": {"type": "integer"},
            "date": {"type": "string", "format": "date"}, "boolean": {"type": "boolean"},
            "enum": {"type": "string"}, "class": {"type": "string"}}


def openapi(queries: dict[str, NamedQuery] | None = None, server_url: str = "/",
            version: str = "") -> dict:
    """An OpenAPI 3.0 document for ``/api/queries`` and every named query, from the headers."""
    queries = queries if queries is not None else load_queries()
    error = {"description": "bad parameter (the message names it)", "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    paths: dict = {"/api/queries": {"get": {
        "operationId": "listQueries", "summary": "List the named queries",
        "responses": {"200": {"description": "every named query with its parameters",
                              "content": {"application/json": {"schema": {"type": "object"}}}}}}}}
    for q in sorted(queries.values(), key=lambda q: q.name):
        paths[f"/api/queries/{q.name}"] = _operation(q, error)
    return {
        "openapi": "3.0.3",
        "info": {"title": "amikg named queries", "version": version or __version__,
                 "description": "Named SPARQL queries over the AMI cluster knowledge graph "
                                "(AMI-4Europe D2.2), generated from the headers of queries/*.rq."},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "parameters": {
                "limit": {"name": "limit", "in": "query", "required": False,
                          "description": "page size", "schema": {
                              "type": "integer", "minimum": 1, "maximum": MAX_LIMIT}},
                "offset": {"name": "offset", "in": "query", "required": False,
                           "description": "rows to skip", "schema": {
                               "type": "integer", "minimum": 0}}},
            "schemas": {
                "Error": {"type": "object", "required": ["error", "message"], "properties": {
                    "error": {"type": "string"}, "message": {"type": "string"},
                    "parameter": {"type": "string"}}},
                "Result": {"type": "object", "required": ["query", "columns", "rows"],
                           "properties": {
                               "query": {"type": "string"}, "params": {"type": "object"},
                               "columns": {"type": "array", "items": {"type": "string"}},
                               "limit": {"type": "integer"}, "offset": {"type": "integer"},
                               "total": {"type": "integer", "nullable": True},
                               "has_more": {"type": "boolean"},
                               "rows": {"type": "array", "items": {"type": "object"}}}}}},
    }


def parameter_object(p) -> dict:
    """One query parameter as an OpenAPI parameter object."""
    schema = dict(_SCHEMAS[p.type])
    if p.minimum is not None:
        schema["minimum"] = p.minimum
    if p.maximum is not None:
        schema["maximum"] = p.maximum
    if p.default is not None:
        schema["default"] = p.default
    desc = p.description
    if p.type == "enum":
        desc += f" An instance of {short_name(p.cls)} (IRI, prefixed name, notation or label)."
    if p.type == "class":
        desc += (" A class under " + " or ".join(short_name(r) for r in p.roots)
                 + " (IRI, prefixed name or label); sub-classes are included.")
    if p.multiple:
        schema = {"type": "array", "items": schema}
        desc += " Repeat the parameter for several values."
    entry = {"name": p.name, "in": "query", "required": bool(p.required),
             "description": desc.strip(), "schema": schema}
    if p.multiple:
        entry.update(style="form", explode=True)
    if p.example is not None:
        entry["example"] = p.example if not p.multiple else as_list(p.example)
    return entry


def _operation(q: NamedQuery, error: dict) -> dict:
    """The path item of one named query."""
    params = [parameter_object(p) for p in q.params]
    params += [{"$ref": "#/components/parameters/limit"},
               {"$ref": "#/components/parameters/offset"}]
    desc = q.description
    if q.one_of:
        desc += "\n\nNeeds at least one of: " + "; ".join(", ".join(g) for g in q.one_of)
    desc += "\n\nColumns: " + "; ".join(
        f"`{c['name']}`" + (f" {c['description']}" if c.get("description") else "")
        for c in q.columns)
    return {"get": {
        "operationId": "query_" + q.name.replace("-", "_"), "summary": q.summary,
        "description": desc.strip(), "tags": ["named queries"], "parameters": params,
        "responses": {
            "200": {"description": "one page of results", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Result"}},
                "text/csv": {"schema": {"type": "string"}},
                "application/sparql-results+json": {"schema": {"type": "object"}},
                "application/sparql-results+xml": {"schema": {"type": "string"}},
                "text/tab-separated-values": {"schema": {"type": "string"}}}},
            "400": error, "404": error}}}
