"""The OpenAPI 3.0 path item of ``GET /api/search``, added to the named queries' document."""

from __future__ import annotations

from ..queries.openapi import parameter_object
from .answer import DEFAULT_LIMIT, FILTERS, KINDS, MAX_LIMIT, MAX_OFFSET

_HIT = {"type": "object", "properties": {
    "iri": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string"},
    "score": {"type": "number"},
    "region": {"type": "array", "items": {"$ref": "#/components/schemas/Choice"}},
    "country": {"type": "array", "items": {"$ref": "#/components/schemas/Choice"}},
    "highlight": {"type": "object", "description": "HTML with <b> around the matched words, "
                  "per field (name, text)", "additionalProperties": {"type": "string"}}}}


def search_openapi() -> tuple[dict, dict]:
    """``(path item, component schemas)`` of ``/api/search``."""
    params = [
        {"name": "q", "in": "query", "required": False, "schema": {"type": "string",
         "maxLength": 500}, "example": "pet hospital",
         "description": "Words, all of which must be found (in names, descriptions, or the names "
                        "of competencies, steps, regions, countries, categories; any language, "
                        "any case)."},
        {"name": "kind", "in": "query", "required": False,
         "schema": {"type": "string", "enum": list(KINDS)}, "description": "Organisations or "
         "clusters only."},
        {"name": "lang", "in": "query", "required": False,
         "schema": {"type": "string", "default": "en"},
         "description": "Language of the names shown (else English)."},
        *[parameter_object(p) for p in FILTERS.params],
        {"name": "limit", "in": "query", "required": False, "description": "page size",
         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                    "default": DEFAULT_LIMIT}},
        {"name": "offset", "in": "query", "required": False, "description": "hits to skip",
         "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}}]
    schemas = {
        "Choice": {"type": "object", "properties": {"value": {"type": "string"},
                                                    "label": {"type": "string"},
                                                    "count": {"type": "integer"}}},
        "SearchResult": {"type": "object", "required": ["total", "stale", "hits", "facets"],
                         "properties": {
                             "q": {"type": "string"}, "filters": {"type": "object"},
                             "total": {"type": "integer"}, "limit": {"type": "integer"},
                             "offset": {"type": "integer"},
                             "stale": {"type": "boolean", "description": "the index is being "
                                       "rebuilt after a write; the answer came from the store"},
                             "hits": {"type": "array", "items": _HIT},
                             "facets": {"type": "object", "additionalProperties": {
                                 "type": "array",
                                 "items": {"$ref": "#/components/schemas/Choice"}}}}}}
    error = {"description": "bad parameter (the message names it)", "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    item = {"get": {
        "operationId": "search", "summary": "Search organisations by words and facets",
        "description": "Full-text search with facet counts and highlighted matches. Filters of "
                       "one facet are alternatives; different facets all apply.",
        "tags": ["search"], "parameters": params,
        "responses": {"200": {"description": "one page of hits, the total and facet counts",
                              "content": {"application/json": {"schema": {
                                  "$ref": "#/components/schemas/SearchResult"}}}},
                      "400": error}}}
    return item, schemas
