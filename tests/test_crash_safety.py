"""A load killed with SIGKILL part-way leaves the store as it was (issues 3 and 11)."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from amikg.generate import write_synthetic
from amikg.loader import load_paths
from amikg.store import open_store

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = Path(__file__).parent / "data" / "sample.ttl"


def dump(path) -> bytes:
    with open_store(str(path)) as store:
        return b"\n".join(sorted(str(q).encode() for q in store.quads()))


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [0.3, 1.0, 2.0])
def test_load_killed_midway_leaves_store_as_before(tmp_path, kill_after):
    store_dir = tmp_path / "store"
    with open_store(str(store_dir)) as store:
        load_paths(store, [SAMPLE], "https://w3id.org/amikg/graph/source/before")
    before = dump(store_dir)

    big = tmp_path / "big.nt.gz"
    with gzip.open(big, "wb") as f:
        write_synthetic(f, 60_000, seed=1)
    proc = subprocess.Popen([sys.executable, "-m", "amikg", "load", str(big), "--store",
                             str(store_dir)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    time.sleep(kill_after)
    finished = proc.poll() is not None
    if not finished:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    after = dump(store_dir)
    if finished:  # it beat the kill: then it must have completed, not half-written
        assert proc.returncode == 0 and after != before
    else:
        assert after == before


def test_error_during_bulk_write_drops_the_partial_graph(tmp_path):
    """The journal entry of an unfinished bulk write is repaired when the store opens."""
    store_dir = tmp_path / "store"
    with open_store(str(store_dir)) as store:
        load_paths(store, [SAMPLE], "https://w3id.org/amikg/graph/source/keep")
        before = sorted(str(q) for q in store.quads())
        import pyoxigraph as ox
        from amikg.store import oxigraph as st
        # what a crash between the journal entry and its removal leaves behind
        g = ox.NamedNode("https://w3id.org/amikg/graph/source/half")
        store.raw.extend([ox.Quad(ox.NamedNode(st._JOURNAL + "x"), ox.NamedNode(st._INCOMPLETE),
                                  g, ox.NamedNode(st._META))])
        store.raw.bulk_extend([ox.Quad(ox.NamedNode("http://ex.org/a"),
                                       ox.NamedNode("http://ex.org/p"), ox.Literal("1"), g)])
    with open_store(str(store_dir)) as store:
        assert store.recovered == [g.value]
        assert sorted(str(q) for q in store.quads()) == before


# -- the running service (issue 11) ------------------------------------------------------------

def _put_in_background(svc, graph: str, body: bytes) -> dict:
    import threading
    from live import AUTH

    result: dict = {}

    def put():
        try:
            result["status"] = svc.request(
                "PUT", f"/graph?graph={graph}", body,
                {**AUTH, "Content-Type": "application/n-triples"}, timeout=120)[0]
        except OSError as e:  # the service died under the request
            result["error"] = e

    result["thread"] = threading.Thread(target=put)
    result["thread"].start()
    return result


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [0.5, 1.5, 3.0])
def test_service_killed_during_a_graph_store_put_restarts_with_nothing_lost(
        start_service, bundled_store_dir, tmp_path, kill_after):
    """SIGKILL to the whole service (master, worker, query processes) while a 48 MB PUT is being
    parsed or bulk-written: on restart the store holds everything acknowledged before, and the new
    graph either completely (if the PUT was answered) or not at all."""
    import io
    import shutil

    from live import sorted_dump

    store_dir = tmp_path / "store"
    shutil.copytree(bundled_store_dir, store_dir)
    svc = start_service(store_dir, env={"AMIKG_MAX_BODY": str(200 * 1024 * 1024)})
    svc.update("INSERT DATA { GRAPH <http://example.org/acked> { <http://example.org/a> "
               "<http://example.org/p> 1 } }")
    buf = io.BytesIO()
    n = write_synthetic(buf, 30_000, seed=2)
    graph = "https://w3id.org/amikg/graph/source/big"
    result = _put_in_background(svc, graph, buf.getvalue())
    time.sleep(kill_after)
    svc.kill()
    result["thread"].join(60)
    after = sorted_dump(store_dir)
    assert sum(1 for q in after if q.endswith("<http://example.org/acked>")) == 1
    big = sum(1 for q in after if q.endswith(f"<{graph}>"))
    if result.get("status") in (201, 204):
        assert big == n  # answered: all of it is there
    else:
        assert big == 0  # not answered: none of it, and no journal entry left behind
    assert not any("journal#incompleteLoadOf" in q for q in after)
    # the service starts again on the same directory and answers
    again = start_service(store_dir)
    assert again.request("GET", "/readyz")[0] == 200
    rows = again.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(rows[0]["n"]["value"]) == len(after) or big == 0



def _import_cmd(sheet, store_dir):
    return [sys.executable, "-m", "amikg", "import", str(sheet), "--cluster", "filas",
            "--no-shapes", "--store", str(store_dir)]


@pytest.fixture(scope="module")
def import_run(bundled_store_dir, tmp_path_factory):
    """A 20k-row spreadsheet, and how long an undisturbed import of it takes here."""
    import shutil
    from importlib import import_module

    sys.path.insert(0, str(ROOT / "bench"))
    try:
        generate_rows = import_module("import").generate  # bench/import.py's seeded rows
    finally:
        sys.path.remove(str(ROOT / "bench"))
    tmp = tmp_path_factory.mktemp("import-kill")
    sheet = tmp / "members.csv"
    generate_rows(sheet, 20_000, seed=3)
    store_dir = tmp / "store"
    shutil.copytree(bundled_store_dir, store_dir)
    t = time.monotonic()
    res = subprocess.run(_import_cmd(sheet, store_dir), cwd=ROOT, capture_output=True)
    assert res.returncode == 0, res.stderr.decode()
    return sheet, time.monotonic() - t


@pytest.mark.slow
@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.85])
def test_import_killed_midway_leaves_store_as_before(bundled_store_dir, import_run, tmp_path,
                                                      fraction):
    """A spreadsheet import killed with SIGKILL part-way (while checking rows, and late, while
    writing) leaves the store as it was."""
    import shutil

    sheet, duration = import_run
    store_dir = tmp_path / "store"
    shutil.copytree(bundled_store_dir, store_dir)
    before = dump(store_dir)
    proc = subprocess.Popen(_import_cmd(sheet, store_dir), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    time.sleep(duration * fraction)
    finished = proc.poll() is not None
    if not finished:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    if finished:  # faster than the measured run: then it must have completed, not half-written
        assert proc.returncode == 0 and dump(store_dir) != before
    else:
        assert dump(store_dir) == before
