"""Remote stores for real: Virtuoso and the Oxigraph server (issue 10).

Bulk writes through the Graph Store Protocol, paging past Virtuoso's silent ResultSetMaxRows cap
(the test instance keeps the shipped 10 000), Virtuoso's system graphs and dialect quirks.
"""

from __future__ import annotations

import gzip

import pyoxigraph as ox
import pytest

from amikg.errors import StoreError
from amikg.loader import load_paths
from amikg.namespaces import GRAPH_META
from amikg.store import open_store
from amikg.store.remote import STAGING_PREFIX
from amikg.store.virtuoso.store import VirtuosoStore

G = "https://w3id.org/amikg/graph/source/bulk"
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(params=["oxigraph-server", "virtuoso"])
def remote_store(request):
    server = request.getfixturevalue(
        "virtuoso_server" if request.param == "virtuoso" else "oxigraph_server")
    server.clear()
    store = open_store(server.location)
    yield store
    store.close()


def write_nt(path, n: int, tag: str = "v") -> None:
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for i in range(n):
            f.write(f'<http://ex.org/s{i}> <http://ex.org/p> "{tag}{i}" .\n')
        f.write('<http://ex.org/s0> <http://ex.org/q> _:b .\n_:b <http://ex.org/r> "blank" .\n')


def test_large_load_goes_through_the_graph_store_in_chunks(remote_store, tmp_path):
    path = tmp_path / "big.nt.gz"
    write_nt(path, 25_000)
    remote_store.chunk_triples = 10_000
    seen = []
    remote_store.upload_progress = lambda done, total: seen.append((done, total))
    rep = load_paths(remote_store, [path], G)
    assert rep.triples == 25_002
    assert len(seen) >= 3 and seen[-1][0] == seen[-1][1]  # several chunks, then all of it
    assert remote_store.count(G) == 25_002
    quads = list(remote_store.quads(G))  # more than Virtuoso's 10 000 rows: paged
    assert len(quads) == 25_002 and len({q.triple for q in quads}) == 25_002
    blank = [q for q in quads if isinstance(q.object, ox.BlankNode)]
    assert len(blank) == 1 and any(q.subject == blank[0].object for q in quads)
    assert remote_store.named_graphs() == sorted([G, GRAPH_META])


def test_select_past_the_row_cap_returns_every_row(remote_store, tmp_path):
    path = tmp_path / "big.nt.gz"
    write_nt(path, 12_345)
    load_paths(remote_store, [path], G)
    rows = list(remote_store.query(
        "PREFIX ex: <http://ex.org/> SELECT ?s ?o WHERE { ?s ex:p ?o }"))
    assert len(rows) == 12_345 and len({r["s"] for r in rows}) == 12_345
    ordered = list(remote_store.query(
        "SELECT ?o WHERE { ?s <http://ex.org/p> ?o } ORDER BY DESC(?o)"))
    assert [r["o"].value for r in ordered] == sorted((f"v{i}" for i in range(12_345)),
                                                     reverse=True)
    limited = list(remote_store.query("SELECT ?s WHERE { ?s ?p ?o } LIMIT 10000"))
    assert len(limited) == 10_000


def test_bulk_reload_replaces_the_graph_and_failure_leaves_it_intact(remote_store, tmp_path):
    first, second = tmp_path / "first.nt.gz", tmp_path / "second.nt.gz"
    write_nt(first, 3_000, "a")
    write_nt(second, 4_000, "b")
    remote_store.bulk_threshold = 1_000
    remote_store.chunk_triples = 1_000
    load_paths(remote_store, [first], G)
    assert remote_store.count(G) == 3_002

    def fail_half_way(done, total):
        if done >= 2_000:
            raise RuntimeError("connection lost")

    remote_store.upload_progress = fail_half_way
    with pytest.raises(RuntimeError):
        load_paths(remote_store, [second], G)
    assert remote_store.count(G) == 3_002  # the old graph, untouched
    assert not bool(remote_store.query(
        f'ASK {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{STAGING_PREFIX}")) }}'))
    assert not bool(remote_store.query('ASK { ?s <http://ex.org/p> "b1" }'))

    remote_store.upload_progress = None
    load_paths(remote_store, [second], G)
    assert remote_store.count(G) == 4_002
    assert not bool(remote_store.query('ASK { ?s <http://ex.org/p> "a1" }'))
    n = list(remote_store.query(
        "SELECT ?n WHERE { GRAPH ?m { ?g <http://rdfs.org/ns/void#triples> ?n } }",
        substitutions={"m": ox.NamedNode(GRAPH_META), "g": ox.NamedNode(G)}))
    assert [int(r["n"].value) for r in n] == [4_002]


def test_small_writes_with_blank_nodes_and_typed_literals(remote_store):
    g = ox.NamedNode("http://ex.org/g")
    b = ox.BlankNode()
    a, p = ox.NamedNode("http://ex.org/a"), ox.NamedNode("http://ex.org/p")
    objects = [b, ox.Literal("x", language="en-gb"), ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")),
               ox.Literal("2024-05-01", datatype=ox.NamedNode(XSD + "date")),
               ox.Literal("3.5", datatype=ox.NamedNode(XSD + "decimal"))]
    quads = [ox.Quad(a, p, o, g) for o in objects]
    quads.append(ox.Quad(b, p, ox.Literal("in a blank node"), g))
    remote_store.replace_graphs([], quads)
    back = {q.object for q in remote_store.quads(g.value) if q.subject == a}
    assert {o for o in back if not isinstance(o, ox.BlankNode)} == set(objects[1:])
    rows = list(remote_store.query("SELECT ?o WHERE { ?a ?p ?o FILTER(isBlank(?o)) }"))
    assert len(rows) == 1
    label = list(remote_store.query(
        "SELECT ?l WHERE { <http://ex.org/a> <http://ex.org/p> ?b . ?b <http://ex.org/p> ?l }"))
    assert [r["l"].value for r in label] == ["in a blank node"]


def test_virtuoso_system_graphs_are_not_listed_or_counted(virtuoso_server):
    virtuoso_server.clear()
    store = open_store(virtuoso_server.location)
    assert isinstance(store, VirtuosoStore)
    # Virtuoso keeps its own graphs (quad-map metadata etc.) in the same dataset
    assert bool(store.query("ASK { GRAPH <http://www.openlinksw.com/schemas/virtrdf#> "
                            "{ ?s ?p ?o } }"))
    assert store.named_graphs() == [] and store.count() == 0 and list(store.quads()) == []


def test_virtuoso_construct_reaching_the_cap_is_an_error_not_a_short_answer(virtuoso_server,
                                                                            tmp_path):
    virtuoso_server.clear()
    store = open_store(virtuoso_server.location)
    path = tmp_path / "big.nt.gz"
    write_nt(path, 10_500)
    load_paths(store, [path], G)
    with pytest.raises(StoreError) as err:
        store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
                    substitutions={"g": ox.NamedNode(G)})
    assert "ResultSetMaxRows" in err.value.message
    small = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5")
    assert len(list(small)) == 5


def test_virtuoso_wrong_password_is_a_clear_error(virtuoso_server):
    store = open_store(virtuoso_server.location.replace("dba:dba@", "dba:wrong@"))
    with pytest.raises(StoreError) as err:
        store.update("INSERT DATA { GRAPH <http://ex.org/g> { <http://ex.org/a> "
                     "<http://ex.org/p> 1 } }")
    assert "credentials" in err.value.message


def test_failed_bulk_load_into_a_fresh_graph_leaves_nothing(remote_store, tmp_path):
    path = tmp_path / "fresh.nt.gz"
    write_nt(path, 3_000)
    remote_store.bulk_threshold = remote_store.chunk_triples = 1_000

    def fail_half_way(done, total):
        if done >= 2_000:
            raise RuntimeError("connection lost")

    remote_store.upload_progress = fail_half_way
    with pytest.raises(RuntimeError):
        load_paths(remote_store, [path], G)
    assert remote_store.named_graphs() == [] and remote_store.count() == 0


def test_cli_load_into_a_remote_store_reports_upload_progress(request, tmp_path):
    from conftest import run_cli

    server = request.getfixturevalue("oxigraph_server")
    server.clear()
    path = tmp_path / "big.nt.gz"
    write_nt(path, 25_000)
    proc = run_cli("load", "--store", server.location, "--graph", G, str(path))
    assert proc.returncode == 0, proc.stderr
    assert b"uploaded 25,002 of 25,002 triples" in proc.stderr
    assert open_store(server.location).count(G) == 25_002
