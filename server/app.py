"""The Flask application factory.

``create_app(test_config)`` reads :class:`amikg.config.Settings` from the environment
(``AMIKG_*``), overridden by ``test_config`` (a dict of Settings fields, or upper-case Flask config
keys), opens the store ONCE per process and keeps it, with its query executor, in
``app.extensions["amikg"]``. Blueprints reach them with :func:`current_store`,
:func:`current_executor` and :func:`current_settings`.
"""

from __future__ import annotations

import atexit
from dataclasses import dataclass, fields

from flask import Flask, current_app

from amikg.config import Settings
from amikg.executor import Executor, make_executor
from amikg.store import Store, open_store


@dataclass
class Service:
    """What one process of the service holds."""

    settings: Settings
    store: Store
    executor: Executor

    closed: bool = False

    def close(self) -> None:
        """Stop the query workers and close the store (once; also run at exit)."""
        if self.closed:
            return
        self.closed = True
        atexit.unregister(self.close)
        self.executor.close()
        self.store.close()


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. ``test_config`` keys that name a Settings field (``store``,
    ``update_token``, ``query_timeout``, ...) override the environment; others (``TESTING``,
    ``QUERY_WORKERS``) go to Flask's config. A ready store may be passed as ``STORE``."""
    app = Flask(__name__)
    test_config = dict(test_config or {})
    names = {f.name for f in fields(Settings)}
    overrides = {k: v for k, v in test_config.items() if k in names}
    settings = Settings.from_env(**overrides)
    app.config.update({k: v for k, v in test_config.items() if k not in names and k != "STORE"})
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body
    app.json.sort_keys = False

    store = test_config.get("STORE") or open_store(settings.store_location, settings)
    executor = make_executor(store, settings, app.config.get("QUERY_WORKERS"))
    service = Service(settings, store, executor)
    app.extensions["amikg"] = service
    atexit.register(service.close)

    from . import errors, safety
    errors.register(app)
    safety.register(app)

    from .graph_store import bp as graph_store_bp
    from .sparql import bp as sparql_bp
    app.register_blueprint(sparql_bp)
    app.register_blueprint(graph_store_bp)
    # --- blueprints of other concerns register below ---
    from .api_queries import bp as api_queries_bp; app.register_blueprint(api_queries_bp)  # noqa: E702
    from .linked_data import bp as linked_data_bp; app.register_blueprint(linked_data_bp)  # noqa: E702
    from .api_import import bp as api_import_bp; app.register_blueprint(api_import_bp)  # noqa: E702
    from .pages import bp as pages_bp; app.register_blueprint(pages_bp)  # noqa: E702 - web pages
    from .api_validate import bp as api_validate_bp; app.register_blueprint(api_validate_bp)  # noqa: E702,E501 - validate, roadmap
    from . import ops; ops.register(app)  # noqa: E702 - health, metrics, request logs, backup
    return app


def _service() -> Service:
    return current_app.extensions["amikg"]


def current_store() -> Store:
    """The store of this process (opened once by :func:`create_app`)."""
    return _service().store


def current_executor() -> Executor:
    """The query executor (time and size limits, SERVICE/LOAD guard) of this process."""
    return _service().executor


def current_settings() -> Settings:
    return _service().settings
