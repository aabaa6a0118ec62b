"""Validation and roadmap over HTTP, the same library calls as ``amikg validate`` / ``roadmap``.

``POST /api/validate``                 validate an uploaded data file (any RDF format) with the
                                       bundled ontology; nothing is written to the store. The file
                                       is the multipart field ``file`` (format from its name or
                                       ``format``) or the raw body (format from Content-Type).
                                       ``shapes=data|roadmap`` (default data), ``cluster=``.
                                       The report comes in the format of ``Accept`` (Turtle,
                                       JSON-LD, HTML, JSON summary; default JSON) or ``?format=``.
                                       A file that does not parse is a 400 naming the line.
``GET /api/clusters/<id>/roadmap``     the roadmap state of a cluster (IRI or slug) as JSON: per
                                       phase done / open / percent (what the progress chart
                                       draws) and the next steps in the report's order.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from amikg.errors import FormatError, LoadError, ParameterError
from amikg.loader import Source
from amikg.roadmap import roadmap
from amikg.summary import cluster_summary
from amikg.store import format_for_path
from amikg.validate import DEFAULT_PROFILE, FORMATS, PROFILES, render, validate_source

from .context import current_store
from .safety import require_read

bp = Blueprint("api_validate", __name__)

_BY_MEDIA = {v: k for k, v in FORMATS.items() if k != "text"}


def _report_format() -> str:
    fmt = request.args.get("format")
    if fmt:
        if fmt not in FORMATS:
            raise ParameterError(f"unknown report format {fmt!r}; use {', '.join(FORMATS)}",
                                 parameter="format")
        return fmt
    best = request.accept_mimetypes.best_match(
        ["application/json", "text/turtle", "application/ld+json", "text/html", "text/plain"])
    return {"text/plain": "text"}.get(best, _BY_MEDIA.get(best, "json"))


@bp.post("/api/validate")
def post_validate():
    require_read()
    profile = request.values.get("shapes") or DEFAULT_PROFILE
    if profile not in PROFILES:
        raise ParameterError(f"unknown shapes {profile!r}; use {', '.join(PROFILES)}",
                             parameter="shapes")
    upload = request.files.get("file")
    if upload is not None:
        name = upload.filename or "upload"
        fmt = request.values.get("format") or None
        data = upload.read()
        if fmt is None:
            fmt = format_for_path(name)
    else:
        ctype = (request.content_type or "").split(";")[0].strip()
        if not ctype or ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            raise LoadError("send the data as the multipart field 'file' or as the request body "
                            "with an RDF Content-Type (e.g. text/turtle)")
        name, fmt, data = "upload", request.values.get("format") or ctype, request.get_data()
    if not data:
        raise LoadError(f"{name}: the upload is empty", source=name)
    outcome = validate_source(Source(name, data, fmt), profile,
                              request.values.get("cluster") or None, store=current_store())
    out = _report_format()
    body = render(outcome, out)
    return Response(body, mimetype=FORMATS[out], headers=conformance_headers(outcome))


def conformance_headers(outcome) -> dict:
    """``X-Conforms: true|false|nothing-checked`` and ``X-Focus-Nodes`` (how many were checked)."""
    conforms = ("nothing-checked" if outcome.nothing_checked
                else "true" if outcome.conforms else "false")
    return {"X-Conforms": conforms, "X-Focus-Nodes": str(outcome.checked)}


@bp.get("/api/clusters/<path:ident>")
def get_cluster(ident: str):
    """The cluster at a glance: :func:`amikg.summary.cluster_summary` (``amikg roadmap --json``)."""
    require_read()
    return jsonify(cluster_summary(current_store(), ident))


@bp.get("/api/clusters/<path:ident>/roadmap")
def get_roadmap(ident: str):
    require_read()
    return jsonify(roadmap(current_store(), ident))


__all__ = ["bp", "FormatError"]
