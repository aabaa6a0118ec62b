"""Partner search (issue 6): ranking and reasons on hand-made cases (tests/data/queries-fixture.ttl),
through the library and the real CLI."""

from __future__ import annotations

import json

import pytest

from amikg.queries import run_query
from tests.conftest import run_cli
from tests.test_queries import fill

ALPHA = "amid:cluster/fx-alpha"


@pytest.fixture(scope="module")
def store():
    from amikg.store import open_store
    s = open_store("memory:")
    fill(s)
    yield s
    s.close()


def search(store, **params):
    return run_query(store, "partner-search", params).rows()


def test_a_candidate_covering_the_missing_step_outranks_one_that_does_not(store):
    got = {r["name"]: r for r in search(store, competency="PET", region="RO21",
                                        for_cluster=ALPHA, exclude_cluster=ALPHA)}
    # identical twins except that PetLab acts at applied research, which Alpha lacks
    assert got["PetLab Research Center"]["score"] > got["PetLab Twin"]["score"]
    assert "covers applied research, which the cluster lacks" in \
        got["PetLab Research Center"]["reasons"]
    assert got["PetLab Twin"]["gap_steps"] == ""


def test_the_asked_step_scores_and_is_given_as_a_reason(store):
    got = search(store, step="clinical-validation", competency="MRI")
    assert got[0]["name"] == "ClinVal Imaging" and got[0]["score"] == 6
    assert got[0]["step_match"] == "clinical validation"
    assert got[0]["reasons"].startswith("has MRI; acts at clinical validation")


def test_excluded_members_never_appear(store):
    names = [r["name"] for r in search(store, competency="PET", exclude_cluster=ALPHA)]
    assert "Alpha University" not in names and "PetLab Research Center" in names
    with_members = [r["name"] for r in search(store, competency="PET")]
    assert "Alpha University" in with_members
    # membership stated from the cluster's side (org:hasMember) counts too
    names = [r["name"] for r in search(store, competency="PET", exclude_cluster="amid:cluster/fx-beta")]
    assert "PetCT Devices" not in names


def test_sub_categories_are_found(store):
    names = [r["name"] for r in search(store, competency="PET", category="ResearchInstitution")]
    assert sorted(names) == ["PetLab Research Center", "PetLab Twin"]  # both ResearchCenter
    assert [r["name"] for r in search(store, competency="PET", category="ScientificStakeholder",
                                      size="SME")] == ["PetCT Devices"]


def test_narrower_and_combining_competencies_match(store):
    got = {r["name"]: r for r in search(store, competency="nuclear-medicine")}
    assert got["PetCT Devices"]["matched_competencies"] == "PET-CT"  # PET-CT combines PET
    assert got["PetLab Twin"]["matched_competencies"] == "PET"       # PET is narrower


def test_region_reasons_same_neighbouring_country(store):
    got = {r["name"]: r["region_match"] for r in search(store, competency="PET", region="RO21")}
    assert got["PetLab Twin"] == "same region"
    assert got["Iasi Clinic"] == "neighbouring region"   # RO2, the parent of RO21
    assert got["PetCT Devices"] == ""
    got = {r["name"]: r["region_match"] for r in search(store, competency="PET", region="HU32")}
    assert got["PetCT Devices"] == "same region"         # HU321 lies in HU32


def test_country_is_a_condition(store):
    assert {r["name"] for r in search(store, competency="PET", country="HUN")} == {"PetCT Devices"}


def test_clusters_themselves_are_never_candidates(store):
    assert all("Cluster" not in r["name"] for r in search(store, step="basic-research"))


def test_cli_partners_prints_a_ranked_explained_table(tmp_path):
    loc = str(tmp_path / "store")
    for args in (["load", "ontology/ami.ttl", "ontology/reference.ttl", "--graph",
                  "https://w3id.org/amikg/graph/ontology"], ["load", "tests/data/queries-fixture.ttl"]):
        assert run_cli(*args, "--store", loc).returncode == 0
    r = run_cli("partners", "--competency", "PET", "--region", "RO21", "--for-cluster", ALPHA,
                "--exclude-cluster", ALPHA, "--store", loc)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines[1].split()[:3] == ["1", "8", "PetLab"]
    assert "why: has PET; covers applied research, which the cluster lacks; same region" in out
    r = run_cli("partners", "--competency", "PET", "--format", "json", "--store", loc)
    assert json.loads(r.stdout)["query"] == "partner-search"
    r = run_cli("partners", "--competency", "X-RAY-VISION", "--store", loc)
    assert r.returncode == 2 and b"parameter competency" in r.stderr and b"Traceback" not in r.stderr
    r = run_cli("ask", "smes", "--region", "HU3", "--format", "csv", "--store", loc)
    assert r.returncode == 0 and b"PetCT Devices" in r.stdout
    r = run_cli("ask", "--list", "--store", loc)
    assert b"partner-search" in r.stdout and b"--exclude-cluster" in r.stdout


def test_pages_partition_the_ranking(store):
    """The page is taken inside the query (# page): pages do not overlap, together they are the
    whole ranking, and scores never rise from one page to the next."""
    everything = run_query(store, "partner-search", {"competency": "PET"}, limit=100).rows()
    pages = [run_query(store, "partner-search", {"competency": "PET"}, limit=2,
                       offset=offset).rows() for offset in range(0, len(everything), 2)]
    flat = [r["candidate"] for page in pages for r in page]
    assert len(flat) == len(set(flat)) == len(everything)
    assert set(flat) == {r["candidate"] for r in everything}
    scores = [r["score"] for page in pages for r in page]
    assert scores == sorted(scores, reverse=True)


# -- the index finds and scores the candidates (issue 20) --------------------------------------

INDEX_CASES = [
    dict(competency="PET", region="RO21", for_cluster=ALPHA, exclude_cluster=ALPHA),
    dict(step="clinical-validation", competency="MRI"), dict(competency="PET", exclude_cluster=ALPHA),
    dict(competency="PET", exclude_cluster="amid:cluster/fx-beta"),
    dict(competency="PET", category="ResearchInstitution"),
    dict(competency="PET", category="ScientificStakeholder", size="SME"),
    dict(competency="nuclear-medicine"), dict(competency="PET", region="HU32"),
    dict(competency=["PET", "MRI"], region=["RO21", "HU32"]),
    dict(competency=["PET", "pet", "nuclear-medicine"]),
    dict(competency="PET", country="HUN"), dict(step="basic-research", for_cluster=ALPHA)]
SYNTHETIC_CASES = [
    dict(competency="PET", region="RO2"), dict(competency=["PET", "MRI"], step="clinical-validation"),
    dict(step="basic-research", region="RO21", category="Hospital"),
    dict(competency="nuclear-medicine", for_cluster="amid:cluster/syn-1",
         exclude_cluster="amid:cluster/syn-1"), dict(competency="MRI", country="ITA", size="SME")]
LISTS = ("matched_competencies", "gap_steps", "categories")


def _reason(part: str) -> tuple:
    """One reason with the items of its list in order: ("has", [...]), ("covers", [...])."""
    for head, tail in (("has ", ""), ("covers ", ", which the cluster lacks")):
        if part.startswith(head) and part.endswith(tail):
            return head, sorted(part[len(head):len(part) - len(tail)].split(", "))
    return "", sorted(part.split(", "))


def same_rows(rows: list[dict]) -> list[dict]:
    """Rows as they must agree: the lists in a cell (and in the reasons) in any order (SPARQL's
    GROUP_CONCAT gives them in the engine's order)."""
    def cell(k, v):
        if k in LISTS:
            return sorted(v.split(", ")) if v else []
        if k == "reasons":
            return sorted(_reason(p) for p in v.split("; ")) if v else []
        return v
    return [{k: cell(k, v) for k, v in r.items()} for r in rows]


def test_partner_search_on_the_index_ranks_as_the_named_query_on_every_backend(any_store,
                                                                               tmp_path):
    from amikg.generate import write_synthetic
    from amikg.loader import load_paths
    from amikg.search import SearchIndex, partner_search
    fill(any_store)
    data = tmp_path / "synthetic.nt"
    with open(data, "wb") as out:
        write_synthetic(out, 300, seed=7)
    load_paths(any_store, [data], "urn:x:graph/synthetic")
    index = SearchIndex(any_store, tmp_path / "index")
    index.rebuild()
    for params in INDEX_CASES + SYNTHETIC_CASES:
        got = partner_search(any_store, index, params, limit=500)
        assert got["index"], params
        want = run_query(any_store, "partner-search", params, limit=500).rows()
        assert 0 < len(want) < 500, params  # the whole ranking: no cut among equal scores
        assert same_rows(got["rows"]) == same_rows(want), params
    # pages that cut among equal scores: both take the tied candidates in IRI order, also once
    # some of them were re-indexed (tantivy then holds them last)
    index.watch(rebuild=False)
    again = tmp_path / "again.nt"
    again.write_text("".join(
        f'<{r["candidate"]}> <http://www.w3.org/2004/02/skos/core#altLabel> "again" .\n'
        for r in run_query(any_store, "partner-search", SYNTHETIC_CASES[0], limit=500).rows()[::2]))
    load_paths(any_store, [again], "urn:x:graph/again")
    assert not index.stale
    ties = 0
    for params in SYNTHETIC_CASES[:3]:
        whole = run_query(any_store, "partner-search", params, limit=500).rows()
        for off in range(0, min(len(whole), 40), 7):
            ties += off + 7 < len(whole) and whole[off + 6]["score"] == whole[off + 7]["score"]
            got = partner_search(any_store, index, params, limit=7, offset=off)
            want = run_query(any_store, "partner-search", params, limit=7, offset=off).rows()
            assert same_rows(got["rows"]) == same_rows(want), (params, off)
    assert ties >= 3, "the pages must end among equal scores for this to test the cut"
    # a stale index: the named query answers, the same rows
    index.mark_stale()
    got = partner_search(any_store, index, INDEX_CASES[0])
    assert not got["index"] and got["rows"] == \
        run_query(any_store, "partner-search", INDEX_CASES[0]).rows()
