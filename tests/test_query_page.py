"""What a browser gets from ``/sparql`` (issue 19), through Flask's test client: a page of a
query's results when it follows a link (SPARQL clients keep their formats), the query page's
named queries with example values that give rows, and the plain form when the editor's files are
missing. The editor itself, in a real browser: tests/test_query_editor.py.
"""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
import shutil
from html.parser import HTMLParser

import pyoxigraph as ox
import pytest

from conftest import ROOT

BROWSER = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
           "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7")  # Chromium's
FIXTURE = ROOT / "tests" / "data" / "queries-fixture.ttl"
CLUSTERS = """PREFIX ami: <https://w3id.org/amikg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?cluster ?label WHERE { ?cluster a ami:Cluster ; rdfs:label ?label } ORDER BY ?label"""


def fixture_store():
    """The bundled data plus the query fixture graph (clusters with members, assessments)."""
    from amikg.bundled import init_store
    from amikg.loader import load_paths
    from amikg.store import open_store

    store = open_store("memory:")
    init_store(store)
    load_paths(store, [FIXTURE], graph="https://w3id.org/amikg/graph/test-fixture")
    return store


@pytest.fixture(scope="module")
def app_store():
    store = fixture_store()
    yield store
    store.close()


@pytest.fixture
def own_store():
    """A store of the test's own, for an app built by ``make_app`` (which closes it)."""
    return fixture_store()


class Table(HTMLParser):
    """The cells of the results page's table, and its download buttons' formats."""

    def __init__(self):
        super().__init__()
        self.head: list[str] = []
        self.rows: list[list[str]] = []
        self.formats: list[str] = []
        self._cell: list[str] | None = None
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr":
            self._row = []
        elif tag in ("th", "td"):
            self._in, self._cell = tag, []
        elif tag == "button" and a.get("data-format"):
            self.formats.append(a["data-format"])

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            (self.head if tag == "th" else self._row).append(text)
            self._cell = None
        elif tag == "tr" and getattr(self, "_row", None):
            self.rows.append(self._row)
            self._row = []

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def page_of(resp) -> Table:
    assert resp.status_code == 200 and resp.mimetype == "text/html", resp.data[:300]
    t = Table()
    t.feed(resp.get_data(as_text=True))
    return t


def text_of(resp) -> str:
    html = resp.get_data(as_text=True)
    return " ".join(re.sub(r"<[^>]+>", " ", html[html.index("<main"):]).split())


# -- a browser following a link gets a page of the results ----------------------------------------

def test_a_browser_following_a_query_link_gets_a_table_of_the_rows(client):
    direct = client.get("/sparql", query_string={"query": CLUSTERS},
                        headers={"Accept": "application/sparql-results+json"})
    labels = [b["label"]["value"] for b in direct.json["results"]["bindings"]]
    assert len(labels) >= 7
    resp = client.get("/sparql", query_string={"query": CLUSTERS}, headers={"Accept": BROWSER})
    table = page_of(resp)
    assert table.head == ["cluster", "label"]
    assert [row[1].replace(" @en", "") for row in table.rows] == labels
    assert table.rows[0][0].startswith("amid:cluster/")        # IRIs in their short form
    assert f"{len(labels)} rows." in text_of(resp)
    assert resp.headers["X-Result-Count"] == str(len(labels))
    assert '<a href="/doc/cluster/' in resp.get_data(as_text=True)   # a cluster's own page


def test_the_results_page_offers_the_downloads_and_the_editor(client):
    resp = client.get("/sparql", query_string={"query": CLUSTERS}, headers={"Accept": BROWSER})
    table = page_of(resp)
    assert table.formats == ["json", "xml", "csv", "tsv"]
    html = resp.get_data(as_text=True)
    link = re.search(r'id="open-in-editor" href="([^"]+)"', html).group(1)
    assert link.startswith("/sparql#query=") and "SELECT%20%3Fcluster" in link
    # a download button posts the query with format= and download=1
    got = client.post("/sparql", data={"query": CLUSTERS, "format": "csv", "download": "1"},
                      headers={"Accept": BROWSER})
    assert got.mimetype == "text/csv"
    assert got.headers["Content-Disposition"] == 'attachment; filename="results.csv"'
    rows = list(csv.reader(io.StringIO(got.get_data(as_text=True))))
    assert rows[0] == ["cluster", "label"] and len(rows) == len(table.rows) + 1


def test_ask_construct_and_describe_read_as_pages(client):
    resp = client.get("/sparql", query_string={"query": "ASK { ?s a <https://w3id.org/amikg/"
                                                        "ontology#Cluster> }"},
                      headers={"Accept": BROWSER})
    assert "ASK query: the answer is yes (true)." in text_of(resp)
    no = client.get("/sparql", query_string={"query": "ASK { <http://example.org/none> ?p ?o }"},
                    headers={"Accept": BROWSER})
    assert "the answer is no (false)" in text_of(no)
    q = "DESCRIBE <https://w3id.org/amikg/id/cluster/filas>"
    resp = client.get("/sparql", query_string={"query": q}, headers={"Accept": BROWSER})
    table = page_of(resp)
    assert table.formats == ["turtle", "ntriples", "jsonld", "rdfxml"]
    html = resp.get_data(as_text=True)
    turtle = re.search(r'<pre id="graph">(.*?)</pre>', html, re.S).group(1)
    turtle = html_lib.unescape(turtle)
    graph = list(ox.parse(turtle, format=ox.RdfFormat.TURTLE))
    direct = client.get("/sparql", query_string={"query": q},
                        headers={"Accept": "application/n-triples"})
    assert len(graph) == int(direct.headers["X-Result-Count"]) > 10
    assert "@prefix ami:" in turtle and "ami:thematicFocus" in turtle   # Turtle, prefixed
    assert f"DESCRIBE query: {len(graph)} triples." in text_of(resp)


@pytest.mark.parametrize("accept,media", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml,application/xml;q=0.9", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("*/*", "application/sparql-results+json"),
    ("application/sparql-results+json,text/html;q=0.5", "application/sparql-results+json"),
    (None, "application/sparql-results+json"),
])
def test_sparql_clients_keep_their_formats(client, accept, media):
    resp = client.get("/sparql", query_string={"query": CLUSTERS},
                      headers={"Accept": accept} if accept else {})
    assert resp.status_code == 200 and resp.mimetype == media


def test_a_format_parameter_wins_over_a_browsers_accept(client):
    resp = client.get("/sparql", query_string={"query": CLUSTERS, "format": "tsv"},
                      headers={"Accept": BROWSER})
    assert resp.mimetype == "text/tab-separated-values"


def test_the_results_page_keeps_the_limits_of_every_query(make_app, own_store):
    """The page is drawn from the executor's answer, so AMIKG_MAX_RESULTS holds as for JSON."""
    c = make_app(own_store, max_results=3).test_client()
    r = c.get("/sparql", query_string={"query": CLUSTERS}, headers={"Accept": BROWSER})
    assert r.status_code == 413 and r.mimetype == "text/html"
    assert "AMIKG_MAX_RESULTS" in r.get_data(as_text=True)
    assert "Traceback" not in r.get_data(as_text=True)


def test_a_bad_query_from_a_browser_is_a_400_page_naming_the_problem(client):
    r = client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x a ami:Cluster }"},
                   headers={"Accept": BROWSER})
    assert r.status_code == 400 and r.mimetype == "text/html"
    assert "ami:" in r.get_data(as_text=True)


def test_the_results_page_shows_at_most_a_thousand_rows_and_says_so(client):
    q = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 1500"
    resp = client.get("/sparql", query_string={"query": q}, headers={"Accept": BROWSER})
    table = page_of(resp)
    assert len(table.rows) == 1000
    assert "1500 rows; the first 1000 are shown, the downloads have them all." in text_of(resp)


# -- the query page ------------------------------------------------------------------------------

def test_every_named_query_is_offered_with_example_values_that_give_rows(client):
    """The bug of issue 19: a named query opened with empty VALUES gave 0 results."""
    import json

    page = client.get("/sparql", headers={"Accept": BROWSER}).get_data(as_text=True)
    m = re.search(r'<script type="application/json" id="editor-config">(.*?)</script>', page, re.S)
    if m is None:    # the editor is not built: the same texts are in the plain form's buttons
        pytest.skip("the editor's files are not built here (web/build)")
    config = json.loads(m.group(1))
    names = [e["name"] for e in config["examples"]]
    assert names == sorted(p.stem for p in (ROOT / "queries").glob("*.rq"))
    for ex in config["examples"]:
        assert "# with the example values of its header" in ex["sparql"], ex["name"]
        r = client.post("/sparql", data={"query": ex["sparql"]},
                        headers={"Accept": "application/sparql-results+json"})
        assert r.status_code == 200, (ex["name"], r.data[:300])
        rows = r.json["results"]["bindings"]
        assert rows, f"{ex['name']} with {ex['params']} gives no rows"
        api = client.get(f"/api/queries/{ex['name']}", query_string=ex["params"])
        assert len(api.json["rows"]) == len(rows), ex["name"]   # what the API answers


def test_the_page_preconfigures_this_endpoint_and_the_stores_prefixes(client):
    import json

    from amikg.namespaces import PREFIXES

    page = client.get("/sparql", headers={"Accept": BROWSER}).get_data(as_text=True)
    m = re.search(r'id="editor-config">(.*?)</script>', page, re.S)
    if m is None:
        pytest.skip("the editor's files are not built here (web/build)")
    config = json.loads(m.group(1))
    assert config["endpoint"] == "http://localhost/sparql"
    assert config["prefixes"] == PREFIXES
    assert 'label for="update-token"' in page


def test_without_the_editors_files_the_page_says_so_and_offers_a_form(make_app, own_store,
                                                                      tmp_path):
    app = make_app(own_store)
    static = tmp_path / "static"
    shutil.copytree(ROOT / "server" / "static", static,
                    ignore=shutil.ignore_patterns("yasgui"))
    app.static_folder = str(static)
    c = app.test_client()
    r = c.get("/sparql", headers={"Accept": BROWSER})
    assert r.status_code == 200
    text = text_of(r)
    assert "The query editor is not installed" in text and "make install" in text
    html = r.get_data(as_text=True)
    assert "yasgui.min.js" not in html and 'id="yasgui"' not in html
    assert '<form id="query-form" method="post" action="/sparql">' in html
    # the form, and each named query's button, post the query: the answer is a page of rows
    res = c.post("/sparql", data={"query": CLUSTERS}, headers={"Accept": BROWSER})
    assert len(page_of(res).rows) >= 7
    hidden = re.search(r'<input type="hidden" name="query" value="([^"]*# smes:[^"]*)"', html)
    query = html_lib.unescape(hidden.group(1))
    assert len(page_of(c.post("/sparql", data={"query": query},
                              headers={"Accept": BROWSER})).rows) >= 1
