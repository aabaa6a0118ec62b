"""``POST /api/import``: a member spreadsheet over HTTP, the same import as ``amikg import``.

Send the file as multipart form field ``file`` (with ``cluster``, and optionally ``dry_run``,
``triples``, ``encoding``, ``publish``), or as the raw request body with
``?cluster=...&filename=members.csv``. Credentials as for every write (see safety.py); a dry run
writes nothing and needs only what a read needs. Answers the import report as JSON (201 written,
200 dry run or already imported; a dry run with ``triples=1`` adds the N-Quads it would write as
``nquads``); a rejected spreadsheet is a 422 whose ``problems`` list every problem with row, column,
value and what to write instead. ``GET /api/imports`` lists imports;
``DELETE /api/imports/<id>`` undoes one.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from flask import Blueprint, jsonify, request

from amikg.errors import ParameterError
from amikg.access import cluster_graph
from amikg.ingest import ImportRejected, history, import_cluster, import_graph, import_table, undo

from .context import current_gate, current_settings, current_store
from .errors import error_response
from .safety import require_read, require_write

bp = Blueprint("api_import", __name__)


def _flag(v: str | None) -> bool:
    return (v or "").strip().lower() in ("1", "true", "yes", "on")


def _publish() -> bool:
    """The form field ``publish`` (true/false), else the ``AMIKG_PUBLISH_IMPORTS`` setting."""
    given = request.values.get("publish")
    return current_settings().publish_imports if given is None else _flag(given)


@bp.post("/api/import")
def post_import():
    dry_run = _flag(request.values.get("dry_run"))
    # a dry run writes nothing: a read
    account = require_read() if dry_run else require_write()
    preview = io.BytesIO() if dry_run and _flag(request.values.get("triples")) else None
    upload = request.files.get("file")
    cluster = request.values.get("cluster", "").strip()
    if not cluster:
        raise ParameterError("the parameter cluster is required (an IRI or slug, e.g. filas)",
                             parameter="cluster")
    if upload is not None:
        name, data = upload.filename or "upload.csv", upload.read()
    else:
        name, data = request.args.get("filename", "upload.csv"), request.get_data()
    name = Path(name).name or "upload.csv"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("upload" + Path(name).suffix.lower())
        path.write_bytes(data)
        # a dry run reads as its reader may; a real import writes the store itself
        store = current_store() if dry_run else current_gate().store

        def run():
            return import_table(store, path, cluster, name=name, dry_run=dry_run,
                                encoding=request.values.get("encoding") or None, preview=preview,
                                agent=account.name if account else current_settings().agent,
                                publish=_publish())
        try:
            if dry_run:
                rep = run()
            else:  # an import for a cluster writes that cluster's data
                rep = current_gate().write(
                    account, f"import {name}", [cluster_graph(import_cluster(store, cluster))],
                    run, written=lambda r: 0 if r.skipped else r.triples,
                    recorded=lambda r: [r.graph])
        except ImportRejected as e:  # the one error shape, with the problems list kept
            return error_response(e.http_status, type(e).__name__, e.message, e.details)
    status = 201 if not rep.dry_run and not rep.skipped else 200
    body = rep.to_dict()
    if preview is not None:
        body["nquads"] = preview.getvalue().decode("utf-8")
    return jsonify(body), status


@bp.get("/api/imports")
def get_imports():
    require_read()
    return jsonify(history(current_store()))


@bp.delete("/api/imports/<import_id>")
def delete_import(import_id: str):
    account = require_write()
    store = current_gate().store
    graph = import_graph(store, import_id)
    return jsonify(current_gate().write(account, "undo import", [graph],
                                        lambda: undo(store, import_id)))
