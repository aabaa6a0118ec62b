"""Issue 5, scale: a set-at-a-time constraint's top-level ``FILTER [NOT] EXISTS`` (and
``OPTIONAL { X } FILTER (!BOUND(?v))``) run as plain queries joined in Python
(amikg/validate/plans_exists.py), because Oxigraph evaluates such an EXISTS against a ``VALUES``
block as if the block's variable were unknown (8 s per 1,000 clusters at 1M organisations). The
plan must give the rows SHACL's pre-binding gives, and refuse the forms where it would not."""

from __future__ import annotations

import pytest

from amikg.validate import engine as V
from amikg.store import open_store
from amikg.validate.plans_exists import ExistsPlan, Unplanned
from synthetic import fill

PREFIXES = """PREFIX ami: <https://w3id.org/amikg/ontology#>
PREFIX x: <https://example.org/t/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

DATA = """
@prefix ami: <https://w3id.org/amikg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix x: <https://example.org/t/> .
x:a1 a x:Area ; rdfs:label "one"@en .
x:a2 a x:Area ; rdfs:label "two"@en .
x:a3 a x:Area ; rdfs:label "three"@en ; x:retired true .
x:c1 a ami:Cluster ; x:offers x:a1 ; x:office x:mo1 .
x:mo1 x:offers x:a2 ; x:staff x:p1 .
x:p1 x:covers x:a3 .
x:c2 a ami:Cluster ; x:offers x:a1, x:a2, x:a3 ; x:partner x:c1 .
x:c3 a ami:Cluster ; x:office x:mo3 ; x:optional x:a1 .
x:mo3 x:staff x:p3 .
x:p3 x:covers x:a1 .
x:c4 a ami:Cluster .
"""

FOCUS = ["c1", "c2", "c3", "c4"]

FORMS = {
    "not-exists, shared focus and value": """
        SELECT ?this ?value ?label WHERE {
          ?value a x:Area ; rdfs:label ?label .
          FILTER NOT EXISTS { ?this x:offers ?value }
          FILTER NOT EXISTS { ?this x:office ?mo . ?mo x:offers ?value }
        }""",
    "exists with a union": """
        SELECT ?this WHERE {
          FILTER EXISTS { { ?this x:offers x:a2 } UNION { ?this x:office ?o . ?o x:offers x:a2 } }
        }""",
    "a clause without the focus node": """
        SELECT ?this ?value WHERE {
          ?this x:offers ?value .
          FILTER NOT EXISTS { ?value x:retired true }
        }""",
    "optional and not bound, an exists inside": """
        SELECT ?this ?value WHERE {
          ?value a x:Area .
          OPTIONAL {
            ?this x:office ?mo .
            FILTER EXISTS { { ?mo x:staff ?p . ?p x:covers ?value } UNION { ?mo x:offers ?value } }
          }
          FILTER (!BOUND(?mo))
        }""",
    "an exists and a not exists": """
        SELECT ?this ?who WHERE {
          FILTER EXISTS { ?this x:offers ?any }
          FILTER NOT EXISTS { ?this x:partner ?p }
          BIND ("no partner" AS ?who)
        }""",
}


@pytest.fixture(scope="module")
def store():
    s = open_store("memory:")
    s.raw.load(DATA.encode(), format=V.ox.RdfFormat.TURTLE)
    return s


def _focus():
    return [V.URIRef(f"https://example.org/t/{n}") for n in FOCUS]


def _rows(rows) -> list:
    """Rows as sorted tuples of (variable, local name), comparable across engines."""
    return sorted(tuple(sorted((k, str(v.value if hasattr(v, "value") else v).rsplit("/", 1)[-1])
                               for k, v in r.items())) for r in rows)


def _prebound(store, text):
    """Each focus node substituted (SHACL's pre-binding), the query as written."""
    return _rows(V._solutions(store, text, _focus()))


def _planned(store, text):
    plan = ExistsPlan.of(text)
    assert plan is not None
    return _rows(plan.rows(store, V._values("this", _focus())))


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_plan_gives_the_pre_bound_rows(store, form):
    text = PREFIXES + FORMS[form]
    expected = _prebound(store, text)
    assert expected, "the fixture makes every form return rows"
    assert _planned(store, text) == expected


def test_the_forms_have_their_expected_answers(store):
    # hand-checked against DATA
    rows = _planned(store, PREFIXES + FORMS["not-exists, shared focus and value"])
    assert {(r["this"], r["value"]) for r in map(dict, rows)} == {
        ("c1", "a3"), ("c3", "a1"), ("c3", "a2"), ("c3", "a3"),
        ("c4", "a1"), ("c4", "a2"), ("c4", "a3")}
    rows = _planned(store, PREFIXES + FORMS["optional and not bound, an exists inside"])
    # c2 and c4 have no office; c1's office covers a2 and a3; c3's covers a1
    assert {(r["this"], r["value"]) for r in map(dict, rows)} == {
        ("c1", "a1"), ("c2", "a1"), ("c2", "a2"), ("c2", "a3"), ("c3", "a2"), ("c3", "a3"),
        ("c4", "a1"), ("c4", "a2"), ("c4", "a3")}
    rows = _planned(store, PREFIXES + FORMS["a clause without the focus node"])
    assert {(r["this"], r["value"]) for r in map(dict, rows)} == {
        ("c1", "a1"), ("c2", "a1"), ("c2", "a2")}
    rows = _planned(store, PREFIXES + FORMS["an exists and a not exists"])
    assert {r["this"] for r in map(dict, rows)} == {"c1"}


@pytest.mark.parametrize("text", [
    # a shared variable bound in one branch of a union only
    "SELECT ?this ?value WHERE { ?value a x:Area . "
    "FILTER NOT EXISTS { { ?this x:offers ?value } UNION { ?this x:office ?o } } }",
    # a shared variable seen only by a filter inside the clause
    "SELECT ?this ?value WHERE { ?value a x:Area . "
    "FILTER NOT EXISTS { ?this x:offers ?v FILTER (?v = ?value) } }",
    # nothing to split
    "SELECT ?this WHERE { ?this x:offers ?v }",
])
def test_forms_that_would_change_the_answer_get_no_plan(text):
    assert ExistsPlan.of(PREFIXES + text) is None


def test_an_optional_whose_variable_is_used_elsewhere_is_not_an_anti_join():
    text = PREFIXES + """SELECT ?this ?mo WHERE {
        OPTIONAL { ?this x:office ?mo } FILTER (!BOUND(?mo)) FILTER NOT EXISTS { ?this x:x ?mo } }"""
    plan = ExistsPlan.of(text)
    assert plan is None or all("x:office" not in inner for _, inner, _ in plan.clauses)


def test_an_unbound_shared_variable_falls_back_to_the_query_as_written(store):
    text = PREFIXES + """SELECT ?this ?value WHERE {
        OPTIONAL { ?this x:optional ?value }
        FILTER NOT EXISTS { ?this x:offers ?value } }"""
    plan = ExistsPlan.of(text)
    with pytest.raises(Unplanned):
        plan.rows(store, V._values("this", _focus()))
    assert _rows(V._set_rows(store, text, _focus())) == _prebound(store, text)


def test_the_roadmap_constraints_that_were_slow_have_a_plan():
    planned = {str(c).rsplit("#", 1)[-1]
               for sh in V.compile_shapes(V.shapes_graph("roadmap"))
               for c, text, _ in sh.sparql if V.set_safe(text) and ExistsPlan.of(text)}
    assert {"act-consultation-sparql", "cp-management-office-sparql", "act-know-members-listed",
            "act-know-members-competencies",
            "cp-internal-processes-sparql", "cp-mission-values-goals-sparql"} <= planned


@pytest.mark.slow
def test_planned_validation_equals_the_unplanned_one_on_3k_organisations(monkeypatch):
    store = open_store("memory:")
    fill(store, 3000)
    sg = V.shapes_graph("roadmap")
    fast = V.run_sparql(store, sg)
    assert len(fast) > 300
    monkeypatch.setattr(ExistsPlan, "of", classmethod(lambda cls, text: None))
    assert {r.key() for r in V.run_sparql(store, sg)} == {r.key() for r in fast}


def test_an_optional_before_the_pattern_that_binds_its_shared_variable_is_not_an_anti_join(store):
    # OPTIONAL { X } sees only what is bound before it: here ?value is bound after it, so the
    # left join matches any ?value and the query is not NOT EXISTS { X } with ?value shared
    text = PREFIXES + """SELECT ?this ?value WHERE {
        OPTIONAL { ?this x:offers ?value . ?this x:office ?mo }
        ?value a x:Area .
        FILTER (!BOUND(?mo)) }"""
    plan = ExistsPlan.of(text)
    assert plan is None or not plan.clauses
    assert _rows(V._set_rows(store, text, _focus())) == _prebound(store, text)


def test_blank_node_values_fall_back_to_the_query_as_written():
    # a clause without $this is bound by the rows' own values, and SPARQL cannot write a blank
    # node in VALUES: the block runs as written instead
    s = open_store("memory:")
    s.raw.load(DATA.encode() + b"x:c4 x:offers [ x:retired true ] , [ x:retired false ] .",
               format=V.ox.RdfFormat.TURTLE)
    text = PREFIXES + FORMS["a clause without the focus node"]
    with pytest.raises(Unplanned):
        ExistsPlan.of(text).rows(s, V._values("this", _focus()))
    rows = _rows(V._set_rows(s, text, _focus()))
    assert rows == _prebound(s, text) and len(rows) == 4  # c4's retired offer is not one
