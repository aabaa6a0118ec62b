"""Issue 5, scale: the constraints about "the cluster's actors" (region below the cluster's
region, or members) are evaluated set-at-a-time (amikg/validate/plans_actors.py). They must give the
per-cluster run's and pyshacl's results exactly, including the corner cases: the cluster itself as
the only witness (``?o != $this``), regions below regions (``skos:broader*``), members through
``org:Membership``, connections between a region actor and a member, a category marked not
applicable, clusters with no region, clusters with two regions."""

from __future__ import annotations

import pytest

from amikg.validate import engine as V
from amikg.store import open_store
from amikg.validate.plans_actors import ActorPlan
from synthetic import fill

ACTOR_CONSTRAINTS = {"cp-value-chain-sparql", "cp-smes-sparql", "cp-research-institutions-sparql",
                     "cp-connections-sparql", "cp-patents-sparql",
                     "cp-scientific-stakeholders-sparql", "cp-non-scientific-stakeholders-sparql"}

CORNERS = """
@prefix ami: <https://w3id.org/amikg/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix x: <https://example.org/t/> .

x:top skos:prefLabel "Top"@en .
x:mid skos:broader x:top .
x:low skos:broader x:mid .

# alone in its region, and the only SME / actor at a step there is the cluster itself
x:selfish a ami:Cluster, ami:SME ; rdfs:label "Selfish"@en ; ami:region x:island ;
    ami:actsAtStep ami:step-basic-research .
# region above the organisations' regions
x:upper a ami:Cluster ; rdfs:label "Upper"@en ; ami:region x:top ;
    ami:categoryNotApplicable ami:PatientAdvocate .
x:o1 a org:Organization, ami:SME, ami:University ; ami:region x:low ;
    ami:actsAtStep ami:step-basic-research ; ami:connectedWith x:o2 .
x:o2 a org:Organization, ami:Hospital ; ami:region x:mid .
x:pt ami:patentHolder x:o2 .
# no region: members only, one of them through an org:Membership, connected to a region actor
x:members a ami:Cluster ; rdfs:label "Members"@en ; org:hasMember x:o3 .
x:ms a org:Membership ; org:organization x:members ; org:member x:o4 .
x:o3 a org:Organization, ami:LargeCompany ; ami:connectedWith x:o4 .
x:o4 a org:Organization, ami:ResearchCenter ; ami:actsAtStep ami:step-manufacturing .
# two clusters in one region, each the other's only witness
x:twin1 a ami:Cluster, ami:SME ; rdfs:label "Twin 1"@en ; ami:region x:pair ;
    ami:connectedWith x:twin2 .
x:twin2 a ami:Cluster, ami:SME ; rdfs:label "Twin 2"@en ; ami:region x:pair .
# a connection whose one end is the cluster itself
x:hub a ami:Cluster ; rdfs:label "Hub"@en ; ami:region x:hubland ; ami:connectedWith x:o5 .
x:o5 a org:Organization ; ami:region x:hubland .
# two regions: a connection from an actor of one to an actor of the other counts
x:double a ami:Cluster ; rdfs:label "Double"@en ; ami:region x:east, x:west .
x:o6 a org:Organization ; ami:region x:east ; ami:connectedWith x:o7 .
x:o7 a org:Organization ; ami:region x:west .
"""


def _store(orgs: int, extra: str = ""):
    store = open_store("memory:")
    fill(store, orgs, extra)
    return store


def _keys(results):
    return {r.key() for r in results}


def test_every_actor_constraint_has_a_set_at_a_time_plan():
    planned = {str(c).rsplit("#", 1)[-1]
               for sh in V.compile_shapes(V.shapes_graph("roadmap"))
               for c, text, _ in sh.sparql if ActorPlan.of(text) is not None}
    assert planned == ACTOR_CONSTRAINTS


def test_other_forms_are_left_to_the_per_node_run():
    text = next(t for sh in V.compile_shapes(V.shapes_graph("roadmap"))
                for c, t, _ in sh.sparql if str(c).endswith("#cp-smes-sparql"))
    assert ActorPlan.of(text) is not None
    # another filter on $this, an actor variable used outside, a FILTER inside EXISTS
    assert ActorPlan.of(text.replace("FILTER (?o != ?this)", "FILTER (STR(?o) < STR(?this))")) is None
    assert ActorPlan.of(text.replace("SELECT ?this", "SELECT ?this ?o")) is None
    assert ActorPlan.of(text.replace("ami:SME }", "ami:SME FILTER (isIRI(?o)) }")) is None


def test_corner_cases_equal_the_per_node_run_and_pyshacl(monkeypatch):
    store = _store(300, CORNERS)
    sg = V.shapes_graph("roadmap")
    fast = V.run_sparql(store, sg)
    ref = V.run_pyshacl(V.store_graph(store), sg)
    assert _keys(fast) == _keys(ref)
    monkeypatch.setattr(V, "_actor_rows", lambda *a: None)
    assert _keys(V.run_sparql(store, sg)) == _keys(fast)
    by = {(str(r.focus).rsplit("/", 1)[-1], str(r.shape).rsplit("-", 1)[-1]) for r in fast}
    assert ("selfish", "smes") in by            # its own SME type does not count
    assert ("twin1", "smes") not in by          # the other twin does
    assert ("twin1", "connections") in by       # a connection with itself does not count
    assert ("hub", "connections") in by
    assert ("members", "connections") not in by  # hasMember x Membership
    assert ("double", "connections") not in by   # one end in each of its regions
    assert ("upper", "patents") not in by       # patent holder two regions below


@pytest.mark.slow
def test_set_at_a_time_equals_pyshacl_on_3k_organisations():
    store = _store(3000)
    sg = V.shapes_graph("roadmap")
    fast = V.run_sparql(store, sg)
    assert len(fast) > 300
    assert _keys(fast) == _keys(V.run_pyshacl(V.store_graph(store), sg))
    assert len({r.shape for r in fast}) >= 20, "the synthetic roadmap data exercises most shapes"
    assert len({r.focus for r in fast}) >= 30, "results for (at least) each of the 30 clusters"
