"""Full-text search over HTTP (issue 20); the library does all the work.

``GET /api/search?q=words&category=...&competency=...&region=...``  one page of organisations
    with highlighted matches and facet counts, as :func:`amikg.search.search` answers
    (``"stale": true`` while the index is being rebuilt after a write: the answer then comes
    from the store itself, and is the same)
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from amikg.search import OPTIONS, search

from .context import current_search, current_store

bp = Blueprint("api_search", __name__)


def search_args() -> tuple[dict, dict]:
    """The request's search: (options for :func:`search`, facet filters)."""
    options = {k: request.args.get(k) for k in OPTIONS}
    filters: dict[str, list[str]] = {}
    for k, v in request.args.items(multi=True):
        if k not in OPTIONS and k != "format" and v.strip():
            filters.setdefault(k, []).append(v)
    return options, filters


@bp.get("/api/search")
def api_search():
    options, filters = search_args()
    answer = search(current_search(), options.pop("q"), filters, **options,
                    store=current_store())
    return jsonify(answer)
