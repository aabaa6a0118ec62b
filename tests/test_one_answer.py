"""One question, one answer (issue 18's acceptance): for every cluster, the roadmap's done count,
its open checkpoints, its value-chain gaps and its member counts are the same from the Python
call (:func:`amikg.summary.cluster_summary`), the CLI (``amikg roadmap X --json``, a real
process), the HTTP API (``GET /api/clusters/X`` of a real ``amikg serve``) and the cluster page
(parsed from its HTML), on the embedded store and on a real Oxigraph server.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import urllib.request

import pytest

from conftest import ROOT, run_cli

FIXTURE_TTL = ROOT / "tests" / "data" / "queries-fixture.ttl"
FIXTURE_GRAPH = "https://w3id.org/amikg/graph/test-fixture"


def facts(summary: dict) -> dict:
    """What every interface must agree on, from a cluster summary (library, CLI or API)."""
    return {"done": summary["done"], "total": summary["total"],
            "open": [s["name"] for s in summary["open_checkpoints"]],
            "gaps": sorted(summary["gaps"]),
            "printed": [(c["label"], c["value"]) for c in summary["member_counts"]],
            "members": summary["members_in_graph"]}


def page_facts(page: str) -> dict:
    """The same facts read off the cluster page as a person sees them."""
    def text(fragment: str) -> str:
        return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", fragment).split()))

    done = re.search(r'id="roadmap-total">(\d+) of (\d+)<', page)
    chain = page[page.index('id="chart-value-chain"'):]
    chain = chain[:chain.index("</figure>")]
    gaps = [re.sub(r"^\d+\. ", "", text(label)) for label in re.findall(
        r'<g class="row gap">\s*<text[^>]*class="label">(.*?)</text>', chain, re.S)]
    printed = []
    if 'id="chart-printed"' in page:
        fig = page[page.index('id="chart-printed"'):]
        desc = text(re.search(r'<desc[^>]*>(.*?)</desc>', fig, re.S).group(1))
        printed = [(m.group(1), int(m.group(2)))
                   for m in re.finditer(r"(?:^|\. )([^.:]+?): (\d+)(?=\.)", desc)]
    return {"done": int(done.group(1)), "total": int(done.group(2)),
            "open": [text(n) for n in re.findall(r'<span class="step-name">(.*?)</span>', page)],
            "gaps": sorted(gaps), "printed": printed,
            "members": int(re.search(r'id="members-in-graph">(\d+)<', page).group(1))}


@pytest.fixture(params=["embedded", "oxigraph-server"])
def location(request, bundled_store_dir, tmp_path):
    """A store holding the bundled data and the query fixture (clusters with members)."""
    from amikg.loader import load_paths
    from amikg.store import open_store

    if request.param == "embedded":
        path = tmp_path / "store"
        shutil.copytree(bundled_store_dir, path)
        loc = str(path)
        with open_store(loc) as store:
            load_paths(store, [FIXTURE_TTL], FIXTURE_GRAPH)
        return loc
    from amikg.bundled import init_store

    server = request.getfixturevalue("oxigraph_server")
    server.clear()
    with open_store(server.location) as store:
        init_store(store)
        load_paths(store, [FIXTURE_TTL], FIXTURE_GRAPH)
    return server.location


def test_every_interface_gives_the_same_figures_for_every_cluster(location, start_service):
    from amikg.overview import cluster_choices
    from amikg.store import open_store
    from amikg.summary import cluster_summary

    with open_store(location) as store:
        slugs = [slug for slug, _ in cluster_choices(store)]
        python = {slug: facts(cluster_summary(store, slug)) for slug in slugs}
    assert len(slugs) >= 9 and any(f["gaps"] for f in python.values())
    assert any(f["members"] for f in python.values())
    for slug in slugs:
        r = run_cli("roadmap", slug, "--json", "--store", location)
        assert r.returncode == 0, r.stderr.decode()
        assert facts(json.loads(r.stdout)) == python[slug], f"CLI, {slug}"
    svc = start_service(location)
    for slug in slugs:
        with urllib.request.urlopen(f"{svc.url}/api/clusters/{slug}", timeout=60) as resp:
            assert facts(json.load(resp)) == python[slug], f"API, {slug}"
        with urllib.request.urlopen(f"{svc.url}/clusters/{slug}", timeout=60) as resp:
            assert page_facts(resp.read().decode()) == python[slug], f"page, {slug}"
