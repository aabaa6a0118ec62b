"""A real ``amikg serve`` (gunicorn) in its own process group on loopback, which a test can stop
gracefully (SIGTERM), kill outright (SIGKILL to the whole group: master, worker, query workers) and
start again on the same store; plus small HTTP helpers (http.client, no extra dependency)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from conftest import ROOT, free_port, wait_http

TOKEN = "live-token-5f1e0c9a7b3d"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class LiveService:
    """``python -m amikg serve --store STORE`` with the update token; logs in ``self.log``."""

    def __init__(self, store: str | Path, log_dir: Path, *extra: str, env: dict | None = None,
                 port: int | None = None):
        self.store = str(store)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = Path(log_dir) / f"service-{self.port}-{time.monotonic_ns()}.log"
        full_env = {**os.environ, "AMIKG_UPDATE_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1",
                    **(env or {})}
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "amikg", "serve", "--store", self.store, "--port",
                 str(self.port), *extra], env=full_env, cwd=ROOT, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_http(self.url + "/healthz", timeout=60, proc=self.proc)
        except RuntimeError:
            self.kill()
            raise RuntimeError(self.log_text()[-3000:])

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

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
