#!/usr/bin/env python3
"""amikg benchmark suite (issue 10): the same data, loads and queries on every engine, in one run.

For each size the seeded generator (``amikg generate``) writes N organisations as N-Triples; then,
on each engine, with fresh server processes per size:

- **load**: the ontology (not timed), then the synthetic file with ``amikg``'s loader
  (``load_paths``: embedded bulk loader; Graph Store POSTs in chunks on remote stores), or
  ``rdflib.Dataset.parse`` for the Python baseline;
- **query mix** through the library's store interface (``store.query``), the same SPARQL text
  everywhere: partner search (competency + value-chain step + region), counts by stakeholder
  category (sub-classes by property path), value-chain coverage, DESCRIBE of one organisation;
- **through the service**: the same mix as SPARQL protocol GETs to ``amikg serve`` running over
  the embedded store, the Oxigraph server and Virtuoso;
- **roadmap validation**: then, on each store (embedded, Oxigraph server, Virtuoso), the bundled
  graphs (``init_store``) and the synthetic roadmap data of the N/100 clusters
  (``amikg.synthetic_roadmap.synthetic_roadmap_triples``, as in ``bench/validation.py``) are
  added (not timed) and ``amikg.validate.validate_store(store, "roadmap")`` runs on every
  cluster; the result counts must agree across engines. rdflib has no row here: its
  counterpart is pyshacl over the whole graph, which ``bench/validation.py`` measures (hours
  above ~10k organisations); ``--no-validation`` skips this part.

Engines: ``embedded`` (Oxigraph on disk, in process), ``oxigraph-server`` (``oxigraph serve``,
queried directly over HTTP), ``virtuoso`` (a private ``virtuoso-t``), ``rdflib`` (in-memory
``Dataset``, rdflib's SPARQL engine). Each query runs once to warm up, then ``--repeat`` times;
the tables give medians and the ratio to the fastest engine for that row.

    python bench/run.py --orgs 10000 100000 --output docs/benchmarks.md
    python bench/run.py --orgs 1000 --repeat 3            # smoke size, well under a minute
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from virtuoso import VirtuosoServer, virtuoso_binary  # noqa: E402  (tests/virtuoso.py)

from amikg.loader import load_paths  # noqa: E402
from amikg.sparql.binder import bind  # noqa: E402
from amikg.store import open_store  # noqa: E402

AMI = "https://w3id.org/amikg/ontology#"
ONTOLOGY_GRAPH = "https://w3id.org/amikg/graph/ontology"
DATA_GRAPH = "https://w3id.org/amikg/graph/source/synthetic"
PREFIXES = (f"PREFIX ami: <{AMI}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
            "PREFIX org: <http://www.w3.org/ns/org#>\n")
ENGINES = ["embedded", "oxigraph-server", "virtuoso", "rdflib"]


def query_mix(vocab: dict) -> dict[str, str]:
    """The queries, as final SPARQL text (parameters bound with amikg's VALUES injection)."""
    import pyoxigraph as ox

    partner = bind(
        PREFIXES + "SELECT ?org ?label WHERE {\n"
        "  ?org ami:hasCompetency ?competency ; ami:actsAtStep ?step ; ami:region ?region ;\n"
        "       rdfs:label ?label }\nORDER BY ?label LIMIT 50",
        {"competency": ox.NamedNode(vocab["technologies"][0]),
         "step": ox.NamedNode(vocab["steps"][0]),
         "region": ox.NamedNode("http://data.europa.eu/nuts/code/RO21")})
    return {
        "partner search": partner,
        "counts by category": PREFIXES + (
            "SELECT ?category (COUNT(DISTINCT ?o) AS ?n) WHERE {\n"
            "  ?o a ?category . ?category rdfs:subClassOf* ami:Stakeholder }\n"
            "GROUP BY ?category ORDER BY DESC(?n) ?category"),
        "value-chain coverage": PREFIXES + (
            "SELECT ?step (COUNT(DISTINCT ?o) AS ?n) WHERE {\n"
            "  ?step a ami:ValueChainStep . OPTIONAL { ?o ami:actsAtStep ?step } }\n"
            "GROUP BY ?step ORDER BY ?step"),
        "describe organisation": "DESCRIBE <https://w3id.org/amikg/id/org/syn-42>",
    }


# -- engines -------------------------------------------------------------------------------------

class Engine:
    """One engine under test: load, query, and (for stores) a location the service can open."""

    name = ""
    location: str | None = None

    def load(self, data: Path) -> int:
        raise NotImplementedError

    def query(self, sparql: str) -> int:
        """Run a query; the number of rows (or triples)."""
        raise NotImplementedError

    def release(self) -> None:
        """Let another process (the service) open the store."""

    def stop(self) -> None:
        pass


class StoreEngine(Engine):
    def __init__(self, name: str, location: str):
        self.name, self.location = name, location
        self.store = open_store(location)
        onto = sorted((ROOT / "ontology").glob("*.ttl"))
        load_paths(self.store, onto, ONTOLOGY_GRAPH)

    def load(self, data):
        return load_paths(self.store, [data], DATA_GRAPH).triples

    def query(self, sparql):
        res = self.store.query(sparql)
        return sum(1 for _ in res)

    def release(self):
        if self.store is not None:
            self.store.close()
            self.store = None


class RdflibEngine(Engine):
    name = "rdflib"

    def __init__(self):
        import rdflib

        self.ds = rdflib.Dataset(default_union=True)
        for f in sorted((ROOT / "ontology").glob("*.ttl")):
            self.ds.graph(rdflib.URIRef(ONTOLOGY_GRAPH)).parse(f, format="turtle")

    def load(self, data):
        import rdflib

        g = self.ds.graph(rdflib.URIRef(DATA_GRAPH))
        with gzip.open(data, "rb") as f:
            g.parse(f, format="nt")
        return len(g)

    def query(self, sparql):
        return sum(1 for _ in self.ds.query(sparql))


class OxigraphProcess:
    def __init__(self, workdir: Path):
        from conftest import free_port, wait_http

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.location = f"oxigraph+{self.url}"
        self.proc = subprocess.Popen(
            [shutil.which("oxigraph"), "serve", "--location", str(workdir), "--bind",
             f"127.0.0.1:{self.port}", "--union-default-graph"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_http(self.url + "/query?query=ASK%7B%7D", proc=self.proc)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Service:
    """``amikg serve`` over one store, queried with SPARQL protocol GETs."""

    def __init__(self, location: str, log: Path):
        from conftest import free_port, wait_http

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self._log = open(log, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "amikg", "serve", "--store", location, "--port",
             str(self.port)], cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT,
            env={**os.environ, "AMIKG_UPDATE_TOKEN": "bench-token-0123456789"})
        wait_http(self.url + "?query=ASK%7B%7D", timeout=90, proc=self.proc)

    def query(self, sparql: str) -> int:
        describe = sparql.lstrip().upper().startswith("DESCRIBE")
        accept = "application/n-triples" if describe else "text/tab-separated-values"
        req = urllib.request.Request(self.url + "?" + urllib.parse.urlencode({"query": sparql}),
                                     headers={"Accept": accept})
        with urllib.request.urlopen(req, timeout=600) as r:
            body = r.read()
        lines = [x for x in body.splitlines() if x.strip()]
        return len(lines) if describe else len(lines) - 1

    def stop(self):
        import signal

        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._log.close()


# -- measuring -----------------------------------------------------------------------------------

def timed(fn, repeat: int) -> tuple[float, int]:
    """Median milliseconds over ``repeat`` runs after one warm-up; and the result size."""
    n = fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        n = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), n


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor() or "unknown CPU")
    mem = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    versions = []
    try:
        import pyoxigraph
        import rdflib
        versions += [f"pyoxigraph {pyoxigraph.__version__}", f"rdflib {rdflib.__version__}"]
    except (ImportError, AttributeError):
        pass
    for cmd in (["oxigraph", "--version"], [virtuoso_binary() or "virtuoso-t", "-?"]):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
            text = (out.stdout + out.stderr).strip().splitlines()
            hit = next((x for x in text if "ersion" in x or "oxigraph" in x.lower()), "")
            if hit:
                versions.append(hit.strip())
        except (OSError, subprocess.TimeoutExpired):
            pass
    return (f"{os.cpu_count()} CPUs ({cpu}), {mem / 1024 / 1024:.0f} GB RAM, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}; "
            + ", ".join(versions))


def validate_on(location: str, orgs: int, repeat: int) -> tuple[float, int, set]:
    """Add the bundled graphs and the synthetic roadmap data (not timed), then time
    ``validate_store(store, "roadmap")`` on every cluster: median ms, number of results, and the
    results' keys (to show where engines differ)."""
    import pyoxigraph as ox

    from amikg.bundled import init_store
    from amikg.synthetic_roadmap import synthetic_roadmap_triples
    from amikg.validate import validate_store

    store = open_store(location)
    try:
        init_store(store)
        g = ox.NamedNode(DATA_GRAPH)
        store.add([ox.Quad(t.subject, t.predicate, t.object, g)
                   for t in synthetic_roadmap_triples(max(1, orgs // 100))])
        last = []

        def run():
            last[:] = validate_store(store, "roadmap").results
            return len(last)

        ms, n = timed(run, repeat)
        return ms, n, {r.key() for r in last}
    finally:
        store.close()


def run_size(orgs: int, engines: list[str], repeat: int, service: bool, tmp: Path,
             log, validation: bool = True) -> dict:
    from amikg.generate import vocabulary, write_synthetic

    data = tmp / f"syn-{orgs}.nt.gz"
    t = time.perf_counter()
    with gzip.open(data, "wb") as f:
        triples = write_synthetic(f, orgs, seed=42)
    log(f"# {orgs:,} organisations: {triples:,} triples generated in "
        f"{time.perf_counter() - t:.1f} s")
    mix = query_mix(vocabulary())
    result = {"orgs": orgs, "triples": triples, "load": {}, "queries": {}, "service": {},
              "counts": {}, "validation": {}, "validation_counts": {}}
    servers, running = [], {}
    try:
        for name in engines:
            t = time.perf_counter()
            if name == "embedded":
                eng = StoreEngine(name, str(tmp / f"embedded-{orgs}"))
            elif name == "oxigraph-server":
                srv = OxigraphProcess(tmp / f"oxigraph-{orgs}")
                servers.append(srv)
                eng = StoreEngine(name, srv.location)
            elif name == "virtuoso":
                srv = VirtuosoServer(tmp / f"virtuoso-{orgs}", max_rows=100_000,
                                     buffers=340_000)
                servers.append(srv)
                eng = StoreEngine(name, srv.location + "?max_rows=100000")
            else:
                eng = RdflibEngine()
            running[name] = eng
            t = time.perf_counter()
            n = eng.load(data)
            secs = time.perf_counter() - t
            result["load"][name] = secs
            log(f"#   {name}: loaded {n:,} triples in {secs:.2f} s")
            for qname, sparql in mix.items():
                ms, rows = timed(lambda: eng.query(sparql), repeat)
                result["queries"].setdefault(qname, {})[name] = ms
                result["counts"].setdefault(qname, {})[name] = rows
                log(f"#     {qname}: {ms:.1f} ms ({rows} rows)")
        if service:
            for name in [e for e in engines if e != "rdflib"]:
                eng = running[name]
                eng.release()
                svc = Service(eng.location, tmp / f"serve-{name}-{orgs}.log")
                try:
                    for qname, sparql in mix.items():
                        ms, rows = timed(lambda: svc.query(sparql), repeat)
                        result["service"].setdefault(qname, {})[f"service/{name}"] = ms
                        result["counts"].setdefault(qname, {})[f"service/{name}"] = rows
                        log(f"#     service/{name} {qname}: {ms:.1f} ms ({rows} rows)")
                finally:
                    svc.stop()
        validated: dict[str, set] = {}
        if validation:
            for name in [e for e in engines if e != "rdflib"]:
                running[name].release()
                ms, n, keys = validate_on(running[name].location, orgs, repeat)
                result["validation"][name] = ms
                result["validation_counts"][name] = n
                log(f"#     {name} roadmap validation: {ms:.1f} ms ({n} results)")
                if name != "embedded" and "embedded" in validated:
                    for k in sorted(keys ^ validated["embedded"], key=str)[:10]:
                        log(f"#       differs from embedded ({'only' if k in keys else 'missing'}"
                            f" on {name}): {k}")
                validated[name] = keys
    finally:
        for eng in running.values():
            eng.release()
        for srv in servers:
            srv.stop()
    return result


def ratio_cells(values: dict[str, float], order: list[str]) -> list[str]:
    best = min(values.values())
    return [f"{values[e]:,.1f} ({values[e] / best:.1f}x)" if e in values else "n/a"
            for e in order]


def report(results: list[dict], engines: list[str], repeat: int, argv: list[str]) -> str:
    service_cols = [f"service/{e}" for e in engines if e != "rdflib"]
    out = [f"Machine: {machine()}.", "",
           f"Command: `python bench/run.py {' '.join(argv)}` "
           f"(median of {repeat} runs after one warm-up; in brackets: time / fastest in the row).",
           ""]
    for r in results:
        out += [f"### {r['orgs']:,} organisations ({r['triples']:,} triples)", "",
                "Load (seconds, ontology already loaded):", "",
                "| | " + " | ".join(engines) + " |", "|---|" + "---:|" * len(engines),
                "| load s | " + " | ".join(ratio_cells(r["load"], engines)) + " |",
                "| triples/s | " + " | ".join(
                    f"{r['triples'] / r['load'][e]:,.0f}" if e in r["load"] else "n/a"
                    for e in engines) + " |", ""]
        cols = engines + (service_cols if r["service"] else [])
        out += ["Queries (milliseconds):", "",
                "| query | rows | " + " | ".join(cols) + " |",
                "|---|---:|" + "---:|" * len(cols)]
        for qname, per in r["queries"].items():
            values = {**per, **r["service"].get(qname, {})}
            counts = set(r["counts"][qname].values())
            rows = "/".join(str(c) for c in sorted(counts))
            out.append(f"| {qname} | {rows} | " + " | ".join(ratio_cells(values, cols)) + " |")
        out.append("")
        if r["validation"]:
            vcols = list(r["validation"])
            counts = r["validation_counts"]
            if len(set(counts.values())) == 1:
                rows = str(next(iter(counts.values())))
            else:  # the engines disagree: every engine's count
                rows = ", ".join(f"{e} {n}" for e, n in counts.items())
            out += [f"Roadmap validation (milliseconds; `validate_store(store, \"roadmap\")`, "
                    f"all {max(1, r['orgs'] // 100):,} clusters; rdflib's counterpart, pyshacl "
                    "over the whole graph, is in `bench/validation.py`):", "",
                    "| | results | " + " | ".join(vcols) + " |",
                    "|---|---:|" + "---:|" * len(vcols),
                    f"| roadmap validation | {rows} | "
                    + " | ".join(ratio_cells(r["validation"], vcols)) + " |", ""]
    out.append(f"Load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}.")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orgs", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--engines", default=",".join(ENGINES),
                    help=f"comma-separated, from {', '.join(ENGINES)}")
    ap.add_argument("--no-service", action="store_true", help="skip the runs through amikg serve")
    ap.add_argument("--no-validation", action="store_true",
                    help="skip the roadmap validation runs")
    ap.add_argument("--output", "-o", help="also write the Markdown tables to this file")
    args = ap.parse_args(argv)
    argv = argv if argv is not None else sys.argv[1:]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(engines) - set(ENGINES)
    if unknown:
        ap.error(f"unknown engines: {', '.join(sorted(unknown))}")
    missing = [e for e, ok in [("virtuoso", virtuoso_binary()), ("oxigraph-server",
                               shutil.which("oxigraph"))] if e in engines and not ok]
    if missing:
        ap.error(f"not installed: {', '.join(missing)} (drop them with --engines)")

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    results = []
    with tempfile.TemporaryDirectory(prefix="amikg-bench-") as tmp:
        for n in args.orgs:
            results.append(run_size(n, engines, args.repeat, not args.no_service, Path(tmp),
                                    log, validation=not args.no_validation))
    text = report(results, engines, args.repeat, argv)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
