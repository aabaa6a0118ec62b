"""Running a named query: validated parameters, the rendered text, one page of solutions, and
the JSON the API returns."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import pyoxigraph as ox

from ..store import Store
from .header import XSD, NamedQuery, get_query
from .params import bind_params
from .render import page, render

@dataclass
class QueryRun:
    """The answer of :func:`run_query`: pyoxigraph solutions of one page, and the page."""

    query: NamedQuery
    solutions: Any
    limit: int
    offset: int
    params: dict[str, list]
    sparql: str

    def rows(self) -> list[dict]:
        """The page as a list of ``{column: JSON value}`` (IRIs as strings, numbers as numbers)."""
        names = [v.value for v in self.solutions.variables]
        return [{n: to_json(s[n]) for n in names} for s in self.solutions]

    def result(self) -> dict:
        """The JSON document the API returns."""
        rows = self.rows()
        total = self.offset + len(rows) if len(rows) < self.limit else None
        return {"query": self.query.name,
                "params": {k: [to_json(t) for t in v] for k, v in self.params.items()},
                "columns": [c["name"] for c in self.query.columns],
                "limit": self.limit, "offset": self.offset, "total": total,
                "has_more": total is None, "rows": rows}


def to_json(term) -> Any:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt = term.datatype.value if term.datatype else ""
        if dt in (XSD + "integer", XSD + "int", XSD + "long"):
            return int(term.value)
        if dt in (XSD + "decimal", XSD + "double", XSD + "float"):
            return float(term.value)
        if dt == XSD + "boolean":
            return term.value in ("true", "1")
        return term.value
    return term.value


def run_query(store: Store, name: str, params: dict[str, Any] | None = None, *,
              limit: Any = None, offset: Any = None, directory: Path | None = None,
              timeout: float | None = None, executor=None) -> QueryRun:
    """Run the named query ``name`` with validated, bound parameters, one page at a time.

    With an ``executor`` (:class:`amikg.executor.Executor`, as the server has) the query runs
    under the service's time limit (``timeout``, default ``AMIKG_QUERY_TIMEOUT``) and result-size
    limit, in a killable worker process for the embedded store. Either way the query sees what
    ``store`` shows: a reader's view (:func:`amikg.access.read_view`) narrows it.

    :raise ParameterError: bad parameters or page. :raise QueryTimeout: past the time limit.
    """
    q = get_query(name, directory)
    lim, off = page(q, limit, offset)
    bound = bind_params(store, q, dict(params or {}))
    sparql = render(q, bound, lim, off)
    if executor is None:
        solutions = store.query(sparql, timeout=timeout)
        if q.list_columns:
            solutions = unbind_empty_lists(
                solutions.serialize(format=ox.QueryResultsFormat.JSON), q.list_columns)
    else:  # the worker runs it over the dataset the store (a reader's view of it) would
        default_graph, named_graphs = store.dataset(sparql)
        answer = executor.query(sparql, "json", timeout=timeout, default_graph=default_graph,
                                named_graphs=named_graphs)
        solutions = unbind_empty_lists(answer.body, q.list_columns)
    return QueryRun(q, solutions, lim, off, bound, sparql)


def unbind_empty_lists(json_results: bytes, columns) -> Any:
    """SPARQL JSON results as pyoxigraph solutions, with every ``""`` in one of ``columns`` (the
    query's list columns) unbound: the same empty list on every backend."""
    fmt = ox.QueryResultsFormat.JSON
    if not columns or not re.search(rb'"value"\s*:\s*""', json_results):
        return ox.parse_query_results(json_results, format=fmt)
    doc = json.loads(json_results)
    for row in doc.get("results", {}).get("bindings", []):
        for c in columns:
            t = row.get(c)
            if t is not None and t.get("type") in ("literal", "typed-literal") \
                    and t.get("value") == "":
                del row[c]
    return ox.parse_query_results(json.dumps(doc).encode(), format=fmt)


def query_params_from_multidict(items: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Repeated query-string parameters (``?competency=pet&competency=ct``) as name -> list."""
    out: dict[str, list[str]] = {}
    for k, v in items:
        out.setdefault(k, []).append(v)
    return out
