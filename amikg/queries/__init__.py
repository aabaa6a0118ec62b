"""Named queries: ``queries/*.rq`` files whose ``#+`` YAML header declares them (grlc style).

A header declares the name, a one-line summary, a description, the parameters and the result
columns; nothing about a query is described anywhere else (the CLI, the HTTP API and the OpenAPI
document are generated from it)::

    #+ name: smes
    #+ summary: SMEs per region, with their competencies
    #+ params:
    #+   - name: region
    #+     type: enum
    #+     class: ami:Region
    #+     example: RO21
    #+ columns:
    #+   - {name: org, description: the SME}

Parameter types: ``iri``, ``string``, ``integer``, ``date``, ``boolean``, ``enum`` (an instance
of an ontology class, sub-classes included: given as an IRI, a prefixed name, its
``skos:notation`` or its label) and ``class`` (a class under one of ``roots``). ``multiple: true``
accepts the parameter several times.

**Values are bound, never pasted.** Every value is validated and turned into a pyoxigraph term; the
terms are serialised by pyoxigraph (hence escaped) into ``VALUES`` blocks:

* if the query text holds a block ``VALUES ?name { }`` (or ``{ UNDEF }``), its rows replace that
  block's content, wherever it is (subqueries, ``EXISTS``, ``UNION`` branches). An absent parameter
  leaves the block as written: ``{ }`` matches nothing, ``{ UNDEF }`` leaves ``?name`` unbound.
  The file stays a valid query that runs as is.
* otherwise single values are bound by one ``VALUES`` row opening the first WHERE group (the same
  binding as :meth:`amikg.store.Store.query`), and an absent parameter leaves the variable unbound.

**Paging inside the query.** By default the page is a ``LIMIT``/``OFFSET`` appended to the query.
A query that ranks many rows but decorates (labels, lists) only the rows it returns pages an inner
sub-select instead, marked with an end-of-line comment, so the file still runs as is::

    } ORDER BY DESC(?score) LIMIT 20  # page-end     ->  LIMIT offset+limit (rows up to the page's end)
    } ORDER BY DESC(?score) ?name LIMIT 20  # page   ->  LIMIT limit OFFSET offset (the page)

When a ``# page`` marker is present, nothing is appended but a ``LIMIT`` (the outer query only
decorates the page, so it returns at most that many rows anyway).

**List columns.** A column the query computes as ``(GROUP_CONCAT(...) AS ?column)`` (at the top or
in a sub-select whose variable the query returns as is) is a *list column*; a header column may
also say so itself (``list: true``, or ``list: false`` to opt out). An empty list is unbound in
every backend's answer: Oxigraph leaves a ``GROUP_CONCAT`` over no value unbound, Virtuoso gives
``""``, and :func:`run_query` unbinds an empty string in a list column whatever the store
(:func:`unbind_empty_lists`). A query that wants ``""`` writes ``COALESCE(?list, "")`` into a
column of another name.
"""

from .examples import Example, example, example_params, examples
from .header import (DEFAULT_LIMIT, MAX_LIMIT, MAX_STRING, MAX_VALUES, RESERVED, TYPES,
                     NamedQuery, Param, expand, get_query, group_concat_variables, load_queries,
                     parse_query, queries_dir)
from .openapi import openapi
from .params import bind_params
from .render import page, render
from .run import QueryRun, query_params_from_multidict, run_query, to_json, unbind_empty_lists

__all__ = ["Example", "example", "example_params", "examples", "DEFAULT_LIMIT", "MAX_LIMIT", "MAX_STRING", "MAX_VALUES", "RESERVED", "TYPES",
           "NamedQuery", "Param", "expand", "get_query", "group_concat_variables",
           "load_queries", "parse_query", "queries_dir", "openapi", "bind_params", "page",
           "render", "QueryRun", "query_params_from_multidict", "run_query", "to_json",
           "unbind_empty_lists"]
