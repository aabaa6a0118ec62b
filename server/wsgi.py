"""Run the service under gunicorn (``amikg serve``), never Flask's development server.

The embedded on-disk store (RocksDB) can be opened by ONE process only, and the memory store lives
in one process: for both, gunicorn runs one worker process with threads (``gthread``); queries on
the embedded store still run in parallel, in the query executor's worker processes
(``--query-workers``). A remote store can be shared, so there ``--workers`` may be more than one.
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from amikg.store import parse_location

from .app import create_app


class AmikgServer(BaseApplication):
    """gunicorn with the app built in each worker after the fork (the store is opened there)."""

    def __init__(self, app_config: dict, options: dict):
        self.app_config, self.options = app_config, options
        super().__init__()

    def load_config(self):
        for k, v in self.options.items():
            if k in self.cfg.settings and v is not None:
                self.cfg.set(k, v)

    def load(self):
        return create_app(self.app_config)


def serve(*, host: str, port: int, store: str, workers: int, threads: int, query_workers: int | None,
          timeout: float, log_level: str = "info") -> None:
    """Serve the app until interrupted."""
    if parse_location(store).single_process:
        workers = 1
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        # gunicorn's own watchdog: well above the query time limit (the executor stops queries)
        "timeout": int(max(30, timeout * 2 + 10)),
        "graceful_timeout": 10,
        "accesslog": None,  # server/ops.py writes JSON request logs (no query strings)
        "errorlog": "-",
        "loglevel": log_level,
        "preload_app": False,
        "proc_name": "amikg",
    }
    app_config = {"store": store}
    if query_workers is not None:
        app_config["QUERY_WORKERS"] = query_workers
    AmikgServer(app_config, options).run()
