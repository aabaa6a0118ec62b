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


@pytest.mark.parametrize("params, named", [
    ({"region": "XX99"}, "region"), ({"limit": "0"}, "limit"), ({"offset": "-1"}, "offset"),
    ({"kind": "robot"}, "kind"), ({"colour": "red"}, "colour"), ({"q": "x" * 501}, "q"),
    ({"lang": "<script>"}, "lang")])
def test_bad_input_is_a_400_naming_the_parameter(client, params, named):
    r = client.get("/api/search?" + urllib.parse.urlencode(params))
    assert r.status_code == 400, r.get_data(as_text=True)
    assert named in r.get_json()["message"]


def test_highlights_escape_the_data(make_app, tmp_path):
    from amikg.store import open_store
    store = open_store("memory:")
    store.update('INSERT DATA { <urn:x:o> a <http://www.w3.org/ns/org#Organization> ; '
                 '<http://www.w3.org/2000/01/rdf-schema#label> "<img src=x> Quux Lab" }')
    app = make_app(store)
    app.extensions["amikg"].search.wait(30)
    body = app.test_client().get("/api/search?q=quux").get_json()
    assert body["hits"][0]["highlight"]["name"] == "&lt;img src=x&gt; <b>Quux</b> Lab"


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
    # a SPARQL update through the service: found at once (from the store while stale), then
    # by the rebuilt index
    svc.update('INSERT DATA { GRAPH <urn:x:g1> { <urn:x:quokka> a <http://www.w3.org/ns/org#'
               'Organization> ; <http://www.w3.org/2000/01/rdf-schema#label> "Quokkafish '
               'Diagnostics"@en } }')
    assert _get(svc, "/api/search?q=quokkafish")["total"] == 1
    assert _settled(svc, "/api/search?q=quokkafish")["total"] == 1
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

def _in_step(index, q, **filters) -> dict:
    """The write just made left the index stale; the answer from the store then equals the
    answer of the rebuilt index."""
    assert index.stale
    before = search(index, q, filters, limit=100)
    assert before["stale"]
    index.rebuild()
    after = search(index, q, filters, limit=100)
    assert not after["stale"]
    assert summary(before) == summary(after)
    return after


def test_every_write_path_marks_the_index_stale_and_both_answers_agree(any_store, tmp_path):
    index = SearchIndex(any_store, tmp_path / "index").watch(rebuild=False)
    init_store(any_store)                                          # amikg init
    assert _in_step(index, "pet")["total"] >= 10
    f = tmp_path / "new.ttl"
    f.write_text(NEW_ORG.format(slug="zyxwq", name="Zyxwq Imaging"))
    load_paths(any_store, [f], "urn:x:graph/new")                  # amikg load
    got = _in_step(index, "zyxwq", category="Hospital")
    assert [h["iri"] for h in got["hits"]] == labelled(any_store, "zyxwq")
    any_store.update('INSERT DATA { GRAPH <urn:x:graph/new> { <https://w3id.org/amikg/id/org/'
                     'zyxwq> <http://www.w3.org/2000/01/rdf-schema#label> "Zyxwq Bildgebung"@de '
                     '} }')                                        # SPARQL update
    assert _in_step(index, "bildgebung")["total"] == 1
    rep = import_table(any_store, ROOT / "examples" / "members.csv", "filas")  # import
    got = _in_step(index, "tiberina", cluster="filas")
    assert got["total"] == 1 and got["hits"] == search(index, "tiberina")["hits"]
    undo(any_store, rep.import_id)                                 # undo
    assert _in_step(index, "tiberina")["total"] == 0
    any_store.drop_graph("urn:x:graph/new")                        # drop a graph
    assert _in_step(index, "zyxwq")["total"] == 0 == len(labelled(any_store, "zyxwq"))
