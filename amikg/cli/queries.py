"""Commands that ask questions: ``query`` (SPARQL), ``ask`` (a named query), ``partners``
(partner search)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import pyoxigraph as ox

from ..errors import ParameterError
from ..queries import get_query, load_queries, run_query
from ..search import SearchIndex, partner_search
from ..store import RESULT_FORMATS
from .common import compact, get_store, print_results, public_option, read_as, store_option


def _read_query(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    p = Path(source)
    if p.is_file():
        return p.read_text(encoding="utf-8")
    if any(k in source.upper() for k in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")):
        return source
    raise click.BadParameter(f"{source}: no such file", param_hint="QUERY")


@click.command()
@store_option
@click.argument("query", metavar="QUERY")
@click.option("--format", "fmt", metavar="FORMAT",
              help="SELECT/ASK: table (default), csv, tsv, json, xml. "
                   "CONSTRUCT/DESCRIBE: turtle (default), ntriples, jsonld, xml.")
@public_option
def query(store_location, query, fmt, public):
    """Run a SPARQL query from a file, '-' (stdin) or the command line."""
    with get_store(store_location) as store:
        print_results(read_as(store, public).query(_read_query(query)), fmt)


def _print_run(run, fmt: str) -> None:
    """One page of a named query: table (default), json (the API's document), csv/tsv/xml."""
    if fmt == "json":
        click.echo(json.dumps(run.result(), indent=2, ensure_ascii=False))
    elif fmt in RESULT_FORMATS:
        sys.stdout.buffer.write(run.solutions.serialize(format=RESULT_FORMATS[fmt]))
    else:
        print_results(run.solutions, "table")


def _list_queries() -> None:
    """``amikg ask --list``: every named query with its parameters."""
    for q in sorted(load_queries().values(), key=lambda q: q.name):
        click.echo(f"{q.name:26} {q.summary}")
        for p in q.params:
            flags = ", ".join(x for x in ("required" if p.required else "",
                                          "repeatable" if p.multiple else "") if x)
            kind = f"{p.type} of {compact(ox.NamedNode(p.cls))}" if p.cls else p.type
            click.echo(f"    --{p.name.replace('_', '-'):22} {kind}"
                       f"{' (' + flags + ')' if flags else ''}"
                       f"{'  e.g. ' + str(p.example) if p.example is not None else ''}")


def _named_params(args: list[str]) -> dict[str, list[str]]:
    """``--region RO21 --region=RO22 --for-cluster x`` -> ``{"region": [...], "for_cluster": [...]}``."""
    params: dict[str, list[str]] = {}
    args = list(args)
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
    return params


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@store_option
@click.argument("name", required=False)
@click.option("--list", "list_", is_flag=True, help="List the named queries and their parameters.")
@click.option("--limit", default=None, help="Rows per page (default: the query's).")
@click.option("--offset", default=None, help="Rows to skip.")
@click.option("--format", "fmt", default="table", show_default=True,
              type=click.Choice(["table", "json", "csv", "tsv", "xml"]))
@public_option
@click.pass_context
def ask(ctx, store_location, name, list_, limit, offset, fmt, public):
    """Run the named query NAME: amikg ask smes --region RO21 (repeat a --param for several
    values). `amikg ask --list` shows every query with its parameters."""
    if list_ or not name:
        _list_queries()
        return
    get_query(name)
    params = _named_params(ctx.args)
    with get_store(store_location) as store:
        _print_run(run_query(read_as(store, public), name, params, limit=limit, offset=offset),
                   fmt)


def _print_candidates(rows: list[dict]) -> None:
    """The partner-search table: rank, score, name, region, and why each one matches."""
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


@click.command()
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
    params = {"competency": list(competency), "step": step, "region": list(region),
              "country": country, "category": list(category), "size": size,
              "for_cluster": for_cluster, "exclude_cluster": list(exclude_cluster)}
    params = {k: v for k, v in params.items() if v}
    with get_store(store_location) as store:
        if fmt not in ("table", "json"):  # result formats: the named query's own solutions
            _print_run(run_query(store, "partner-search", params, limit=limit), fmt)
            return
        answer = partner_search(store, SearchIndex.for_store(store), params, limit=limit)
    if fmt == "json":
        click.echo(json.dumps(answer, indent=2, ensure_ascii=False))
        return
    _print_candidates(answer["rows"])


COMMANDS = [query, ask, partners]
