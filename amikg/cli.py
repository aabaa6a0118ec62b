"""The ``amikg`` command line. Every command takes ``--store`` (or ``AMIKG_STORE``).

Exit codes: 0 success (for ``validate``: conforms), 1 data does not pass (violations, rejected
import), 2 error (bad input, unreachable store, wrong usage).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import pyoxigraph as ox

from . import __version__
from .config import Settings
from .errors import AmikgError, FormatError
from .namespaces import GRAPH_META, PREFIXES
from .store import (LOCATION_HELP, RDF_FORMATS, RESULT_FORMATS, Store, open_store,
                    parse_location, rdf_format)


class AmikgGroup(click.Group):
    """Turns every :class:`AmikgError` into one line on stderr and its exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except AmikgError as e:
            click.echo(f"error: {e.message}", err=True)
            sys.exit(e.exit_code)


def store_option(f):
    """The ``--store`` option every command has."""
    return click.option(
        "--store", "store_location", envvar="AMIKG_STORE", default=None, metavar="LOCATION",
        help=LOCATION_HELP)(f)


def get_store(store_location: str | None) -> Store:
    return open_store(store_location, Settings.from_env())


@click.group(cls=AmikgGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="amikg")
def main():
    """amikg: the knowledge graph of Advanced Medical Imaging clusters (AMI-4Europe D2.2)."""


def _progress_bar(total: int, label: str):
    """A click progress bar over bytes, shown on a terminal only (stderr)."""
    return click.progressbar(length=total, label=label, file=sys.stderr,
                             show_pos=False, show_percent=True)


@main.command()
@store_option
def init(store_location):
    """Load the ontology, shapes and bundled data (idempotent)."""
    from .bundled import init_store

    with get_store(store_location) as store:
        for rep in init_store(store):
            state = "up to date" if rep.skipped else f"loaded {rep.triples} triples"
            click.echo(f"{rep.graphs[0]}: {state}")


@main.command()
@store_option
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--graph", metavar="IRI", help="Target named graph (default: amig:source/<file>).")
@click.option("--format", "fmt", type=click.Choice(list(RDF_FORMATS)),
              help="Input format (default: from the file name; needed for '-').")
@click.option("--append", is_flag=True, help="Add to the graph instead of replacing it.")
def load(store_location, files, graph, fmt, append):
    """Load RDF FILES (Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML; .gz too).

    All files go into one graph in one transaction: if any file fails to parse, nothing is
    written. Provenance (file, checksum, time, agent, triple count) goes to the metadata graph."""
    from .loader import Source, load_sources

    sources = [Source.from_path(f, fmt) for f in files]
    total = sum(len(s.data()) for s in sources)
    with get_store(store_location) as store:
        if store.kind == "remote":  # large loads go up in Graph Store chunks: say how far
            store.upload_progress = lambda done, n: click.echo(
                f"uploaded {done:,} of {n:,} triples", err=True)
        if total > 5_000_000 and sys.stderr.isatty():
            with _progress_bar(total, "loading") as bar:
                rep = load_sources(store, sources, graph, replace=not append, progress=bar.update)
        else:
            rep = load_sources(store, sources, graph, replace=not append)
    click.echo(f"loaded {rep.triples} triples into {', '.join(rep.graphs)}")


def _read_query(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    p = Path(source)
    if p.is_file():
        return p.read_text(encoding="utf-8")
    if any(k in source.upper() for k in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")):
        return source
    raise click.BadParameter(f"{source}: no such file", param_hint="QUERY")


def compact(term) -> str:
    """A term for humans: prefixed name for known IRIs, plain text for literals."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for p, ns in PREFIXES.items():
            if term.value.startswith(ns) and term.value != ns:
                return f"{p}:{term.value[len(ns):]}"
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def echo_table(variables: list[str], rows: list[list[str]]) -> None:
    widths = [min(60, max([len(v)] + [len(r[i]) for r in rows])) for i, v in enumerate(variables)]
    line = "  ".join(v.ljust(w) for v, w in zip(variables, widths))
    click.echo(line)
    click.echo("  ".join("-" * w for w in widths))
    for r in rows:
        click.echo("  ".join((c if len(c) <= w else c[: w - 1] + "…").ljust(w)
                             for c, w in zip(r, widths)))


def print_results(result, fmt: str | None) -> None:
    """Write query results to stdout in ``fmt`` (table/csv/tsv/json/xml or an RDF format)."""
    out = sys.stdout.buffer
    if isinstance(result, ox.QueryBoolean):
        if fmt in ("json", "xml", "csv", "tsv"):
            out.write(result.serialize(format=RESULT_FORMATS[fmt]))
        else:
            click.echo("true" if bool(result) else "false")
        return
    if isinstance(result, ox.QuerySolutions):
        fmt = fmt or "table"
        if fmt == "table":
            names = [v.value for v in result.variables]
            rows = [[compact(s[n]) for n in names] for s in result]
            echo_table(names, rows)
            click.echo(f"({len(rows)} row{'s' if len(rows) != 1 else ''})", err=True)
        elif fmt in RESULT_FORMATS:
            out.write(result.serialize(format=RESULT_FORMATS[fmt]))
        else:
            raise FormatError(f"SELECT results cannot be written as {fmt}; use table, csv, tsv, "
                              "json or xml")
        return
    rfmt = rdf_format(fmt or "turtle")
    if rfmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        rfmt = ox.RdfFormat.TURTLE if rfmt == ox.RdfFormat.TRIG else ox.RdfFormat.N_TRIPLES
    kw = {"prefixes": PREFIXES} if rfmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else {}
    out.write(result.serialize(format=rfmt, **kw))


@main.command()
@store_option
@click.argument("query", metavar="QUERY")
@click.option("--format", "fmt", metavar="FORMAT",
              help="SELECT/ASK: table (default), csv, tsv, json, xml. "
                   "CONSTRUCT/DESCRIBE: turtle (default), ntriples, jsonld, xml.")
def query(store_location, query, fmt):
    """Run a SPARQL query from a file, '-' (stdin) or the command line."""
    with get_store(store_location) as store:
        print_results(store.query(_read_query(query)), fmt)


@main.command()
@store_option
@click.option("--graph", metavar="IRI", help="One graph (default: the whole dataset).")
@click.option("--format", "fmt", type=click.Choice(list(RDF_FORMATS)), default=None,
              help="Output format (default: nquads for the dataset, turtle for a graph).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="File (default: stdout).")
@click.option("--dcat", is_flag=True, help="Write the DCAT-AP 3 catalogue instead (turtle, "
              "ntriples, jsonld, xml).")
@click.option("--base-url", metavar="URL", default=None,
              help="With --dcat: the service URL for download and endpoint URLs "
                   "(default: AMIKG_BASE_IRI).")
def export(store_location, graph, fmt, output, dcat, base_url):
    """Write a graph or the whole dataset as RDF, or (--dcat) the DCAT-AP 3 catalogue."""
    if dcat:
        return export_dcat(store_location, fmt, output, base_url)
    fmt = fmt or ("turtle" if graph else "nquads")
    with get_store(store_location) as store:
        if graph and not store.graph_exists(graph):
            from .errors import NotFound
            raise NotFound(f"no graph {graph} in the store", graph=graph)
        if output:
            with open(output, "wb") as f:
                store.dump(f, fmt, graph)
        else:
            store.dump(sys.stdout.buffer, fmt, graph)


def graph_listing(store: Store) -> list[dict]:
    """Every named graph with its size and the provenance of its last load."""
    prov = {}
    res = store.query(
        "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dcterms: <http://purl.org/dc/terms/> "
        "SELECT ?g ?when (GROUP_CONCAT(?title; separator=', ') AS ?files) WHERE { GRAPH ?meta { "
        "?g prov:wasGeneratedBy ?a . ?a prov:endedAtTime ?when . "
        "OPTIONAL { ?g prov:wasDerivedFrom/dcterms:title ?title } } } GROUP BY ?g ?when",
        substitutions={"meta": ox.NamedNode(GRAPH_META)})
    for s in res:
        prov[s["g"].value] = (s["when"].value, s["files"].value if s["files"] else "")
    return [{"graph": g, "triples": store.count(g), "loaded": prov.get(g, ("", ""))[0],
             "from": prov.get(g, ("", ""))[1]} for g in store.named_graphs()]


@main.command()
@store_option
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
def graphs(store_location, as_json):
    """List named graphs with their sizes and provenance."""
    with get_store(store_location) as store:
        rows = graph_listing(store)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    else:
        echo_table(["graph", "triples", "loaded", "from"],
                   [[compact(ox.NamedNode(r["graph"])), str(r["triples"]), r["loaded"], r["from"]]
                    for r in rows])


def store_stats(store: Store) -> dict:
    """Counts a user wants at a glance."""
    q = ("PREFIX ami: <https://w3id.org/amikg/ontology#> PREFIX org: <http://www.w3.org/ns/org#> "
         "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
         "SELECT (COUNT(DISTINCT ?c) AS ?clusters) (COUNT(DISTINCT ?o) AS ?orgs) WHERE { "
         "{ ?c a ami:Cluster } UNION { ?o a/rdfs:subClassOf* org:Organization "
         "FILTER NOT EXISTS { ?o a/rdfs:subClassOf* ami:Cluster } "
         "FILTER NOT EXISTS { ?o a/rdfs:subClassOf* org:OrganizationalUnit } } }")
    row = next(iter(store.query(q)))
    return {"store": store.location, "kind": store.kind, "quads": store.count(),
            "graphs": len(store.named_graphs()), "clusters": int(row["clusters"].value),
            "organisations": int(row["orgs"].value)}


@main.command()
@store_option
@click.option("--json", "as_json", is_flag=True, help="JSON instead of text.")
def stats(store_location, as_json):
    """Size of the store: quads, graphs, clusters, organisations."""
    with get_store(store_location) as store:
        st = store_stats(store)
    if as_json:
        click.echo(json.dumps(st, indent=2))
    else:
        for k, v in st.items():
            click.echo(f"{k:14} {v}")


@main.command()
@click.option("--orgs", type=int, default=10_000, show_default=True, help="Organisations.")
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="N-Triples file (.nt or .nt.gz); default stdout.")
def generate(orgs, seed, output):
    """Write a seeded synthetic cluster graph (N-Triples) for benchmarks and scale tests."""
    from .generate import write_synthetic

    if output == "-":
        n = write_synthetic(sys.stdout.buffer, orgs, seed)
    else:
        import gzip
        opener = gzip.open if output.endswith(".gz") else open
        with opener(output, "wb") as f:
            n = write_synthetic(f, orgs, seed)
    click.echo(f"wrote {n} triples for {orgs} organisations", err=True)


# --- commands: server (issue 4) ---

@main.command()
@store_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback by default; 0.0.0.0 for every interface).")
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int,
              help="gunicorn worker processes (remote stores only; an embedded or memory store "
                   "is held by one process).")
@click.option("--threads", default=8, show_default=True, type=int,
              help="Threads per worker process.")
@click.option("--query-workers", type=int, default=None,
              help="Query processes for the embedded store (default: CPUs, at most 4; 0 runs "
                   "queries in the request thread without a hard time limit).")
def serve(store_location, host, port, workers, threads, query_workers):
    """Run the SPARQL service (gunicorn) on http://HOST:PORT/sparql."""
    from server.wsgi import serve as run_server

    settings = Settings.from_env()
    location = store_location or settings.store_location
    _check_store_in_child(location, settings)  # fail fast: a locked or unreachable store
    click.echo(f"amikg: serving {location} on http://{host}:{port}/sparql", err=True)
    run_server(host=host, port=port, store=location, workers=workers, threads=threads,
               query_workers=query_workers, timeout=settings.query_timeout)


def _check_store_in_child(location: str, settings: Settings) -> None:
    """Open and close the store once before serving, in a child process for an embedded store:
    RocksDB started in gunicorn's master would leave its background threads behind at the fork,
    and the worker's flushes (hence snapshots for queries after a write) would wait forever."""
    from .errors import StoreError

    if parse_location(location).directory is None:
        open_store(location, settings).close()
        return
    import subprocess
    code = ("import sys\nfrom amikg.errors import AmikgError\nfrom amikg.store import open_store\n"
            "try:\n    open_store(sys.argv[1]).close()\nexcept AmikgError as e:\n"
            "    sys.stderr.write(e.message)\n    sys.exit(e.exit_code)\n")
    r = subprocess.run([sys.executable, "-c", code, location], capture_output=True, text=True)
    if r.returncode:
        raise StoreError(r.stderr.strip().splitlines()[-1] if r.stderr.strip()
                         else f"cannot open the store {location}")


# --- commands: validation and roadmap (issue 5) ---

@main.command()
@store_option
@click.option("--cluster", default="all", show_default=True, metavar="IRI|SLUG|all",
              help="One cluster (IRI or slug such as filas) or all.")
@click.option("--shapes", "profile", default="roadmap", show_default=True,
              metavar="roadmap|data|FILE", help="A profile or a shapes file.")
@click.option("--data", "data_file", type=click.Path(allow_dash=True), default=None,
              help="Validate this RDF file (with the bundled ontology) instead of the store.")
@click.option("--data-format", "data_format", default=None,
              help="Format of --data (default: from the file name).")
@click.option("--format", "fmt", type=click.Choice(["text", "turtle", "json-ld", "json", "html"]),
              default="text", show_default=True, help="Report format.")
@click.option("--engine", type=click.Choice(["auto", "sparql", "pyshacl"]), default="auto",
              show_default=True, help="SPARQL on the store, or plain pyshacl.")
def validate(store_location, cluster, profile, data_file, data_format, fmt, engine):
    """Validate the store (or a data file) with SHACL: exit 0 conforms, 1 violations, 2 error."""
    from .loader import Source
    from .validate import render, validate_source, validate_store

    if data_file:
        outcome = validate_source(Source.from_path(data_file, data_format), profile, cluster,
                                  engine)
    else:
        with get_store(store_location) as store:
            outcome = validate_store(store, profile, cluster, engine)
    click.echo(render(outcome, fmt), nl=False)
    sys.exit(0 if outcome.conforms else 1)


@main.command()
@store_option
@click.argument("cluster")
@click.option("--json", "as_json", is_flag=True, help="JSON (what the roadmap page draws).")
@click.option("--all", "show_all", is_flag=True, help="List every next step, not the first 5.")
def roadmap(store_location, cluster, as_json, show_all):
    """Where CLUSTER (IRI or slug, e.g. filas) stands on the D2.2 roadmap, and what comes next."""
    from .roadmap import render_text
    from .roadmap import roadmap as build

    with get_store(store_location) as store:
        rm = build(store, cluster)
    if as_json:
        click.echo(json.dumps(rm, indent=2))
    else:
        click.echo(render_text(rm, None if show_all else 5), nl=False)


# --- commands: named queries and partner search (issue 6) ---

def _print_run(run, fmt: str) -> None:
    """One page of a named query: table (default), json (the API's document), csv/tsv/xml."""
    if fmt == "json":
        click.echo(json.dumps(run.result(), indent=2, ensure_ascii=False))
    elif fmt in RESULT_FORMATS:
        sys.stdout.buffer.write(run.solutions.serialize(format=RESULT_FORMATS[fmt]))
    else:
        print_results(run.solutions, "table")


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@store_option
@click.argument("name", required=False)
@click.option("--list", "list_", is_flag=True, help="List the named queries and their parameters.")
@click.option("--limit", default=None, help="Rows per page (default: the query's).")
@click.option("--offset", default=None, help="Rows to skip.")
@click.option("--format", "fmt", default="table", show_default=True,
              type=click.Choice(["table", "json", "csv", "tsv", "xml"]))
@click.pass_context
def ask(ctx, store_location, name, list_, limit, offset, fmt):
    """Run the named query NAME: amikg ask smes --region RO21 (repeat a --param for several
    values). `amikg ask --list` shows every query with its parameters."""
    from .errors import ParameterError
    from .queries import get_query, load_queries, run_query

    if list_ or not name:
        for q in sorted(load_queries().values(), key=lambda q: q.name):
            click.echo(f"{q.name:26} {q.summary}")
            for p in q.params:
                flags = ", ".join(x for x in ("required" if p.required else "",
                                              "repeatable" if p.multiple else "") if x)
                kind = f"{p.type} of {compact(ox.NamedNode(p.cls))}" if p.cls else p.type
                click.echo(f"    --{p.name.replace('_', '-'):22} {kind}"
                           f"{' (' + flags + ')' if flags else ''}"
                           f"{'  e.g. ' + str(p.example) if p.example is not None else ''}")
        return
    get_query(name)
    params: dict[str, list[str]] = {}
    args = list(ctx.args)
    while args:
        arg = args.pop(0)
        if not arg.startswith("--") or len(arg) < 3:
            raise ParameterError(f"unexpected argument {arg!r}; give parameters as --name value",
                                 parameter=arg)
        key, _, value = arg[2:].partition("=")
        if not _:
            if not args:
                raise ParameterError(f"parameter {key} needs a value", parameter=key)
            value = args.pop(0)
        params.setdefault(key.replace("-", "_"), []).append(value)
    with get_store(store_location) as store:
        _print_run(run_query(store, name, params, limit=limit, offset=offset), fmt)


@main.command()
@store_option
@click.option("--competency", multiple=True, help="Wanted competency (PET, pet-ct, ami:tech-mri, "
              "...); repeatable.")
@click.option("--step", help="Wanted value-chain step (e.g. clinical-validation).")
@click.option("--region", multiple=True, help="Preferred region (NUTS code, e.g. RO21); repeatable.")
@click.option("--country", help="Only this country (e.g. ROU).")
@click.option("--category", multiple=True, help="Only this stakeholder category or kind "
              "(e.g. Hospital, ResearchInstitution); repeatable.")
@click.option("--size", help="Only companies of this size: SME or 'large company'.")
@click.option("--for-cluster", help="Your cluster: candidates covering steps it lacks score.")
@click.option("--exclude-cluster", multiple=True, help="Leave out members of this cluster; "
              "repeatable.")
@click.option("--limit", default=None, help="Candidates to show (default 20).")
@click.option("--format", "fmt", default="table", show_default=True,
              type=click.Choice(["table", "json", "csv", "tsv", "xml"]))
def partners(store_location, competency, step, region, country, category, size, for_cluster,
             exclude_cluster, limit, fmt):
    """Partner search: rank candidate partners for a need and say why each one matches."""
    from .queries import run_query

    params = {"competency": list(competency), "step": step, "region": list(region),
              "country": country, "category": list(category), "size": size,
              "for_cluster": for_cluster, "exclude_cluster": list(exclude_cluster)}
    params = {k: v for k, v in params.items() if v}
    with get_store(store_location) as store:
        run = run_query(store, "partner-search", params, limit=limit)
        if fmt != "table":
            _print_run(run, fmt)
            return
        rows = run.rows()
    if not rows:
        click.echo("no candidates match")
        return
    width = max(len(r["name"]) for r in rows)
    click.echo(f"{'#':>3}  {'score':>5}  {'candidate'.ljust(width)}  region")
    for i, r in enumerate(rows, 1):
        region = compact(ox.NamedNode(r["region"])) if r.get("region") else ""
        click.echo(f"{i:>3}  {r['score']:>5}  {r['name'].ljust(width)}  {region}")
        click.echo(f"{'':>12}why: {r['reasons']}")
    click.echo(f"({len(rows)} candidate{'s' if len(rows) != 1 else ''}; score: 3 per competency, "
               "3 asked step, 2 fills a gap of --for-cluster, 3/2/1 same/neighbouring region/"
               "same country)", err=True)


# --- commands: publishing (issue 7) ---

def export_dcat(store_location, fmt, output, base_url) -> None:
    """``amikg export --dcat``: the catalogue /catalog serves, download URLs under ``base_url``."""
    from .publish import CatalogInfo, catalog_graph, rdflib_to_triples, serialize

    fmt = fmt or "turtle"
    if fmt not in ("turtle", "ntriples", "jsonld", "xml"):
        raise FormatError(f"the catalogue is a graph; use turtle, ntriples, jsonld or xml, not {fmt}")
    settings = Settings.from_env()
    with get_store(store_location) as store:
        g = catalog_graph(store, base_url or settings.base_iri, settings.base_iri,
                          CatalogInfo.from_env())
        data = serialize(rdflib_to_triples(g), fmt)
    if output:
        Path(output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)

# --- commands: import and history (issue 9) ---
from .cli_import import register as _register_import  # noqa: E402

_register_import(main)

# --- commands: backup, restore, dump (issue 11) ---

def service_option(f):
    """``--url``: reach the store through a running service (it holds the embedded store)."""
    return click.option(
        "--url", envvar="AMIKG_SERVICE_URL", default=None, metavar="URL",
        help="A running amikg service (e.g. http://127.0.0.1:8080) to take the snapshot from; "
             "needed while the service holds the store. Sends AMIKG_UPDATE_TOKEN.")(f)


def _service_token() -> str:
    return Settings.from_env().token()


@main.command()
@store_option
@service_option
@click.argument("directory", type=click.Path(file_okay=False))
def backup(store_location, url, directory):
    """Write a consistent snapshot of the embedded store into DIRECTORY (new or empty).

    Without --url the store is opened directly (the service must not be running on it); with
    --url the running service makes the snapshot (POST /admin/backup). Restore with
    `amikg restore DIRECTORY`."""
    from .backup import backup_local, fetch_backup
    from .errors import StoreLockedError

    if url:
        rep = fetch_backup(url, directory, _service_token())
    else:
        location = store_location or Settings.from_env().store_location
        try:
            rep = backup_local(location, directory)
        except StoreLockedError as e:
            raise StoreLockedError(f"{e.message}; to back up while the service runs, add "
                                   "--url http://HOST:PORT (and AMIKG_UPDATE_TOKEN)")
    click.echo(f"backup of {rep.quads} quads in {rep.path} (from {rep.via})")


@main.command()
@store_option
@click.argument("source", type=click.Path(exists=True))
def restore(store_location, source):
    """Make SOURCE the store: a backup directory (`amikg backup`) or an N-Quads dump
    (`amikg dump`, .nq or .nq.gz). The service must be stopped; the present store is moved
    aside to STORE.before-restore-TIME, never deleted."""
    from .backup import restore_backup, restore_dump

    location = store_location or Settings.from_env().store_location
    if parse_location(location).directory is None:
        raise FormatError(f"restore needs an embedded store directory, not {location}; load a "
                          "dump into a remote store with `amikg load --append DUMP.nq`")
    if Path(source).is_dir():
        quads, aside = restore_backup(source, location)
    else:
        quads, aside = restore_dump(source, location)
    click.echo(f"restored {quads} quads into {location}"
               + (f"; the previous store is in {aside}" if aside else ""))


@main.command()
@store_option
@service_option
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="File (.nq, or .nq.gz compressed); default stdout.")
def dump(store_location, url, output):
    """Write the whole dataset (every named graph, provenance included) as N-Quads, the portable
    format. `amikg restore FILE` rebuilds a store from it; `amikg load --append FILE` adds it."""
    import gzip
    import tempfile

    from .backup import dump_dataset, fetch_backup

    def write(location):
        if output is None:
            return dump_dataset(location, sys.stdout.buffer)
        opener = gzip.open if output.endswith(".gz") else open
        with opener(output, "wb") as f:
            return dump_dataset(location, f)

    if url:  # a snapshot from the service, dumped here
        with tempfile.TemporaryDirectory(prefix="amikg-dump-") as tmp:
            fetch_backup(url, Path(tmp) / "store", _service_token())
            n = write(str(Path(tmp) / "store"))
    else:
        n = write(store_location or Settings.from_env().store_location)
    click.echo(f"dumped {n} quads", err=True)

# --- commands: benchmarks (issue 10) ---


if __name__ == "__main__":  # pragma: no cover
    main()
