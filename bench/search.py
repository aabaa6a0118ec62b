"""Benchmark: full-text search (issue 20) at 10k / 100k / 1M organisations.

For each size a seeded synthetic graph (amikg.generate) plus the ontology goes into an EMBEDDED
(on-disk) store. Then:

* **rebuild**: :meth:`amikg.search.SearchIndex.rebuild` (reading the documents by SPARQL, and
  tantivy writing them), with the index's size on disk and this process's peak memory (RSS);
* **searches**, each timed three ways in turn within each round, side by side:
  ``index`` (:func:`amikg.search.search` on the fresh index: hits, facet counts, highlights,
  labels), ``stale`` (the same call while the index is marked stale: the answer from the store)
  and ``SPARQL peer`` (a plain SPARQL query a user would write for the same words:
  ``CONTAINS(LCASE(?label), ...)`` on every label, with a ``COUNT``; no facets, no highlights).

Prints medians and 95th percentiles in milliseconds and the ratio of each way to the index.

    python bench/search.py --sizes 10000 100000 [--runs 10] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402

from amikg.generate import write_synthetic  # noqa: E402
from amikg.loader import load_paths  # noqa: E402
from amikg.search import SearchIndex, search  # noqa: E402
from amikg.store import open_store  # noqa: E402

SEARCHES = [  # (label, words, filters)
    ("one name", "organisation 4242", {}),
    ("a competency word + 2 facets", "pet", {"category": "Hospital", "region": "DE9"}),
    ("facets only", "", {"country": "DEU", "step": "clinical-validation"}),
    ("a common word", "imaging", {}),
]
PEER = """SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {
  ?o a <http://www.w3.org/ns/org#Organization> ; <http://www.w3.org/2000/01/rdf-schema#label> ?l
  FILTER(CONTAINS(LCASE(STR(?l)), ?w)) }"""


def build(n: int, workdir: Path):
    store_dir = workdir / f"store-{n}"
    fresh = not store_dir.exists()
    store = open_store(str(store_dir))
    if fresh:
        data = workdir / f"synthetic-{n}.nt"
        with open(data, "wb") as out:
            write_synthetic(out, n, seed=42)
        load_paths(store, sorted((ROOT / "ontology").glob("*.ttl")),
                   "https://w3id.org/amikg/graph/ontology")
        load_paths(store, [data], "https://w3id.org/amikg/graph/bench")
    return store


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


def peer(store, words: str):
    if not words:
        return None
    w = max(words.lower().split(), key=len)
    return lambda: list(store.query(PEER, substitutions={"w": ox.Literal(w)}))


def run_size(n: int, workdir: Path, runs: int) -> None:
    t = time.perf_counter()
    store = build(n, workdir)
    print(f"\n## {n} organisations (store ready in {time.perf_counter() - t:.1f} s)")
    index = SearchIndex(store, workdir / f"index-{n}")
    never = SearchIndex(store, workdir / f"never-built-{n}")  # always stale: answers from the store
    info = index.rebuild()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rebuild: {info['documents']} documents in {info['seconds']:.2f} s; index on disk "
          f"{info['bytes'] / 2**20:.1f} MiB; peak RSS of this process so far {rss:.0f} MiB")
    print(f"\n| search | index ms (p95) | stale: from the store ms (p95) | ratio | "
          "SPARQL peer ms (p95) | ratio | hits |")
    print("|---|---|---|---|---|---|---|")
    for label, words, filters in SEARCHES:
        total = search(index, words, filters)["total"]
        assert not search(index, words, filters)["stale"] and search(never, words, filters)["stale"]

        fns = {"index": lambda words=words, filters=filters: search(index, words, filters),
               "stale": lambda words=words, filters=filters: search(never, words, filters)}
        if peer(store, words):
            fns["peer"] = peer(store, words)
        got = timed(fns, runs)
        i, s = got["index"], got["stale"]
        p = got.get("peer")
        print(f"| {label} | {i[0]:.1f} ({i[1]:.1f}) | {s[0]:.0f} ({s[1]:.0f}) | "
              f"{s[0] / i[0]:.0f}× | " + (f"{p[0]:.0f} ({p[1]:.0f}) | {p[0] / i[0]:.0f}× | "
                                          if p else "– | – | ") + f"{total} |")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS after the searches: {rss:.0f} MiB")
    store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="amikg-bench-search-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"# search benchmark, {time.strftime('%Y-%m-%d')}; `python bench/search.py --sizes "
          f"{' '.join(map(str, args.sizes))} --runs {args.runs}`")
    for n in args.sizes:
        run_size(n, workdir, args.runs)


if __name__ == "__main__":
    main()
