"""Benchmark: partner search (and every other named query) at 10k / 100k / 1M organisations.

For each size: a seeded synthetic graph (amikg.generate) plus the ontology goes into an EMBEDDED
(on-disk) store; partner search is timed through the HTTP API (Flask test client, the whole request
path), through the library (amikg.queries.run_query), and with the same SPARQL text sent straight
to pyoxigraph (the floor) and to rdflib's in-memory engine. Then every other named query is timed
through the library. Prints median and 95th percentile in milliseconds.

    python bench/partner_search.py --sizes 10000 100000 [--runs 20] [--rdflib-max 100000]
"""

from __future__ import annotations

import argparse
import gc
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402

from amikg.generate import write_synthetic  # noqa: E402
from amikg.queries import bind_params, get_query, load_queries, render, run_query  # noqa: E402
from amikg.store import open_store  # noqa: E402

PARAMS = {"competency": ["pet"], "step": ["clinical-validation"], "region": ["RO21"],
          "for_cluster": ["amid:cluster/syn-0"], "exclude_cluster": ["amid:cluster/syn-0"]}
OTHER = {  # parameters for the other named queries at scale
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


def timed(fn, runs: int) -> tuple[float, float]:
    fn()  # warm up
    times = []
    for _ in range(runs):
        gc.collect()
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]


def build(n: int, workdir: Path):
    buf = io.BytesIO()
    write_synthetic(buf, n, seed=42)
    data = buf.getvalue()
    store = open_store(str(workdir / f"store-{n}"))
    for f in ("ami.ttl", "reference.ttl"):
        store.raw.bulk_load(path=str(ROOT / "ontology" / f),
                            to_graph=ox.NamedNode("https://w3id.org/amikg/graph/ontology"))
    store.raw.bulk_load(input=data, format=ox.RdfFormat.N_TRIPLES,
                        to_graph=ox.NamedNode("https://w3id.org/amikg/graph/bench"))
    store.raw.optimize()
    return store, data


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--rdflib-max", type=int, default=100_000,
                    help="skip rdflib above this many organisations")
    ap.add_argument("--rdflib-runs", type=int, default=3)
    args = ap.parse_args()
    from server.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            t0 = time.perf_counter()
            store, data = build(n, Path(tmp))
            print(f"\n== {n:,} organisations: {len(store.raw):,} quads, built in "
                  f"{time.perf_counter() - t0:.1f} s (embedded store)")
            q = get_query("partner-search")
            sparql = render(q, bind_params(store, q, PARAMS), q.limit, 0)
            app = create_app({"STORE": store, "TESTING": True})
            client = app.test_client()
            url = "/api/queries/partner-search?" + "&".join(
                f"{k}={v}" for k, vs in PARAMS.items() for v in vs)
            assert client.get(url).status_code == 200
            rows = len(run_query(store, "partner-search", PARAMS).rows())
            results = {
                "API (HTTP, JSON)": timed(lambda: client.get(url).get_data(), args.runs),
                "library run_query": timed(lambda: run_query(store, "partner-search",
                                                             PARAMS).rows(), args.runs),
                "pyoxigraph floor": timed(lambda: [[t for t in s] for s in store.raw.query(
                    sparql, use_default_graph_as_union=True)], args.runs),
            }
            if n <= args.rdflib_max:
                import rdflib
                ds = rdflib.Dataset(default_union=True)
                t1 = time.perf_counter()
                for f in ("ami.ttl", "reference.ttl"):
                    ds.graph(rdflib.URIRef("urn:g:ontology")).parse(ROOT / "ontology" / f)
                ds.graph(rdflib.URIRef("urn:g:bench")).parse(data=data, format="nt")
                print(f"   rdflib load {time.perf_counter() - t1:.1f} s")
                try:
                    results["rdflib in-memory"] = timed(lambda: list(ds.query(sparql)),
                                                        args.rdflib_runs)
                except Exception as e:  # report, do not hide
                    print(f"   rdflib failed: {type(e).__name__}: {str(e)[:200]}")
                del ds
            floor = results["pyoxigraph floor"][0]
            print(f"   partner search ({rows} rows, limit {q.limit}):")
            for k, (med, p95) in results.items():
                print(f"   {k:22} median {med:9.1f} ms   p95 {p95:9.1f} ms   "
                      f"x{med / floor:5.2f} of floor")
            print("   other named queries (library, embedded store):")
            for name in sorted(load_queries()):
                if name == "partner-search":
                    continue
                med, p95 = timed(lambda: run_query(store, name, OTHER.get(name, {})).rows(),
                                 max(5, args.runs // 4))
                print(f"   {name:26} median {med:8.1f} ms   p95 {p95:8.1f} ms")
            app.extensions["amikg"].close()


if __name__ == "__main__":
    main()
