"""The Flask application factory.

``create_app(test_config)`` reads :class:`amikg.config.Settings` from the environment
(``AMIKG_*``), overridden by ``test_config`` (a dict of Settings fields, or upper-case Flask config
keys), opens the store ONCE per process and keeps it, with its query executor, as the
:class:`~.context.Service` in ``app.extensions["amikg"]``. Blueprints reach them with
:func:`~.context.current_store`, :func:`~.context.current_executor` and
:func:`~.context.current_settings`.
"""

from __future__ import annotations

import atexit
from dataclasses import fields

from flask import Flask, request

from amikg.access import AccountBook, Gate, accounts_location
from amikg.access.accounts import TEMPORARY
from amikg.config import Settings
from amikg.executor import make_executor
from amikg.search import SearchIndex
from amikg.store import open_store

from . import api_import, api_queries, api_search, api_validate, errors, graph_store, linked_data, ops, pages
from . import auth, my_cluster, oidc, safety, sparql
from .context import EXTENSION, Service


#: The blueprints whose reads a browser's sign-in (the session cookie) counts for: the web pages.
#: The API, ``/sparql`` and ``/graph`` read as the ``Authorization`` header says only.
SESSION_READS = {"pages", "my_cluster", "linked_data"}


def reader():
    """Who reads in this request, for ``current_store()``: the account of the credentials it
    carries; on the web pages, else the signed-in account; else None (an anonymous reader)."""
    account = safety.read_account()
    if account is None and request.blueprint in SESSION_READS:
        account = auth.session_account()
    return account


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
    # a search index folder the service cannot write is an error now, not a failed rebuild later
    search = SearchIndex.for_store(store, settings).check_writable()
    executor = make_executor(store, settings, app.config.get("QUERY_WORKERS"))
    # writes of known graphs re-index what they touched; any other write marks the index stale
    # and a background thread rebuilds it; a first build starts now when there is none
    # (searches are answered from the store meanwhile)
    search.watch(rebuild=True)
    if search.stale:
        search.rebuild_soon()
    # a store handed over by a test keeps its accounts in a temporary file unless one is named
    accounts = AccountBook(TEMPORARY if "STORE" in test_config and not settings.accounts
                           else accounts_location(settings))
    service = Service(settings, store, executor, search, accounts, Gate(accounts, store),
                      reader=reader)
    app.extensions[EXTENSION] = service
    atexit.register(service.close)

    errors.register(app)
    safety.register(app)
    auth.register(app)                         # session cookies for the forms
    oidc.register(app)                         # OpenID Connect sign-in, when configured
    app.register_blueprint(sparql.bp)
    app.register_blueprint(graph_store.bp)
    app.register_blueprint(api_queries.bp)
    app.register_blueprint(api_search.bp)
    app.register_blueprint(linked_data.bp)
    app.register_blueprint(api_import.bp)
    app.register_blueprint(pages.bp)           # web pages
    app.register_blueprint(api_validate.bp)    # validate, roadmap
    app.register_blueprint(auth.bp)            # audit log, sign-in
    app.register_blueprint(oidc.bp)            # sign-in through OpenID Connect
    app.register_blueprint(my_cluster.bp)      # a manager's forms
    ops.register(app)                          # health, metrics, request logs, backup
    return app
