"""The one harness for a real service: ``python -m amikg serve`` (gunicorn) over a given store, in
its own process group on a free loopback port.

A :class:`LiveService` is ready when ``/healthz`` answers; a test can stop it gracefully
(:meth:`~LiveService.terminate`, SIGTERM: in-flight requests finish), kill it outright
(:meth:`~LiveService.kill`, SIGKILL to the whole group: master, worker, query workers, as a crash
would) and start another on the same store. Tests get one from conftest's ``start_service``
fixture (stopped after the test), or share one in a module with ``with LiveService(...) as svc``.
A failed test's report ends with the log of every service it used (conftest.py), and a service
that does not start raises with the end of its log.

Also: small HTTP helpers (http.client, no extra dependency) and dumps of a store's quads.
"""

from __future__ import annotations

import atexit
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: The update token every live service gets (unless started with ``token=None``).
TOKEN = "live-token-5f1e0c9a7b3d"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

#: Every service started in this session, in order (for the logs of a failed test; and so that
#: none outlives the test run, whatever happens to its teardown).
STARTED: list[LiveService] = []


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on at ``host`` (a loopback address) now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    """Wait until ``url`` answers (any HTTP status), or fail."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError as e:
            e.close()
            return
        except OSError as e:
            last = e
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s: {last}")


class LiveService:
    """``python -m amikg serve --store STORE --port PORT *SERVE_ARGS`` (e.g. ``"--threads", "16"``
    or ``"--query-workers", "2"``), with ``AMIKG_UPDATE_TOKEN`` set to ``token`` (not set when it
    is ``None``) and ``env`` added to the environment; its output goes to ``self.log`` in
    ``log_dir``."""

    def __init__(self, store: str | Path, *serve_args: str, log_dir: Path,
                 env: dict | None = None, token: str | None = TOKEN, port: int | None = None):
        self.store = str(store)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.endpoint = self.url + "/sparql"
        self.log = Path(log_dir) / f"service-{self.port}-{time.monotonic_ns()}.log"
        full_env = {**os.environ, "PYTHONUNBUFFERED": "1",
                    **({"AMIKG_UPDATE_TOKEN": token} if token is not None else {}), **(env or {})}
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "amikg", "serve", "--store", self.store, "--port",
                 str(self.port), *serve_args], env=full_env, cwd=ROOT, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_http(self.url + "/healthz", timeout=60, proc=self.proc)
        except RuntimeError as e:
            self.kill()
            raise RuntimeError(f"{e}; the end of its log:\n{self.log_tail()}") from None
        STARTED.append(self)

    def __enter__(self) -> LiveService:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def running(self) -> bool:
        return self.proc.poll() is None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_text()[-chars:]
        except OSError as e:
            return f"(no log: {e})"

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM to gunicorn's master: graceful shutdown (in-flight requests finish)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> None:
        """SIGKILL to every process of the service (as a crash or the OOM killer would)."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(30)
        # the worker and query processes are in the group too; wait until none is left
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def stop(self) -> None:
        """Graceful shutdown if it still runs, then nothing of it is left (safe to call twice)."""
        if self.proc.poll() is None:
            try:
                self.terminate(20)
            except subprocess.TimeoutExpired:
                pass
        self.kill()

    # -- HTTP ------------------------------------------------------------------------------
    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None, timeout: float = 60) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def update(self, text: str, **kw) -> int:
        status, _, body = self.request("POST", "/sparql", text.encode(), {
            **AUTH, "Content-Type": "application/sparql-update"}, **kw)
        assert status == 204, body[:500]
        return status

    def select(self, text: str) -> list[dict]:
        status, _, body = self.request(
            "GET", "/sparql?" + urllib.parse.urlencode({"query": text}),
            headers={"Accept": "application/sparql-results+json"})
        assert status == 200, body[:500]
        return json.loads(body)["results"]["bindings"]


@atexit.register
def _stop_leftovers() -> None:
    for svc in STARTED:
        if svc.running():
            svc.kill()


def sorted_dump(store_dir: str | Path) -> list[str]:
    """Every quad of a store directory (opened here, the service must be stopped), sorted."""
    from amikg.store import open_store
    with open_store(str(store_dir)) as store:
        return sorted(str(q) for q in store.quads())


def live_dump(svc: LiveService) -> list[str]:
    """Every quad of the store the running service holds, sorted (via ``POST /admin/backup``)."""
    import io
    import tarfile
    import tempfile

    status, _, body = svc.request("POST", "/admin/backup", headers=AUTH, timeout=120)
    assert status == 200, body[:300]
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(fileobj=io.BytesIO(body)) as tar:
            tar.extractall(tmp, filter="data")
        from amikg.store.oxigraph import OxigraphStore
        ro = OxigraphStore.read_only(Path(tmp) / "store")
        try:
            return sorted(str(q) for q in ro.quads())
        finally:
            ro._store = None
