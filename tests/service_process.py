"""A real ``amikg serve`` process on loopback, for the SPARQL service tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, free_port, wait_http

TOKEN = "test-token-0123456789"


class ServiceProcess:
    """``python -m amikg serve --store STORE --port P`` with the update token set."""

    def __init__(self, store: str, log_dir: Path, env: dict | None = None, *extra: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.endpoint = self.url + "/sparql"
        self.log = log_dir / f"serve-{self.port}.log"
        full_env = {**os.environ, "AMIKG_UPDATE_TOKEN": TOKEN, **(env or {})}
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "amikg", "serve", "--store", store, "--port",
                 str(self.port), *extra], env=full_env, cwd=ROOT, stdout=log,
                stderr=subprocess.STDOUT)
        try:
            wait_http(self.endpoint + "?query=ASK%7B%7D", timeout=60, proc=self.proc)
        except RuntimeError:
            self.stop()
            raise RuntimeError(self.log.read_text(errors="replace")[-3000:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # gunicorn: quick shutdown
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
