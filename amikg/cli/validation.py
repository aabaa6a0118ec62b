"""Commands on the roadmap checks: ``validate`` (SHACL) and ``roadmap``."""

from __future__ import annotations

import json
import sys

import click

from ..errors import NotFound
from ..loader import Source
from ..roadmap import render_text
from ..roadmap import roadmap as build_roadmap
from ..summary import cluster_summary
from ..validate import DEFAULT_PROFILE, render, validate_source, validate_store
from .common import get_store, store_option

#: ``amikg validate`` exit codes (pySHACL's 0, 1 and 2, and 3 for a run that checked nothing).
EXIT_CONFORMS, EXIT_VIOLATIONS, EXIT_NOTHING_CHECKED = 0, 1, 3


@click.command()
@store_option
@click.option("--cluster", default="all", show_default=True, metavar="IRI|SLUG|all",
              help="One cluster (IRI or slug such as filas) or all.")
@click.option("--shapes", "profile", default=DEFAULT_PROFILE, show_default=True,
              metavar="data|roadmap|FILE",
              help="data (data quality), roadmap (a cluster's progress; see also amikg roadmap) "
                   "or a shapes file.")
@click.option("--data", "data_file", type=click.Path(allow_dash=True), default=None,
              help="Validate this RDF file (with the bundled ontology) instead of the store.")
@click.option("--data-format", "data_format", default=None,
              help="Format of --data (default: from the file name).")
@click.option("--format", "fmt", type=click.Choice(["text", "turtle", "json-ld", "json", "html"]),
              default="text", show_default=True, help="Report format.")
@click.option("--engine", type=click.Choice(["auto", "sparql", "pyshacl"]), default="auto",
              show_default=True, help="SPARQL on the store, or plain pyshacl.")
def validate(store_location, cluster, profile, data_file, data_format, fmt, engine):
    """Validate the store (or a data file) with SHACL, by default its data quality.

    Exit 0 conforms, 1 violations, 2 error, 3 nothing checked (no focus node of the shapes in
    the data: the wrong profile or file?)."""
    if data_file:
        source = Source.from_path(data_file, data_format)
        try:
            outcome = validate_source(source, profile, cluster, engine)
        except NotFound:  # a cluster the file does not describe: the store's, with the file
            if cluster == "all":
                raise
            with get_store(store_location) as store:
                outcome = validate_source(source, profile, cluster, engine, store=store)
    else:
        with get_store(store_location) as store:
            outcome = validate_store(store, profile, cluster, engine)
    click.echo(render(outcome, fmt), nl=False)
    if outcome.nothing_checked:
        if fmt != "text":  # the text report says so on its first line
            click.echo(f"nothing checked: {outcome.note()}", err=True)
        sys.exit(EXIT_NOTHING_CHECKED)
    sys.exit(EXIT_CONFORMS if outcome.conforms else EXIT_VIOLATIONS)


@click.command()
@store_option
@click.argument("cluster")
@click.option("--json", "as_json", is_flag=True,
              help="JSON: the roadmap with the value chain and members (what the cluster page "
                   "draws).")
@click.option("--all", "show_all", is_flag=True, help="List every next step, not the first 5.")
def roadmap(store_location, cluster, as_json, show_all):
    """Where CLUSTER (IRI, slug or name, e.g. filas) stands on the D2.2 roadmap, and what comes
    next."""
    with get_store(store_location) as store:
        if as_json:  # the cluster at a glance: what the page and GET /api/clusters/<id> show
            click.echo(json.dumps(cluster_summary(store, cluster), indent=2))
            return
        rm = build_roadmap(store, cluster)
    click.echo(render_text(rm, None if show_all else 5), nl=False)


COMMANDS = [validate, roadmap]
