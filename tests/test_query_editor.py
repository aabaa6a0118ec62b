"""The query editor of ``/sparql`` (issue 19) in a real browser: Playwright drives Debian's
Chromium against a real ``amikg serve`` over the bundled data plus the query fixture graph, with
an update token. YASGUI comes from ``server/static/yasgui/`` (web/build, run by ``make install``):
every request the page makes is recorded, and one to any host but 127.0.0.1 fails the test (as
for every page of tests/test_web_pages.py, whose browser harness this module uses).
"""

from __future__ import annotations

import json
import re
import shutil
import urllib.parse

import pytest

from amikg.queries import example_params, get_query, load_queries
from conftest import ROOT, need
from live import TOKEN, LiveService
from test_web_pages import FIXTURE, LAPTOP, Watch, _open, browser, shot  # noqa: F401

pytestmark = pytest.mark.external

EDITOR = ROOT / "server" / "static" / "yasgui" / "yasgui.min.js"
CLUSTERS = """PREFIX ami: <https://w3id.org/amikg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?cluster ?label WHERE { ?cluster a ami:Cluster ; rdfs:label ?label } ORDER BY ?label"""
ACTIVE = ".tabPanel.active"


@pytest.fixture(scope="module")
def service(bundled_store_dir, tmp_path_factory, runner):
    need(EDITOR.is_file(), "the query editor's files are not built (web/build needs npm; "
                           "`make install` runs it, .ci/run installs npm)")
    work = tmp_path_factory.mktemp("editor")
    store = work / "store"
    shutil.copytree(bundled_store_dir, store)
    done = runner.invoke(["load", str(FIXTURE), "--graph",
                          "https://w3id.org/amikg/graph/test-fixture", "--store", str(store)])
    assert done.exit_code == 0, done.stderr
    with LiveService(store, log_dir=work) as svc:     # with the update token of tests/live.py
        yield svc


@pytest.fixture
def opened(browser, service):  # noqa: F811 (the browser fixture of test_web_pages)
    """(page, watch, requests): a fresh browser context on the service, every request URL in
    ``requests``."""
    ctx, page, watch = _open(browser, service.url, LAPTOP)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    yield page, watch, requests
    ctx.close()
    watch.check()


def open_editor(page, url: str) -> None:
    page.goto(url + "/sparql")
    page.wait_for_selector(f"{ACTIVE} .CodeMirror")


def run(page) -> int:
    """Press the active tab's run button; the number of results YASR reports."""
    page.locator(f"{ACTIVE} .yasqe_queryButton").click()
    chip = page.locator(f"{ACTIVE} .yasr_response_chip")
    chip.filter(has_text=re.compile(r"\d+ results? in")).wait_for(timeout=30_000)
    return int(re.search(r"(\d+) results? in", chip.inner_text()).group(1))


def table_column(page, n: int) -> list[str]:
    cells = page.locator(f"{ACTIVE} .yasr table.dataTable tbody tr td:nth-child({n + 1})")
    return [c.strip() for c in cells.all_inner_texts()]


def set_query(page, text: str) -> None:
    page.evaluate("t => { window.amikgYasgui.getTab().getYasqe().setValue(t); }", text)


def test_the_editor_runs_a_query_and_shows_its_rows_in_a_table(opened, service):
    page, _, _ = opened
    open_editor(page, service.url)
    set_query(page, CLUSTERS)
    labels = [b["label"]["value"] for b in service.select(CLUSTERS)]
    assert run(page) == len(labels) >= 7
    shown = [re.sub(r'^"(.*)"@en$', r"\1", c) for c in table_column(page, 2)]
    assert shown == labels
    shot(page, "sparql-editor")


def test_each_named_query_opens_with_example_values_and_gives_rows(opened, service):
    """Issue 19: a named query used to open with empty VALUES and give "0 results"."""
    page, _, _ = opened
    open_editor(page, service.url)
    for name in sorted(load_queries()):
        page.get_by_role("button", name=name, exact=True).click()
        assert page.locator(".tabsList .tab.active").inner_text().split("\n")[0].strip() == name
        text = page.evaluate("() => window.amikgYasgui.getTab().getQuery()")
        params = example_params(get_query(name))
        assert "with the example values of its header" in text, name
        status, _, body = service.request(
            "GET", f"/api/queries/{name}?" + urllib.parse.urlencode(params, doseq=True))
        assert status == 200, body[:300]
        expected = len(json.loads(body)["rows"])
        assert expected > 0, f"{name}: the API gives no rows for {params}"
        assert run(page) == expected, name
    shot(page, "sparql-editor-named-query")


def test_the_editor_loads_nothing_from_another_host(opened, service):
    """Every request of the page (its files, queries, completions) goes to this service, and
    the prefixes and terms it completes are the store's (``ami:`` is not in YASGUI's own list of
    prefixes)."""
    page, watch, requests = opened
    open_editor(page, service.url)
    assert run(page) >= 7
    page.locator(".tabsList .addTab").click()
    page.wait_for_selector(f"{ACTIVE} .CodeMirror")
    set_query(page, "")
    page.locator(f"{ACTIVE} .CodeMirror").click()
    page.keyboard.type("SELECT * WHERE { ?c a ami:Clu")
    text = page.evaluate("() => window.amikgYasgui.getTab().getYasqe().getValue()")
    assert "PREFIX ami: <https://w3id.org/amikg/ontology#>" in text    # added as ami: was typed
    page.keyboard.press("Control+Space")                                # the store's classes
    hints = page.locator(".CodeMirror-hints")
    hints.wait_for()
    assert "ami:Cluster" in hints.all_inner_texts()[0].split("\n")
    page.keyboard.press("Escape")
    page.keyboard.type("ster ; ?p ?o } LIMIT 5")
    assert run(page) == 5
    made = [urllib.parse.urlsplit(u) for u in requests]
    assert any(u.path == "/static/yasgui/yasgui.min.js" for u in made)
    assert [u.geturl() for u in made if u.scheme in ("http", "https")
            and u.hostname != "127.0.0.1"] == []
    assert watch.outside == []


def test_the_update_token_is_sent_as_a_bearer_token(opened, service):
    page, watch, _ = opened
    open_editor(page, service.url)
    triple = ('<https://w3id.org/amikg/id/test/editor> '
              '<http://www.w3.org/2000/01/rdf-schema#label> "written from the editor"')
    set_query(page, f"INSERT DATA {{ GRAPH <https://w3id.org/amikg/graph/editor> {{ {triple} }} }}")
    page.locator(f"{ACTIVE} .yasqe_queryButton").click()
    page.locator(f"{ACTIVE} .yasr").get_by_text("needs credentials").wait_for()
    watch.expect_status(401)
    asked = "SELECT ?l WHERE { <https://w3id.org/amikg/id/test/editor> ?p ?l }"
    assert service.select(asked) == []
    page.get_by_label("Update token").fill(TOKEN)
    with page.expect_response(lambda r: r.request.method == "POST" and "/sparql" in r.url) as got:
        page.locator(f"{ACTIVE} .yasqe_queryButton").click()
    assert got.value.status == 204
    assert got.value.request.headers["authorization"] == f"Bearer {TOKEN}"
    assert [b["l"]["value"] for b in service.select(asked)] == ["written from the editor"]


def test_a_query_link_shows_a_results_page_that_opens_in_the_editor(opened, service):
    page, _, _ = opened
    page.goto(service.url + "/sparql?" + urllib.parse.urlencode({"query": CLUSTERS}))
    labels = [b["label"]["value"] for b in service.select(CLUSTERS)]
    rows = page.locator("#result-table tbody tr")
    assert rows.count() == len(labels)
    assert [t.replace(" @en", "").strip() for t in
            page.locator("#result-table tbody td:nth-child(2)").all_inner_texts()] == labels
    assert f"{len(labels)} rows." in page.locator("#result-summary").inner_text()
    shot(page, "sparql-results")
    with page.expect_download() as dl:
        page.get_by_role("button", name="CSV").click()
    assert dl.value.suggested_filename == "results.csv"
    page.get_by_role("link", name="Open this query in the editor").click()
    page.wait_for_selector(f"{ACTIVE} .CodeMirror")
    assert page.evaluate("() => window.amikgYasgui.getTab().getQuery()") == CLUSTERS
    chip = page.locator(f"{ACTIVE} .yasr_response_chip")       # the link runs the query
    chip.filter(has_text=re.compile(r"\d+ results? in")).wait_for(timeout=30_000)
    assert f"{len(labels)} results" in chip.inner_text()
