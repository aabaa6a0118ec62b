"""A private OpenLink Virtuoso instance on loopback, for tests and benchmarks (issue 10).

Debian's ``virtuoso-opensource`` package installs the server binary ``virtuoso-t``; its system
service is never used. Each :class:`VirtuosoServer` gets a throw-away database directory, free
loopback ports (SQL and HTTP) and its own ``virtuoso.ini``, and runs ``virtuoso-t +foreground``
as a child process. A fresh database has the account ``dba`` / ``dba``, which may use the
digest-authenticated update endpoint ``/sparql-auth`` and the Graph Store ``/sparql-graph-crud-auth``.

``ResultSetMaxRows`` is left at Virtuoso's shipped default (10 000) unless asked otherwise, so the
tests meet the same silent truncation a real deployment has and the store must page through it.

No pytest here: ``bench/run.py`` uses the same launcher.
"""

from __future__ import annotations

import http.client
import shutil
import socket
import subprocess
import time
from pathlib import Path

#: Where Debian puts the server binary (also looked up on PATH).
BINARY_NAMES = ("virtuoso-t", "/usr/bin/virtuoso-t")

INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DisableTcpSocket = 0
CheckpointInterval = 60
CaseMode = 2
; bulk loading with ld_dir/rdf_loader_run reads only from these directories
DirsAllowed = ., {d}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
MaxQueryMem = 1G
ThreadsPerQuery = {threads}
AsyncQueueMaxThreads = 10
SingleCPU = 0

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {d}
MaxClientConnections = 10
ServerThreads = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
EnabledGzipContent = 0
Charset = UTF-8

[SPARQL]
; Virtuoso cuts every result at this many rows WITHOUT saying so; amikg pages below it
ResultSetMaxRows = {max_rows}
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = {max_seconds}
"""


def virtuoso_binary() -> str | None:
    """The ``virtuoso-t`` server binary, or None when the package is not installed."""
    for name in BINARY_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class VirtuosoServer:
    """A running private Virtuoso; ``location`` is the amikg store setting for it.

    :param workdir: an empty directory for the database (deleted by the caller).
    :param max_rows: ``ResultSetMaxRows`` (Virtuoso's default is 10 000).
    :param buffers: ``NumberOfBuffers`` (8 KB pages; 85 000 ~ 680 MB, Virtuoso's 1 GB setting).
    """

    user, password = "dba", "dba"

    def __init__(self, workdir: str | Path, max_rows: int = 10_000, buffers: int = 85_000,
                 threads: int = 2, max_seconds: int = 300, timeout: float = 90.0):
        binary = virtuoso_binary()
        if binary is None:
            raise RuntimeError("virtuoso-t is not installed (apt-get install virtuoso-opensource)")
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.http_port, self.sql_port = _free_port(), _free_port()
        self.max_rows = max_rows
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.location = f"virtuoso+http://{self.user}:{self.password}@127.0.0.1:{self.http_port}"
        ini = self.dir / "virtuoso.ini"
        ini.write_text(INI.format(d=self.dir, sql_port=self.sql_port, http_port=self.http_port,
                                  buffers=buffers, dirty=buffers * 3 // 4, threads=threads,
                                  max_rows=max_rows, max_seconds=max_seconds))
        self._log = open(self.dir / "stdout.log", "wb")
        started = time.monotonic()
        self.proc = subprocess.Popen([binary, "+foreground", "+configfile", str(ini)],
                                     cwd=self.dir, stdout=self._log, stderr=subprocess.STDOUT)
        try:
            self._wait(timeout)
        except Exception:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started

    def _wait(self, timeout: float) -> None:
        """Wait until the SPARQL endpoint answers a query (HTTP comes up before SPARQL does)."""
        url = self.url + "/sparql?query=ASK%7B%7D"
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited with {self.proc.returncode}: "
                                   f"{self.log_tail()}")
            # http.client, not urlopen: a connection the half-started server drops must be
            # closed here, or Python warns about the socket (warnings are errors in the tests)
            conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=5)
            try:
                conn.request("GET", "/sparql?query=ASK%7B%7D")
                if conn.getresponse().status == 200:
                    return
            except (OSError, http.client.HTTPException) as e:
                last = e
            finally:
                conn.close()
            time.sleep(0.2)
        raise RuntimeError(f"Virtuoso did not answer at {url} within {timeout}s: {last}; "
                           f"{self.log_tail()}")

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = (self.dir / "virtuoso.log").read_text(errors="replace")
        except OSError:
            text = (self.dir / "stdout.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def clear(self) -> None:
        """Drop every graph amikg or a user made; Virtuoso's own system graphs stay."""
        from amikg.store import open_store

        store = open_store(self.location)
        for g in store.named_graphs():
            store.update(f"DROP SILENT GRAPH <{g}>")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()
