#!/usr/bin/env python3
"""Load benchmark (issue 3): amikg's embedded store vs a plain rdflib in-memory Graph.

For each size, generates the seeded synthetic graph once (N-Triples, gzip), then loads it in a fresh
process per engine and run, reporting triples/s and the process's peak memory (max RSS). Medians
of ``--repeat`` rounds (each round runs every engine once, in turn); the ratio is amikg's
throughput over rdflib's.

    python bench/load.py --orgs 10000 100000 [--repeat 3] [--skip-rdflib-above 200000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = {
    "amikg-embedded": """
import sys, time, json, resource, tempfile
sys.path.insert(0, {root!r})
from amikg.store import open_store
from amikg.loader import load_paths
d = tempfile.mkdtemp()
store = open_store(d + "/store")
t = time.perf_counter()
rep = load_paths(store, [{path!r}], "https://w3id.org/amikg/graph/source/bench")
store.close()
dt = time.perf_counter() - t
print(json.dumps({{"seconds": dt, "triples": rep.triples,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
""",
    "rdflib-memory": """
import sys, time, json, resource, gzip
import rdflib
t = time.perf_counter()
g = rdflib.Graph()
with gzip.open({path!r}, "rb") as f:
    g.parse(f, format="nt")
dt = time.perf_counter() - t
print(json.dumps({{"seconds": dt, "triples": len(g),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
""",
}


def run_child(engine: str, path: Path) -> dict:
    code = CHILD[engine].format(root=str(ROOT), path=str(path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--orgs", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-rdflib-above", type=int, default=200_000,
                    help="rdflib needs minutes and many GB beyond this many organisations")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from amikg.generate import write_synthetic
    import gzip

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.orgs:
            path = Path(tmp) / f"syn-{n}.nt.gz"
            with gzip.open(path, "wb") as f:
                triples = write_synthetic(f, n, seed=42)
            print(f"# {n} organisations: {triples} triples, {path.stat().st_size/1e6:.1f} MB gz",
                  file=sys.stderr)
            engines = [e for e in CHILD
                       if not (e == "rdflib-memory" and n > args.skip_rdflib_above)]
            runs: dict[str, list] = {e: [] for e in engines}
            for i in range(args.repeat):  # engines in turn within each round: a shared machine
                for engine in engines:    # slows both alike, so the ratio stays fair
                    r = run_child(engine, path)
                    runs[engine].append(r)
                    print(f"#   round {i+1} {engine}: {r['seconds']:.2f} s, {r['rss_mb']:.0f} MB,"
                          f" load average {os.getloadavg()[0]:.1f}", file=sys.stderr)
            result = {}
            for engine, rs in runs.items():
                secs = statistics.median(r["seconds"] for r in rs)
                result[engine] = {"seconds": secs, "tps": triples / secs,
                                  "rss_mb": statistics.median(r["rss_mb"] for r in rs)}
            rows.append((n, triples, result))

    print("| organisations | triples | engine | median load s | triples/s | peak RSS MB | speed vs rdflib |")
    print("|---:|---:|---|---:|---:|---:|---:|")
    for n, triples, result in rows:
        base = result.get("rdflib-memory", {}).get("tps")
        for engine, r in result.items():
            ratio = f"{r['tps'] / base:.1f}x" if base else "n/a"
            print(f"| {n:,} | {triples:,} | {engine} | {r['seconds']:.2f} | {r['tps']:,.0f} | "
                  f"{r['rss_mb']:,.0f} | {ratio} |")


if __name__ == "__main__":
    main()
