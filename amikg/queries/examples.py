"""A named query ready to run as written: its text with the example values of its header bound.

The query page offers every named query in its editor this way, so that running one gives rows
rather than the nothing an empty ``VALUES ?x { }`` block matches. The values bound are the
examples of the parameters the query needs: its required parameters and those of its "at least
one of" groups (``one_of``); the other parameters stay unset, as when they are left out of a call
to ``/api/queries/<name>`` (each example is chosen alone, and several optional conditions together
may match nothing). The text is what :func:`amikg.queries.run_query` runs with those values, for
its first page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ParameterError
from ..store import Store
from .header import NamedQuery, load_queries
from .params import bind_params
from .render import render


@dataclass
class Example:
    """One named query with its example values: what the query page puts in an editor tab."""

    name: str
    summary: str
    params: dict[str, Any]
    sparql: str


def example_params(query: NamedQuery) -> dict[str, Any]:
    """The example values (``{parameter: value}``, as the header writes them) of the parameters
    ``query`` needs: the required ones and every one of its ``one_of`` groups, where declared."""
    needed = {p.name for p in query.params if p.required}
    for group in query.one_of:
        needed |= set(group)
    return {p.name: p.example for p in query.params
            if p.name in needed and p.example is not None}


def example(store: Store, query: NamedQuery) -> Example:
    """``query`` with :func:`example_params` bound (values looked up in ``store`` like any call's)
    and its first page, as one SPARQL text; two comment lines naming the query and the values
    stand in place of its ``#+`` header.

    When ``store`` lacks what an example names (an empty store has no cluster
    ``amid:cluster/imago-mol``), the text leaves the values out, and its comment says so.
    """
    params = example_params(query)
    given = ", ".join(f"{k}={_shown(v)}" for k, v in params.items()) or "no parameters"
    note = f"# {query.name}: {query.summary}\n# with the example values of its header: {given}\n"
    try:
        bound = bind_params(store, query, dict(params))
    except ParameterError as e:
        bound, params = {}, {}
        note = (f"# {query.name}: {query.summary}\n# the example values of its header do not fit"
                f" this store's data ({e.message}): write values into its VALUES blocks\n")
    sparql = render(query, bound, query.limit, 0)
    sparql = "\n".join(line for line in sparql.splitlines() if not line.startswith("#+"))
    return Example(query.name, query.summary, params, note + sparql)


def examples(store: Store, directory: Path | None = None) -> list[Example]:
    """:func:`example` of every named query, by name."""
    return [example(store, q) for _, q in sorted(load_queries(directory).items())]


def _shown(value: Any) -> str:
    return " ".join(map(str, value)) if isinstance(value, list) else str(value)
