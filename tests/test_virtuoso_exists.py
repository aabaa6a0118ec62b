"""The EXISTS / empty-VALUES rewrites of :mod:`amikg.store.virtuoso.dialect` (issue 10), checked on every
backend: the same queries give the same rows everywhere, and the text rewrites are exact."""

from __future__ import annotations

import re

import pyoxigraph as ox

from amikg.store.virtuoso.dialect import (bind_top_values, distinct_alternatives, empty_values,
                                          exists_in_optional, filter_only_exists,
                                          minus_into_grouped, not_exists_triples, rewrite,
                                          unbound_counts, values_branches, values_tests)
from amikg.store.virtuoso.inline import grouped_sub_selects

EX = "urn:x-test:"


def _fill(store) -> None:
    g = ox.NamedNode(EX + "g")
    p, q = ox.NamedNode(EX + "p"), ox.NamedNode(EX + "q")
    a, b, c = (ox.NamedNode(EX + x) for x in "abc")
    store.add([ox.Quad(a, p, b, g), ox.Quad(b, p, c, g), ox.Quad(c, q, a, g),
               ox.Quad(a, q, b, g)])


def _full(q: str) -> str:
    """Full IRIs, as the named queries write parameter values."""
    return re.sub(r"(?<![\w<?]):(\w+)", rf"<{EX}\1>", q)


def _rows(store, q):
    res = store.query(_full(q))
    names = [v.value for v in res.variables]
    return sorted(tuple(str(s[n]) if s[n] is not None else "" for n in names) for s in res)


QUERIES = [
    # an absent parameter (empty block) and a given one, asked with [NOT] EXISTS
    "SELECT ?s WHERE { ?s :p ?o FILTER(NOT EXISTS { VALUES ?x { } }) }",
    "SELECT ?s WHERE { ?s :p ?o FILTER(EXISTS { VALUES ?x { } }) }",
    "SELECT ?s WHERE { ?s :p ?o FILTER(NOT EXISTS { VALUES ?x { :a } }) }",
    "SELECT ?s WHERE { ?s :p ?o FILTER(EXISTS { VALUES ?s { :a } }) }",
    "SELECT ?s WHERE { ?s :p ?o FILTER(EXISTS { VALUES ?x { :c } ?o :p ?x }) }",
    "SELECT ?s ?x WHERE { ?s :p ?o OPTIONAL { ?o :p ?x } "
    "FILTER(EXISTS { VALUES ?x { :c :b } ?s :p ?y . ?y :p ?x }) }",
    "SELECT ?s ?o WHERE { { ?x :q ?o BIND(?x AS ?s) } UNION "
    "{ FILTER(NOT EXISTS { VALUES ?x { :a } }) ?s :p ?o } }",
    "SELECT ?s WHERE { ?s :p ?o FILTER(NOT EXISTS { VALUES ?x { :c :b } ?s :p ?x }) }",
    # a UNION branch, OPTIONAL and MINUS over an empty block
    "SELECT ?s ?o WHERE { { VALUES ?s { :a } } UNION { VALUES ?c { } ?s :q ?c } ?s :p ?o }",
    "SELECT ?s ?o WHERE { ?s :p ?o OPTIONAL { VALUES ?s { } ?s :q ?o } }",
    "SELECT ?s ?o WHERE { ?s :p ?o MINUS { VALUES ?s { } } }",
    # how many values a parameter has
    "SELECT ?s ?n WHERE { { SELECT (COUNT(*) AS ?n) WHERE { VALUES ?x { :a :b } } } ?s :q ?o }",
    "SELECT ?s ?n WHERE { { SELECT (COUNT(*) AS ?n) WHERE { VALUES ?x { } } } ?s :q ?o }",
    # the top VALUES row seen inside EXISTS
    "SELECT ?s WHERE { VALUES ?x { :c } ?s :p ?o FILTER(!BOUND(?x) || EXISTS { ?s :p/:p* ?x }) }",
    # EXISTS inside OPTIONAL seeing a variable bound outside the OPTIONAL (?s)
    "SELECT ?s ?x WHERE { ?s :p ?o OPTIONAL { ?o :p ?x FILTER EXISTS { ?x :q ?s } } }",
    "SELECT ?s ?x WHERE { ?s :p ?o OPTIONAL { ?o :p ?x FILTER(EXISTS { ?x :q ?y . ?y :p ?o }) } }",
    "SELECT ?s ?x WHERE { ?s :p ?o OPTIONAL { ?o :p ?x FILTER EXISTS { ?x :q ?s } "
    "FILTER(?x != ?s) } FILTER(!BOUND(?x)) }",
    # a count of a variable bound nowhere (its group dropped for an absent parameter)
    "SELECT ?s ?n WHERE { { SELECT ?s (IF(COUNT(?z) > 0, 1, 0) AS ?n) WHERE { "
    "{ ?s :p ?o } UNION { VALUES ?x { } ?s :q ?z } } GROUP BY ?s } }",
    # a UNION branch holding only a VALUES block
    "SELECT ?s ?o ?x WHERE { { VALUES ?x { :a :b } } UNION { ?s :q ?o } }",
    "SELECT ?s ?o ?x WHERE { { ?s :q ?o } UNION { VALUES (?x ?s) { (:a :b) } } }",
    # an alternative path: each pair once (a :p :b and a :q :b)
    "SELECT ?s ?o WHERE { ?s :p ?x OPTIONAL { ?s :p|:q ?o } }",
    "SELECT ?s ?o WHERE { VALUES ?s { :a :b } ?s (:p|^:q) ?o . }",
    # EXISTS holding only a filter on the row's variables
    "SELECT ?s ?x WHERE { ?s :p ?o OPTIONAL { ?o :p ?x } "
    "FILTER(!BOUND(?x) || EXISTS { FILTER(?x = :c) }) }",
    "SELECT ?s WHERE { ?s :p ?o FILTER(NOT EXISTS { FILTER(?o = :b) }) }",
    # two NOT EXISTS in one group (Virtuoso ignored the first: the first sent as OPTIONAL/!BOUND)
    "SELECT ?s WHERE { VALUES ?s { :a :b :c } FILTER NOT EXISTS { ?s :q ?z } "
    "FILTER NOT EXISTS { ?x :p ?s ; :q ?s } }",
    "SELECT ?s WHERE { ?s :p ?o FILTER(NOT EXISTS { ?s :q ?z }) FILTER NOT EXISTS { ?o :p ?y . "
    "?y :p ?w } }",
    # MINUS on a group key moved into the grouped sub-select; on another variable left after it
    "SELECT ?s ?n WHERE { { SELECT ?s (COUNT(?o) AS ?n) WHERE { ?s :p|:q ?o } GROUP BY ?s } "
    "MINUS { ?s :q :a } MINUS { ?n :p ?s } OPTIONAL { ?s :q ?z } }",
    # a small table (a sub-select with LIMIT, sent to Virtuoso as its rows), in an OPTIONAL
    "SELECT ?s ?o ?n WHERE { { SELECT ?s WHERE { ?s :p ?x } ORDER BY ?s LIMIT 1 } "
    "OPTIONAL { { SELECT ?s (1 AS ?n) WHERE { ?s :q ?y } LIMIT 10 } ?s :p ?o } }",
    # grouped sub-selects in OPTIONAL groups (sent to Virtuoso as their rows)
    "SELECT ?s ?n ?m WHERE { ?s :p ?o OPTIONAL { SELECT ?s (COUNT(*) AS ?n) WHERE { ?s :q ?x } "
    "GROUP BY ?s } OPTIONAL { { SELECT ?o (COUNT(?y) AS ?m) WHERE { ?o :p ?y } GROUP BY ?o } } }",
    # a grouped sub-select beside MINUS (sent to Virtuoso as its rows)
    "SELECT ?s ?n WHERE { { SELECT ?s (COUNT(?o) AS ?n) WHERE { { ?s :p ?o } UNION { ?s :q ?o } } "
    "GROUP BY ?s } MINUS { ?s :q ?x } MINUS { ?s :p :a } OPTIONAL { ?s :p ?y } }",
]


def test_the_rewritten_queries_answer_as_the_standard_says(any_store):
    _fill(any_store)
    from amikg.store import open_store
    mem = open_store("memory:")
    _fill(mem)
    for q in QUERIES:
        assert _rows(any_store, q) == _rows(mem, q), q
        assert _rows(mem, rewrite(_full(q))) == _rows(mem, q), q  # the rewrite is the same query


def test_the_rewrites():
    assert values_tests("FILTER(NOT EXISTS { VALUES ?x { } })") == "FILTER((1 = 1))"
    assert values_tests("FILTER(EXISTS { VALUES ?x { } } || ?y)") == "FILTER((1 = 0) || ?y)"
    assert values_tests("{ ?x ?p ?o FILTER(EXISTS { VALUES ?x { <a> <b> } }) }") == \
        "{ ?x ?p ?o FILTER((!BOUND(?x) || ?x IN (<a>, <b>))) }"
    # ?x not in the filter's group: unbound there, so the block has a solution
    assert values_tests("{ { ?x ?p ?o } UNION { ?s ?p ?o FILTER(NOT EXISTS { VALUES ?x { <a> } }) "
                        "} }") == "{ { ?x ?p ?o } UNION { ?s ?p ?o FILTER((1 = 0)) } }"
    assert values_tests('FILTER(EXISTS { VALUES ?x { "a" } })') == \
        'FILTER(EXISTS { VALUES ?x { "a" } })'  # literals: as written
    assert values_tests("FILTER(EXISTS { VALUES ?x { <a> } ?s <p> ?x })") == \
        "FILTER((EXISTS { ?s <p> <a> }))"
    # ?x bound in the filter's group: the value written in only where ?x is unbound or equal
    assert values_tests("SELECT ?x { ?x ?p ?o FILTER(EXISTS { VALUES ?x { <a> } ?s <p> ?x }) }") \
        == "SELECT ?x { ?x ?p ?o FILTER((((!BOUND(?x) || ?x IN (<a>)) && EXISTS { ?s <p> <a> }))) }"
    assert empty_values("{ { ?a ?b ?c } UNION { VALUES ?x { } ?a ?b ?x } }") == \
        "{ { ?a ?b ?c }  }"
    assert empty_values("{ ?a ?b ?c OPTIONAL { VALUES ?x { } ?a ?b ?x } }") == "{ ?a ?b ?c  }"
    assert empty_values("{ SELECT * { VALUES ?x { } } }") == "{ SELECT * { VALUES ?x { } } }"
    assert bind_top_values("SELECT * WHERE { VALUES ?x { <a> } ?s ?p ?x "
                           "FILTER EXISTS { ?s <q> ?x } }") == \
        "SELECT * WHERE { VALUES ?x { <a> } ?s ?p ?x FILTER EXISTS { ?s <q> <a> } }"
    q = "SELECT * WHERE { VALUES ?x { <a> } { SELECT ?s { ?s ?p ?o FILTER EXISTS { ?s <q> ?x } } } }"
    assert bind_top_values(q) == q  # inside a sub-select ?x is another variable
    assert exists_in_optional("SELECT * { ?s <p> ?o OPTIONAL { ?o <q> ?x FILTER EXISTS { "
                              "?x <r> ?s . ?s <t> ?z } } }") == \
        "SELECT * { ?s <p> ?o OPTIONAL { ?o <q> ?x  { SELECT DISTINCT ?x ?s WHERE { " \
        "?x <r> ?s . ?s <t> ?z } }  } }"
    # a shared variable bound nowhere before (?y): the join could bind it, so as written
    q = "SELECT * { ?s <p> ?o OPTIONAL { ?o <q> ?x FILTER EXISTS { ?x <r> ?y } } } ORDER BY ?y"
    assert exists_in_optional(q) == q
    q = "SELECT ?s ?y { ?s <p> ?o OPTIONAL { ?o <q> ?x FILTER EXISTS { ?x <r> ?y } } }"
    assert exists_in_optional(q) == q  # (projected is not bound)
    q = "SELECT * { ?s <p> ?o OPTIONAL { ?o <q> ?x FILTER(?x = ?s || EXISTS { ?x <r> ?s }) } }"
    assert exists_in_optional(q) == q  # EXISTS within a larger filter: as written
    assert unbound_counts("SELECT ?s (IF(COUNT(DISTINCT ?z) > 0, 1, 0) AS ?n) "
                          "{ ?s ?p ?o } GROUP BY ?s") == \
        "SELECT ?s (IF(0 > 0, 1, 0) AS ?n) { ?s ?p ?o } GROUP BY ?s"
    q = "SELECT (COUNT(?z) AS ?n) { ?s ?p ?o }"  # not grouped: one row even when empty
    assert unbound_counts(q) == q
    assert distinct_alternatives("{ OPTIONAL { ?s <p>|^<q> ?o } ?s <p>|<q> ?o ; <r> ?z }") == \
        "{ OPTIONAL { { { ?s <p> ?o } UNION { ?o <q> ?s FILTER NOT EXISTS { ?s <p> ?o } } } } " \
        "?s <p>|<q> ?o ; <r> ?z }"  # (before ';': as written)
    assert distinct_alternatives("{ ?s (<p>|<q>)* ?o }") == "{ ?s (<p>|<q>)* ?o }"
    assert filter_only_exists("FILTER(!BOUND(?x) || EXISTS { FILTER(?x = <c>) })") == \
        "FILTER(!BOUND(?x) || COALESCE((?x = <c>), false))"
    assert minus_into_grouped(
        "{ { SELECT ?c (COUNT(?x) AS ?n) WHERE { ?c <p> ?x } GROUP BY ?c } MINUS { ?c a <C> } "
        "MINUS { ?n <q> ?c } }") == \
        "{ { SELECT ?c (COUNT(?x) AS ?n) WHERE { ?c <p> ?x  MINUS { ?c a <C> } } GROUP BY ?c } " \
        "MINUS { ?n <q> ?c } }"  # (?n is an aggregate: that MINUS stays after the groups)
    q = "{ ?c <q> ?d { SELECT ?c (COUNT(?x) AS ?n) { ?c <p> ?x } GROUP BY ?c } MINUS { ?c a <C> } }"
    assert minus_into_grouped(q) == q  # not first in its group: MINUS sees ?d's rows too
    assert values_branches("{ { VALUES ?x { <a> } } UNION { ?s ?p ?o } { VALUES ?y { <b> } } }") \
        == "{ { SELECT * WHERE { VALUES ?x { <a> } } } UNION { ?s ?p ?o } { VALUES ?y { <b> } } }"
    assert not_exists_triples("{ VALUES ?s { <a> } FILTER NOT EXISTS { ?s <q> ?z . ?z <p> ?y } "
                              "FILTER NOT EXISTS { ?o <r> ?s } }") == \
        "{ VALUES ?s { <a> }  FILTER NOT EXISTS { ?o <r> ?s }  OPTIONAL { ?s <q> ?z . ?z <p> ?y }" \
        " FILTER(!BOUND(?y)) }"
    q = "{ VALUES ?s { <a> } ?s <p> ?o FILTER NOT EXISTS { ?s <q> ?o } FILTER NOT EXISTS { ?o <r> " \
        "?s } }"
    assert not_exists_triples(q) == q  # nothing used only inside: as written
    q = "{ ?s <p> ?o FILTER NOT EXISTS { ?s <q> ?z } FILTER NOT EXISTS { ?o <r> ?s } }"
    assert not_exists_triples(q) == q  # ?s is not bound by a VALUES block: as written
    q = "{ VALUES ?s { <a> } FILTER NOT EXISTS { ?s <q> ?z } }"
    assert not_exists_triples(q) == q  # alone in its group: as written
    # strings and comments are not rewritten
    q = 'SELECT * WHERE { ?s ?p "EXISTS { VALUES ?x { } }" } # EXISTS { VALUES ?x { } }'
    assert rewrite(q) == q


def _runner(store):
    """What :func:`grouped_sub_selects` is given to run a sub-select: its variables and rows."""
    def run(q):
        res = store.query(q)
        names = [v.value for v in res.variables]
        return names, [[s[n] for n in names] for s in res]
    return run


def test_small_and_grouped_sub_selects_are_sent_as_their_rows():
    from amikg.store import open_store
    mem = open_store("memory:")
    _fill(mem)
    run = _runner(mem)

    q = _full(QUERIES[-1])
    done = grouped_sub_selects(q, run)
    assert "SELECT ?s (COUNT" not in done and "{ VALUES (?n ?s) { (" in done
    assert _rows(mem, done) == _rows(mem, q)
    q = _full(QUERIES[-2])
    done = grouped_sub_selects(q, run)
    assert "SELECT" not in done.replace("SELECT ?s ?n ?m", "") and done.count("VALUES") == 2
    assert _rows(mem, done) == _rows(mem, q)
    q = _full(QUERIES[-3])
    done = grouped_sub_selects(q, run)
    assert "LIMIT" not in done and done.count("VALUES") == 2
    assert _rows(mem, done) == _rows(mem, q)
    # not grouped, or no MINUS after it and not in an OPTIONAL: as written
    for q in ["SELECT * { { SELECT ?s WHERE { ?s ?p ?o } } MINUS { ?s ?p 1 } }",
              "SELECT * { { SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s } ?s ?p ?o }"]:
        assert grouped_sub_selects(q, run) == q
    assert grouped_sub_selects(_full(QUERIES[-1]), lambda q: None) == _full(QUERIES[-1])


#: Parameters the named-query tests use (tests/test_queries.py), run through the rewrites.
NAMED = [
    ("partner-search", dict(competency=["PET"], region=["RO21"], for_cluster="amid:cluster/fx-alpha",
                            exclude_cluster=["amid:cluster/fx-alpha"])),
    ("partner-search", dict(competency=["PET"], step="clinical-validation", region=["RO21"],
                            for_cluster="amid:cluster/fx-alpha",
                            exclude_cluster=["amid:cluster/fx-alpha"])),
    ("partner-search", dict(step="manufacturing", category=["ResearchInstitution"])),
    ("connections", dict(cluster="amid:cluster/fx-alpha")),
    ("connections", dict(org="amid:org/fx-uni")),
    ("checkpoint-status", dict(cluster="amid:cluster/fx-beta")),
    ("checkpoint-status", dict(with_status="open")),
    ("checkpoint-status", dict(phase="ami:phase-market")),
    ("cluster-overview", {}),
    ("cluster-overview", dict(cluster="amid:cluster/fx-alpha")),
    ("key-players", dict(cluster="amid:cluster/fx-alpha")),
    ("key-players", dict(region="DE")),
    ("stakeholders-by-category", dict(region="RO21", category="ResearchInstitution")),
    ("value-chain-coverage", dict(region="RO")),
    ("marketing-measures", dict(target_group="internal", min_importance="3")),
    ("funding-options", {}),
    ("technologies-and-niches", dict(cluster="amid:cluster/fx-alpha")),
    ("patents", dict(technology="radiology")),
    ("smes", dict(region="HU3")),
    ("research-institutions", dict(region="RO21")),
]


def test_the_named_queries_rewritten_for_virtuoso_answer_the_same_on_oxigraph():
    """Every Virtuoso rewrite of amikg.store.virtuoso.store.VirtuosoStore.query (dialect, grouped sub-selects
    as rows, inlined paths, VALUES split) applied to the named queries, run on Oxigraph: the
    same rows as the text as written."""
    import sys
    from pathlib import Path

    from amikg.namespaces import PREFIXES
    from amikg.queries import bind_params, get_query, render
    from amikg.store import open_store
    from amikg.store.virtuoso.inline import split_lang_values as _split_lang_values
    from amikg.store.virtuoso.paths import inline_paths

    sys.path.insert(0, str(Path(__file__).parent))
    from test_queries import fill

    mem = open_store("memory:")
    fill(mem)
    run = _runner(mem)

    def edges(iri):
        return [(s["a"], s["b"]) for s in mem.query(f"SELECT ?a ?b WHERE {{ ?a <{iri}> ?b }}")]

    def cell(t):  # lists (GROUP_CONCAT) in any order
        if t is None:
            return ""
        if isinstance(t, ox.Literal):
            return "|".join(sorted(re.split(r"[;,] ", t.value)))
        return str(t)

    def answer(q):
        res = mem.query(q)
        names = [v.value for v in res.variables]
        return sorted(tuple(cell(s[n]) for n in names) for s in res)

    for name, params in NAMED:
        q = get_query(name)
        text = render(q, bind_params(mem, q, params), q.limit, 0)
        sent = _split_lang_values(inline_paths(grouped_sub_selects(rewrite(text), run), edges,
                                               PREFIXES))
        assert answer(sent) == answer(text), (name, params)


def test_a_sub_select_sent_as_its_rows_sees_the_query_dataset(any_store):
    _fill(any_store)
    other = EX + "other"
    any_store.add([ox.Quad(ox.NamedNode(EX + "z"), ox.NamedNode(EX + "p"), ox.NamedNode(EX + "y"),
                           ox.NamedNode(other))])
    q = f"SELECT ?s WHERE {{ {{ SELECT ?s WHERE {{ ?s <{EX}p> ?o }} LIMIT 10 }} }}"
    assert [s["s"].value for s in any_store.query(q, default_graph=[other])] == [EX + "z"]
