"""Operations (issue 11): health and readiness, metrics, request logs, graceful shutdown, one
process per embedded store, backup and restore while the service runs, N-Quads dump round trip.
Every test runs a real ``amikg serve`` (gunicorn) process on loopback."""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
import urllib.parse

import pytest

from conftest import run_cli
from live import AUTH, TOKEN, LiveService, free_port, sorted_dump

#: About 5 s on the bundled store, in the engine (a count over a cartesian product).
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
EX = "http://example.org/ops/"


@pytest.fixture
def store_dir(bundled_store_dir, tmp_path):
    path = tmp_path / "store"
    shutil.copytree(bundled_store_dir, path)
    return path


@pytest.fixture
def service(start_service, store_dir):
    return start_service(store_dir)


def metric(text: str, name: str, labels: str = "") -> float:
    """The value of one sample in Prometheus text format (0 when absent)."""
    pat = re.escape(name) + (r"\{" + re.escape(labels) + r"\}" if labels else r"(?:\{\})?")
    m = re.search(r"^" + pat + r" (\S+)$", text, re.MULTILINE)
    return float(m.group(1)) if m else 0.0


def log_entries(svc: LiveService) -> list[dict]:
    out = []
    for line in svc.log_text().splitlines():
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


def test_healthz_and_readyz_answer_on_a_working_store(service):
    status, _, body = service.request("GET", "/healthz")
    assert status == 200 and json.loads(body)["status"] == "ok"
    status, _, body = service.request("GET", "/readyz")
    assert status == 200 and json.loads(body) == {"status": "ready", "store": "embedded"}


def test_readyz_is_503_when_the_store_cannot_be_reached(start_service):
    dead = f"oxigraph+http://127.0.0.1:{free_port()}"  # nothing listens there
    svc = start_service(dead)
    status, _, _ = svc.request("GET", "/healthz")
    assert status == 200  # alive...
    status, _, body = svc.request("GET", "/readyz")
    assert status == 503  # ...but not ready
    assert json.loads(body)["status"] == "unavailable"


def test_metrics_count_requests_timeouts_and_store_size(start_service, store_dir):
    svc = start_service(store_dir, env={"AMIKG_QUERY_TIMEOUT": "1"})
    first = svc.request("GET", "/metrics")[2].decode()
    for _ in range(3):
        assert svc.request("GET", "/healthz")[0] == 200
    t0 = time.monotonic()
    status, _, body = svc.request("GET", "/sparql?" + urllib.parse.urlencode(
        {"query": SLOW_QUERY}))
    assert status == 503 and json.loads(body)["error"] == "QueryTimeout"
    assert time.monotonic() - t0 < 4
    status, headers, body = svc.request("GET", "/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    text = body.decode()
    healthz = 'method="GET",route="/healthz",status="200"'
    assert metric(text, "amikg_http_requests_total", healthz) == \
        metric(first, "amikg_http_requests_total", healthz) + 3
    assert metric(text, "amikg_http_requests_total",
                  'method="GET",route="/sparql",status="503"') == 1
    assert metric(text, "amikg_query_timeouts_total") == 1
    assert metric(text, "amikg_http_request_duration_seconds_count", 'route="/healthz"') == \
        metric(first, "amikg_http_request_duration_seconds_count", 'route="/healthz"') + 3
    quads = metric(text, "amikg_store_quads")
    assert quads == len(sorted_dump_while_running(store_dir)) > 1000
    assert metric(text, "amikg_memory_rss_bytes", 'process="service"') > 10_000_000
    assert metric(text, "amikg_memory_rss_bytes", 'process="query_workers"') > 0


def sorted_dump_while_running(store_dir) -> list[str]:
    """The quads of a store the service holds, from a read-only view of a copy of it."""
    import tempfile
    from amikg.store.oxigraph import OxigraphStore
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(store_dir, tmp + "/c", ignore=shutil.ignore_patterns("LOCK"))
        ro = OxigraphStore.read_only(tmp + "/c")
        return sorted(str(q) for q in ro.quads())


def test_request_logs_are_json_lines_without_tokens_or_query_text(service):
    secret_literal = "member-secret-7731"
    service.update(f'INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}s> <{EX}p> "{secret_literal}" }} }}')
    q = f'SELECT ?s WHERE {{ ?s ?p "{secret_literal}" }}'
    assert len(service.select(q)) == 1
    # a wrong token and a token in a form body are not logged either
    status, _, _ = service.request("POST", "/sparql", urllib.parse.urlencode(
        {"update": "CLEAR ALL", "access_token": TOKEN}).encode(),
        {"Authorization": "Bearer wrong-" + TOKEN,
         "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403
    service.request("GET", "/healthz")
    time.sleep(0.2)
    text = service.log_text()
    assert TOKEN not in text
    assert secret_literal not in text
    entries = log_entries(service)
    sparql = [e for e in entries if e["path"] == "/sparql"]
    assert [e["status"] for e in sparql] == [204, 200, 403]
    for e in entries:
        assert set(e) >= {"ts", "method", "path", "status", "duration_ms"}
        assert "?" not in e["path"]
    import hashlib
    assert sparql[1]["query_hash"] == hashlib.sha256(q.encode()).hexdigest()[:16]
    assert sparql[0]["query_hash"] != sparql[1]["query_hash"]


def test_sigterm_lets_an_in_flight_request_finish(service):
    result = {}

    def slow():
        t = time.monotonic()
        result["status"], _, result["body"] = service.request(
            "GET", "/sparql?" + urllib.parse.urlencode({"query": SLOW_QUERY}),
            headers={"Accept": "application/sparql-results+json"})
        result["took"] = time.monotonic() - t

    th = threading.Thread(target=slow)
    th.start()
    time.sleep(1.0)  # the query is running in the engine now
    t = time.monotonic()
    rc = service.terminate(timeout=30)
    th.join(30)
    assert result.get("status") == 200, result
    n = json.loads(result["body"])["results"]["bindings"][0]["n"]["value"]
    assert int(n) > 1_000_000
    assert rc == 0
    assert time.monotonic() - t > 0.5  # the shutdown waited for the request
    with pytest.raises(OSError):
        service.request("GET", "/healthz", timeout=2)


def test_embedded_store_is_served_by_one_process_whatever_workers_asks(start_service, store_dir):
    svc = start_service(store_dir, "--workers", "4", "--threads", "4")
    pids = {json.loads(svc.request("GET", "/healthz")[2])["pid"] for _ in range(40)}
    assert len(pids) == 1
    # and that one process holds the store: a second process cannot open it
    r = run_cli("stats", "--store", str(store_dir))
    assert r.returncode == 2 and b"in use" in r.stderr


def test_backup_while_the_service_runs_and_restore_round_trip(start_service, service, store_dir,
                                                              tmp_path):
    service.update(f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}a> <{EX}p> 1 }} }}")
    # the CLI cannot open the store the service holds, and says what to do
    r = run_cli("backup", str(tmp_path / "b0"), "--store", str(store_dir))
    assert r.returncode == 2 and b"--url" in r.stderr
    # through the service: needs the token
    r = run_cli("backup", str(tmp_path / "b1"), "--url", service.url,
                env={"AMIKG_UPDATE_TOKEN": "wrong"})
    assert r.returncode == 2 and b"403" in r.stderr and not (tmp_path / "b1").exists()
    r = run_cli("backup", str(tmp_path / "b1"), "--url", service.url,
                env={"AMIKG_UPDATE_TOKEN": TOKEN})
    assert r.returncode == 0, r.stderr
    assert re.match(rb"backup of \d+ quads in ", r.stdout)
    service.update(f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}b> <{EX}p> 2 }} }}")
    service.terminate()
    with_b = sorted_dump(store_dir)
    r = run_cli("restore", str(tmp_path / "b1"), "--store", str(store_dir))
    assert r.returncode == 0, r.stderr
    restored = sorted_dump(store_dir)
    assert any(f"<{EX}a>" in q for q in restored)
    assert not any(f"<{EX}b>" in q for q in restored)
    # gone: what the update after the backup wrote, and its PROV-O record (one activity)
    gone = sorted(set(with_b) - set(restored))
    record = {q.split()[0] for q in gone if "/id/update/" in q.split()[0]}
    assert len(record) == 1 and set(restored) <= set(with_b)
    assert [q for q in gone if f"<{EX}b>" not in q and q.split()[0] not in record] == []
    # nothing was deleted: the store before the restore was moved aside
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("store.before-restore-")]
    assert len(aside) == 1 and sorted_dump(aside[0]) == with_b
    # the service starts on the restored store
    again = start_service(store_dir)
    assert len(again.select(f"SELECT * WHERE {{ <{EX}a> ?p ?o }}")) == 1


def test_restore_refuses_while_the_service_holds_the_store(service, store_dir, tmp_path):
    r = run_cli("backup", str(tmp_path / "b"), "--url", service.url,
                env={"AMIKG_UPDATE_TOKEN": TOKEN})
    assert r.returncode == 0, r.stderr
    r = run_cli("restore", str(tmp_path / "b"), "--store", str(store_dir))
    assert r.returncode == 2 and b"in use" in r.stderr
    assert not [p for p in tmp_path.iterdir() if "before-restore" in p.name]
    assert service.request("GET", "/readyz")[0] == 200


def test_backup_endpoint_needs_the_token(service):
    assert service.request("POST", "/admin/backup")[0] == 401
    assert service.request("POST", "/admin/backup",
                           headers={"Authorization": "Bearer nope"})[0] == 403
    status, headers, body = service.request("POST", "/admin/backup", headers=AUTH)
    assert status == 200 and headers["content-type"] == "application/x-tar"
    assert int(headers["content-length"]) == len(body) > 10_000


def test_nquads_dump_and_restore_round_trip(store_dir, tmp_path):
    with_blank = tmp_path / "extra.ttl"
    with_blank.write_text('<http://example.org/x> <http://example.org/p> [ <http://example.org/q>'
                          ' "ünïcødé 🧠"@de ] .\n', encoding="utf-8")
    assert run_cli("load", str(with_blank), "--store", str(store_dir)).returncode == 0
    before = sorted_dump(store_dir)
    dump = tmp_path / "all.nq.gz"
    r = run_cli("dump", "-o", str(dump), "--store", str(store_dir))
    assert r.returncode == 0, r.stderr
    r = run_cli("restore", str(dump), "--store", str(tmp_path / "fresh"))
    assert r.returncode == 0, r.stderr
    assert sorted_dump(tmp_path / "fresh") == before
    # a broken dump changes nothing
    bad = tmp_path / "bad.nq"
    bad.write_text("<http://example.org/a> <http://example.org/b> .\n")
    r = run_cli("restore", str(bad), "--store", str(tmp_path / "fresh"))
    assert r.returncode == 2 and b"bad.nq" in r.stderr
    assert sorted_dump(tmp_path / "fresh") == before
