"""The store interface and transactional loading, on every backend (issue 3)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from amikg.errors import FormatError, LoadError, QueryError, StoreLockedError
from amikg.loader import Source, load_paths, load_sources
from amikg.namespaces import GRAPH_META
from amikg.store import RDF_FORMATS, open_store
from amikg.store.oxigraph import OxigraphStore
from amikg.store.remote import RemoteStore

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "sample.ttl"
G = "https://w3id.org/amikg/graph/source/test"
RDFLIB_NAMES = {"turtle": "turtle", "ntriples": "nt", "nquads": "nquads", "trig": "trig",
                "jsonld": "json-ld", "xml": "xml"}
EXT = {"turtle": "ttl", "ntriples": "nt", "nquads": "nq", "trig": "trig", "jsonld": "jsonld",
       "xml": "rdf"}


def graph_of(store, graph: str) -> rdflib.Graph:
    g = rdflib.Graph()
    data = b"".join(t.subject.__str__().encode() + b" " + str(t.predicate).encode() + b" "
                    + str(t.object).encode() + b" .\n" for t in (q.triple for q in store.quads(graph)))
    g.parse(data=data, format="nt")
    return g


def dump_all(store) -> bytes:
    """The whole dataset as sorted N-Quads lines (blank-node labels differ between stores)."""
    return b"\n".join(sorted(str(q).encode() for q in store.quads()))


@pytest.mark.parametrize("fmt", list(RDF_FORMATS))
def test_load_and_export_round_trip_in_every_format(any_store, tmp_path, fmt):
    original = rdflib.Dataset() if fmt in ("nquads", "trig") else rdflib.Graph()
    if isinstance(original, rdflib.Dataset):
        original.graph(rdflib.URIRef(G)).parse(SAMPLE)
    else:
        original.parse(SAMPLE)
    path = tmp_path / f"sample.{EXT[fmt]}"
    original.serialize(path, format=RDFLIB_NAMES[fmt], encoding="utf-8")

    rep = load_paths(any_store, [path], G)
    assert rep.triples == 11
    assert isomorphic(graph_of(any_store, G), rdflib.Graph().parse(SAMPLE))

    out = tmp_path / f"export.{EXT[fmt]}"
    with open(out, "wb") as f:
        any_store.dump(f, fmt, None if fmt in ("nquads", "trig") else G)
    back = rdflib.Dataset() if fmt in ("nquads", "trig") else rdflib.Graph()
    back.parse(out, format=RDFLIB_NAMES[fmt])
    if isinstance(back, rdflib.Dataset):
        back = back.graph(rdflib.URIRef(G))
    assert isomorphic(back, rdflib.Graph().parse(SAMPLE))


def test_half_broken_file_leaves_store_unchanged_and_names_line(any_store):
    load_paths(any_store, [SAMPLE], G)
    before = dump_all(any_store)
    with pytest.raises(LoadError) as err:
        load_paths(any_store, [DATA / "half-broken.nt"], G)
    assert "half-broken.nt" in err.value.message and err.value.line == 3
    assert dump_all(any_store) == before


def test_one_broken_file_among_several_writes_nothing(any_store):
    with pytest.raises(LoadError):
        load_paths(any_store, [SAMPLE, DATA / "half-broken.nt"], "https://example.org/g2")
    assert any_store.count() == 0


def test_load_records_provenance_in_metadata_graph(any_store):
    src = Source.from_path(SAMPLE)
    load_sources(any_store, [src], G)
    q = """PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dcterms: <http://purl.org/dc/terms/>
    PREFIX spdx: <http://spdx.org/rdf/terms#> PREFIX void: <http://rdfs.org/ns/void#>
    SELECT ?title ?sum ?n ?agent ?end WHERE { GRAPH ?meta {
      ?g prov:wasGeneratedBy ?a ; void:triples ?n ; prov:wasDerivedFrom ?f .
      ?a prov:wasAssociatedWith ?agent ; prov:endedAtTime ?end ; prov:used ?f .
      ?f dcterms:title ?title ; spdx:checksum/spdx:checksumValue ?sum } }"""
    rows = list(any_store.query(q, substitutions={"meta": ox.NamedNode(GRAPH_META),
                                                 "g": ox.NamedNode(G)}))
    assert len(rows) == 1
    row = rows[0]
    assert row["title"].value == "sample.ttl"
    assert row["sum"].value == src.checksum
    assert int(row["n"].value) == 11
    assert "amikg" in row["agent"].value and row["end"].value[:4].isdigit()


def test_reloading_replaces_graph_and_provenance_counts(any_store, tmp_path):
    load_paths(any_store, [SAMPLE], G)
    small = tmp_path / "small.nt"
    small.write_text('<http://ex.org/a> <http://ex.org/p> "x" .\n')
    load_paths(any_store, [small], G)
    assert any_store.count(G) == 1
    n = list(any_store.query(
        "SELECT ?n WHERE { GRAPH ?m { ?g <http://rdfs.org/ns/void#triples> ?n } }",
        substitutions={"m": ox.NamedNode(GRAPH_META), "g": ox.NamedNode(G)}))
    assert [int(r["n"].value) for r in n] == [1]


def test_append_keeps_existing_triples(any_store, tmp_path):
    load_paths(any_store, [SAMPLE], G)
    extra = tmp_path / "extra.nt"
    extra.write_text('<http://ex.org/a> <http://ex.org/p> "x" .\n')
    load_paths(any_store, [extra], G, replace=False)
    assert any_store.count(G) == 12


def test_gzip_files_load(any_store, tmp_path):
    gz = tmp_path / "sample.ttl.gz"
    gz.write_bytes(gzip.compress(SAMPLE.read_bytes()))
    assert load_paths(any_store, [gz], G).triples == 11


def test_queries_see_named_graphs_as_default_graph(any_store):
    load_paths(any_store, [SAMPLE], G)
    assert bool(any_store.query(
        "ASK { ?h a <https://w3id.org/amikg/ontology#Hospital> }"))


def test_substitutions_bind_values_without_pasting(any_store):
    load_paths(any_store, [SAMPLE], G)
    q = "SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    rows = list(any_store.query(q, substitutions={"label": ox.Literal("Test cluster")}))
    assert [r["s"].value for r in rows] == ["https://w3id.org/amikg/id/cluster/test"]
    hostile = ox.Literal('x" } ; DROP ALL ; SELECT * { "')
    assert list(any_store.query(q, substitutions={"label": hostile})) == []
    assert any_store.count(G) == 11


def test_malformed_query_is_a_query_error_with_position(any_store):
    with pytest.raises(QueryError) as err:
        any_store.query("SELECT * WHERE { ?s ?p }")
    assert err.value.message.startswith("malformed query at line 1, column ")
    assert err.value.details["line"] == 1 and err.value.details["parser"]


@pytest.mark.parametrize("what,text,sentence,where", [
    ("query", "SELECT * WHERE {\n  ?c a ami:Cluster }",
     "the prefix ami: is not declared (line 2, column 8); add PREFIX ami: <", (2, 8)),
    ("query", " ", "the query is empty: send a SPARQL query", None),
    ("query", "SELECT * FROM x:g { ?s ?p ?o }",
     "the prefix x: is not declared (line 1, column 15); declare it with PREFIX", (1, 15)),
    ("update", "INSERT DATA { foo:a foo:b 1 }",
     "the prefix foo: is not declared (line 1, column 15); declare it with PREFIX", (1, 15)),
])
def test_a_parser_error_reads_the_same_on_every_backend(any_store, what, text, sentence, where):
    """One sentence, with line and column, whichever engine is underneath: a remote store's
    rejection is said in the embedded engine's words (the store's own text kept beside)."""
    with pytest.raises(QueryError) as err:
        (any_store.update if what == "update" else any_store.query)(text)
    assert err.value.message.startswith(sentence), err.value.message
    if where:
        assert (err.value.details["line"], err.value.details["column"]) == where


def test_drop_graph_and_graph_listing(any_store):
    load_paths(any_store, [SAMPLE], G)
    assert G in any_store.named_graphs() and GRAPH_META in any_store.named_graphs()
    assert any_store.drop_graph(G) is True
    assert G not in any_store.named_graphs()
    assert any_store.drop_graph(G) is False


def test_on_disk_store_keeps_everything_after_reopen(tmp_path):
    path = tmp_path / "store"
    with open_store(str(path)) as store:
        load_paths(store, [SAMPLE], G)
        before = dump_all(store)
    with open_store(str(path)) as store:
        assert dump_all(store) == before and store.count(G) == 11


def test_second_opener_gets_a_clear_lock_error(tmp_path):
    path = tmp_path / "store"
    with open_store(str(path)):
        with pytest.raises(StoreLockedError) as err:
            open_store(str(path))
    assert "in use by another process" in err.value.message


def test_unknown_format_names_the_file(tmp_path):
    f = tmp_path / "data.xyz"
    f.write_text("x")
    with pytest.raises(FormatError) as err:
        Source.from_path(f)
    assert "data.xyz" in err.value.message


def test_remote_store_urls_follow_the_presets():
    s = open_store("virtuoso+http://dba:secret@127.0.0.1:8890")
    assert isinstance(s, RemoteStore)
    assert (s.query_url, s.update_url, s.gsp_url) == (
        "http://127.0.0.1:8890/sparql", "http://127.0.0.1:8890/sparql-auth",
        "http://127.0.0.1:8890/sparql-graph-crud-auth")
    assert (s.user, s.password, s.auth) == ("dba", "secret", "digest")
    s = open_store("fuseki+http://127.0.0.1:3030/ds")
    assert (s.query_url, s.update_url) == ("http://127.0.0.1:3030/ds/query",
                                           "http://127.0.0.1:3030/ds/update")
    assert isinstance(open_store("memory:"), OxigraphStore)


def _big_ntriples(lines: int, tail: bytes = b"") -> bytes:
    """About 100 bytes a line: enough lines make the loader cut the file for several threads."""
    return b"".join(b"<https://example.org/o%d> <https://example.org/p> \"value %d of a long "
                    b"enough literal to make the line about a hundred bytes\" .\n" % (i, i)
                    for i in range(lines)) + tail


BIG = 40_000  # ~4 MB: above the size (2 MB) from which the embedded store loads in parallel


def test_large_ntriples_load_in_parallel_chunks_is_complete(tmp_path):
    from amikg.store.oxigraph import _line_chunks

    data = _big_ntriples(BIG)
    assert len(_line_chunks(data, ox.RdfFormat.N_TRIPLES)) >= 2, "the parallel path is taken"
    with open_store(str(tmp_path / "store")) as store:
        rep = load_sources(store, [Source("big.nt", data, "ntriples")], G)
        assert rep.triples == BIG == store.count(G)
        n = store.query("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                        substitutions={"g": ox.NamedNode(G)})
        assert int(next(iter(n))["n"].value) == BIG
        last = f'"value {BIG - 1} of a long enough literal'
        assert any(last in str(q.object) for q in store.quads(G) if q.subject.value.endswith(
            f"o{BIG - 1}"))


def test_large_ntriples_broken_near_the_end_writes_nothing_and_names_the_line(tmp_path):
    data = _big_ntriples(BIG, b"<https://example.org/x> <https://example.org/p> oops .\n")
    with open_store(str(tmp_path / "store")) as store:
        load_paths(store, [SAMPLE], G)
        before = dump_all(store)
        with pytest.raises(LoadError) as err:
            load_sources(store, [Source("big-broken.nt", data, "ntriples")],
                         "https://example.org/big")
        assert err.value.line == BIG + 1 and "big-broken.nt" in err.value.message
        assert dump_all(store) == before
        assert "https://example.org/big" not in store.named_graphs()


def test_blank_node_labels_stay_one_node_across_a_large_file(tmp_path):
    """Blank-node labels are scoped to the document: the same _:b at both ends of a large file
    is one node, however the loader splits its work."""
    data = (b'_:b <https://example.org/p> "first" .\n' + _big_ntriples(BIG)
            + b'_:b <https://example.org/p> "last" .\n')
    with open_store(str(tmp_path / "store")) as store:
        load_sources(store, [Source("bnodes.nt", data, "ntriples")], G)
        res = store.query('SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE { GRAPH ?g { '
                          '?b <https://example.org/p> ?v FILTER(isBlank(?b)) } }',
                          substitutions={"g": ox.NamedNode(G)})
        assert int(next(iter(res))["n"].value) == 1
