"""Benchmark: full-text search and partner search on the search index (issue 20), at 10k / 100k
/ 1M organisations.

For each size a seeded synthetic graph (amikg.generate, N-Triples) goes into a fresh EMBEDDED
(on-disk) store after the ontology. Then, side by side in the same run:

* **build**: ``amikg load``'s library call (:func:`amikg.loader.load_paths`) of the file into a
  fresh store (the peer), and :meth:`amikg.search.SearchIndex.rebuild` of the index, in turn
  ``--build-runs`` times (medians), each with the CPU seconds it used; the rebuild starts once
  the work the load left running has ended (RocksDB compacting what it wrote, in this process:
  the CPU it used after the load returned is printed), so that neither meets the other; the
  index's size on disk and this process's peak memory;
* **catching up**: a 7-row member spreadsheet imported (``examples/members.csv``) and undone,
  ``--runs`` times; the time the index takes to re-index what each write touched (its two
  hooks on the store, before and after the write, timed inside), beside the whole import / undo;
* **searches**, each timed four ways in turn within each round: ``API`` (``GET /api/search``
  through the whole Flask app, test client), ``library`` (:func:`amikg.search.search` on the
  fresh index), ``stale`` (the same call while the index is marked stale: the answer from the
  store; ``--stale-runs`` rounds, as the peer) and ``SPARQL peer`` (a plain ``CONTAINS(LCASE(?label), ...)`` count a user would write;
  no facets, no highlights);
* **partner search**, four ways: ``API`` (``GET /api/queries/partner-search``: the index),
  ``library index`` (:func:`amikg.search.partner_search`), ``SPARQL (embedded)`` (the named
  query through :func:`amikg.queries.run_query`) and, with ``--virtuoso``, ``SPARQL (Virtuoso)``
  (the same named query on a private Virtuoso holding the same data).

Prints medians (and 95th percentiles) in milliseconds and ratios to a peer measured in the same
run, and the load average (the machine is shared).

    python bench/search.py --sizes 10000 100000 [--runs 10] [--virtuoso] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH"))
                                           if p)

import pyoxigraph as ox  # noqa: E402

from amikg.cli.common import service_package  # noqa: E402
from amikg.generate import write_synthetic  # noqa: E402
from amikg.ingest import import_table, undo  # noqa: E402
from amikg.loader import load_paths  # noqa: E402
from amikg.queries import run_query  # noqa: E402
from amikg.search import SearchIndex, partner_search, search  # noqa: E402
from amikg.store import open_store  # noqa: E402

SEARCHES = [  # (label, words, filters)
    ("one name", "organisation 4242", {}),
    ("a competency word + 2 facets", "pet", {"category": "Hospital", "country": "DEU"}),
    ("facets only", "", {"country": "DEU", "step": "clinical-validation"}),
    ("a common word", "imaging", {}),
]
PARTNERS = {"competency": ["pet"], "step": ["clinical-validation"], "region": ["RO21"],
            "for_cluster": ["amid:cluster/syn-0"], "exclude_cluster": ["amid:cluster/syn-0"]}
PEER = """SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {
  ?o a <http://www.w3.org/ns/org#Organization> ; <http://www.w3.org/2000/01/rdf-schema#label> ?l
  FILTER(CONTAINS(LCASE(STR(?l)), ?w)) }"""
ONTOLOGY = "https://w3id.org/amikg/graph/ontology"
#: A query of the partner search's shape as a Virtuoso user would write it for PARTNERS, sent to
#: Virtuoso's own endpoint (no amikg in between): the engine's cost for the same need. Simpler
#: than the named query (no narrower competencies, neighbouring regions, gap steps or reasons).
VIRTUOSO_PEER = """PREFIX ami: <https://w3id.org/amikg/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX nuts: <http://data.europa.eu/nuts/code/>
SELECT ?o (SAMPLE(?l) AS ?name) (SUM(?pts) + MAX(?rp) AS ?score) WHERE {
  { ?o ami:hasCompetency ami:tech-pet BIND(3 AS ?pts) }
  UNION { ?o ami:actsAtStep ami:step-clinical-validation BIND(3 AS ?pts) }
  ?o rdfs:label ?l .
  OPTIONAL { ?o ami:region ?r FILTER(?r = nuts:RO21) }
  BIND(IF(BOUND(?r), 3, 0) AS ?rp)
  FILTER NOT EXISTS { ?o org:memberOf <https://w3id.org/amikg/id/cluster/syn-0> }
} GROUP BY ?o ORDER BY DESC(?score) ?o LIMIT 20"""


def stats(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[max(0, int(round(0.95 * len(times))) - 1)]


def timed(fns: dict, runs: int) -> dict:
    for fn in fns.values():
        fn()
    out = {k: [] for k in fns}
    for _ in range(runs):
        for k, fn in fns.items():
            t = time.perf_counter()
            fn()
            out[k].append((time.perf_counter() - t) * 1000)
    return {k: stats(v) for k, v in out.items()}


def rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu() -> float:
    """CPU seconds used so far by this process and its ended children (the rebuild's reader)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def settle(limit: float = 10.0, step: float = 0.5) -> tuple[float, float]:
    """Wait until the work a load leaves running in this process ends (RocksDB compacting the
    files it wrote: up to two seconds at 100k): a ``step`` using under a tenth of a CPU, or
    ``limit`` seconds. Returns the seconds waited and the CPU seconds used meanwhile."""
    t0, c0 = time.perf_counter(), cpu()
    while time.perf_counter() - t0 < limit:
        c = cpu()
        time.sleep(step)
        if cpu() - c < 0.1 * step:
            break
    return time.perf_counter() - t0, cpu() - c0


def loadavg() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def build(n: int, workdir: Path):
    """A fresh embedded store of ``n`` organisations; the load's seconds; the data file."""
    data = workdir / f"synthetic-{n}.nt"
    if not data.exists():
        with open(data, "wb") as out:
            write_synthetic(out, n, seed=42)
    shutil.rmtree(workdir / f"store-{n}", ignore_errors=True)
    shutil.rmtree(workdir / f"store-{n}.search", ignore_errors=True)
    store = open_store(str(workdir / f"store-{n}"))
    load_paths(store, sorted((ROOT / "ontology").glob("*.ttl")), ONTOLOGY)
    t, c = time.perf_counter(), cpu()
    load_paths(store, [data], "https://w3id.org/amikg/graph/bench")
    return store, time.perf_counter() - t, data, cpu() - c


def catch_up(store, index: SearchIndex, runs: int) -> None:
    """The index's catching up after a 7-row import and its undo (timed inside the hook)."""
    took: list[float] = []
    update, before = index.update, index._before
    looked: list[float] = []

    def timed_before(graphs):
        t = time.perf_counter()
        try:
            return before(graphs)
        finally:
            looked.append((time.perf_counter() - t) * 1000)

    def timed_update(graphs, before):
        t = time.perf_counter()
        try:
            return update(graphs, before)
        finally:
            took.append((time.perf_counter() - t) * 1000)
    index.update = timed_update
    store.__dict__["_before_listeners"] = [timed_before]  # (the index's own hook, timed)
    imports, undos, ups, downs = [], [], [], []
    for _ in range(runs):
        t = time.perf_counter()
        rep = import_table(store, ROOT / "examples" / "members.csv", "syn-0")
        imports.append((time.perf_counter() - t) * 1000)
        ups.append(took[-1] + looked[-1])
        assert not index.stale and search(index, "tiberina")["total"] == 1
        t = time.perf_counter()
        undo(store, rep.import_id)
        undos.append((time.perf_counter() - t) * 1000)
        downs.append(took[-1] + looked[-1])
        assert not index.stale and search(index, "tiberina")["total"] == 0
    index.update = update
    store.__dict__["_before_listeners"] = [before]
    print(f"catching up ({rep.rows}-row import, {runs} runs): index update median "
          f"{stats(ups)[0]:.0f} ms (p95 {stats(ups)[1]:.0f}) of the import's "
          f"{stats(imports)[0]:.0f} ms; after the undo {stats(downs)[0]:.0f} ms "
          f"(p95 {stats(downs)[1]:.0f}) of the undo's {stats(undos)[0]:.0f} ms")


def searches(store, index, never, client, runs: int, stale_runs: int) -> None:
    print("\n| search | API ms (p95) | library ms (p95) | stale: from the store ms | ratio | "
          "SPARQL peer ms | ratio | hits |")
    print("|---|---|---|---|---|---|---|---|")
    for label, words, filters in SEARCHES:
        total = search(index, words, filters)["total"]
        url = "/api/search?" + urllib.parse.urlencode({"q": words, **filters})
        fns = {"api": lambda url=url: client.get(url).get_data(),
               "index": lambda w=words, f=filters: search(index, w, f)}
        slow = {"stale": lambda w=words, f=filters: search(never, w, f)}
        if words:
            w = max(words.lower().split(), key=len)
            slow["peer"] = lambda w=w: list(store.query(PEER, substitutions={"w": ox.Literal(w)}))
        got = {**timed(fns, runs), **(timed(slow, stale_runs) if stale_runs else {})}
        a, i, s, p = got["api"], got["index"], got.get("stale"), got.get("peer")
        print(f"| {label} | {a[0]:.1f} ({a[1]:.1f}) | {i[0]:.1f} ({i[1]:.1f}) | " +
              (f"{s[0]:.0f} | {s[0] / i[0]:.0f}× | " if s else "– | – | ") +
              (f"{p[0]:.0f} | {p[0] / i[0]:.0f}× | " if p else "– | – | ") + f"{total} |")


def partners(store, index, client, runs: int, virtuoso) -> None:
    url = "/api/queries/partner-search?" + urllib.parse.urlencode(PARTNERS, doseq=True)
    body = client.get(url).get_json()
    assert body["index"], body
    fns = {"API (index)": lambda: client.get(url).get_data(),
           "library (index)": lambda: partner_search(store, index, PARTNERS),
           "SPARQL (embedded)": lambda: run_query(store, "partner-search", PARTNERS).rows()}
    if virtuoso is not None:
        srv, vstore = virtuoso
        fns["SPARQL (Virtuoso, through amikg)"] = lambda: run_query(
            vstore, "partner-search", PARTNERS).rows()
        fns["hand-written query, Virtuoso's endpoint"] = lambda: virtuoso_engine(srv)
        print(f"(the hand-written query gives {len(virtuoso_engine(srv))} rows on Virtuoso)")
    got = timed(fns, runs)
    base = got["SPARQL (embedded)"][0]
    print(f"\npartner search ({len(body['rows'])} rows; ratio to the named query on the "
          "embedded store):\n\n| way | median ms | p95 ms | ratio |\n|---|---|---|---|")
    for k, (med, p95) in got.items():
        print(f"| {k} | {med:.1f} | {p95:.1f} | {med / base:.3g}× |")


def virtuoso_engine(srv) -> list:
    """VIRTUOSO_PEER straight to Virtuoso's /sparql (JSON results, parsed)."""
    req = urllib.request.Request(
        f"http://127.0.0.1:{srv.http_port}/sparql",
        data=urllib.parse.urlencode({"query": VIRTUOSO_PEER}).encode(),
        headers={"Accept": "application/sparql-results+json",
                 "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)["results"]["bindings"]


def start_virtuoso(n: int, data: Path, workdir: Path):
    from virtuoso import VirtuosoServer
    srv = VirtuosoServer(workdir / f"virtuoso-{n}", max_rows=100_000, buffers=340_000)
    store = open_store(srv.location + "?max_rows=100000")
    t = time.perf_counter()
    load_paths(store, sorted((ROOT / "ontology").glob("*.ttl")), ONTOLOGY)
    load_paths(store, [data], "https://w3id.org/amikg/graph/bench")
    print(f"Virtuoso: loaded in {time.perf_counter() - t:.1f} s")
    return srv, store


def run_size(n: int, workdir: Path, runs: int, stale_runs: int, with_virtuoso: bool,
             build_runs: int = 3) -> None:
    from amikg_server.app import create_app
    loads, rebuilds, cpus, after = [], [], [], []
    for i in range(build_runs):  # in turn, so that both meet the same noise
        if i:
            index.close()
            store.close()
        store, load_s, data, load_cpu = build(n, workdir)
        waited, tail = settle()  # the load's own work ends before the rebuild starts
        index = SearchIndex.for_store(store).watch(rebuild=False)
        c = cpu()
        info = index.rebuild()
        loads.append(load_s)
        rebuilds.append(info["seconds"])
        cpus.append((load_cpu, cpu() - c))
        after.append((waited, tail))
    print(f"\n## {n:,} organisations ({loadavg()})\n")
    load_s, build_s = statistics.median(loads), statistics.median(rebuilds)
    print(f"build ({build_runs} in turn, medians): `amikg load` of the file {load_s:.1f} s "
          f"({' '.join(f'{x:.1f}' for x in loads)}); index rebuild {build_s:.1f} s "
          f"({' '.join(f'{x:.1f}' for x in rebuilds)}), {build_s / load_s:.2f}× the load; "
          f"{info['documents']:,} documents, {info['bytes'] / 2**20:.1f} MiB on disk; "
          f"peak RSS so far {rss():.0f} MiB")
    print("CPU seconds (load, rebuild): " + "; ".join(f"{a:.1f}, {b:.1f}" for a, b in cpus) +
          "; after each load returned, before its rebuild started (the store finishing the "
          "load's writes): " + "; ".join(f"{c:.1f} s of CPU in {w:.1f} s" for w, c in after))
    catch_up(store, index, runs)
    never = SearchIndex(store, workdir / f"never-built-{n}")  # always stale: from the store
    app = create_app({"STORE": store, "TESTING": True})
    client = app.test_client()
    searches(store, index, never, client, runs, stale_runs)
    srv = virtuoso = None
    try:
        if with_virtuoso:
            srv, virtuoso = start_virtuoso(n, data, workdir)
        partners(store, index, client, runs, (srv, virtuoso) if srv is not None else None)
    finally:
        if srv is not None:
            srv.stop()
            shutil.rmtree(workdir / f"virtuoso-{n}", ignore_errors=True)
    print(f"\npeak RSS of this process: {rss():.0f} MiB ({loadavg()})")
    app.extensions["amikg"].close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--stale-runs", type=int, default=3,
                    help="rounds of the answer from the store and the SPARQL peer (slow; 0: "
                         "not measured)")
    ap.add_argument("--virtuoso", action="store_true", help="the named query on Virtuoso too")
    ap.add_argument("--build-runs", type=int, default=3,
                    help="loads of a fresh store and index rebuilds, in turn (medians)")
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    service_package()
    from amikg_server.ops import ACCESS_LOG
    logging.getLogger(ACCESS_LOG).disabled = True
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="amikg-bench-search-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"# search benchmark, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores; "
          f"`python bench/search.py --sizes {' '.join(map(str, args.sizes))} --runs {args.runs}"
          f" --stale-runs {args.stale_runs} --build-runs {args.build_runs}"
          f"{' --virtuoso' if args.virtuoso else ''}`")
    for n in args.sizes:
        run_size(n, workdir, args.runs, args.stale_runs, args.virtuoso, args.build_runs)


if __name__ == "__main__":
    main()
