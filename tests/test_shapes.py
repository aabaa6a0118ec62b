"""The shapes of issue 5: every checkpoint, activity and data-quality shape has a conforming and a
non-conforming example (shapes/examples/<ID>-valid.ttl / -invalid.ttl), and the shapes themselves
pass SHACL-SHACL (meta_shacl)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import rdflib
from pyshacl import validate as pyshacl_validate
from rdflib.namespace import RDF, RDFS

from amikg.loader import Source
from amikg.namespaces import AMI, AMIS, SH
from amikg.validate import ontology_graph, results_from_report, shapes_graph, validate_source

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "shapes" / "examples"
ROADMAP_IDS = sorted(p.name[:-len("-valid.ttl")] for p in EXAMPLES.glob("*-valid.ttl")
                     if not p.name.startswith("dq-"))
DATA_IDS = sorted(p.name[:-len("-valid.ttl")] for p in EXAMPLES.glob("dq-*-valid.ttl"))


@pytest.fixture(scope="module")
def ontology():
    return ontology_graph()


def _profile(shape_id: str) -> str:
    return "data" if shape_id.startswith("dq-") else "roadmap"


def _example(shape_id: str, kind: str) -> str:
    text = (EXAMPLES / f"{shape_id}-{kind}.ttl").read_text(encoding="utf-8")
    if shape_id == "act-survey-needs" and kind == "valid":  # "within the last year": today
        text = text.replace('"2024-05-02"', f'"{datetime.date.today().isoformat()}"')
    return text


def _top_level(sg: rdflib.Graph, shape) -> rdflib.term.Node:
    parent = sg.value(None, SH.property, shape)
    return parent if parent is not None else shape


def _shapes_hit(shape_id: str, text: str, ontology) -> set:
    sg = shapes_graph(_profile(shape_id))
    data = rdflib.Graph()
    data += ontology
    data.parse(data=text, format="turtle")
    conforms, report, _ = pyshacl_validate(data, shacl_graph=sg, allow_warnings=True)
    return {_top_level(sg, r.shape) for r in results_from_report(report)}


def test_roadmap_has_one_shape_per_checkpoint_and_activity(ontology):
    sg = shapes_graph("roadmap")
    items = set(ontology.subjects(RDF.type, AMI.Checkpoint)) | \
        set(ontology.subjects(RDF.type, AMI.Activity))
    assert len(items) == 24
    for item in items:
        local = str(item).rsplit("#", 1)[-1]
        shape = AMIS[local]
        assert (shape, RDFS.seeAlso, item) in sg, local
        sev = SH.Violation if (item, RDF.type, AMI.Checkpoint) in ontology else SH.Warning
        assert sg.value(shape, SH.severity) == sev, local
        assert sg.value(shape, SH.order).toPython() == \
            ontology.value(item, AMI.roadmapOrder).toPython()
        group = sg.value(shape, SH.group)
        assert (group, RDFS.seeAlso, ontology.value(item, AMI.inPhase)) in sg
        assert sg.value(shape, SH.name).language == "en"
        assert str(sg.value(shape, SH.name)) == str(ontology.value(item, AMI.wording)).removesuffix(" and")
        assert '"' in str(sg.value(shape, SH.description)), "the description quotes the report"
        assert sg.value(shape, SH.message) is not None
        assert local in ROADMAP_IDS, f"{local} has no examples"


def test_phase_groups_are_ordered_as_the_report():
    sg = shapes_graph("roadmap")
    groups = sorted(sg.subjects(RDF.type, SH.PropertyGroup), key=lambda g: int(sg.value(g, SH.order)))
    assert [str(g).rsplit("#", 1)[-1] for g in groups] == [
        "phase-market", "phase-stakeholders", "phase-strategy", "phase-legal-funding",
        "phase-meeting-members", "phase-networking", "phase-marketing", "phase-consultation"]


def test_recommendations_are_infos():
    sg = shapes_graph("roadmap")
    recs = [s for s in sg.subjects(SH.targetClass, AMI.Cluster) if "#rec-" in str(s)]
    assert recs and all(sg.value(s, SH.severity) == SH.Info for s in recs)


@pytest.mark.parametrize("profile", ["roadmap", "data"])
def test_shapes_pass_shacl_shacl(profile, ontology):
    conforms, _, text = pyshacl_validate(ontology, shacl_graph=shapes_graph(profile),
                                         meta_shacl=True, allow_warnings=True)
    assert "Validation Failure" not in text


@pytest.mark.parametrize("shape_id", ROADMAP_IDS + DATA_IDS)
def test_valid_example_conforms_to_its_shape(shape_id, ontology):
    assert AMIS[shape_id] not in _shapes_hit(shape_id, _example(shape_id, "valid"), ontology)


@pytest.mark.parametrize("shape_id", ROADMAP_IDS + DATA_IDS)
def test_invalid_example_is_caught_by_its_shape(shape_id, ontology):
    assert AMIS[shape_id] in _shapes_hit(shape_id, _example(shape_id, "invalid"), ontology)


@pytest.mark.parametrize("shape_id", ROADMAP_IDS)
@pytest.mark.parametrize("kind", ["valid", "invalid"])
def test_sparql_engine_agrees_with_pyshacl_on_every_example(shape_id, kind):
    src = Source(f"{shape_id}-{kind}.ttl", _example(shape_id, kind).encode(), "turtle")
    fast = validate_source(src, "roadmap", engine="sparql")
    ref = validate_source(src, "roadmap", engine="pyshacl")
    assert {r.key() for r in fast.results} == {r.key() for r in ref.results}


def test_a_phase_runs_on_its_own_with_use_shapes(ontology):
    sg = shapes_graph("roadmap")
    phase = [s for s in sg.subjects(SH.group, AMIS["phase-legal-funding"])]
    data = rdflib.Graph()
    data += ontology
    data.parse(data=_example("cp-legal-form", "invalid"), format="turtle")
    _, report, _ = pyshacl_validate(data, shacl_graph=sg, use_shapes=phase, allow_warnings=True)
    hit = {r.shape for r in results_from_report(report)}
    assert AMIS["cp-legal-form"] in hit
    assert hit <= set(phase)
