"""Commands for spreadsheet imports (issue 9): ``import``, ``template``, ``history``, ``undo``.

The work is done by :mod:`amikg.ingest`.
"""

from __future__ import annotations

import json
import sys

import click

from ..ingest import ImportRejected, import_table, write_template
from ..ingest import history as list_imports
from ..ingest import undo as undo_import
from .common import echo_answer, echo_table, get_store, row_counter, store_option


@click.command("import")
@store_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--cluster", required=True, metavar="IRI|SLUG",
              help="The cluster the rows are members of (IRI, or slug such as 'filas').")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="CSVW metadata mapping (default: the shipped members mapping).")
@click.option("--dry-run", is_flag=True,
              help="Check and print what would be written (N-Quads on stdout); write nothing.")
@click.option("--encoding", metavar="NAME",
              help="Encoding of a CSV file (default: detected, UTF-8 or Latin-1).")
@click.option("--shapes/--no-shapes", "shapes", default=None,
              help="Run the data-quality shapes (default: on).")
@click.option("--publish/--no-publish", "publish", default=None,
              help="List the import in the DCAT catalogue, with its dumps (default: "
                   "AMIKG_PUBLISH_IMPORTS, off).")
@click.option("--json", "as_json", is_flag=True, help="The report as JSON.")
def import_(store_location, file, cluster, mapping, dry_run, encoding, shapes, publish, as_json):
    """Import a member spreadsheet (CSV or .xlsx) as one named graph, with provenance.

    Every row is checked first (datatypes, ontology enumerations, NUTS codes, duplicates,
    data-quality shapes); any problem -> each is listed by row and column, nothing is
    written, exit code 1."""
    with get_store(store_location) as store:
        # the row count is unknown until the file is read: a counter, not a percentage
        bar = row_counter("rows checked") if sys.stderr.isatty() else None
        try:
            rep = import_table(store, file, cluster, mapping=mapping, dry_run=dry_run,
                               encoding=encoding, progress=bar.update if bar else None,
                               shapes="auto" if shapes is None else shapes, publish=publish,
                               preview=sys.stdout.buffer if dry_run and not as_json else None)
        except ImportRejected as e:
            if as_json:
                click.echo(json.dumps(e.to_dict(), indent=2))
                sys.exit(e.exit_code)
            raise
        finally:
            if bar is not None:
                bar.render_finish()
    if as_json:
        click.echo(json.dumps(rep.to_dict(), indent=2))
        return
    if rep.skipped:
        click.echo(f"{rep.file}: already imported as {rep.import_id} (same file, cluster and "
                   f"mapping); nothing to do", err=True)
    elif dry_run:
        click.echo(f"dry run: {rep.file} would be import {rep.import_id}: {rep.rows} rows, "
                   f"{rep.organisations} organisations, {rep.triples} triples into "
                   f"{rep.graph}; nothing written", err=True)
    else:
        click.echo(f"imported {rep.file} as {rep.import_id}: {rep.rows} rows, "
                   f"{rep.organisations} organisations, {rep.triples} triples into {rep.graph}; "
                   + ("published in the catalogue" if rep.published else
                      "not published (in the store for SPARQL users; --publish lists it in the "
                      "catalogue)"))


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
    with get_store(store_location) as store:
        h = undo_import(store, import_ref)
    click.echo(f"removed import {h['id']} ({h['file']}, {h['triples']} triples)")


COMMANDS = [import_, template, history, undo]
