"""One error shape for every failure: ``{"error": <name>, "message": <text>, ...details}`` as JSON,
or a small HTML page for a browser. Never a traceback: unexpected errors are logged and answered
with a 500 that says nothing about the internals. Nor a path of the server's disk: a message that
names one (a store folder that cannot be opened, say) is answered with the path withheld and
logged whole for the operator."""

from __future__ import annotations

import html
import os
import re
from functools import lru_cache

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from amikg.errors import AmikgError


def wants_html() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > \
        request.accept_mimetypes["application/json"]


#: An absolute path as a message writes one: not inside a URL (``http://h/a/b``) or a word.
_PATH = re.compile(r"(?<![\w.:/~%@-])/([^\s/'\"<>:,;)]+)(?:/(?:[^\s'\"<>]*[^\s'\"<>:,;.)])?)?")
WITHHELD = "[a path on the server]"


@lru_cache(maxsize=256)
def _on_this_disk(top: str) -> bool:
    return os.path.isdir("/" + top)


def withhold_paths(value):
    """``value`` (a message, or details holding them) with every path of this machine's disk
    replaced by :data:`WITHHELD`: a path is a ``/top/...`` whose ``/top`` is a folder here, so
    the service's routes (``/graph?default``) and IRIs stay as written."""
    if isinstance(value, str):
        return _PATH.sub(lambda m: WITHHELD if _on_this_disk(m.group(1)) else m.group(0), value)
    if isinstance(value, dict):
        return {k: withhold_paths(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [withhold_paths(v) for v in value]
    return value


def for_reader(message: str) -> str:
    """``message`` as this request's answer or page may show it (:func:`withhold_paths`); when
    a path was withheld, the whole message goes to the service's log for the operator."""
    shown = withhold_paths(message)
    if shown != message:
        current_app.logger.warning("%s %s: %s", request.method, request.path, message)
    return shown


def error_response(status: int, name: str, message: str, details: dict | None = None,
                   headers: dict | None = None) -> Response:
    message, details = for_reader(message), withhold_paths(details or {})
    if wants_html():
        body = (f"<!doctype html><html lang=en><meta charset=utf-8><title>{status} {html.escape(name)}"
                f"</title><h1>{status} {html.escape(name)}</h1><p>{html.escape(message)}</p>"
                f"<p><a href='/sparql'>SPARQL query page</a></p></html>")
        resp = Response(body, status=status, mimetype="text/html")
    else:
        resp = jsonify({"error": name, "message": message, **(details or {})})
        resp.status_code = status
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def register(app: Flask) -> None:
    @app.errorhandler(AmikgError)
    def amikg_error(e: AmikgError):
        headers = {}
        if e.http_status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="amikg"'
        details = {k: v for k, v in e.details.items() if isinstance(v, (str, int, float, bool))}
        return error_response(e.http_status, type(e).__name__, e.message, details, headers)

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        headers = {k: v for k, v in e.get_headers() if k.lower() in ("allow", "www-authenticate")}
        name = e.name.replace(" ", "")
        return error_response(e.code or 500, name, e.description or e.name, None, headers)

    @app.errorhandler(Exception)
    def unexpected(e: Exception):
        app.logger.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "InternalError",
                              "the service failed unexpectedly; the error was logged")
