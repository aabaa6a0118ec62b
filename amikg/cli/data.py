"""Commands on the data in the store: ``init``, ``load``, ``export``, ``graphs``, ``stats``,
``generate``."""

from __future__ import annotations

import gzip
import sys
from contextlib import nullcontext
from pathlib import Path

import click
import pyoxigraph as ox

from ..access import ANY
from ..bundled import init_store
from ..errors import NotFound
from ..generate import write_synthetic
from ..loader import Source, load_sources
from ..overview import catalog_format, dcat_catalogue, graph_listing, store_stats
from ..publish import write_turtle
from ..store import RDF_FORMATS
from .common import (compact, echo_answer, echo_table, get_store, operator_gate, progress_bar,
                     store_option)


@click.command()
@store_option
def init(store_location):
    """Load the ontology, shapes and bundled data (idempotent)."""
    with get_store(store_location, say_if_empty=False) as store:
        for rep in init_store(store):
            state = "up to date" if rep.skipped else f"loaded {rep.triples} triples"
            click.echo(f"{rep.graphs[0]}: {state}")


@click.command()
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
    sources = [Source.from_path(f, fmt) for f in files]
    total = sum(len(s.data()) for s in sources)
    with get_store(store_location, say_if_empty=False) as store:
        # a store that sends large loads up in parts says how far it got (Store.upload_progress)
        store.upload_progress = lambda done, n: click.echo(
            f"uploaded {done:,} of {n:,} triples", err=True)
        with operator_gate(store_location, store) as (gate, operator):
            if total > 5_000_000 and sys.stderr.isatty():
                with progress_bar(total, "loading") as bar:
                    rep = gate.write(operator, "load", [ANY], lambda: load_sources(
                        store, sources, graph, replace=not append, progress=bar.update,
                        agent=operator.name),
                        written=lambda r: r.triples, recorded=lambda r: r.graphs)
            else:
                rep = gate.write(operator, "load", [ANY], lambda: load_sources(
                    store, sources, graph, replace=not append, agent=operator.name),
                    written=lambda r: r.triples, recorded=lambda r: r.graphs)
    click.echo(f"loaded {rep.triples} triples into {', '.join(rep.graphs)}")


@click.command()
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
        fmt = catalog_format(fmt)  # a wrong format is refused before the store is opened
        with get_store(store_location) as store:
            data = dcat_catalogue(store, fmt, base_url)
        if output:
            Path(output).write_bytes(data)
        else:
            sys.stdout.buffer.write(data)
        return
    fmt = fmt or ("turtle" if graph else "nquads")
    with get_store(store_location) as store:
        if graph and not store.graph_exists(graph):
            raise NotFound(f"no graph {graph} in the store", graph=graph)
        with (open(output, "wb") if output else nullcontext(sys.stdout.buffer)) as out:
            if graph and fmt == "turtle":  # the one Turtle writer, sorted on disk
                write_turtle((q.triple for q in store.quads(graph)), out, inline=False)
            else:
                store.dump(out, fmt, graph)


@click.command()
@store_option
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
def graphs(store_location, as_json):
    """List named graphs with their sizes and provenance."""
    with get_store(store_location) as store:
        rows = graph_listing(store)
    echo_answer(rows, as_json, lambda rows: echo_table(
        ["graph", "triples", "loaded", "from"],
        [[compact(ox.NamedNode(r["graph"])), str(r["triples"]), r["loaded"], r["from"]]
         for r in rows]))


@click.command()
@store_option
@click.option("--json", "as_json", is_flag=True, help="JSON instead of text.")
def stats(store_location, as_json):
    """Size of the store: quads, graphs, clusters, organisations."""
    with get_store(store_location) as store:
        st = store_stats(store)
    echo_answer(st, as_json, lambda st: [click.echo(f"{k:14} {v}") for k, v in st.items()])


@click.command()
@click.option("--orgs", type=int, default=10_000, show_default=True, help="Organisations.")
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="N-Triples file (.nt or .nt.gz); default stdout.")
def generate(orgs, seed, output):
    """Write a seeded synthetic cluster graph (N-Triples) for benchmarks and scale tests."""
    if output == "-":
        n = write_synthetic(sys.stdout.buffer, orgs, seed)
    else:
        opener = gzip.open if output.endswith(".gz") else open
        with opener(output, "wb") as f:
            n = write_synthetic(f, orgs, seed)
    click.echo(f"wrote {n} triples for {orgs} organisations", err=True)


COMMANDS = [init, load, export, graphs, stats, generate]
