"""Full-text search (issue 20): the index finds organisations by words in any language and by
facets, with counts and highlighted matches; every way in gives the same answer; every write
path leaves the index stale, and the answer from the store while stale is the answer of the
rebuilt index."""

from __future__ import annotations

import json
import shutil
import time
import urllib.parse

import pytest

from amikg.bundled import init_store
from amikg.ingest import import_table, undo
from amikg.loader import load_paths
from amikg.search import SearchIndex, search
from live import AUTH
from tests.conftest import ROOT, run_cli

AMI = "https://w3id.org/amikg/ontology#"
NEW_ORG = """@prefix ami: <https://w3id.org/amikg/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/amikg/id/org/{slug}> a org:Organization, ami:Hospital ;
    rdfs:label "{name}"@en ; ami:hasCompetency ami:tech-pet ;
    ami:region <http://data.europa.eu/nuts/code/DE92> .
"""


def summary(answer: dict) -> dict:
    """What must agree between two answers: the hits (as a set), the total, the facet counts."""
    return {"total": answer["total"], "hits": sorted(h["iri"] for h in answer["hits"]),
            "facets": {f: sorted((r["value"], r["count"]) for r in rows)
                       for f, rows in answer["facets"].items()}}


def labelled(store, word: str) -> list[str]:
    """The organisations whose label holds ``word``, asked of the store by plain SPARQL."""
    import pyoxigraph as ox
    rows = store.query(
        "SELECT DISTINCT ?o WHERE { ?o a <http://www.w3.org/ns/org#Organization> ; "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(CONTAINS(LCASE(STR(?l)), ?w)) }",
        substitutions={"w": ox.Literal(word)})
    return sorted(s["o"].value for s in rows)


# -- what it finds ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def index(app_store):
    ix = SearchIndex.for_store(app_store)
    ix.rebuild()
    return ix


def test_words_find_organisations_in_any_case_and_language_with_highlights(index):
    got = search(index, "PET Hannover")
    assert not got["stale"] and got["total"] == 1
    hit = got["hits"][0]
    assert hit["name"] == "Illustrative University Hospital Hannover"
    assert hit["highlight"]["name"].endswith("<b>Hannover</b>")
    assert "<b>PET</b>" in hit["highlight"]["text"]
    # a region's name in its own language finds its organisations
    german = {h["iri"] for h in search(index, "niedersachsen", limit=100)["hits"]}
    english = {h["iri"] for h in search(index, "lower saxony", limit=100)["hits"]}
    assert german and german == english
    assert search(index, "hannover", lang="de")["hits"][0]["region"][0]["label"] == "Niedersachsen"


def test_facets_count_and_filter_with_sub_categories_and_sub_regions(index):
    everything = search(index, "pet", limit=100)
    hospitals = next(r for r in everything["facets"]["category"] if r["value"] == AMI + "Hospital")
    assert hospitals["label"] == "hospital"
    only = search(index, "pet", {"category": "Hospital"}, limit=100)
    assert only["total"] == hospitals["count"] == len(only["hits"])
    # ScientificStakeholder counts its sub-categories (hospitals are scientific stakeholders)
    sci = search(index, "pet", {"category": "ScientificStakeholder"}, limit=100)
    assert set(h["iri"] for h in only["hits"]) <= set(h["iri"] for h in sci["hits"])
    # a region filter includes its sub-regions: DE9 (Lower Saxony) holds DE92 (Hannover)
    assert search(index, "", {"region": "DE9"})["total"] >= 1
    assert search(index, "", {"region": ["DE9", "ES30"]})["total"] > \
        search(index, "", {"region": "DE9"})["total"]
    assert search(index, "", kind="cluster")["hits"][0]["kind"] == "cluster"


@pytest.mark.parametrize("q, filters", [
    ("pet", {}), ("hospital", {}), ("niedersachsen", {}), ("pet hannover", {}),
    ("imaging", {"category": "ScientificStakeholder"}), ("", {"region": "DE9"}),
    ("research", {"competency": "nuclear-medicine", "country": "DEU"}),
    ("", {"cluster": "filas"}), ("university", {"step": "clinical-validation"}),
    ("cluster", {"kind": "cluster"}), ("zzzqqq", {})])
def test_the_answer_from_the_store_while_stale_is_the_answer_of_the_index(index, tmp_path, q,
                                                                          filters):
    """The words and facets pushed into SPARQL only narrow the candidates: the hits, the total,
    the facet counts and the highlights are those of the index."""
    filters = dict(filters)
    kind = filters.pop("kind", None)
    fresh = search(index, q, filters, kind=kind, limit=100)
    stale = search(SearchIndex(index.store, tmp_path / "never-built"), q, filters, kind=kind,
                   limit=100)
    assert stale["stale"] and not fresh["stale"]
    assert summary(stale) == summary(fresh)
    light = {h["iri"]: h["highlight"] for h in fresh["hits"]}
    assert {h["iri"]: h["highlight"] for h in stale["hits"]} == light


@pytest.mark.parametrize("params, named", [
    ({"region": "XX99"}, "region"), ({"limit": "0"}, "limit"), ({"offset": "-1"}, "offset"),
    ({"kind": "robot"}, "kind"), ({"colour": "red"}, "colour"), ({"q": "x" * 501}, "q"),
    ({"lang": "<script>"}, "lang")])
def test_bad_input_is_a_400_naming_the_parameter(client, params, named):
    r = client.get("/api/search?" + urllib.parse.urlencode(params))
    assert r.status_code == 400, r.get_data(as_text=True)
    assert named in r.get_json()["message"]


def test_an_index_folder_that_cannot_be_written_is_an_error_at_start_up(make_app, tmp_path):
    from amikg.errors import ConfigError
    from amikg.store import open_store
    blocker = tmp_path / "a-file"
    blocker.write_text("")  # a folder cannot be made inside a file (whoever runs the test)
    with pytest.raises(ConfigError) as e:
        make_app(open_store("memory:"), search_index=str(blocker / "index"))
    assert f"{blocker / 'index'} cannot be written" in str(e.value)
    assert "AMIKG_SEARCH_INDEX" in str(e.value)
    r = run_cli("serve", "--store", str(tmp_path / "store"),
                env={"AMIKG_SEARCH_INDEX": str(blocker / "ix")})
    assert r.returncode != 0 and b"cannot be written" in r.stderr and b"Traceback" not in r.stderr


def test_highlights_escape_the_data(make_app, tmp_path):
    from amikg.store import open_store
    store = open_store("memory:")
    store.update('INSERT DATA { <urn:x:o> a <http://www.w3.org/ns/org#Organization> ; '
                 '<http://www.w3.org/2000/01/rdf-schema#label> "<img src=x> Quux Lab" }')
    app = make_app(store)
    app.extensions["amikg"].search.wait(30)
    body = app.test_client().get("/api/search?q=quux").get_json()
    assert body["hits"][0]["highlight"]["name"] == "&lt;img src=x&gt; <b>Quux</b> Lab"


def test_a_stemmed_match_in_what_an_organisation_says_of_itself_ranks_it_higher():
    """Both are found by "imaging" through the competency they share; only the one whose own
    description says "images" (the same stem) gets the stemmed match, and a stem alone finds
    nothing. Names keep their quotes and letters beyond ASCII on the way out."""
    from amikg.search.engine import new_index, run, write
    from amikg.search.documents import read_documents
    from amikg.store import open_store
    store = open_store("memory:")
    store.update("""PREFIX org: <http://www.w3.org/ns/org#>
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    PREFIX dcterms: <http://purl.org/dc/terms/>
    PREFIX ami: <https://w3id.org/amikg/ontology#>
    INSERT DATA {
      <urn:x:a> a org:Organization ; rdfs:label "Alpha \\"Ω\\" Lab"@en ;
          dcterms:description "We make images"@en ; ami:hasCompetency <urn:x:c> .
      <urn:x:b> a org:Organization ; rdfs:label "Beta É Lab"@en ;
          dcterms:description "We make pictures"@en ; ami:hasCompetency <urn:x:c> .
      <urn:x:c> rdfs:label "Imaging agents"@en .
    }""")
    idx = new_index(None)
    write(idx, read_documents(store))
    got = run(idx, ["imaging"], {}, 10, 0)
    assert [h["iri"] for h in got["hits"]] == ["urn:x:a", "urn:x:b"]
    assert got["hits"][0]["score"] > got["hits"][1]["score"]
    assert [h["names"] for h in got["hits"]] == [[("Alpha \"Ω\" Lab", "en")],
                                                 [("Beta É Lab", "en")]]
    # "images" is found as a word in a's description; b holds its stem only in a linked name
    assert [h["iri"] for h in run(idx, ["images"], {}, 10, 0)["hits"]] == ["urn:x:a"]


def test_an_index_of_another_schema_version_is_not_used_until_it_is_rebuilt(tmp_path):
    """An index written by an older amikg (whose fields differ: schema version 3 kept a facet's
    values apart) answers nothing: the answer comes from the store, marked stale, until a
    rebuild writes the current version."""
    from amikg.store import open_store
    store = open_store(str(tmp_path / "store"))
    init_store(store)
    built = SearchIndex.for_store(store)
    built.rebuild()
    fresh = search(built, "PET Hannover")
    built.close()
    (version,) = built.path.glob("gen-*/VERSION")
    version.write_text("3")
    old = SearchIndex.for_store(store)
    got = search(old, "PET Hannover")
    assert got["stale"] and summary(got) == summary(fresh)
    old.rebuild()
    again = search(old, "PET Hannover")
    assert not again["stale"] and summary(again) == summary(fresh)
    assert (old.path / (old.path / "current").read_text().split()[0] / "VERSION").read_text() \
        != "3"


# -- every way in gives the same answer; writes through the service ----------------------------

def _get(svc, path):
    status, _, body = svc.request("GET", path)
    assert status == 200, body[:300]
    return json.loads(body)


def _settled(svc, path, timeout=60.0) -> dict:
    """The answer once the service's background rebuild has caught up."""
    deadline = time.monotonic() + timeout
    while True:
        got = _get(svc, path)
        if not got["stale"] or time.monotonic() > deadline:
            return got
        time.sleep(0.2)


def test_http_cli_and_library_agree_and_service_writes_keep_the_index_in_step(
        start_service, bundled_store_dir, tmp_path):
    store_dir = tmp_path / "store"
    shutil.copytree(bundled_store_dir, store_dir)
    svc = start_service(store_dir)
    ask = "/api/search?q=pet&category=Hospital&limit=50"
    http = _settled(svc, ask)
    assert not http["stale"] and http["total"] >= 3
    # a SPARQL update of named graphs through the service: re-indexed at once (the write gate
    # has read its graphs); one of any graph (GRAPH ?g) makes the index stale: found at once
    # (from the store), then by the rebuilt index
    svc.update('INSERT DATA { GRAPH <urn:x:g1> { <urn:x:quokka> a <http://www.w3.org/ns/org#'
               'Organization> ; <http://www.w3.org/2000/01/rdf-schema#label> "Quokkafish '
               'Diagnostics"@en } }')
    now = _get(svc, "/api/search?q=quokkafish")
    assert now["total"] == 1 and not now["stale"]
    svc.update('INSERT { GRAPH ?g { ?o <http://www.w3.org/2004/02/skos/core#altLabel> '
               '"Numbatscope"@en } } WHERE { GRAPH ?g { ?o <http://www.w3.org/2000/01/rdf-schema'
               '#label> "Quokkafish Diagnostics"@en } }')
    assert _get(svc, "/api/search?q=numbatscope")["total"] == 1   # (stale, or rebuilt by now)
    assert _settled(svc, "/api/search?q=numbatscope")["total"] == 1
    # the Graph Store: PUT a graph, then DELETE it
    ttl = NEW_ORG.format(slug="wombat", name="Wombat Imaging").encode()
    status, _, _ = svc.request("PUT", "/graph?graph=urn:x:g2", ttl,
                               {**AUTH, "Content-Type": "text/turtle"})
    assert status in (201, 204)
    now = _get(svc, "/api/search?q=wombat")
    assert now["total"] == 1 and summary(now) == summary(_settled(svc, "/api/search?q=wombat"))
    status, _, _ = svc.request("DELETE", "/graph?graph=urn:x:g2", headers=AUTH)
    assert status == 204
    assert _get(svc, "/api/search?q=wombat")["total"] == 0
    assert _settled(svc, "/api/search?q=wombat")["total"] == 0
    final = _settled(svc, ask)
    svc.stop()
    # the same question through the CLI and the library, over the same store
    r = run_cli("search", "pet", "--category", "Hospital", "--limit", "50", "--format", "json",
                "--store", str(store_dir))
    assert r.returncode == 0, r.stderr
    cli = json.loads(r.stdout)
    from amikg.store import open_store
    with open_store(str(store_dir)) as store:
        lib = search(SearchIndex.for_store(store), "pet", {"category": "Hospital"}, limit=50)
    assert cli == lib == final
    assert not final["stale"]
    # a restore swaps the store: the index is stale until rebuilt, and answers from the store
    r = run_cli("restore", str(bundled_store_dir), "--store", str(store_dir))
    assert r.returncode == 0, r.stderr
    r = run_cli("search", "quokkafish", "--format", "json", "--store", str(store_dir))
    got = json.loads(r.stdout)
    assert got["stale"] and got["total"] == 0
    assert b"amikg reindex" in r.stderr
    assert run_cli("reindex", "--store", str(store_dir)).returncode == 0
    r = run_cli("search", "quokkafish", "--format", "json", "--store", str(store_dir))
    assert not json.loads(r.stdout)["stale"]


# -- every library write path, on every backend ------------------------------------------------

def _in_step(index, q, *, incremental: bool, **filters) -> dict:
    """After the write just made, the index answers as the store does: a write of known graphs
    has been re-indexed at once (the index is not stale), any other write left it stale (the
    answer then comes from the store) until it is rebuilt. Either way the answer equals the one
    computed from the store by SPARQL and that of a rebuilt index."""
    assert index.stale is not incremental
    now = search(index, q, filters, limit=100)
    assert now["stale"] is not incremental
    from_store = search(SearchIndex(index.store, index.path.with_name("never-built")), q,
                        filters, limit=100)
    assert from_store["stale"]
    assert summary(now) == summary(from_store)
    if not incremental:
        index.rebuild()
    rebuilt = SearchIndex(index.store, index.path.with_name("rebuilt"))
    rebuilt.rebuild()
    after = search(index, q, filters, limit=100)
    assert not after["stale"]
    assert summary(after) == summary(from_store) == summary(search(rebuilt, q, filters, limit=100))
    return after


def test_every_write_path_keeps_the_index_in_step_with_the_store(any_store, tmp_path):
    index = SearchIndex(any_store, tmp_path / "index").watch(rebuild=False)
    init_store(any_store)                        # amikg init: the vocabulary changes: rebuild
    assert _in_step(index, "pet", incremental=False)["total"] >= 10
    f = tmp_path / "new.ttl"
    f.write_text(NEW_ORG.format(slug="zyxwq", name="Zyxwq Imaging"))
    load_paths(any_store, [f], "urn:x:graph/new")                  # amikg load: incremental
    got = _in_step(index, "zyxwq", category="Hospital", incremental=True)
    assert [h["iri"] for h in got["hits"]] == labelled(any_store, "zyxwq")
    any_store.update('INSERT DATA { GRAPH <urn:x:graph/new> { <https://w3id.org/amikg/id/org/'
                     'zyxwq> <http://www.w3.org/2000/01/rdf-schema#label> "Zyxwq Bildgebung"@de '
                     '} }')                                        # SPARQL update: stale
    assert _in_step(index, "bildgebung", incremental=False)["total"] == 1
    rep = import_table(any_store, ROOT / "examples" / "members.csv", "filas")  # import
    got = _in_step(index, "tiberina", cluster="filas", incremental=True)
    assert got["total"] == 1 and got["hits"] == search(index, "tiberina")["hits"]
    # a graph that renames a competency: every organisation with it is found by the new name
    g = tmp_path / "alias.ttl"
    g.write_text('<https://w3id.org/amikg/ontology#tech-pet> '
                 '<http://www.w3.org/2004/02/skos/core#altLabel> "Qwertronography"@en .')
    load_paths(any_store, [g], "urn:x:graph/alias")
    with_pet = {s["o"].value for s in any_store.query(
        "SELECT DISTINCT ?o WHERE { ?o <https://w3id.org/amikg/ontology#hasCompetency> "
        "<https://w3id.org/amikg/ontology#tech-pet> }")}
    got = _in_step(index, "qwertronography", incremental=True)
    assert {h["iri"] for h in got["hits"]} == with_pet and len(with_pet) > 1
    any_store.drop_graph("urn:x:graph/alias")                      # drop a graph: incremental
    assert _in_step(index, "qwertronography", incremental=True)["total"] == 0
    undo(any_store, rep.import_id)                                 # undo: incremental
    assert _in_step(index, "tiberina", incremental=True)["total"] == 0
    load_paths(any_store, [f], "urn:x:graph/new")                  # reload a graph (replace)
    assert _in_step(index, "bildgebung", incremental=True)["total"] == 0
    any_store.drop_graph("urn:x:graph/new")
    assert _in_step(index, "zyxwq", incremental=True)["total"] == 0 == \
        len(labelled(any_store, "zyxwq"))


def synthetic_store(tmp_path, organisations: int, seed: int):
    """An in-memory store of the bundled data and a seeded synthetic graph (``amikg generate``)."""
    from amikg.generate import write_synthetic
    from amikg.store import open_store

    store = open_store("memory:")
    init_store(store)
    data = tmp_path / "synthetic.nt"
    with open(data, "wb") as out:
        write_synthetic(out, organisations, seed=seed)
    load_paths(store, [data], "urn:x:graph/synthetic")
    return store


def test_many_documents_read_whole_or_in_chunks_are_the_same_documents(monkeypatch, tmp_path):
    """Above a share of the store, the documents asked for are read with the whole store (its
    property scans) instead of in VALUES chunks: both ways give the same documents."""
    from amikg.search import documents

    store = synthetic_store(tmp_path, 2600, seed=3)
    every = documents.read_documents(store)
    wanted = [d.iri for d in every][::-1][:2300] + ["urn:x:not-a-document"]
    calls = []
    query = store.query
    monkeypatch.setattr(store, "query", lambda text, **kw: calls.append(text) or query(text, **kw))
    whole = documents.read_documents(store, wanted)
    assert sum("?codes" in c for c in calls) == 1       # read whole: the one coded query
    monkeypatch.setattr(documents, "WHOLE_READ_SHARE", 1.0)
    calls.clear()
    chunked = documents.read_documents(store, wanted)
    assert not any("?codes" in c for c in calls)       # in chunks: VALUES blocks of ?doc
    assert any("VALUES ?doc" in c for c in calls)
    assert [vars(d) for d in whole] == [vars(d) for d in chunked] == \
        [vars(d) for d in every if d.iri in set(wanted)]
    assert len(whole) == 2300


def test_a_whole_read_with_kinds_too_many_to_code_reads_them_by_property_scans(monkeypatch,
                                                                              tmp_path):
    """A whole-store read codes what documents link to, kind by kind; a kind linking to more
    resources than it codes (the clusters, at a million organisations) is read by a property
    scan instead: the documents are the same either way, and the same as read in chunks."""
    from amikg.search import documents

    store = synthetic_store(tmp_path, 300, seed=5)
    coded = documents.read_documents(store)
    calls = []
    query = store.query
    monkeypatch.setattr(store, "query", lambda text, **kw: calls.append(text) or query(text, **kw))
    monkeypatch.setattr(documents, "CODED_MAX", 20)   # classes, competencies, clusters: scans
    scanned = documents.read_documents(store)
    assert sum("?codes" in c for c in calls) == 1
    assert documents.pattern_query("?doc ami:hasCompetency ?x") in calls
    assert documents.pattern_query("?doc ami:actsAtStep ?x") not in calls   # 7 steps: coded
    monkeypatch.setattr(documents, "CODED_MAX", 0)    # nothing coded: no coded query at all
    calls.clear()
    plain = documents.read_documents(store)
    assert not any("?codes" in c for c in calls)
    chunked = documents.read_documents(store, [d.iri for d in coded])
    assert len(coded) > 300 and sum(bool(d.facets["cluster"]) for d in coded) > 100
    assert [vars(d) for d in coded] == [vars(d) for d in scanned] == [vars(d) for d in plain] \
        == [vars(d) for d in chunked]


def test_a_rebuild_says_how_far_it_got(tmp_path, monkeypatch):
    from amikg.search import engine

    store = synthetic_store(tmp_path, 2600, seed=3)
    monkeypatch.setattr(engine, "PROGRESS_EVERY", 1000)
    said = []
    info = SearchIndex(store, tmp_path / "index").rebuild(
        progress=lambda done, total: said.append((done, total)))
    n = info["documents"]
    assert n > 2600 and {total for _, total in said} == {n}
    assert [done for done, _ in said] == [0, *range(1000, n, 1000), n]


def test_reindex_on_a_terminal_counts_the_organisations_as_it_indexes_them(bundled_store_dir,
                                                                             tmp_path):
    """A rebuild of a million organisations takes minutes: on a terminal, `amikg reindex` says
    what it does and counts the organisations as they go into the index."""
    import os
    import subprocess
    import sys

    store = tmp_path / "store"
    shutil.copytree(bundled_store_dir, store)
    terminal, stderr = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "amikg", "reindex", "--store", str(store)],
                            stdout=subprocess.PIPE, stderr=stderr, cwd=ROOT)
    os.close(stderr)
    shown = b""
    while True:
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # the command ended: the terminal's other end is closed
            break
        if not chunk:
            break
        shown += chunk
    out = proc.communicate(timeout=600)[0].decode()
    os.close(terminal)
    assert proc.returncode == 0
    documents = int(out.split()[1])
    assert out.startswith("indexed ") and documents > 50
    shown = shown.decode()
    assert "reading the store" in shown
    assert f"organisations indexed  [####################################]  {documents}/" \
        f"{documents}" in shown
    without_terminal = run_cli("reindex", "--store", str(store))  # in a log: the result only
    assert without_terminal.returncode == 0 and without_terminal.stderr == b""


def test_facet_counts_through_signatures_equal_the_counts_of_the_values(tmp_path, monkeypatch):
    """The facets of many values per document are counted through one signature per document
    (amikg.search.engine.SIGNED): for every search, the counts equal tantivy's own counts of the
    values; so do they when a search finds more signatures than are asked for, or a signature
    too long to keep."""
    from amikg.search import engine
    from amikg.search.documents import read_documents

    store = synthetic_store(tmp_path, 3000, seed=5)
    idx = engine.new_index(None)
    engine.write(idx, read_documents(store))
    searcher = idx.searcher()
    cases = [(["imaging"], {}), (["pet"], {}), ([], {}), ([], {"country": [
        "http://publications.europa.eu/resource/authority/country/DEU"]}),
        (["organisation"], {"step": ["https://w3id.org/amikg/ontology#step-clinical-validation"]})]
    for words, filters in cases:
        q = engine.build_query(idx, words, filters)
        signed = engine.facet_counts(searcher, q)
        direct = engine.facet_counts(searcher, q, signatures=False)
        assert signed == direct, (words, filters)
        assert sum(signed["competency"].values()) > sum(signed["kind"].values()) > 0
    monkeypatch.setattr(engine, "SIGNATURES", 3)       # fewer signatures asked for than found
    q = engine.build_query(idx, ["imaging"], {})
    assert engine.facet_counts(searcher, q) == engine.facet_counts(searcher, q, signatures=False)
    monkeypatch.undo()
    monkeypatch.setattr(engine, "LONGEST", 80)          # signatures too long to keep
    idx = engine.new_index(None)
    engine.write(idx, read_documents(store))
    q = engine.build_query(idx, ["imaging"], {})
    counts = engine.facet_counts(idx.searcher(), q)
    assert counts == engine.facet_counts(idx.searcher(), q, signatures=False)
    assert counts["competency"]
