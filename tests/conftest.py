"""Shared fixtures: stores of every backend, real server processes on loopback.

Tests that need a real external part (a server binary, Java, a browser, Virtuoso) call
:func:`need`: locally they are skipped with the reason printed; in CI (``CI=true``) a missing part
is a failure, never a skip.
"""

from __future__ import annotations

from amikg.cli.common import service_package  # `import amikg_server`: the checkout's server/
service_package()

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() == "true"


def need(condition: bool, reason: str) -> None:
    """Skip (locally) or fail (in CI) when a real part a test needs is missing."""
    if not condition:
        if IN_CI:
            pytest.fail(f"missing in CI: {reason}", pytrace=False)
        pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    """Wait until ``url`` answers (any HTTP status), or fail."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError as e:
            last = e
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s: {last}")


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


def run_cli(*args, input: bytes | None = None, env: dict | None = None, cwd=None):
    """Run the real ``amikg`` CLI in a subprocess (``python -m amikg``)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "amikg", *args], input=input,
                          capture_output=True, env=full_env, cwd=cwd or ROOT, timeout=600)
