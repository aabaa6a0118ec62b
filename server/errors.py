"""One error shape for every failure: ``{"error": <name>, "message": <text>, ...details}`` as JSON,
or a small HTML page for a browser. Never a traceback: unexpected errors are logged and answered
with a 500 that says nothing about the internals."""

from __future__ import annotations

import html

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from amikg.errors import AmikgError


def wants_html() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > \
        request.accept_mimetypes["application/json"]


def error_response(status: int, name: str, message: str, details: dict | None = None,
                   headers: dict | None = None) -> Response:
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
