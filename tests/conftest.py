"""Shared fixtures: the service's Flask app, its test client and the CLI runner (as in flaskr's
tests/conftest.py); stores of every backend; real server processes on loopback.

- ``app`` serves ``app_store`` (the bundled data plus tests/data/sample.ttl, in memory) with
  ``app_config``, shared by a module's tests; a module overrides ``app_store`` or ``app_config``
  to serve something else, or ``app`` itself (built with ``make_app``) when its tests write.
- ``make_app(store, **config)`` builds more apps (a token, limits, another store); each is closed
  when the test ends. ``client`` is ``app.test_client()``; ``runner`` runs the ``amikg`` command in
  this process (``run_cli`` runs it as a real process, where a test needs one).
- ``start_service(store, *serve_args, env=..., token=...)`` starts a real ``amikg serve``
  (tests/live.py), stopped when the test ends.

Tests that need a real external part (a server binary, Java, a browser, Virtuoso) call
:func:`need`: locally they are skipped with the reason printed; in CI (``CI=true``) a missing part
is a failure, never a skip.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

import live
from amikg.cli.common import service_package
from live import LiveService, free_port, wait_http

service_package()  # `import amikg_server` finds this checkout's server/ (before any test module)

# No test reads or writes the default store of the machine (or a store named in the developer's
# environment): the default directory is a fresh one under the temporary directory.
os.environ.pop("AMIKG_STORE", None)
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="amikg-tests-xdg-")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() == "true"


def need(condition: bool, reason: str) -> None:
    """Skip (locally) or fail (in CI) when a real part a test needs is missing."""
    if not condition:
        if IN_CI:
            pytest.fail(f"missing in CI: {reason}", pytrace=False)
        pytest.skip(reason)


# -- the Flask app, its test client, the CLI ---------------------------------------------------

@contextmanager
def building_apps():
    """A ``make(store, **config)`` that builds the service's Flask app with ``create_app`` over
    an open ``store`` (``TESTING`` on; ``config`` as create_app takes it: Settings fields such as
    ``update_token``, ``query_timeout``, ``max_results``, or Flask keys such as ``QUERY_WORKERS``),
    and closes every app it built on leaving (query workers stopped, store closed)."""
    from amikg_server import create_app

    built = []

    def make(store, **config):
        app = create_app({"STORE": store, "TESTING": True, **config})
        built.append(app)
        return app

    try:
        yield make
    finally:
        for app in built:
            app.extensions["amikg"].close()


def server_module(name: str):
    """A module of the web service's package by name (``server_module("safety")``), for the tests
    that read one; so that the package is named in this file only."""
    import amikg_server

    return importlib.import_module(f"{amikg_server.__name__}.{name}")


@pytest.fixture
def make_app():
    """``make_app(store, **config)``: an app of its own for this test (see :func:`building_apps`),
    closed when the test ends."""
    with building_apps() as make:
        yield make


@pytest.fixture(scope="module")
def app_store():
    """The store the module's ``app`` serves: ``amikg init`` plus tests/data/sample.ttl (an
    organisation and a loaded source), in memory. A module overrides it to serve another."""
    from amikg.bundled import init_store
    from amikg.loader import load_paths
    from amikg.store import open_store

    store = open_store("memory:")
    init_store(store)
    load_paths(store, [ROOT / "tests" / "data" / "sample.ttl"])
    yield store
    store.close()


@pytest.fixture(scope="module")
def app_config() -> dict:
    """More ``create_app`` settings for the module's ``app`` (a module overrides it)."""
    return {}


@pytest.fixture(scope="module")
def app(app_store, app_config):
    """The service over ``app_store``, shared by the module's tests (they only read). A module
    whose tests write overrides this fixture with a function-scoped one built by ``make_app``."""
    with building_apps() as make:
        yield make(app_store, **app_config)


@pytest.fixture
def client(app):
    """Flask's test client of ``app``."""
    return app.test_client()


class AmikgRunner(CliRunner):
    """click's ``CliRunner`` for the ``amikg`` command, in this process (as flaskr's
    ``app.test_cli_runner()``): ``runner.invoke(["stats", "--store", path])`` gives a
    ``click.testing.Result`` (``exit_code``, ``stdout``, ``stderr``). An unexpected exception is
    raised, not kept in the result."""

    def invoke(self, args: list[str] | None = None, **kwargs):
        from amikg.cli import main

        kwargs.setdefault("catch_exceptions", False)
        return super().invoke(main, args, **kwargs)


@pytest.fixture(scope="session")
def runner() -> AmikgRunner:
    return AmikgRunner()


def run_cli(*args, input: bytes | None = None, env: dict | None = None, cwd=None):
    """Run the real ``amikg`` CLI in a subprocess (``python -m amikg``)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "amikg", *args], input=input,
                          capture_output=True, env=full_env, cwd=cwd or ROOT, timeout=600)


# -- stores of every backend, real database servers on loopback --------------------------------

class OxigraphServer:
    """A real ``oxigraph serve`` process on loopback (PyPI package ``oxigraph``)."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.location = f"oxigraph+{self.url}"
        self.proc = subprocess.Popen(
            [shutil.which("oxigraph"), "serve", "--location", str(workdir), "--bind",
             f"127.0.0.1:{self.port}", "--union-default-graph"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_http(self.url + "/query?query=ASK%7B%7D", proc=self.proc)

    def clear(self) -> None:
        req = urllib.request.Request(self.url + "/update", data=b"DROP ALL",
                                     headers={"Content-Type": "application/sparql-update"})
        urllib.request.urlopen(req, timeout=10)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    need(shutil.which("oxigraph") is not None,
         "the `oxigraph` server binary is not installed (pip install oxigraph)")
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    """A private Virtuoso on loopback with a throw-away database (tests/virtuoso.py)."""
    from virtuoso import VirtuosoServer, virtuoso_binary

    need(virtuoso_binary() is not None,
         "Virtuoso is not installed (apt-get install virtuoso-opensource; .ci/run does this)")
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()


BACKENDS = ["memory", "embedded", "oxigraph-server", "virtuoso"]


@pytest.fixture(params=BACKENDS)
def any_store(request, tmp_path):
    """A fresh, empty store of each backend kind (the same test runs on all of them)."""
    from amikg.store import open_store

    if request.param == "memory":
        store = open_store("memory:")
    elif request.param == "embedded":
        store = open_store(str(tmp_path / "store"))
    else:
        server = request.getfixturevalue(
            "virtuoso_server" if request.param == "virtuoso" else "oxigraph_server")
        server.clear()
        store = open_store(server.location)
    yield store
    store.close()


@pytest.fixture(scope="session")
def bundled_store_dir(tmp_path_factory):
    """An on-disk store after ``amikg init`` (built once; copy it before writing to it)."""
    from amikg.bundled import init_store
    from amikg.store import open_store

    path = tmp_path_factory.mktemp("bundled") / "store"
    with open_store(str(path)) as store:
        init_store(store)
    return path


@pytest.fixture
def bundled_store(bundled_store_dir, tmp_path):
    """A private, writable copy of the initialised store."""
    from amikg.store import open_store

    path = tmp_path / "store"
    shutil.copytree(bundled_store_dir, path)
    store = open_store(str(path))
    yield store
    store.close()


# -- the real service (tests/live.py) ----------------------------------------------------------

@pytest.fixture
def start_service(tmp_path):
    """``start_service(store, *serve_args, env=None, token=TOKEN)``: a real ``amikg serve`` over
    ``store`` (a directory or a location) on a free loopback port, logging into ``tmp_path``
    (:class:`live.LiveService`); every service started is stopped when the test ends."""
    started: list[LiveService] = []

    def start(store, *serve_args: str, **kwargs) -> LiveService:
        svc = LiveService(store, *serve_args, log_dir=tmp_path, **kwargs)
        started.append(svc)
        return svc

    yield start
    for svc in started:
        svc.stop()


_FIRST_SERVICE = pytest.StashKey[int]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    item.stash[_FIRST_SERVICE] = len(live.STARTED)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report ends with the log of each service it started or that still runs."""
    report = yield
    if report.failed:
        first = item.stash.get(_FIRST_SERVICE, len(live.STARTED))
        for i, svc in enumerate(live.STARTED):
            if i >= first or svc.running():
                report.sections.append((f"amikg serve log {svc.url} ({svc.log.name})",
                                        svc.log_tail(5000)))
    return report
