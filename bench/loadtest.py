#!/usr/bin/env python3
"""Load test (issue 11): N concurrent clients for a fixed time against the service's query mix,
plus a trickle of authorised updates; reports throughput, latency percentiles, errors, and the
service's memory (RSS of the service process and its query workers, from /metrics) at start and end.

Bounded and loopback only: it refuses any URL that is not 127.0.0.1/localhost/::1, and stops at
``--duration`` seconds (each request also has a 60 s timeout). Without ``--url`` it starts its own
``amikg serve`` on a fresh store (``amikg init``: ontology, shapes, report and demo data) in a
temporary directory and stops it afterwards.

    python bench/loadtest.py                      # 50 clients, 60 s, own service
    python bench/loadtest.py --clients 10 --duration 10 --url http://127.0.0.1:8080 --token T

Every acknowledged update is checked afterwards (all of them must be in the store). Exit code 1
when any request failed or an update is missing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EX = "http://example.org/loadtest/"
Q = urllib.parse.quote

#: (weight, label, path, Accept) — the read mix: named queries, SPARQL, pages, linked data.
MIX = [
    (5, "api cluster-overview", "/api/queries/cluster-overview?cluster=amid:cluster/filas", "application/json"),
    (4, "api value-chain-coverage", "/api/queries/value-chain-coverage", "application/json"),
    (3, "api smes", "/api/queries/smes?region=ES30", "application/json"),
    (3, "api stakeholders", "/api/queries/stakeholders-by-category", "application/json"),
    (3, "api technologies", "/api/queries/technologies-and-niches", "application/json"),
    (2, "api marketing", "/api/queries/marketing-measures", "text/csv"),
    (2, "api partner-search", "/api/queries/partner-search?competency=PET&region=RO21", "application/json"),
    (6, "sparql clusters", "/sparql?query=" + Q(
        "PREFIX ami: <https://w3id.org/amikg/ontology#> PREFIX rdfs: "
        "<http://www.w3.org/2000/01/rdf-schema#> SELECT ?c ?l WHERE { ?c a ami:Cluster ; "
        "rdfs:label ?l } ORDER BY ?l"), "application/sparql-results+json"),
    (4, "sparql count by class", "/sparql?query=" + Q(
        "SELECT ?t (COUNT(*) AS ?n) WHERE { ?s a ?t } GROUP BY ?t ORDER BY DESC(?n) LIMIT 20"),
     "application/sparql-results+json"),
    (2, "sparql construct", "/sparql?query=" + Q(
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 500"), "text/turtle"),
    (3, "doc page", "/doc/cluster/filas", "text/html"),
    (2, "doc turtle", "/doc/cluster/filas", "text/turtle"),
    (1, "void", "/.well-known/void", "text/turtle"),
    (2, "healthz", "/healthz", "application/json"),
]


def loopback_only(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit(f"refusing {url}: the load test only runs against loopback addresses")
    return host, parts.port or 80


class Client:
    """One keep-alive HTTP connection (reconnects after an error)."""

    def __init__(self, host: str, port: int):
        self.host, self.port, self.conn = host, port, None

    def request(self, method, path, body=None, headers=None) -> tuple[int, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            resp = self.conn.getresponse()
            data = resp.read()
            if resp.getheader("Connection", "").lower() == "close":
                self.close()
            return resp.status, data
        except (OSError, http.client.HTTPException):
            self.close()
            raise

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def metrics_rss(host, port) -> dict:
    c = Client(host, port)
    try:
        status, body = c.request("GET", "/metrics")
    finally:
        c.close()
    out = {}
    for m in re.finditer(r'^amikg_memory_rss_bytes\{process="(\w+)"\} (\S+)$', body.decode(),
                         re.MULTILINE):
        out[m.group(1)] = float(m.group(2))
    return out


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def start_service(tmp: Path, threads: int) -> tuple[subprocess.Popen, str, str]:
    store = tmp / "store"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "amikg", "init", "--store", str(store)], check=True,
                   cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = "loadtest-" + os.urandom(8).hex()
    log = open(tmp / "service.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "amikg", "serve", "--store", str(store), "--port", str(port),
         "--threads", str(threads)], cwd=ROOT, env={**env, "AMIKG_UPDATE_TOKEN": token},
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            Client("127.0.0.1", port).request("GET", "/healthz")
            return proc, url, token
        except OSError:
            time.sleep(0.2)
    proc.kill()
    sys.exit("the service did not start; see " + str(tmp / "service.log"))


def run(url: str, token: str, clients: int, duration: float, update_interval: float,
        seed: int) -> dict:
    host, port = loopback_only(url)
    total_weight = sum(w for w, *_ in MIX)
    # warm-up: every request of the mix once (must all succeed), then memory at start
    warm = Client(host, port)
    for _, label, path, accept in MIX:
        status, body = warm.request("GET", path, headers={"Accept": accept})
        if status != 200:
            sys.exit(f"warm-up: {label} answered {status}: {body[:200]!r}")
    warm.close()
    rss_start = metrics_rss(host, port)

    lock = threading.Lock()
    latencies: list[float] = []
    by_label: dict[str, list[float]] = {}
    errors: list[str] = []
    acked: list[str] = []
    stop_at = time.monotonic() + duration

    def reader(i):
        rnd = random.Random(seed * 1000 + i)
        c = Client(host, port)
        while time.monotonic() < stop_at:
            pick = rnd.uniform(0, total_weight)
            for w, label, path, accept in MIX:
                pick -= w
                if pick <= 0:
                    break
            t = time.perf_counter()
            try:
                status, _ = c.request("GET", path, headers={"Accept": accept})
                ok = status == 200
                err = f"{label}: HTTP {status}"
            except (OSError, http.client.HTTPException) as e:
                ok, err = False, f"{label}: {e!r}"
            dt = time.perf_counter() - t
            with lock:
                latencies.append(dt)
                by_label.setdefault(label, []).append(dt)
                if not ok:
                    errors.append(err)
        c.close()

    def writer():
        c = Client(host, port)
        n = 0
        while time.monotonic() < stop_at:
            s = f"{EX}u{n}"
            text = (f"INSERT DATA {{ GRAPH <{EX}g> {{ <{s}> <{EX}p> 1 ; <{EX}q> 2 ; "
                    f"<{EX}r> \"{n}\" }} }}")
            t = time.perf_counter()
            try:
                status, body = c.request("POST", "/sparql", text.encode(), {
                    "Content-Type": "application/sparql-update",
                    "Authorization": f"Bearer {token}"})
                ok, err = status == 204, f"update: HTTP {status} {body[:100]!r}"
            except (OSError, http.client.HTTPException) as e:
                ok, err = False, f"update: {e!r}"
            dt = time.perf_counter() - t
            with lock:
                by_label.setdefault("update (3 triples)", []).append(dt)
                latencies.append(dt)
                if ok:
                    acked.append(s)
                else:
                    errors.append(err)
            n += 1
            time.sleep(update_interval)
        c.close()

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(clients)]
    threads.append(threading.Thread(target=writer))
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + 120)
    elapsed = time.monotonic() - t0
    rss_end = metrics_rss(host, port)

    # every acknowledged update is in the store
    check = Client(host, port)
    q = f"SELECT ?s WHERE {{ GRAPH <{EX}g> {{ ?s <{EX}p> 1 ; <{EX}q> 2 ; <{EX}r> ?n }} }}"
    status, body = check.request("GET", "/sparql?query=" + Q(q),
                                 headers={"Accept": "application/sparql-results+json"})
    found = {b["s"]["value"] for b in json.loads(body)["results"]["bindings"]}
    missing = sorted(set(acked) - found)
    # remove the test data again (only when we did not start the service ourselves it matters)
    check.request("POST", "/sparql", f"DROP SILENT GRAPH <{EX}g>".encode(), {
        "Content-Type": "application/sparql-update", "Authorization": f"Bearer {token}"})
    check.close()

    lat = sorted(latencies)
    ms = lambda v: round(v * 1000, 1)  # noqa: E731
    return {
        "clients": clients, "duration_s": round(elapsed, 1), "requests": len(lat),
        "throughput_rps": round(len(lat) / elapsed, 1),
        "latency_ms": {"p50": ms(percentile(lat, 50)), "p95": ms(percentile(lat, 95)),
                       "p99": ms(percentile(lat, 99)), "max": ms(lat[-1]) if lat else None},
        "errors": len(errors), "error_samples": errors[:5],
        "updates_acknowledged": len(acked), "updates_missing": len(missing),
        "rss_mb_start": {k: round(v / 2**20, 1) for k, v in rss_start.items()},
        "rss_mb_end": {k: round(v / 2**20, 1) for k, v in rss_end.items()},
        "by_request": {k: {"n": len(v), "p50_ms": ms(statistics.median(v)),
                           "p95_ms": ms(percentile(sorted(v), 95))}
                       for k, v in sorted(by_label.items())},
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="a running service on loopback (default: start one)")
    ap.add_argument("--token", default=os.environ.get("AMIKG_UPDATE_TOKEN", ""),
                    help="update token of --url (default AMIKG_UPDATE_TOKEN)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--update-interval", type=float, default=0.5,
                    help="seconds between two updates of the one writer (the trickle)")
    ap.add_argument("--threads", type=int, default=8, help="service threads (own service)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print the report as JSON only")
    args = ap.parse_args()
    if not (1 <= args.clients <= 200 and 1 <= args.duration <= 600):
        sys.exit("bounded: 1-200 clients, 1-600 seconds")
    proc, tmp = None, None
    try:
        if args.url:
            url, token = args.url, args.token
            loopback_only(url)
        else:
            tmp = Path(tempfile.mkdtemp(prefix="amikg-loadtest-"))
            proc, url, token = start_service(tmp, args.threads)
        report = run(url, token, args.clients, args.duration, args.update_interval, args.seed)
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(json.dumps({k: v for k, v in report.items() if k != "by_request"}, indent=2))
        print(f"{'request':28} {'n':>7} {'p50 ms':>8} {'p95 ms':>8}")
        for k, v in report["by_request"].items():
            print(f"{k:28} {v['n']:>7} {v['p50_ms']:>8} {v['p95_ms']:>8}")
    return 1 if report["errors"] or report["updates_missing"] else 0


if __name__ == "__main__":
    sys.exit(main())
