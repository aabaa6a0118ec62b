"""The `amikg` command line, run as a real process (issue 3)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic

from conftest import run_cli

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "sample.ttl"
G = "https://w3id.org/amikg/graph/source/test"


@pytest.fixture
def store(tmp_path):
    return str(tmp_path / "store")


def ok(res):
    assert res.returncode == 0, res.stderr.decode()
    return res.stdout.decode()


def test_init_loads_bundled_graphs_and_is_idempotent(store):
    first = ok(run_cli("init", "--store", store))
    assert "graph/ontology: loaded" in first and "graph/report: loaded" in first
    second = ok(run_cli("init", "--store", store))
    assert "loaded" not in second and second.count("up to date") == first.count("loaded")
    graphs = json.loads(ok(run_cli("graphs", "--json", "--store", store)))
    names = {g["graph"] for g in graphs}
    assert {"https://w3id.org/amikg/graph/ontology", "https://w3id.org/amikg/graph/report",
            "https://w3id.org/amikg/graph/meta"} <= names
    assert all(g["triples"] > 0 for g in graphs)


def test_load_then_query_in_every_result_format(store):
    assert "loaded 11 triples" in ok(run_cli("load", str(SAMPLE), "--graph", G, "--store", store))
    q = "SELECT ?label WHERE { <https://w3id.org/amikg/id/cluster/test> <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    table = ok(run_cli("query", q, "--store", store))
    assert "label" in table.splitlines()[0] and "Test cluster" in table
    rows = list(csv.reader(io.StringIO(ok(run_cli("query", q, "--format", "csv", "--store", store)))))
    assert rows == [["label"], ["Test cluster"]]
    tsv = ok(run_cli("query", q, "--format", "tsv", "--store", store))
    assert tsv.splitlines() == ["?label", '"Test cluster"']
    js = json.loads(ok(run_cli("query", q, "--format", "json", "--store", store)))
    assert js["results"]["bindings"][0]["label"]["value"] == "Test cluster"
    assert ok(run_cli("query", "ASK { ?s a <https://w3id.org/amikg/ontology#Hospital> }",
                      "--store", store)).strip() == "true"


def test_query_from_stdin_and_construct_as_rdf(store):
    ok(run_cli("load", str(SAMPLE), "--graph", G, "--store", store))
    out = ok(run_cli("query", "-", "--format", "ntriples", "--store", store,
                     input=b"CONSTRUCT WHERE { ?s ?p ?o }"))
    g = rdflib.Graph().parse(data=out, format="nt")
    sample = rdflib.Graph().parse(SAMPLE)
    # the union default graph holds the loaded triples and the load's provenance record
    ground = [t for t in sample if not any(isinstance(x, rdflib.BNode) for x in t)]
    assert len(ground) == 9 and all(t in g for t in ground)
    assert (rdflib.URIRef(G), rdflib.URIRef("http://rdfs.org/ns/void#triples"),
            rdflib.Literal(11)) in g


def test_export_graph_round_trips(store, tmp_path):
    ok(run_cli("load", str(SAMPLE), "--graph", G, "--store", store))
    out = tmp_path / "out.ttl"
    ok(run_cli("export", "--graph", G, "-o", str(out), "--store", store))
    assert isomorphic(rdflib.Graph().parse(out), rdflib.Graph().parse(SAMPLE))
    nq = ok(run_cli("export", "--store", store))
    assert f"<{G}>" in nq and "<https://w3id.org/amikg/graph/meta>" in nq


def test_broken_file_error_names_file_and_line_without_traceback(store):
    res = run_cli("load", str(DATA / "half-broken.nt"), "--store", store)
    err = res.stderr.decode()
    assert res.returncode == 2
    assert err.startswith("error: half-broken.nt: line 3") and "Traceback" not in err


def test_unknown_file_and_bad_format_are_user_errors(store, tmp_path):
    res = run_cli("load", str(tmp_path / "missing.ttl"), "--store", store)
    assert res.returncode == 2 and "missing.ttl" in res.stderr.decode()
    res = run_cli("query", "SELECT * WHERE { ?s ?p }", "--store", store)
    assert res.returncode == 2 and "malformed query" in res.stderr.decode()
    res = run_cli("export", "--graph", "https://example.org/none", "--store", store)
    assert res.returncode == 2 and "no graph" in res.stderr.decode()


def test_stats_counts_clusters_and_organisations(store):
    ok(run_cli("load", str(SAMPLE), "--graph", G, "--store", store))
    st = json.loads(ok(run_cli("stats", "--json", "--store", store)))
    assert st["clusters"] == 1 and st["organisations"] == 1 and st["graphs"] == 2


def test_store_setting_comes_from_environment(store):
    ok(run_cli("load", str(SAMPLE), "--graph", G, env={"AMIKG_STORE": store}))
    assert "Test cluster" in ok(run_cli("query", "SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }",
                                        env={"AMIKG_STORE": store}))


def test_generate_is_seeded_and_loads(store, tmp_path):
    a, b = tmp_path / "a.nt", tmp_path / "b.nt"
    ok(run_cli("generate", "--orgs", "200", "--seed", "7", "-o", str(a)))
    ok(run_cli("generate", "--orgs", "200", "--seed", "7", "-o", str(b)))
    assert a.read_bytes() == b.read_bytes()
    ok(run_cli("load", str(a), "--store", store))
    st = json.loads(ok(run_cli("stats", "--json", "--store", store)))
    assert st["organisations"] == 200 and st["clusters"] == 2
