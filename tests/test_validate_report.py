"""Issue 18, data steward: one default shape profile everywhere, a run that checked nothing says
so, one finding counted once, and report graphs that keep the shape identifiable. Every interface
(Python, CLI, ``POST /api/validate``, the /validate page) is asked the same question and must give
the same answer."""

from __future__ import annotations

import io
import json
import re
import shutil

import pytest
import rdflib
from rdflib import BNode, URIRef

from amikg.loader import Source
from amikg.namespaces import SH
from amikg.validate import validate_source, validate_store

from conftest import ROOT

QUALITY = ROOT / "tests" / "data" / "members-quality.ttl"
#: What a steward reads in tests/data/members-quality.ttl: seven problems, one per member.
FINDINGS = 7
REGION_MESSAGE = "The region must be a NUTS region IRI"


@pytest.fixture(scope="module")
def quality_store_dir(bundled_store_dir, tmp_path_factory, runner):
    """The bundled store plus tests/data/members-quality.ttl."""
    path = tmp_path_factory.mktemp("quality") / "store"
    shutil.copytree(bundled_store_dir, path)
    done = runner.invoke(["load", str(QUALITY), "--store", str(path)])
    assert done.exit_code == 0, done.stderr
    return path


@pytest.fixture(scope="module")
def app_store():
    """The app (conftest) serves the bundled data with the quality example loaded, in memory
    (the CLI tests open the on-disk copy)."""
    from amikg.bundled import init_store
    from amikg.loader import load_paths
    from amikg.store import open_store

    s = open_store("memory:")
    init_store(s)
    load_paths(s, [QUALITY])
    yield s
    s.close()


def _upload(client, path, **form):
    return client.post("/api/validate", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(path.read_bytes()), path.name), **form},
                       headers={"Accept": "application/json"})


def _page(client, path, **form):
    return client.post("/validate", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(path.read_bytes()), path.name), **form})


def _page_counts(html: str) -> tuple[int, int]:
    """(violations in the page's header, results listed on the page)."""
    header = re.search(r"(\d+) violation\(s\)", html)
    return int(header.group(1)), html.count('<span class="message">')


# -- (1) one default profile: data quality, for files, uploads and the store --------------------

def test_the_data_quality_shapes_are_the_default_for_a_file_everywhere(runner, client):
    """`amikg validate --data FILE` used the roadmap shapes (exit 0, "conforms") while the page
    and the API used the data-quality shapes: now all of them check data quality by default."""
    py = validate_source(Source.from_path(QUALITY)).summary()
    assert py["profile"] == "data" and py["violations"] == FINDINGS
    cli = runner.invoke(["validate", "--data", str(QUALITY), "--format", "json"])
    assert cli.exit_code == 1
    assert json.loads(cli.stdout)["violations"] == FINDINGS
    text = runner.invoke(["validate", "--data", str(QUALITY)])
    assert text.exit_code == 1 and text.stdout.startswith("does not conform: 7 violation(s)")
    api = _upload(client, QUALITY)
    assert api.status_code == 200 and api.headers["X-Conforms"] == "false"
    assert api.get_json()["violations"] == FINDINGS and api.get_json()["profile"] == "data"
    page = _page(client, QUALITY)                     # no shapes field: the page's default
    assert page.status_code == 200
    assert _page_counts(page.get_data(as_text=True)) == (FINDINGS, FINDINGS)


def test_the_data_quality_shapes_are_the_default_for_the_store(runner, quality_store_dir):
    r = runner.invoke(["validate", "--store", str(quality_store_dir), "--format", "json"])
    assert r.exit_code == 1, r.stderr
    body = json.loads(r.stdout)
    assert body["profile"] == "data" and body["violations"] == FINDINGS
    with_cluster = runner.invoke(["validate", "--store", str(quality_store_dir), "--cluster",
                                  "quality-example", "--format", "json"])
    assert json.loads(with_cluster.stdout)["violations"] == FINDINGS - 1  # one is no member


def test_the_roadmap_is_asked_for_by_name(runner, quality_store_dir):
    r = runner.invoke(["validate", "--store", str(quality_store_dir), "--shapes", "roadmap",
                       "--cluster", "filas"])
    assert r.exit_code == 1 and "Advanced Medical Imaging and its market" in r.stdout
    helptext = runner.invoke(["validate", "--help"]).stdout
    assert "[default: data]" in helptext and "amikg roadmap" in helptext


# -- (2) a run that checked no focus node says so -----------------------------------------------

def test_a_run_that_checked_nothing_is_not_reported_as_conforming(runner, client, tmp_path):
    """The roadmap shapes on a file with no cluster check nothing: that is not conforming data."""
    org_only = tmp_path / "org-only.ttl"
    org_only.write_text(
        "@prefix ami: <https://w3id.org/amikg/ontology#> .\n"
        "<https://w3id.org/amikg/id/org/x> a ami:Hospital ;\n"
        "  <http://www.w3.org/2000/01/rdf-schema#label> \"X\"@en .\n")
    s = validate_source(Source.from_path(org_only), "roadmap").summary()
    assert (s["checked"], s["conforms"], s["status"]) == (0, None, "nothing checked")

    r = runner.invoke(["validate", "--data", str(org_only), "--shapes", "roadmap"])
    assert r.exit_code == 3
    assert r.stdout.startswith("nothing checked: no focus node of the roadmap shapes")
    assert "conforms" not in r.stdout
    j = runner.invoke(["validate", "--data", str(org_only), "--shapes", "roadmap",
                       "--format", "json"])
    assert j.exit_code == 3 and json.loads(j.stdout)["checked"] == 0
    ttl = runner.invoke(["validate", "--data", str(org_only), "--shapes", "roadmap",
                         "--format", "turtle"]).stdout
    g = rdflib.Graph().parse(data=ttl, format="turtle")
    rep = next(g.subjects(rdflib.RDF.type, SH.ValidationReport))
    assert "no focus node" in str(g.value(rep, rdflib.RDFS.comment))
    html = runner.invoke(["validate", "--data", str(org_only), "--shapes", "roadmap",
                          "--format", "html"]).stdout
    assert "Nothing was checked" in html and "Conforms" not in html

    api = _upload(client, org_only, shapes="roadmap")
    assert api.status_code == 200 and api.headers["X-Conforms"] == "nothing-checked"
    assert api.get_json()["checked"] == 0 and api.get_json()["conforms"] is None
    page = _page(client, org_only, shapes="roadmap").get_data(as_text=True)
    assert "Nothing was checked" in page and "Conforms" not in page


def test_a_run_that_checked_something_says_how_much(runner):
    ok = ROOT / "shapes" / "examples" / "dq-name-valid.ttl"
    r = runner.invoke(["validate", "--data", str(ok)])
    assert r.exit_code == 0
    assert r.stdout.startswith("conforms: 0 violation(s), 0 warning(s), 0 info(s) "
                               "on 2 focus node(s) checked")


# -- (3) one finding is counted and listed once -------------------------------------------------

def test_one_finding_two_constraints_is_counted_and_listed_once(runner, client):
    """The region as text breaks sh:nodeKind and sh:pattern of one shape with one message: the
    summary (CLI text and JSON, API, page) counts and lists it once, naming both constraints."""
    s = validate_source(Source.from_path(QUALITY)).summary()
    listed = [r for f in s["focus_nodes"] for ph in f["phases"] for r in ph["results"]]
    assert s["results"] == len(listed) == FINDINGS
    region = [r for r in listed if r["message"].startswith(REGION_MESSAGE)]
    assert len(region) == 1
    assert region[0]["constraints"] == ["NodeKindConstraintComponent",
                                        "PatternConstraintComponent"]
    text = runner.invoke(["validate", "--data", str(QUALITY)]).stdout
    assert text.count(REGION_MESSAGE) == 1
    api = _upload(client, QUALITY).get_json()
    assert api["results"] == sum(len(ph["results"]) for f in api["focus_nodes"]
                                 for ph in f["phases"]) == FINDINGS
    html = _page(client, QUALITY).get_data(as_text=True)
    assert html.count(REGION_MESSAGE) == 1


def test_the_standard_report_keeps_one_result_per_constraint(runner):
    """The sh:ValidationReport stays what SHACL defines (and pyshacl gives): one result per
    constraint component, so both results of the region stay in Turtle and JSON-LD."""
    ttl = runner.invoke(["validate", "--data", str(QUALITY), "--format", "turtle"]).stdout
    g = rdflib.Graph().parse(data=ttl, format="turtle")
    region = [n for n in g.subjects(SH.resultMessage, None)
              if str(g.value(n, SH.resultMessage)).startswith(REGION_MESSAGE)]
    assert {g.value(n, SH.sourceConstraintComponent) for n in region} == {
        SH.NodeKindConstraintComponent, SH.PatternConstraintComponent}


# -- (4) the report names the shape -------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["turtle", "json-ld"])
def test_every_source_shape_of_the_bundled_profiles_is_an_iri(runner, fmt):
    out = runner.invoke(["validate", "--data", str(QUALITY), "--format", fmt]).stdout
    g = rdflib.Graph().parse(data=out, format=fmt)
    shapes = set(g.objects(None, SH.sourceShape))
    assert len(shapes) >= 6 and all(isinstance(s, URIRef) for s in shapes), shapes
    assert URIRef("https://w3id.org/amikg/shapes#dq-region-region") in shapes
    sg = rdflib.Graph().parse(ROOT / "shapes" / "data-quality.ttl")
    for s in shapes:   # each one is a shape of the shapes file, reachable from its node shape
        assert (s, SH.path, None) in sg or (s, SH.targetClass, None) in sg \
            or (s, SH.targetSubjectsOf, None) in sg, s


def test_a_blank_node_shape_of_ones_own_file_is_described_in_the_report(tmp_path):
    shapes = tmp_path / "mine.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix ex: <http://example.org/> .\n"
        "ex:PersonShape a sh:NodeShape ; sh:targetClass ex:Person ;\n"
        "  sh:property [ sh:path ex:age ; sh:maxCount 1 ; sh:name \"age\" ;\n"
        "                sh:message \"One age only.\" ] .\n")
    data = Source("d.ttl", b"@prefix ex: <http://example.org/> .\n"
                           b"ex:p a ex:Person ; ex:age 1, 2 .\n", "turtle")
    out = validate_source(data, str(shapes))
    g = out.report_graph()
    shape = g.value(next(g.subjects(rdflib.RDF.type, SH.ValidationResult)), SH.sourceShape)
    assert isinstance(shape, BNode)
    assert g.value(shape, SH.path) == URIRef("http://example.org/age")
    assert str(g.value(shape, SH.name)) == "age" and str(g.value(shape, SH.message)) == \
        "One age only."
    assert g.value(shape, SH.maxCount).toPython() == 1
    assert (URIRef("http://example.org/PersonShape"), SH.property, shape) in g
    assert out.summary()["focus_nodes"][0]["phases"][0]["results"][0]["node_shape"] == \
        "http://example.org/PersonShape"


def test_pyshacl_and_the_sparql_engine_still_agree_on_the_store(quality_store_dir):
    from amikg.store import open_store

    with open_store(str(quality_store_dir)) as s:
        fast = validate_store(s, "roadmap", engine="sparql")
        ref = validate_store(s, "roadmap", engine="pyshacl")
        assert {r.key() for r in fast.results} == {r.key() for r in ref.results}
        assert fast.checked == ref.checked == 8   # 7 report clusters + the example cluster


@pytest.mark.external
def test_a_remote_store_gives_the_same_summary(oxigraph_server, app_store):
    """The focus nodes checked and the findings do not depend on the store's engine."""
    from amikg.store import open_store

    oxigraph_server.clear()
    with open_store(oxigraph_server.location) as remote:
        remote.add(list(app_store.quads()))
        for profile in ("data", "roadmap"):
            here, there = (validate_store(s, profile).summary() for s in (app_store, remote))
            assert there["checked"] == here["checked"] > 0
            assert {k: v for k, v in there.items() if k != "engine"} == \
                {k: v for k, v in here.items() if k != "engine"}
