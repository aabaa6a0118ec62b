"""Issue 5: validation and roadmap from the CLI, the library and HTTP, on the bundled clusters."""

from __future__ import annotations

import io
import json
import shutil

import pytest
import rdflib

from amikg.namespaces import SH
from amikg.roadmap import roadmap
from amikg.validate import validate_store

from conftest import ROOT, run_cli

CLUSTERS = ["madrid-network", "filas", "pharmapolis", "imago-mol", "bioregion",
            "north-east-romania", "republika-srpska"]

#: What the bundled report facts show as done, per cluster (everything else is open).
PINNED = {
    "madrid-network": {"cp-thematic-alignment", "cp-legal-form"},
    "filas": {"cp-thematic-alignment", "cp-legal-form"},
    "pharmapolis": {"cp-thematic-alignment", "cp-legal-form"},
    "imago-mol": {"cp-thematic-alignment", "cp-legal-form"},
    "bioregion": {"cp-thematic-alignment", "cp-legal-form", "cp-financing"},
    "north-east-romania": {"cp-thematic-alignment"},
    "republika-srpska": {"cp-thematic-alignment"},
}


@pytest.fixture(scope="module")
def report_store():
    """Ontology, reference data, shapes and the report's facts only (no demo organisations), so
    the pinned results depend on the report alone."""
    from amikg.bundled import bundled_graphs
    from amikg.loader import load_paths
    from amikg.namespaces import GRAPH_DEMO, GRAPH_ONTOLOGY, GRAPH_SHAPES
    from amikg.store import open_store
    s = open_store("memory:")
    load_paths(s, [ROOT / "ontology/ami.ttl", ROOT / "ontology/reference.ttl"], GRAPH_ONTOLOGY)
    for graph, files in bundled_graphs().items():  # the report's facts: amig:report, clusters
        if graph not in (GRAPH_ONTOLOGY, GRAPH_SHAPES, GRAPH_DEMO):
            load_paths(s, files, graph)
    yield s
    s.close()


@pytest.fixture(scope="module")
def store(bundled_store_dir, tmp_path_factory):
    from amikg.store import open_store
    path = tmp_path_factory.mktemp("v") / "store"
    shutil.copytree(bundled_store_dir, path)
    s = open_store(str(path))
    yield s
    s.close()


@pytest.mark.parametrize("slug", CLUSTERS)
def test_roadmap_of_each_report_cluster_is_pinned_and_readable(report_store, slug):
    rm = roadmap(report_store, slug)
    done = {i["id"] for ph in rm["phases"] for i in ph["items"] if i["done"]}
    assert done == PINNED[slug]
    assert rm["total"] == 24 and rm["done"] == len(PINNED[slug])
    assert [ph["id"] for ph in rm["phases"]][0] == "phase-market"
    assert rm["next_steps"][0]["id"] == "cp-value-chain"  # the report's first step comes first
    for step in rm["next_steps"]:
        assert step["messages"], step["id"]
        for m in step["messages"]:
            assert "{?" not in m and "{$" not in m and m.endswith(".") and len(m) > 30, m


def test_clusters_being_set_up_start_near_zero(report_store):
    for slug in ("north-east-romania", "republika-srpska"):
        assert roadmap(report_store, slug)["percent"] <= 5


def test_demo_organisations_count_as_the_regions_actors(store):
    """With `amikg init` (demo organisations in the clusters' regions) the market checkpoints
    that the data can show are derived from those organisations."""
    rm = roadmap(store, "madrid-network")
    done = {i["id"] for ph in rm["phases"] for i in ph["items"] if i["done"]}
    assert {"cp-smes", "cp-research-institutions", "cp-thematic-alignment"} <= done


def test_bundled_report_explains_the_financing_gaps(report_store):
    store = report_store
    out = validate_store(store, "roadmap", "pharmapolis")
    msgs = sorted(m for r in out.results if str(r.shape).endswith("cp-financing")
                  for m in r.messages)
    assert len(msgs) == 3
    for kind in ("Research Institutions", "SMEs", "big companies"):
        assert any(f"the members pay a fee but no fee level for {kind} is recorded" in m
                   for m in msgs)
    filas = validate_store(store, "roadmap", "filas")
    assert any("no funding source recorded" in m for r in filas.results for m in r.messages)


def test_sparql_engine_equals_pyshacl_on_the_bundled_store(store):
    fast = validate_store(store, "roadmap", engine="sparql")
    ref = validate_store(store, "roadmap", engine="pyshacl")
    assert fast.results
    assert {r.key() for r in fast.results} == {r.key() for r in ref.results}


def test_bundled_data_passes_the_data_quality_shapes(store):
    out = validate_store(store, "data")
    assert out.conforms, [r.messages for r in out.results][:5]


# -- CLI -----------------------------------------------------------------------------------------

def test_validate_exit_codes(bundled_store_dir, tmp_path):
    ok = tmp_path / "ok.ttl"
    ok.write_text((ROOT / "shapes/examples/dq-name-valid.ttl").read_text())
    bad = tmp_path / "bad.ttl"
    bad.write_text((ROOT / "shapes/examples/dq-name-invalid.ttl").read_text())
    assert run_cli("validate", "--shapes", "data", "--data", str(ok)).returncode == 0
    r = run_cli("validate", "--shapes", "data", "--data", str(bad))
    assert r.returncode == 1 and b"Give this organisation or person a name" in r.stdout
    broken = tmp_path / "broken.ttl"
    broken.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e "open .\n')
    r = run_cli("validate", "--data", str(broken))
    assert r.returncode == 2 and b"broken.ttl: line 3" in r.stderr and b"Traceback" not in r.stderr
    r = run_cli("validate", "--store", str(bundled_store_dir), "--cluster", "no-such-cluster")
    assert r.returncode == 2 and b"no cluster 'no-such-cluster'" in r.stderr


@pytest.mark.parametrize("fmt", ["text", "turtle", "json-ld", "json", "html"])
def test_validate_formats(runner, bundled_store_dir, fmt):
    r = runner.invoke(["validate", "--store", str(bundled_store_dir), "--shapes", "roadmap",
                       "--cluster", "filas", "--format", fmt])
    assert r.exit_code == 1, r.stderr
    out = r.stdout
    if fmt in ("turtle", "json-ld"):
        g = rdflib.Graph().parse(data=out, format=fmt)
        rep = next(g.subjects(rdflib.RDF.type, SH.ValidationReport))
        assert g.value(rep, SH.conforms) == rdflib.Literal(False)
        assert len(list(g.objects(rep, SH.result))) > 20
    elif fmt == "json":
        assert json.loads(out)["focus_nodes"][0]["label"] == "FILAS"
    elif fmt == "html":
        assert out.startswith("<!doctype html>") and "FILAS" in out
    else:
        assert "FILAS" in out and "Advanced Medical Imaging and its market (page 4)" in out


def test_roadmap_command_by_slug_and_iri(runner, bundled_store_dir):
    r = runner.invoke(["roadmap", "--store", str(bundled_store_dir), "filas"])
    assert r.exit_code == 0 and "FILAS: " in r.stdout and "Next steps" in r.stdout
    r = runner.invoke(["roadmap", "--store", str(bundled_store_dir), "--json",
                       "https://w3id.org/amikg/id/cluster/bioregion"])
    assert json.loads(r.stdout)["cluster"] == "https://w3id.org/amikg/id/cluster/bioregion"


# -- HTTP ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def app_store(store):
    """The app (conftest) serves the bundled store of this module."""
    return store


def test_upload_turtle_body_gets_the_report_in_the_accepted_format(client):
    data = (ROOT / "shapes/examples/cp-legal-form-invalid.ttl").read_bytes()
    r = client.post("/api/validate?shapes=roadmap", data=data, content_type="text/turtle",
                    headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    assert r.headers["X-Conforms"] == "false"
    g = rdflib.Graph().parse(data=r.data, format="turtle")
    assert (None, SH.sourceShape, rdflib.URIRef("https://w3id.org/amikg/shapes#cp-legal-form")) in g


def test_upload_multipart_file_with_data_shapes_as_json(client):
    data = (ROOT / "shapes/examples/dq-region-invalid.ttl").read_bytes()
    r = client.post("/api/validate", data={"file": (io.BytesIO(data), "members.ttl"),
                                           "shapes": "data"},
                    content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["conforms"] is False and body["violations"] >= 1


def test_upload_writes_nothing_to_the_store(client, store):
    before = store.count()
    r = client.post("/api/validate", data=(ROOT / "shapes/examples/cp-smes-valid.ttl").read_bytes(),
                    content_type="text/turtle", headers={"Accept": "application/ld+json"})
    assert r.status_code == 200 and r.mimetype == "application/ld+json"
    assert store.count() == before


def test_malformed_upload_is_a_400_naming_the_line(client):
    r = client.post("/api/validate", data=b"@prefix ex: <http://e/> .\nex:a ex:b .\n",
                    content_type="text/turtle")
    assert r.status_code == 400
    body = r.get_json()
    assert body["line"] == 2 and "line 2" in body["message"]


def test_roadmap_json_for_the_chart(client):
    r = client.get("/api/clusters/imago-mol/roadmap")
    assert r.status_code == 200
    rm = r.get_json()
    assert [ph["percent"] for ph in rm["phases"]] == [50, 0, 33, 50, 0, 0, 0, 0]  # with demo data
    assert client.get("/api/clusters/nowhere/roadmap").status_code == 404
