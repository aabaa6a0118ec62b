"""Benchmark: ``amikg serve`` against Oxigraph's own server on the same data (issue 4).

Builds a synthetic graph (``amikg generate --orgs N``) plus the bundled ontology in an embedded
store, copies the same quads into an Oxigraph server directory, starts both servers on loopback
(``amikg serve`` with its defaults; ``oxigraph serve --union-default-graph``) and runs a query mix
(partner search on ami:hasCompetency/ami:actsAtStep/ami:region, counts by category, a DESCRIBE, a
CONSTRUCT) with 1, 4 and 16 concurrent clients for a fixed time each. Prints throughput (q/s),
median latency per query, and amikg/Oxigraph ratios.

    python bench/sparql_service.py --orgs 100000 [--seconds 20] [--clients 1 4 16]
"""

from __future__ import annotations

import argparse
import os
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
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AMI = "https://w3id.org/amikg/ontology#"
PREFIXES = (f"PREFIX ami: <{AMI}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
            "PREFIX nuts: <http://data.europa.eu/nuts/code/>\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def cli(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "amikg", *args], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)


def build(orgs: int, work: Path) -> tuple[Path, Path, float, float]:
    """The amikg store and the Oxigraph server directory, with the same quads."""
    import pyoxigraph as ox

    data = work / f"syn-{orgs}.nt.gz"
    t = time.perf_counter()
    cli("generate", "--orgs", str(orgs), "-o", str(data))
    store = work / "amikg-store"
    cli("init", "--store", str(store))
    cli("load", "--store", str(store), str(data), "--graph",
        "https://w3id.org/amikg/graph/source/synthetic")
    t_load = time.perf_counter() - t
    dump = work / "dump.nq"
    cli("export", "--store", str(store), "--format", "nquads", "-o", str(dump))
    t = time.perf_counter()
    oxdir = work / "oxigraph-store"
    ox_store = ox.Store(str(oxdir))
    ox_store.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
    ox_store.flush()
    del ox_store
    return store, oxdir, t_load, time.perf_counter() - t


def query_mix(endpoint: str) -> list[tuple[str, str, str]]:
    """(name, query, Accept) — parameter values picked from the data so that partner search has
    answers."""
    q = (PREFIXES + "SELECT ?c ?s WHERE { ?o ami:hasCompetency ?c ; ami:actsAtStep ?s ; "
         "ami:region nuts:RO21 } LIMIT 1")
    import json
    body = urllib.request.urlopen(endpoint + "?" + urllib.parse.urlencode({"query": q}),
                                  timeout=60).read()
    row = json.loads(body)["results"]["bindings"][0]
    comp, step = row["c"]["value"], row["s"]["value"]
    return [
        ("partner search", PREFIXES + (
            "SELECT ?org ?label WHERE {\n"
            f"  ?org ami:hasCompetency <{comp}> ; ami:actsAtStep <{step}> ; ami:region nuts:RO21 ;\n"
            "       rdfs:label ?label }\nORDER BY ?label LIMIT 50"),
         "application/sparql-results+json"),
        ("counts by category", PREFIXES + (
            "SELECT ?category (COUNT(DISTINCT ?o) AS ?n) WHERE {\n"
            "  ?o a ?category . ?category rdfs:subClassOf* ami:Stakeholder }\n"
            "GROUP BY ?category ORDER BY DESC(?n) ?category"),
         "application/sparql-results+json"),
        ("describe", "DESCRIBE <https://w3id.org/amikg/id/org/syn-42>", "text/turtle"),
        ("construct", PREFIXES + (
            "CONSTRUCT { ?o rdfs:label ?l ; ami:actsAtStep ?s } WHERE {\n"
            f"  ?o ami:region nuts:RO21 ; ami:actsAtStep <{step}> ; rdfs:label ?l ;"
            " ami:actsAtStep ?s }"),
         "text/turtle"),
    ]


def run_load(endpoint: str, mix, clients: int, seconds: float) -> dict:
    lat: dict[str, list[float]] = {name: [] for name, _, _ in mix}
    errors = []
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def client(k: int):
        i = k
        while time.monotonic() < stop:
            name, q, accept = mix[i % len(mix)]
            i += 1
            req = urllib.request.Request(endpoint, data=urllib.parse.urlencode({"query": q}).encode(),
                                         headers={"Accept": accept,
                                                  "Content-Type": "application/x-www-form-urlencoded"})
            t = time.perf_counter()
            try:
                urllib.request.urlopen(req, timeout=120).read()
            except OSError as e:
                errors.append(f"{name}: {e}")
                continue
            with lock:
                lat[name].append(time.perf_counter() - t)

    t0 = time.monotonic()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    n = sum(len(v) for v in lat.values())
    return {"qps": n / elapsed, "n": n, "errors": len(errors),
            "median_ms": {k: (statistics.median(v) * 1000 if v else float("nan"))
                          for k, v in lat.items()},
            "all_median_ms": statistics.median([x for v in lat.values() for x in v]) * 1000
            if n else float("nan")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--orgs", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=20.0, help="per client level and server")
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument("--workdir", help="keep the stores here (default: a temporary folder)")
    args = ap.parse_args()

    work = Path(args.workdir or tempfile.mkdtemp(prefix="amikg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"# SPARQL service benchmark: {args.orgs} organisations, {os.cpu_count()} CPUs, "
          f"{args.seconds:g} s per level", flush=True)
    store, oxdir, t_amikg, t_ox = build(args.orgs, work)
    print(f"built: amikg store {t_amikg:.1f} s (generate+init+load), oxigraph copy {t_ox:.1f} s",
          flush=True)

    procs = []
    a_port, o_port = free_port(), free_port()
    env = {**os.environ, "AMIKG_QUERY_TIMEOUT": "120", "AMIKG_UPDATE_TOKEN": ""}
    procs.append(subprocess.Popen([sys.executable, "-m", "amikg", "serve", "--store", str(store),
                                   "--port", str(a_port)], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    procs.append(subprocess.Popen([shutil.which("oxigraph"), "serve", "--location", str(oxdir),
                                   "--bind", f"127.0.0.1:{o_port}", "--union-default-graph"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    servers = {"amikg": f"http://127.0.0.1:{a_port}/sparql",
               "oxigraph": f"http://127.0.0.1:{o_port}/query"}
    try:
        wait(servers["amikg"] + "?query=ASK%7B%7D", procs[0])
        wait(servers["oxigraph"] + "?query=ASK%7B%7D", procs[1])
        mix = query_mix(servers["amikg"])
        for name, url in servers.items():  # warm caches
            run_load(url, mix, 1, 2)
        results = {}
        for c in args.clients:
            for name, url in servers.items():
                results[(name, c)] = r = run_load(url, mix, c, args.seconds)
                print(f"{name:9} clients={c:<3} {r['qps']:7.2f} q/s  median {r['all_median_ms']:8.1f} ms"
                      f"  ({r['n']} queries, {r['errors']} errors)  " +
                      "  ".join(f"{k}: {v:.1f}" for k, v in r["median_ms"].items()), flush=True)
        print("\n| clients | amikg q/s | Oxigraph q/s | ratio | amikg median ms | Oxigraph median ms |")
        print("|---|---|---|---|---|---|")
        for c in args.clients:
            a, o = results[("amikg", c)], results[("oxigraph", c)]
            print(f"| {c} | {a['qps']:.2f} | {o['qps']:.2f} | {a['qps'] / o['qps']:.2f} | "
                  f"{a['all_median_ms']:.1f} | {o['all_median_ms']:.1f} |")
        print("\nmedian latency per query (ms), amikg / Oxigraph, at 4 clients:" if 4 in args.clients
              else "")
        if 4 in args.clients:
            for name, _, _ in mix:
                print(f"  {name}: {results[('amikg', 4)]['median_ms'][name]:.1f} / "
                      f"{results[('oxigraph', 4)]['median_ms'][name]:.1f}")
    finally:
        for p in procs:
            p.send_signal(signal.SIGINT)
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
