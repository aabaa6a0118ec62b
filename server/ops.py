"""Operations: health and readiness, Prometheus metrics, structured request logs, online backup.

- ``GET /healthz``: liveness, answers without touching the store (``{"status": "ok", "pid": ...}``;
  the pid shows which process answered, e.g. that an embedded store is served by one process).
- ``GET /readyz``: readiness, runs ``ASK {}`` through the query executor (snapshot + query worker
  for the embedded store) with a 5 s limit; 200 ``ready`` or 503 with the reason.
- ``GET /metrics``: Prometheus text format (prometheus-client, one registry per app): requests by
  method, route and status; latency histogram by route; query timeouts; quads in the store; RSS
  of this process and of its query workers; plus the client's standard process metrics.
- Request logs: one JSON line per request on the logger ``amikg.access`` (stderr): time, method,
  path (no query string), status, duration in ms, response bytes, and for SPARQL a SHA-256 prefix
  of the query/update text (``query_hash``). Never headers (tokens), query strings or bodies.
- ``POST /admin/backup`` (needs the update token): a consistent snapshot of the embedded store
  (a checkpoint by :meth:`amikg.store.Store.backup`, where the store ``can_snapshot``) streamed as
  an uncompressed tar of the store directory; ``amikg backup DIR --url`` unpacks it. It is the only
  way to back up while the service holds the store, as RocksDB lets one process open it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram,
                               ProcessCollector, generate_latest)
from prometheus_client.core import GaugeMetricFamily
from werkzeug.exceptions import Conflict

from amikg.errors import LimitExceeded, QueryTimeout

from .context import EXTENSION, current_executor, current_gate, current_store
from .errors import for_reader
from .safety import require_admin

bp = Blueprint("ops", __name__)

ACCESS_LOG = "amikg.access"
_SPARQL_BODY_TYPES = ("application/sparql-query", "application/sparql-update")


def _access_logger() -> logging.Logger:
    log = logging.getLogger(ACCESS_LOG)
    if not log.handlers:  # once per process, however many apps are made
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    return log


def query_hash(text: str | None) -> str | None:
    """The first 16 hex digits of the SHA-256 of a query text (to group requests, not to read
    them)."""
    if text is None:
        return None
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class _StoreCollector:
    """Gauges read when scraped: quads in the store, RSS of this process and its query workers."""

    #: Counting quads walks the store, so the count is reused for this many seconds.
    COUNT_TTL = 15.0

    def __init__(self, app: Flask):
        self.app = app
        self._count, self._counted = float("nan"), -1e9

    def collect(self):
        service = self.app.extensions[EXTENSION]
        if time.monotonic() - self._counted > self.COUNT_TTL:
            try:
                self._count = float(service.store.count())
            except Exception:  # noqa: BLE001 - an unreachable store must not break /metrics
                self._count = float("nan")
            self._counted = time.monotonic()
        size = GaugeMetricFamily("amikg_store_quads", "Quads in the store (refreshed every 15 s)")
        size.add_metric([], self._count)
        yield size
        rss = GaugeMetricFamily("amikg_memory_rss_bytes",
                                "Resident memory of the service process and its query workers",
                                labels=["process"])
        rss.add_metric(["service"], float(_rss(os.getpid())))
        rss.add_metric(["query_workers"],
                       float(sum(_rss(p) for p in service.executor.worker_pids())))
        yield rss


class Metrics:
    """The Prometheus metrics of one app."""

    def __init__(self, app: Flask):
        self.registry = CollectorRegistry()
        self.requests = Counter("amikg_http_requests", "HTTP requests answered",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("amikg_http_request_duration_seconds",
                                 "Time to answer a request (until the response starts)",
                                 ["route"], registry=self.registry,
                                 buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
        self.timeouts = Counter("amikg_query_timeouts", "Queries stopped at their time limit",
                                registry=self.registry)
        ProcessCollector(registry=self.registry)
        self.registry.register(_StoreCollector(app))


def _count_timeouts(executor, metrics: Metrics) -> None:
    """Count every QueryTimeout the executor raises (whatever route ran the query)."""
    original = executor.query

    def query(*args, **kw):
        try:
            return original(*args, **kw)
        except QueryTimeout:
            metrics.timeouts.inc()
            raise

    executor.query = query


class _CappedInput:
    """``wsgi.input`` of a body sent without Content-Length (chunked): werkzeug stops reading such
    a stream at ``MAX_CONTENT_LENGTH`` without an error, so a view would get the first 50 MB of a
    bigger upload as if it were all of it (and might load a truncated file); this answers 413."""

    def __init__(self, stream, limit: int):
        self._stream, self._limit, self._read = stream, limit, 0

    def _count(self, data: bytes) -> bytes:
        self._read += len(data)
        # werkzeug's own LimitedStream stops reading AT the limit without an error (a silently
        # truncated body); so at the limit, look one byte further
        if self._read == self._limit and data and self._stream.read(1):
            self._read += 1
        if self._read > self._limit:
            raise LimitExceeded(f"the request body is larger than {self._limit} bytes "
                                "(AMIKG_MAX_BODY)", limit=self._limit)
        return data

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self._limit + 1 - self._read  # never more than one byte past the limit
        return self._count(self._stream.read(size))

    def readline(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self._limit + 1 - self._read
        return self._count(self._stream.readline(size))

    def __iter__(self):
        while line := self.readline(65536):
            yield line


def _cap_unsized_body(app: Flask) -> None:
    limit = app.config.get("MAX_CONTENT_LENGTH")
    env = request.environ
    if limit and request.content_length is None and "wsgi.input" in env \
            and not isinstance(env["wsgi.input"], _CappedInput):
        env["wsgi.input"] = _CappedInput(env["wsgi.input"], limit)


def register(app: Flask) -> None:
    """Install the logging and metrics hooks and the ops routes on ``app``."""
    metrics = Metrics(app)
    app.extensions["amikg_metrics"] = metrics
    _count_timeouts(app.extensions[EXTENSION].executor, metrics)
    log = _access_logger()

    def _start():
        g.amikg_started = time.monotonic()
        g.amikg_query_hash = None
        _cap_unsized_body(app)

    # first of all hooks, so that requests refused by another hook (413, 401) are logged too
    app.before_request_funcs.setdefault(None, []).insert(0, _start)

    @app.before_request
    def _hash_query():
        if request.path == "/sparql":
            if request.mimetype in _SPARQL_BODY_TYPES:
                # cached, so the view reads the same bytes (the size limit applies already)
                text = request.get_data(cache=True).decode("utf-8", "replace")
            else:
                values = request.form if request.method == "POST" else request.args
                text = values.get("query") or values.get("update")
            g.amikg_query_hash = query_hash(text)

    @app.after_request
    def _record(resp: Response):
        started = g.get("amikg_started")
        if started is None:
            return resp
        duration = time.monotonic() - started
        route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
        metrics.requests.labels(request.method, route, str(resp.status_code)).inc()
        metrics.latency.labels(route).observe(duration)
        entry = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "method": request.method,
                 "path": request.path[:300], "status": resp.status_code,
                 "duration_ms": round(duration * 1000, 2),
                 "bytes": resp.calculate_content_length(), "pid": os.getpid()}
        if g.get("amikg_query_hash"):
            entry["query_hash"] = g.amikg_query_hash
        log.info(json.dumps(entry, ensure_ascii=True))
        return resp

    app.register_blueprint(bp)


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers (the store is not touched)."""
    return jsonify({"status": "ok", "pid": os.getpid()})


@bp.get("/readyz")
def readyz():
    """Readiness: the store answers a query through the executor."""
    try:
        current_executor().query("ASK {}", "json", timeout=5.0)
    except Exception as e:  # noqa: BLE001 - any failure means not ready
        msg = getattr(e, "message", None) or str(e)
        return jsonify({"status": "unavailable", "store": current_store().kind,
                        "message": for_reader(msg)[:300]}), 503
    return jsonify({"status": "ready", "store": current_store().kind})


@bp.get("/metrics")
def metrics_page():
    reg = current_app.extensions["amikg_metrics"].registry
    return Response(generate_latest(reg), mimetype=CONTENT_TYPE_LATEST.split(";")[0])


@bp.post("/admin/backup")
def backup():
    """A consistent snapshot of the store as a tar stream (needs the update token), where the
    store can make checkpoints."""
    require_admin("an online backup")
    store = current_gate().store  # the whole store, restricted graphs included: admins only
    if not store.can_snapshot:
        raise Conflict("online backup needs the embedded on-disk store; for other stores use "
                         "their own backup, or `amikg dump` for a portable N-Quads copy")
    # next to the store: the checkpoint hard-links the store's files on the same file system
    work = Path(tempfile.mkdtemp(prefix=".amikg-backup-",
                                 dir=str(store.directory.resolve().parent)))
    try:
        snap = work / "store"
        store.backup(snap)
        archive = work / "store.tar"
        with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as tar:
            tar.add(snap, arcname="store")
        size = archive.stat().st_size
        f = open(archive, "rb")
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise

    def stream():
        try:
            while chunk := f.read(1 << 20):
                yield chunk
        finally:
            f.close()
            shutil.rmtree(work, ignore_errors=True)

    resp = Response(stream(), mimetype="application/x-tar")
    resp.headers["Content-Length"] = str(size)
    resp.headers["Content-Disposition"] = 'attachment; filename="amikg-store-backup.tar"'
    resp.headers["Cache-Control"] = "no-store"
    return resp
