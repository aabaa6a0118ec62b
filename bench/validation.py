"""Benchmark (not a test): roadmap validation of every cluster of a synthetic graph, amikg's SPARQL
engine on the store vs plain pyshacl over the whole graph, in the same run, with a check that both
give the same results.

    python bench/validation.py                       # 10k and 100k organisations
    python bench/validation.py --orgs 1000000 --no-pyshacl
    python bench/validation.py --orgs 100000 --store /tmp/v100k --repeat 3   # on disk, reused

Progress goes to stderr; the table gives the median of ``--repeat`` runs of amikg's engine (one
pyshacl run: it is the slow side) and the load average (the machine is shared).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyoxigraph as ox  # noqa: E402

from amikg.bundled import init_store  # noqa: E402
from amikg.generate import write_synthetic  # noqa: E402
from amikg.synthetic_roadmap import synthetic_roadmap_triples  # noqa: E402
from amikg.store import open_store  # noqa: E402
from amikg.validate import run_pyshacl, run_sparql, shapes_graph, store_graph  # noqa: E402


def build(orgs: int, location: str = "memory:"):
    store = open_store(location)
    init_store(store)
    buf = io.BytesIO()
    write_synthetic(buf, orgs)
    g = ox.NamedNode("https://w3id.org/amikg/graph/source/synthetic")
    quads = [ox.Quad(t.subject, t.predicate, t.object, g)
             for t in ox.parse(buf.getvalue(), format=ox.RdfFormat.N_TRIPLES)]
    quads += [ox.Quad(t.subject, t.predicate, t.object, g)
              for t in synthetic_roadmap_triples(max(1, orgs // 100))]
    store.add(quads)
    return store


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orgs", type=int, action="append", help="organisations (repeatable)")
    ap.add_argument("--no-pyshacl", action="store_true", help="skip the whole-graph pyshacl run")
    ap.add_argument("--repeat", type=int, default=3, help="runs of amikg's engine (median)")
    ap.add_argument("--pyshacl-sample", type=int, default=0, metavar="N",
                    help="pyshacl (whole graph loaded) on N clusters only, its time scaled to all "
                         "clusters (for sizes where a full pyshacl run takes hours); the equality "
                         "check is then on those N clusters")
    ap.add_argument("--store", help="on-disk store directory prefix (built once, then reused; "
                                    "default: a memory store)")
    args = ap.parse_args(argv)
    sg = shapes_graph("roadmap")
    print(f"{'orgs':>8} {'clusters':>8} {'quads':>9} {'results':>8} {'amikg s':>9} "
          f"{'pyshacl s':>10} {'speed-up':>9} equal")
    unequal = []
    for orgs in args.orgs or [10_000, 100_000]:
        loc = f"{args.store}-{orgs}" if args.store else "memory:"
        if loc != "memory:" and os.path.exists(os.path.join(loc, "built")):
            store = open_store(loc)
        else:
            t = time.perf_counter()
            store = build(orgs, loc)
            if loc != "memory:":
                open(os.path.join(loc, "built"), "w").close()
            print(f"# {orgs}: built {loc} in {time.perf_counter() - t:.0f} s",
                  file=sys.stderr, flush=True)
        times = []
        for i in range(args.repeat):
            t = time.perf_counter()
            fast = run_sparql(store, sg)
            times.append(time.perf_counter() - t)
            print(f"# {orgs}: amikg run {i + 1}/{args.repeat}: {times[-1]:.1f} s "
                  f"(load {os.getloadavg()[0]:.1f})", file=sys.stderr, flush=True)
        t_fast = statistics.median(times)
        line = f"{orgs:>8} {max(1, orgs // 100):>8} {store.count():>9} {len(fast):>8} {t_fast:>9.1f}"
        if args.no_pyshacl:
            print(line + f" {'-':>10} {'-':>9} -", flush=True)
            store.close()
            continue
        print(f"# {orgs}: amikg {t_fast:.1f} s; running pyshacl over the whole graph ...",
              file=sys.stderr, flush=True)
        t = time.perf_counter()
        data = store_graph(store)
        t_load = time.perf_counter() - t
        if args.pyshacl_sample:
            import random
            from amikg.validate import focus_nodes, compile_shapes
            focus = focus_nodes(store, compile_shapes(sg)[0].classes)
            sample = random.Random(5).sample(focus, min(args.pyshacl_sample, len(focus)))
            t = time.perf_counter()
            ref = run_pyshacl(data, sg, focus_nodes=sample)
            t_one = (time.perf_counter() - t) / len(sample)
            t_ref = t_load + t_one * len(focus)
            keep = set(sample)
            equal = {r.key() for r in fast if r.focus in keep} == {r.key() for r in ref}
            if not equal:
                unequal.append(orgs)
            print(f"# {orgs}: pyshacl {t_one:.1f} s per cluster on {len(sample)} clusters "
                  f"(+ {t_load:.0f} s to load the graph); total estimated", file=sys.stderr,
                  flush=True)
            print(line + f" {t_ref:>9.0f}~ {t_ref / t_fast:>8.1f}x {equal} (on {len(sample)})",
                  flush=True)
        else:
            t = time.perf_counter()
            ref = run_pyshacl(data, sg)
            t_ref = time.perf_counter() - t + t_load
            equal = {r.key() for r in fast} == {r.key() for r in ref}
            if not equal:
                unequal.append(orgs)
            print(line + f" {t_ref:>10.1f} {t_ref / t_fast:>8.1f}x {equal}", flush=True)
        store.close()
    print(f"# load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
          f"{os.cpu_count()} CPUs", flush=True)
    if unequal:
        sys.exit(f"amikg's engine and pyshacl disagree at {', '.join(map(str, unequal))} "
                 "organisations")


if __name__ == "__main__":
    main()
