"""Benchmark: partner search (and every other named query) at 10k / 100k / 1M organisations.

For each size a seeded synthetic graph (amikg.generate) plus the ontology goes into an EMBEDDED
(on-disk) store. Partner search is timed four ways, side by side in the same run:

* ``API``: ``GET /api/queries/partner-search`` through the whole app (Flask test client, the
  service's executor with its worker process and time limit, JSON out);
* ``library``: :func:`amikg.queries.run_query` (parameters looked up and bound, rows as JSON values);
* ``pyoxigraph floor``: the same rendered SPARQL sent straight to ``pyoxigraph.Store.query``;
* ``rdflib``: the same SPARQL on rdflib's in-memory engine (``Dataset(default_union=True)``), in a
  child process stopped after ``--rdflib-timeout`` seconds. Two rdflib 7 bugs are worked around,
  neither changes the answer: an empty ``VALUES ?x { }`` raises AttributeError (it is sent as the
  equivalent ``FILTER(false)``), and a DISTINCT aggregate over an unbound value raises
  NotBoundError (the row is skipped, as for the non-DISTINCT aggregates).

Then every other named query is timed through the library and through the API. The ways of
running one query are timed in turn within each round. Prints median and 95th percentile in
milliseconds, the ratio to the floor, the CPU time the benchmark process spent (the library and the
floor run in it; on a busy machine this is what the query costs, the wall time is what a user
waits), and the load average before and after (the machine is shared: compare ratios measured in
the same run).

    python bench/partner_search.py --sizes 10000 100000 1000000 [--runs 20] [--workdir DIR]

``--workdir`` keeps the stores (and the N-Triples) and reuses them on the next run.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# the executor's query workers are child processes: they must find amikg from any directory
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH"))
                                           if p)

import pyoxigraph as ox  # noqa: E402

from amikg.cli.common import service_package  # noqa: E402
from amikg.generate import write_synthetic  # noqa: E402
from amikg.queries import bind_params, get_query, load_queries, render, run_query  # noqa: E402
from amikg.store import open_store  # noqa: E402

PARAMS = {"competency": ["pet"], "step": ["clinical-validation"], "region": ["RO21"],
          "for_cluster": ["amid:cluster/syn-0"], "exclude_cluster": ["amid:cluster/syn-0"]}
OTHER = {  # parameters for the other named queries at scale (each that accepts none runs without too)
    "stakeholders-by-category": {"region": "RO21"},
    "key-players": {"cluster": "amid:cluster/syn-3"},
    "smes": {"region": "RO21"},
    "research-institutions": {"region": "RO21"},
    "connections": {"cluster": "amid:cluster/syn-3"},
    "value-chain-coverage": {},
    "cluster-overview": {},
    "checkpoint-status": {"cluster": "amid:cluster/syn-3"},
    "marketing-measures": {},
    "funding-options": {},
    "technologies-and-niches": {},
    "patents": {},
}
ONTOLOGY_GRAPH = "https://w3id.org/amikg/graph/ontology"
BENCH_GRAPH = "https://w3id.org/amikg/graph/bench"

#: Runs in a child process: load the data into rdflib, run the query, print the times as JSON.
RDFLIB_CHILD = r"""
import json, re, sys, time
import rdflib
from rdflib.plugins.sparql import aggregates
from rdflib.plugins.sparql.sparql import NotBoundError

_use_row = aggregates.Accumulator.use_row
def use_row(self, row):  # rdflib 7: DISTINCT aggregates raise on an unbound value
    try:
        return _use_row(self, row)
    except NotBoundError:
        return True
aggregates.Accumulator.use_row = use_row

ontology, data, query, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ds = rdflib.Dataset(default_union=True)
t = time.perf_counter()
for f in ontology.split(","):
    ds.graph(rdflib.URIRef("urn:x-bench:ontology")).parse(f)
ds.graph(rdflib.URIRef("urn:x-bench:data")).parse(data, format="nt")
print(json.dumps({"load": time.perf_counter() - t}), flush=True)
# rdflib 7: an empty VALUES block raises AttributeError; FILTER(false) matches nothing the same way
sparql = re.sub(r"VALUES\s+\?\w+\s*\{\s*\}", "FILTER(false)", open(query).read())
for _ in range(runs):
    t = time.perf_counter()
    rows = list(ds.query(sparql))
    print(json.dumps({"ms": (time.perf_counter() - t) * 1000, "rows": len(rows)}), flush=True)
"""


def stats(times: list[float]) -> tuple[float, float]:
    """Median and 95th percentile (nearest rank) of ``times``."""
    times = sorted(times)
    return statistics.median(times), times[max(0, min(len(times) - 1,
                                                      int(round(0.95 * len(times))) - 1))]


def timed_together(fns: dict, runs: int) -> dict[str, tuple[float, float, float]]:
    """Median and p95 (ms) of each function after one warm-up call, and the median CPU time (ms)
    this process spent in it (the API's query runs in a worker process, not counted there); the
    functions run in turn within each round, so that load from other processes on the (shared)
    machine falls on all of them alike."""
    for fn in fns.values():
        fn()  # warm up
    times: dict[str, list[float]] = {k: [] for k in fns}
    cpu: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(runs):
        for k, fn in fns.items():
            gc.collect()
            t, c = time.perf_counter(), time.process_time()
            fn()
            times[k].append((time.perf_counter() - t) * 1000)
            cpu[k].append((time.process_time() - c) * 1000)
    return {k: stats(v) + (statistics.median(cpu[k]),) for k, v in times.items()}


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def build(n: int, workdir: Path) -> tuple:
    """The embedded store of ``n`` organisations (reused when ``workdir`` has a finished one) and
    the N-Triples file of the synthetic data."""
    data = workdir / f"data-{n}.nt"
    location = workdir / f"store-{n}"
    done = workdir / f"store-{n}.done"
    if not done.exists():
        buf = io.BytesIO()
        write_synthetic(buf, n, seed=42)
        data.write_bytes(buf.getvalue())
        del buf
        store = open_store(str(location))
        for f in ("ami.ttl", "reference.ttl"):
            store.raw.bulk_load(path=str(ROOT / "ontology" / f), to_graph=ox.NamedNode(ONTOLOGY_GRAPH))
        store.raw.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES,
                            to_graph=ox.NamedNode(BENCH_GRAPH))
        store.raw.optimize()
        done.touch()
        return store, data
    return open_store(str(location)), data


def run_rdflib(data: Path, sparql: str, runs: int, timeout: float, workdir: Path) -> str:
    """rdflib's median/p95 for ``sparql`` as a printable line, or why there is none."""
    qfile = workdir / "rdflib-query.rq"
    qfile.write_text(sparql)
    ontology = ",".join(str(ROOT / "ontology" / f) for f in ("ami.ttl", "reference.ttl"))
    proc = subprocess.Popen([sys.executable, "-c", RDFLIB_CHILD, ontology, str(data), str(qfile),
                             str(runs + 1)], stdout=subprocess.PIPE, text=True)
    lines: list[dict] = []
    deadline = time.monotonic() + timeout
    try:
        import selectors
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if sel.select(timeout=max(0.0, deadline - time.monotonic())):
                line = proc.stdout.readline()
                if not line:
                    break
                lines.append(json.loads(line))
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    loaded = next((x["load"] for x in lines if "load" in x), None)
    times = [x["ms"] for x in lines if "ms" in x][1:]  # the first run warms up
    if not times:
        what = "loading the data" if loaded is None else \
            f"the first run (data loaded in {loaded:.0f} s)"
        return f"stopped after {timeout:.0f} s in {what}"
    med, p95 = stats(times)
    return f"median {med:9.1f} ms   p95 {p95:9.1f} ms   ({len(times)} runs, data loaded in " \
           f"{loaded:.0f} s)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--runs", type=int, default=20, help="timed runs of partner search")
    ap.add_argument("--other-runs", type=int, default=5, help="timed runs of the other queries")
    ap.add_argument("--workdir", help="keep (and reuse) stores and data here")
    ap.add_argument("--rdflib-max", type=int, default=10_000,
                    help="skip rdflib above this many organisations")
    ap.add_argument("--rdflib-runs", type=int, default=3)
    ap.add_argument("--rdflib-timeout", type=float, default=120.0,
                    help="stop rdflib (load and runs) after this many seconds")
    ap.add_argument("--no-other", action="store_true", help="partner search only")
    args = ap.parse_args()
    service_package()  # the checkout's server/ as amikg_server
    from amikg_server.app import create_app
    from amikg_server.ops import ACCESS_LOG

    logging.getLogger(ACCESS_LOG).disabled = True  # one JSON line per request: not a figure

    tmp = None
    if args.workdir:
        workdir = Path(args.workdir)
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory()
        workdir = Path(tmp.name)
    print(f"pyoxigraph {ox.__version__}, {os.cpu_count()} cores; {load()}")
    try:
        for n in args.sizes:
            t0 = time.perf_counter()
            store, data = build(n, workdir)
            print(f"\n== {n:,} organisations: {len(store.raw):,} quads, ready in "
                  f"{time.perf_counter() - t0:.1f} s (embedded store); {load()}")
            q = get_query("partner-search")
            sparql = render(q, bind_params(store, q, PARAMS), q.limit, 0)
            app = create_app({"STORE": store, "TESTING": True})
            client = app.test_client()
            url = "/api/queries/partner-search?" + urllib.parse.urlencode(PARAMS, doseq=True)
            r = client.get(url)
            assert r.status_code == 200, r.get_data(as_text=True)
            rows = len(r.get_json()["rows"])
            results = timed_together({
                "API (HTTP, JSON)": lambda: client.get(url).get_data(),
                "library run_query": lambda: run_query(store, "partner-search", PARAMS).rows(),
                "pyoxigraph floor": lambda: [[t for t in s] for s in store.raw.query(
                    sparql, use_default_graph_as_union=True)],
            }, args.runs)
            floor = results["pyoxigraph floor"][0]
            print(f"   partner search ({rows} rows, limit {q.limit}):")
            for k, (med, p95, cpu) in results.items():
                print(f"   {k:22} median {med:9.1f} ms   p95 {p95:9.1f} ms   "
                      f"x{med / floor:5.2f} of floor   (CPU here {cpu:7.1f} ms)")
            if n <= args.rdflib_max:
                print(f"   {'rdflib in-memory':22} " + run_rdflib(
                    data, sparql, args.rdflib_runs, args.rdflib_timeout, workdir))
            else:
                print(f"   {'rdflib in-memory':22} not run above {args.rdflib_max:,} organisations")
            if not args.no_other:
                print("   other named queries (library | API), parameters as in OTHER, then none:")
                runs = []
                for name, oq in sorted(load_queries().items()):
                    if name == "partner-search":
                        continue
                    runs.append((name, OTHER.get(name, {}), name))
                    if runs[-1][1] and not oq.one_of and not any(x.required for x in oq.params):
                        runs.append((name, {}, name + " (no parameters)"))
                for name, p, label in runs:
                    api_url = f"/api/queries/{name}?" + urllib.parse.urlencode(p)
                    both = timed_together({
                        "lib": lambda: run_query(store, name, p).rows(),
                        "api": lambda: client.get(api_url).get_data()}, args.other_runs)
                    lib, api = both["lib"], both["api"]
                    print(f"   {label:40} median {lib[0]:8.1f} ms  p95 {lib[1]:8.1f} ms "
                          f"(CPU {lib[2]:7.1f} ms) | median {api[0]:8.1f} ms  p95 {api[1]:8.1f} ms")
            print(f"   ({load()})")
            app.extensions["amikg"].close()
            store.close()
    finally:
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main()
