"""Benchmark: importing generated member spreadsheets vs loading the same triples as N-Triples.

    python bench/import.py [--rows 10000 100000] [--rounds 3] [--json]

For each size: a seeded CSV of N member rows is generated; (a) ``import_table`` into a fresh
embedded store, (b) ``load_paths`` of the N-Triples the import produces (the same triples) into
another fresh store. Each run is its own process, so peak memory (ru_maxrss) is that run's.
With ``--rounds N`` the two runs alternate N times (same machine state for both) and the medians
are reported, with the same-run speed ratio and the load average (the machine may be shared).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATEGORIES = ["Manufacturer", "Hospital", "Research center", "University", "Service provider",
              "Financial actor", "Patient advocate", "Association", "Company"]
STEPS = ["basic research", "applied research", "product development", "clinical validation",
         "manufacturing", "market access", "clinical use"]
TECH = ["MRI", "CT", "PET", "PET-CT", "Ultrasound", "molecular imaging", "ICT", "SPECT"]
PLACES = [("DE", "DE25"), ("IT", "ITI4"), ("ES", "ES30"), ("RO", "RO21"), ("HU", "HU32"),
          ("FR", "FR10"), ("NL", "NL32"), ("EL", "EL30")]


def generate(path: Path, rows: int, seed: int = 42) -> None:
    rnd = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "category", "size", "employees", "country", "NUTS region",
                    "competencies", "value-chain steps", "website", "contact email",
                    "membership start", "fee level", "identifier"])
        for i in range(rows):
            country, nuts = rnd.choice(PLACES)
            country = "GR" if country == "EL" else country
            cat = rnd.choice(CATEGORIES)
            company = cat in ("Manufacturer", "Company")
            w.writerow([f"Synthetic Member {i} (example)", cat,
                        rnd.choice(["SME", "Large company"]) if company else "",
                        rnd.randint(1, 5000), country, nuts,
                        ";".join(rnd.sample(TECH, rnd.randint(1, 3))),
                        ";".join(rnd.sample(STEPS, rnd.randint(1, 3))),
                        f"https://member{i}.example.eu", f"contact@member{i}.example.eu",
                        f"20{rnd.randint(10, 23)}-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}",
                        rnd.choice(["SMEs", "large companies", "research institutions", ""]),
                        f"PIC-{900000000 + i}"])


CHILD = r"""
import json, resource, sys, time
from amikg.store import open_store
mode, src, store_dir = sys.argv[1:4]
t = time.perf_counter()
with open_store(store_dir) as store:
    if mode == "import":
        from amikg.ingest import import_table
        rep = import_table(store, src, "filas")
        triples = rep.triples
    elif mode == "dryrun":
        from amikg.ingest import import_table
        with open(sys.argv[4], "wb") as out:
            rep = import_table(store, src, "filas", dry_run=True, preview=out)
        triples = rep.triples
    else:
        from amikg.loader import load_paths
        triples = load_paths(store, [src], "https://w3id.org/amikg/graph/bench").triples
secs = time.perf_counter() - t
print(json.dumps({"seconds": secs, "triples": triples,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def child(*args) -> dict:
    r = subprocess.run([sys.executable, "-c", CHILD, *map(str, args)], capture_output=True,
                       cwd=ROOT, text=True)
    if r.returncode:
        raise SystemExit(r.stderr)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for n in args.rows:
            csv_path, nq = tmp / f"members-{n}.csv", tmp / f"members-{n}.nq"
            generate(csv_path, n)
            child("dryrun", csv_path, tmp / f"dry-{n}", nq)
            nt = tmp / f"members-{n}.nt"
            with open(nq, encoding="utf-8") as fin, open(nt, "w", encoding="utf-8") as fout:
                for line in fin:  # drop the graph name: the same triples as N-Triples
                    fout.write(line[: line.rstrip().rfind(" <")] + " .\n")
            runs, ratios, load = [], [], [os.getloadavg()[0]]
            for r in range(args.rounds):
                imp = child("import", csv_path, tmp / f"imp-{n}-{r}")
                direct = child("load", nt, tmp / f"load-{n}-{r}")
                runs.append((imp, direct))
                ratios.append(direct["seconds"] / imp["seconds"])
                load.append(os.getloadavg()[0])
            imp = {k: statistics.median(i[k] for i, _ in runs) for k in ("seconds", "peak_mb")}
            imp["triples"] = runs[0][0]["triples"]
            direct = {k: statistics.median(d[k] for _, d in runs) for k in ("seconds", "peak_mb")}
            results.append({
                "rows": n, "csv_mb": round(csv_path.stat().st_size / 1e6, 1),
                "triples": imp["triples"],
                "import_s": round(imp["seconds"], 2), "import_rows_per_s": round(n / imp["seconds"]),
                "import_peak_mb": round(imp["peak_mb"]),
                "direct_s": round(direct["seconds"], 2),
                "direct_rows_per_s": round(n / direct["seconds"]),
                "direct_peak_mb": round(direct["peak_mb"]),
                "import_vs_direct_speed": round(statistics.median(ratios), 2),
                "rounds": args.rounds, "load_avg": f"{min(load):.1f}-{max(load):.1f}"})
    if args.json:
        print(json.dumps(results, indent=2))
        return
    cols = list(results[0])
    print(" | ".join(cols))
    for r in results:
        print(" | ".join(str(r[c]) for c in cols))


if __name__ == "__main__":
    main()
