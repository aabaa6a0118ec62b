"""Issue 18, "answers that disagree": one definition per question and one library call for it.

- value-chain gaps: a step is a gap when no organisation among the cluster's members nor in its
  region (sub-regions included) acts at it, the roadmap's own definition; the cluster page draws
  both counts and the roadmap's gaps;
- roadmap progress only from :func:`amikg.roadmap.roadmap` (cluster-overview has no roadmap
  columns any more);
- one cluster resolver (IRI, slug, name, alternative name, any case) whose error names the store;
- the CLI and ``make serve`` use the same default store, and a command on an empty store says so;
- ``/api/validate?shapes=roadmap&cluster=filas`` on an uploaded file;
- :func:`amikg.summary.cluster_summary` behind the page, ``amikg roadmap --json`` and
  ``GET /api/clusters/<ident>``.

The cross-interface acceptance test is tests/test_one_answer.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from conftest import ROOT, run_cli

IMAGO = "https://w3id.org/amikg/id/cluster/imago-mol"
FILAS = "https://w3id.org/amikg/id/cluster/filas"
FIXTURE = ROOT / "tests" / "data" / "queries-fixture.ttl"
JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def app_store():
    """The bundled data, tests/data/sample.ttl and the query fixture (clusters with members)."""
    from amikg.bundled import init_store
    from amikg.loader import load_paths
    from amikg.store import open_store

    store = open_store("memory:")
    init_store(store)
    load_paths(store, [ROOT / "tests" / "data" / "sample.ttl"])
    load_paths(store, [FIXTURE], "https://w3id.org/amikg/graph/test-fixture")
    yield store
    store.close()


def _roadmap_gaps(rm: dict) -> list[str]:
    """The steps the roadmap's value-chain checkpoint names as having no actor (its messages)."""
    item = next(i for ph in rm["phases"] for i in ph["items"] if i["id"] == "cp-value-chain")
    return [re.search(r'step "([^"]+)"', m).group(1) for m in item["messages"]]


# -- value-chain gaps: one definition -------------------------------------------------------------

def test_imago_mol_page_shows_the_roadmaps_one_gap_and_both_counts(client):
    """The IMAGO-MOL page said 3 of 7 steps have no actor (members only) while its roadmap lists
    only manufacturing: now the page says what the roadmap says, and draws both counts."""
    html = client.get("/clusters/imago-mol").get_data(as_text=True)
    section = html[html.index('id="value-chain"'):html.index('id="marketing"')]
    text = " ".join(re.sub(r"<[^>]+>", " ", section).split())
    assert "1 of 7 steps has no actor among the members or in the region: manufacturing." in text
    assert "3 of 7" not in text
    # the chart: a members bar and a regional bar per step, the gap outlined
    rows = re.findall(r'<g class="row( gap)?"[^>]*>(.*?)</g>', section, re.S)
    assert len(rows) == 7 and [bool(g) for g, _ in rows].count(True) == 1
    clinical = next(body for _, body in rows if "clinical validation" in body)
    members = re.search(r'class="value members"[^>]*>(\d+)', clinical).group(1)
    regional = re.search(r'class="value regional"[^>]*>(\d+)', clinical).group(1)
    assert members == "0" and int(regional) > 0


def test_summary_gaps_are_the_roadmaps_for_every_cluster(app_store):
    """For every cluster (bundled and fixture): the summary's gaps are the steps the roadmap
    names, and a step is a gap exactly when neither count has an organisation."""
    from amikg.overview import cluster_choices
    from amikg.summary import cluster_summary
    from amikg.roadmap import roadmap

    seen_regional_only = False
    for slug, _ in cluster_choices(app_store):
        s = cluster_summary(app_store, slug)
        assert sorted(s["gaps"]) == sorted(_roadmap_gaps(roadmap(app_store, slug))), slug
        assert len(s["value_chain"]) == 7
        for step in s["value_chain"]:
            assert step["gap"] == (step["members"] == 0 and step["regional"] == 0), (slug, step)
            seen_regional_only |= step["members"] == 0 and step["regional"] > 0
        assert s["gaps"] == [st["label"] for st in s["value_chain"] if st["gap"]]
    assert seen_regional_only  # the data has steps the region covers and no member does


def test_value_chain_counts_follow_the_roadmap_definition():
    """Members by org:memberOf, org:hasMember or an org:Membership; organisations of a
    sub-region; the cluster itself never counts."""
    from amikg.bundled import init_store
    from amikg.loader import load_sources, Source
    from amikg.summary import cluster_summary
    from amikg.roadmap import roadmap
    from amikg.store import open_store

    ttl = b"""@prefix ami: <https://w3id.org/amikg/ontology#> . @prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix x: <https://example.org/x/> .
x:reg a ami:Region . x:sub a ami:Region ; skos:broader x:reg .
x:c a ami:Cluster ; rdfs:label "Test C"@en ; ami:region x:reg ; ami:actsAtStep ami:step-market-access ;
    org:hasMember x:a .
x:a a ami:SME ; ami:actsAtStep ami:step-basic-research .
x:b a ami:Hospital ; org:memberOf x:c ; ami:actsAtStep ami:step-basic-research .
x:m a org:Membership ; org:organization x:c ; org:member x:d .
x:d a ami:University ; ami:actsAtStep ami:step-applied-research .
x:e a ami:Hospital ; ami:region x:sub ; ami:actsAtStep ami:step-clinical-use .
"""
    with open_store("memory:") as store:
        init_store(store)
        load_sources(store, [Source("c.ttl", ttl, "turtle")], "https://example.org/g")
        s = cluster_summary(store, "https://example.org/x/c")
        by = {st["label"]: (st["members"], st["regional"]) for st in s["value_chain"]}
        assert by["basic research"][0] == 2 and by["applied research"][0] == 1
        assert by["clinical use"] == (0, 1)            # x:sub is a sub-region of x:reg
        assert "market access" in s["gaps"]            # the cluster itself is no actor
        assert sorted(s["gaps"]) == sorted(_roadmap_gaps(roadmap(store, "https://example.org/x/c")))


# -- roadmap progress only from the roadmap -------------------------------------------------------

def test_cluster_overview_answers_no_roadmap_figures_and_the_api_gives_the_pages(client):
    """`/api/queries/cluster-overview?cluster=filas` said "roadmap_done": 0 while the FILAS page
    says 7 of 24: the query loses those columns; the figures come from the roadmap alone."""
    row = client.get("/api/queries/cluster-overview?cluster=filas").json["rows"][0]
    assert "roadmap_done" not in row and "roadmap_assessed" not in row
    summary = client.get("/api/clusters/filas").json
    page = client.get("/clusters/filas").get_data(as_text=True)
    done = re.search(r'id="roadmap-total">(\d+) of (\d+)<', page)
    assert (int(done.group(1)), int(done.group(2))) == (summary["done"], summary["total"])
    assert summary["done"] == client.get("/api/clusters/filas/roadmap").json["done"] > 0


# -- one resolver ---------------------------------------------------------------------------------

@pytest.mark.parametrize("ident, iri", [
    ("IMAGO-MOL", IMAGO), ("imago-mol", IMAGO), ("Imago-Mol", IMAGO), (IMAGO, IMAGO),
    ("amid:cluster/imago-mol", IMAGO), ("  imago-mol ", IMAGO),
    ("madrid network", "https://w3id.org/amikg/id/cluster/madrid-network"),
    ("lazio region bioscience technology district (dtb) filas", FILAS),
    ("Alpha Cluster", "https://w3id.org/amikg/id/cluster/fx-alpha")])
def test_one_resolver_takes_iri_slug_name_and_alternative_name_in_any_case(app_store, ident, iri):
    from amikg.clusters import resolve_cluster

    assert str(resolve_cluster(app_store, ident)) == iri


def test_the_resolvers_error_names_the_store_and_suggests(bundled_store_dir):
    r = run_cli("roadmap", "imago-moll", "--store", str(bundled_store_dir))
    err = r.stderr.decode()
    assert r.returncode == 2
    assert f"no cluster 'imago-moll' in the store at {bundled_store_dir}" in err
    assert 'did you mean "imago-mol"?' in err


def test_every_interface_takes_the_clusters_name_in_capitals(bundled_store_dir, runner, client,
                                                             tmp_path):
    """`amikg roadmap IMAGO-MOL` failed while `amikg ask ... --cluster IMAGO-MOL` worked."""
    store = str(bundled_store_dir)
    r = runner.invoke(["roadmap", "IMAGO-MOL", "--store", store])
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("IMAGO-MOL: ")
    r = runner.invoke(["validate", "--shapes", "roadmap", "--cluster", "IMAGO-MOL",
                       "--format", "json", "--store", store])
    assert r.exit_code in (0, 1), r.stderr
    assert {f["focus"] for f in json.loads(r.stdout)["focus_nodes"]} == {IMAGO}
    copy = tmp_path / "store"
    import shutil
    shutil.copytree(bundled_store_dir, copy)
    r = runner.invoke(["import", str(ROOT / "examples" / "members.csv"), "--cluster", "IMAGO-MOL",
                       "--dry-run", "--store", str(copy)])
    assert r.exit_code == 0, r.stderr
    assert client.get("/api/clusters/IMAGO-MOL/roadmap").json["cluster"] == IMAGO
    assert client.get("/api/clusters/IMAGO-MOL").json["cluster"] == IMAGO
    assert client.get("/clusters/IMAGO-MOL").status_code == 200
    missing = client.get("/api/clusters/imago-moll")
    assert missing.status_code == 404 and "did you mean" in missing.json["message"]


def test_an_import_names_the_cluster_it_resolved(bundled_store):
    from amikg.ingest import import_table

    rep = import_table(bundled_store, ROOT / "examples" / "members.csv", "Imago-MOL",
                       dry_run=True)
    assert rep.cluster == IMAGO


# -- the default store ----------------------------------------------------------------------------

def test_make_serve_and_the_cli_use_the_same_default_store(tmp_path):
    """`make serve` forced ./data/store while the CLI defaults to $XDG_DATA_HOME/amikg/store:
    without AMIKG_STORE, make passes no store of its own, so `amikg serve` and every command
    open the same default."""
    env = {k: v for k, v in os.environ.items() if k != "AMIKG_STORE"}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    db = subprocess.run(["make", "-p", "-n", "-f", str(ROOT / "Makefile"), "serve"], cwd=ROOT,
                        env=env, capture_output=True, text=True).stdout
    assert not re.search(r"^(export )?AMIKG_STORE\b", db, re.M), "the Makefile sets AMIKG_STORE"
    assert "data/store" not in (ROOT / "Makefile").read_text()
    from amikg.config import Settings
    assert Settings.from_env(env).store_location == str(tmp_path / "xdg" / "amikg" / "store")


def test_a_command_on_an_empty_store_says_so_and_names_it(tmp_path):
    empty = tmp_path / "nothing-here"
    r = run_cli("stats", "--store", str(empty))
    assert r.returncode == 0
    assert (f"note: the store at {empty} is empty; run `amikg init` to load the bundled data"
            in r.stderr.decode())
    r = run_cli("roadmap", "filas", env={"AMIKG_STORE": "", "XDG_DATA_HOME": str(tmp_path)})
    err = r.stderr.decode()
    default = tmp_path / "amikg" / "store"
    assert f"note: the store at {default} is empty" in err
    assert f"no cluster 'filas' in the store at {default}" in err
    r = run_cli("init", "--store", str(empty))        # init fills it: no note
    assert r.returncode == 0 and "is empty" not in r.stderr.decode()
    r = run_cli("stats", "--store", str(empty))
    assert "is empty" not in r.stderr.decode()


# -- validating an uploaded file for one cluster --------------------------------------------------

MEMBERS_TTL = b"""@prefix ami: <https://w3id.org/amikg/ontology#> . @prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://example.org/org/h1> a ami:Hospital ; rdfs:label "Example hospital"@en ;
    org:memberOf <https://w3id.org/amikg/id/cluster/filas> ; ami:actsAtStep ami:step-clinical-use .
"""


def test_api_validate_for_a_cluster_of_the_services_store(client):
    """`/api/validate?shapes=roadmap&cluster=filas` on an uploaded file said "no cluster 'filas'
    in the store": the cluster is found in the file, else in the service's store."""
    import io

    r = client.post("/api/validate?shapes=roadmap&cluster=filas", headers=JSON,
                    data={"file": (io.BytesIO(MEMBERS_TTL), "members.ttl")})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert [f["focus"] for f in r.json["focus_nodes"]] == [FILAS]
    r = client.post("/api/validate?shapes=roadmap&cluster=no-such", headers=JSON,
                    data={"file": (io.BytesIO(MEMBERS_TTL), "members.ttl")})
    assert r.status_code == 404
    assert "no cluster 'no-such' in members.ttl nor in the store at memory:" in r.json["message"]


def test_api_validate_finds_the_cluster_in_the_uploaded_file(client):
    import io

    ttl = (b"@prefix ami: <https://w3id.org/amikg/ontology#> . "
           b"@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
           b"<https://example.org/c/new> a ami:Cluster ; rdfs:label \"Brand New\"@en .\n")
    r = client.post("/api/validate?shapes=roadmap&cluster=brand%20new", headers=JSON,
                    data={"file": (io.BytesIO(ttl), "new.ttl")})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert [f["focus"] for f in r.json["focus_nodes"]] == ["https://example.org/c/new"]


def test_cli_validate_a_file_for_a_cluster_of_the_store(bundled_store_dir, tmp_path):
    f = tmp_path / "members.ttl"
    f.write_bytes(MEMBERS_TTL)
    r = run_cli("validate", "--data", str(f), "--shapes", "roadmap", "--cluster", "FILAS",
                "--format", "json", "--store", str(bundled_store_dir))
    assert r.returncode in (0, 1), r.stderr.decode()
    assert [n["focus"] for n in json.loads(r.stdout)["focus_nodes"]] == [FILAS]


# -- the cluster summary: one call behind the page, the CLI and the API ---------------------------

def test_cluster_summary_is_what_the_cli_and_the_api_answer(app_store, client, runner,
                                                            bundled_store_dir):
    from amikg.summary import cluster_summary
    from amikg.store import open_store

    s = cluster_summary(app_store, "filas")
    for key in ("cluster", "label", "done", "total", "percent", "phases", "next_steps",
                "open_checkpoints", "value_chain", "gaps", "member_counts", "members_by_category",
                "members_in_graph"):
        assert key in s, key
    assert [c["id"] for c in s["open_checkpoints"]] == [n["id"] for n in s["next_steps"]]
    assert len(s["open_checkpoints"]) == s["total"] - s["done"]
    assert s["member_counts"][0] == {"label": "Companies", "value": 1986}
    assert client.get("/api/clusters/filas").json == json.loads(json.dumps(s))
    r = runner.invoke(["roadmap", "filas", "--json", "--store", str(bundled_store_dir)])
    with open_store(str(bundled_store_dir)) as st:
        assert json.loads(r.stdout) == json.loads(json.dumps(cluster_summary(st, "filas")))


# -- the cluster manager's partner search (issue 18) ----------------------------------------------

def test_each_gap_links_a_partner_search_prefilled_for_it(client):
    import html as html_

    page = client.get("/clusters/imago-mol").get_data(as_text=True)
    links = re.search(r'<ul class="gap-links".*?</ul>', page, re.S).group(0)
    hrefs = [html_.unescape(h) for h in re.findall(r'href="([^"]+)"', links)]
    assert hrefs == ["/partners?step=ami:step-manufacturing&region=nuts:RO21"
                     "&for_cluster=imago-mol"]
    form = client.get(hrefs[0]).get_data(as_text=True)
    assert re.findall(r'<option value="([^"]*)" selected>', form) == [
        "ami:step-manufacturing", "nuts:RO21", "amid:cluster/imago-mol"]


def test_the_partner_form_keeps_short_form_values_and_results_say_where(client):
    """`step=clinical-validation&region=RO21&for_cluster=imago-mol` showed "(any)" for all three,
    so a second search dropped them; results named no place."""
    page = client.get("/partners?step=clinical-validation&region=RO21&for_cluster=imago-mol")
    html = page.get_data(as_text=True)
    assert re.findall(r'<option value="([^"]*)" selected>', html) == [
        "ami:step-clinical-validation", "nuts:RO21", "amid:cluster/imago-mol"]
    where = re.findall(r'class="where">([^<]*)', html)
    assert "North-East Region (RO21), Romania" in where
    assert "@" not in " ".join(where)                      # no personal e-mail on the page


def test_regions_that_read_the_same_are_told_apart(client):
    html = client.get("/partners").get_data(as_text=True)
    region = html[html.index('name="region"'):]
    region = region[:region.index("</select>")]
    madrid = re.findall(r'<option value="[^"]*">(Community of Madrid[^<]*)<', region)
    assert madrid == ["Community of Madrid (ES3, NUTS level 1)",
                      "Community of Madrid (ES30, NUTS level 2)"]


def test_next_steps_on_the_page_speak_plain_language(client):
    page = client.get("/clusters/filas").get_data(as_text=True)
    steps = page[page.index('id="next-steps"'):page.index('id="value-chain"')]
    assert "ami:" not in steps and "amikg roadmap" not in steps
    assert "acts at this step." in steps
    members = page[page.index('id="members"'):page.index('id="roadmap"')]
    assert "BioLazio Imaging Probes" in members
    assert "add up to more than the" in members


def test_the_linked_data_page_of_a_cluster_gives_its_member_counts(client):
    """`/doc/cluster/filas` showed "member count: Companies…" with no numbers."""
    page = client.get("/doc/cluster/filas").get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Companies: 1986" in text and "Universities: 8" in text


def test_the_home_page_speaks_the_managers_language(client):
    page = client.get("/").get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Triples" not in text and "Named graphs" not in text and "triple" not in text.lower()
    assert "Data sources" in text


SITE_PAGES = ["/", "/clusters", "/clusters/filas", "/partners", "/validate", "/sparql",
              "/doc/cluster/filas", "/catalog", "/ontology", "/shapes", "/api/docs"]


@pytest.mark.parametrize("path", SITE_PAGES)
def test_every_page_shares_the_sites_layout_and_navigation(client, path):
    r = client.get(path, headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert '<header class="site">' in page and '<nav aria-label="Main">' in page
    assert '<footer class="site">' in page and "/static/pages/pages.css" in page
    for label in ("Home", "Clusters", "Partner search", "Validate", "SPARQL"):
        assert f">{label}</a>" in page, (path, label)


def test_the_api_docs_page_shows_code_not_backticks(client):
    page = client.get("/api/docs").get_data(as_text=True)
    body = page[page.index("<main"):page.index("</main>")]
    assert "`" not in body
    assert "<code>" in body and "<table>" in body
