"""Commands of full-text search: ``search`` (organisations by words and facets) and
``reindex`` (rebuild the search index now)."""

from __future__ import annotations

import json
import sys

import click

from ..search import KINDS, SearchIndex, search as search_fn
from .common import get_store, store_option


def _print_answer(answer: dict) -> None:
    if not answer["hits"]:
        click.echo("no organisation matches")
        return
    width = max(len(h["name"]) for h in answer["hits"])
    for i, h in enumerate(answer["hits"], answer["offset"] + 1):
        where = ", ".join(r["label"] for r in h["region"] + h["country"])
        click.echo(f"{i:>3}  {h['name'].ljust(width)}  {where}")
    shown = len(answer["hits"])
    click.echo(f"({shown} of {answer['total']} organisation{'s' if answer['total'] != 1 else ''})",
               err=True)
    for facet in ("category", "competency", "country"):
        top = answer["facets"][facet][:5]
        if top:
            click.echo(f"{facet}: " + ", ".join(f"{r['label']} ({r['count']})" for r in top),
                       err=True)


@click.command()
@store_option
@click.argument("words", nargs=-1)
@click.option("--category", multiple=True, help="Only this category (e.g. Hospital, SME); repeatable.")
@click.option("--competency", multiple=True, help="Only this competency (e.g. PET); repeatable.")
@click.option("--step", multiple=True, help="Only this value-chain step; repeatable.")
@click.option("--region", multiple=True, help="Only this region (NUTS code, e.g. RO21); repeatable.")
@click.option("--country", multiple=True, help="Only this country (e.g. ROU); repeatable.")
@click.option("--cluster", multiple=True, help="Only members of this cluster; repeatable.")
@click.option("--kind", type=click.Choice(KINDS), default=None, help="Organisations or clusters.")
@click.option("--lang", default="en", show_default=True, help="Language of the names shown.")
@click.option("--limit", default=None, help="Organisations to show (default 20, at most 100).")
@click.option("--offset", default=None, help="Organisations to skip.")
@click.option("--format", "fmt", default="table", show_default=True,
              type=click.Choice(["table", "json"]))
def search(store_location, words, category, competency, step, region, country, cluster, kind,
           lang, limit, offset, fmt):
    """Find organisations by WORDS (all must be found, in any language) and facets."""
    filters = {"category": list(category), "competency": list(competency), "step": list(step),
               "region": list(region), "country": list(country), "cluster": list(cluster)}
    with get_store(store_location) as store:
        index = SearchIndex.for_store(store)
        answer = search_fn(index, " ".join(words), {k: v for k, v in filters.items() if v},
                           kind=kind, lang=lang, limit=limit, offset=offset)
    if answer["stale"]:
        click.echo("note: the search index is older than the store; this answer was found in "
                   "the store itself (run `amikg reindex` to bring the index up to date)",
                   err=True)
    if fmt == "json":
        click.echo(json.dumps(answer, ensure_ascii=False, indent=2))
    else:
        _print_answer(answer)


@click.command()
@store_option
def reindex(store_location):
    """Rebuild the search index from the store now (the service does it by itself after every
    write; this is for a store written by others, or to build it ahead of time)."""
    with get_store(store_location) as store:
        if sys.stderr.isatty():  # a rebuild of a million organisations takes minutes
            click.echo("reading the store ...", err=True)
            bar = None

            def progress(done, total):
                nonlocal bar
                if bar is None:
                    bar = click.progressbar(length=total, label="organisations indexed",
                                            file=sys.stderr, show_pos=True)
                bar.update(done - bar.pos)
            try:
                info = SearchIndex.for_store(store).rebuild(progress=progress)
            finally:
                if bar is not None:
                    bar.render_finish()
        else:
            info = SearchIndex.for_store(store).rebuild()
    click.echo(f"indexed {info['documents']} organisations in {info['seconds']} s"
               + (f" ({info['bytes'] // 1024} KiB)" if info["bytes"] else ""))


COMMANDS = [search, reindex]
