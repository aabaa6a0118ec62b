"""Commands for spreadsheet imports (issue 9): ``import``, ``template``, ``history``, ``undo``.

The work is done by :mod:`amikg.ingest`.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import click

from ..access import cluster_graph
from ..ingest import ImportRejected, import_cluster, import_graph, import_table, write_template
from ..ingest import history as list_imports
from ..ingest import undo as undo_import
from .common import echo_answer, echo_table, get_store, operator_gate, row_counter, store_option


@click.command("import")
@store_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--cluster", required=True, metavar="IRI|SLUG",
              help="The cluster the rows are members of (IRI, or slug such as 'filas').")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="CSVW metadata mapping (default: the shipped members mapping).")
@click.option("--dry-run", is_flag=True,
              help="Check everything and say what would change (rows, organisations, triples, "
                   "members added); write nothing.")
@click.option("--show-triples", is_flag=True,
              help="With --dry-run: print the N-Quads that would be written on stdout (the "
                   "summary goes to stderr).")
@click.option("--encoding", metavar="NAME",
              help="Encoding of a CSV file (default: detected, UTF-8 or Latin-1).")
@click.option("--shapes/--no-shapes", "shapes", default=None,
              help="Run the data-quality shapes (default: on).")
@click.option("--publish/--no-publish", "publish", default=None,
              help="List the import in the DCAT catalogue, with its dumps (default: "
                   "AMIKG_PUBLISH_IMPORTS, off).")
@click.option("--json", "as_json", is_flag=True, help="The report as JSON.")
def import_(store_location, file, cluster, mapping, dry_run, show_triples, encoding, shapes,
            publish, as_json):
    """Import a member spreadsheet (CSV or .xlsx) as one named graph, with provenance.

    Every row is checked first (datatypes, ontology enumerations, NUTS codes, duplicates,
    data-quality shapes); any problem -> each is listed by row and column, nothing is
    written, exit code 1."""
    if show_triples and not dry_run:
        raise click.UsageError("--show-triples shows what a dry run would write: add --dry-run")
    preview = (io.BytesIO() if as_json else sys.stdout.buffer) if show_triples else None
    with get_store(store_location) as store:
        # the row count is unknown until the file is read: a counter, not a percentage
        bar = row_counter("rows checked") if sys.stderr.isatty() else None
        try:
            with operator_gate(store_location, store) as (gate, operator):
                def run():
                    return import_table(store, file, cluster, mapping=mapping, dry_run=dry_run,
                                        encoding=encoding, progress=bar.update if bar else None,
                                        shapes="auto" if shapes is None else shapes,
                                        publish=publish, preview=preview, agent=operator.name)
                # an import writes its cluster's data, as through the service
                rep = run() if dry_run else gate.write(
                    operator, f"import {Path(file).name}",
                    [cluster_graph(import_cluster(store, cluster))], run,
                    written=lambda r: 0 if r.skipped else r.triples, recorded=lambda r: [r.graph])
        except ImportRejected as e:
            if as_json:
                click.echo(json.dumps(e.to_dict(), indent=2))
                sys.exit(e.exit_code)
            raise
        finally:
            if bar is not None:
                bar.render_finish()
    if as_json:
        body = rep.to_dict()
        if show_triples:
            body["nquads"] = preview.getvalue().decode("utf-8")
        click.echo(json.dumps(body, indent=2))
        return
    for line in rep.describe():  # after the N-Quads of --show-triples, the summary on stderr
        click.echo(line, err=show_triples or rep.skipped)


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="CSVW metadata mapping (default: the shipped members mapping).")
def template(file, mapping):
    """Write an empty member spreadsheet (FILE.xlsx or FILE.csv) with the allowed values."""
    for p in write_template(file, mapping):
        click.echo(f"wrote {p}")


@click.command()
@store_option
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
def history(store_location, as_json):
    """List spreadsheet imports, oldest first."""
    with get_store(store_location) as store:
        rows = list_imports(store)
    echo_answer(rows, as_json, lambda rows: echo_table(
        ["import", "when", "file", "cluster", "rows", "orgs", "triples"],
        [[r["id"], r["when"], r["file"], r["cluster"].rsplit("/", 1)[-1],
          str(r["rows"]), str(r["organisations"]), str(r["triples"])] for r in rows]))


@click.command()
@store_option
@click.argument("import_ref", metavar="IMPORT")
def undo(store_location, import_ref):
    """Remove one import (its graph and its provenance record)."""
    with get_store(store_location) as store, \
            operator_gate(store_location, store) as (gate, operator):
        h = gate.write(operator, "undo import", [import_graph(store, import_ref)],
                       lambda: undo_import(store, import_ref))
    click.echo(f"removed import {h['id']} ({h['file']}, {h['triples']} triples)")


COMMANDS = [import_, template, history, undo]
