"""The web pages (issue 8) in a real browser: Playwright drives Debian's Chromium against a real
``amikg serve`` process on loopback, over the bundled data plus the query fixture graph
(tests/data/queries-fixture.ttl: clusters with members, for partner search and value chains).

Every page is checked for its visible content, forms are clicked through, screenshots go to
``test-artifacts/web/`` (laptop and phone widths), console errors fail the test, and every request
that would leave 127.0.0.1 is blocked and fails the test. A plain html.parser check asserts each
page has a title, the landmarks and labelled form fields.
"""

from __future__ import annotations

import os
import re
import shutil
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import ROOT, need
from live import LiveService

pytestmark = pytest.mark.external

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = ROOT / "test-artifacts" / "web"
FIXTURE = ROOT / "tests" / "data" / "queries-fixture.ttl"
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
PAGES = ["/", "/clusters", "/clusters/filas", "/clusters/fx-alpha", "/partners",
         "/partners?competency=ami:tech-pet", "/validate"]


# -- the live service ---------------------------------------------------------------------------

ROADMAP: dict = {}


@pytest.fixture(scope="module")
def site(bundled_store_dir, tmp_path_factory, runner):
    """``amikg serve`` on a free loopback port over the bundled data plus the fixture graph.
    Before the service opens the store, :data:`ROADMAP` gets FILAS's roadmap JSON from the library
    (what the page must draw)."""
    from amikg.store import open_store
    from amikg.summary import cluster_summary

    work = tmp_path_factory.mktemp("web")
    store = work / "store"
    shutil.copytree(bundled_store_dir, store)
    done = runner.invoke(["load", str(FIXTURE), "--graph",
                          "https://w3id.org/amikg/graph/test-fixture", "--store", str(store)])
    assert done.exit_code == 0, done.stderr
    with open_store(str(store)) as st:
        ROADMAP["filas"] = cluster_summary(st, "filas")
        ROADMAP["fx-alpha"] = cluster_summary(st, "fx-alpha")
    with LiveService(store, log_dir=work, token=None) as svc:  # no update token set
        yield svc.url


@pytest.fixture(scope="module")
def browser():
    need(os.path.exists(CHROMIUM), "Chromium is not installed (apt-get install chromium; "
                                   ".ci/run does this)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "playwright is not installed (pip install '.[test]')")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Watch:
    """What a page did that it must not: console errors, page errors, requests off the host."""

    def __init__(self):
        self.console: list[str] = []
        self.outside: list[str] = []

    def expect_status(self, status: int) -> None:
        """The page itself was answered with ``status`` on purpose (bad input): Chromium logs that
        as a console error; allow exactly those and nothing else."""
        mine = [m for m in self.console if f"status of {status}" in m]
        assert mine, f"no {status} answer was logged"
        self.console = [m for m in self.console if m not in mine]

    def check(self):
        assert self.console == [], f"console errors: {self.console}"
        assert self.outside == [], f"requests leaving 127.0.0.1: {self.outside}"


def _open(browser, site, viewport):
    ctx = browser.new_context(viewport=viewport, accept_downloads=True)
    watch = Watch()

    def route(r):
        u = urlsplit(r.request.url)
        if u.scheme in ("data", "blob", "about") or u.hostname == "127.0.0.1":
            r.continue_()
        else:
            watch.outside.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    page = ctx.new_page()
    page.amikg_watch = watch
    page.on("console", lambda m: watch.console.append(f"{page.url}: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: watch.console.append(f"{page.url}: {e}"))
    return ctx, page, watch


@pytest.fixture
def page(browser, site):
    ctx, pg, watch = _open(browser, site, LAPTOP)
    yield pg
    ctx.close()
    watch.check()


@pytest.fixture
def phone(browser, site):
    ctx, pg, watch = _open(browser, site, PHONE)
    yield pg
    ctx.close()
    watch.check()


def shot(page, name: str) -> None:
    """The whole page, and the first screen as a reader sees it."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-screen.png"))


# -- pages in the browser -----------------------------------------------------------------------

def test_home_shows_what_the_store_holds_and_links_everywhere(page, site):
    page.goto(site + "/")
    assert page.title() == "Home · amikg"
    assert page.locator("#stat-clusters").inner_text() == "9"      # 7 bundled + 2 fixture
    assert int(page.locator("#stat-triples").inner_text().replace(",", "")) > 4000
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d", page.locator("#stat-updated").inner_text())
    nav = page.get_by_role("navigation", name="Main")
    assert [a.strip() for a in nav.locator("a").all_inner_texts()] == [
        "Home", "Clusters", "Partner search", "Validate", "SPARQL", "Ontology", "Catalog"]
    shot(page, "home-laptop")
    page.get_by_role("link", name="FILAS", exact=True).click()
    page.wait_for_url("**/clusters/filas")
    assert page.locator("h1").inner_text() == "FILAS"


def test_cluster_page_shows_printed_counts_roadmap_next_steps_value_chain_marketing(page, site):
    page.goto(site + "/clusters/filas")
    ident = page.locator("#identity + dl, section:has(#identity) dl").first.inner_text()
    assert "Lazio" in ident and "non profit organization" in ident
    assert "no member fee" in ident and "the bioscience sector" in ident
    assert "Promote technical and scientific collaboration" in ident
    printed = page.locator("#chart-printed")
    assert printed.locator("text.value").all_text_contents()[0] == "1986"
    assert printed.locator("text.label").all_text_contents()[0] == "Companies"
    rm = ROADMAP["filas"]                                   # the library's JSON, drawn as is
    assert page.locator("#roadmap-total").inner_text() == f"{rm['done']} of {rm['total']}"
    assert rm["total"] == 24
    roadmap = " ".join(page.locator("#chart-roadmap").text_content().split())
    strategy = next(p for p in rm["phases"] if p["label"].startswith("Strategy"))
    assert (f"{strategy['label']} {strategy['percent']}% ({strategy['done']} of "
            f"{strategy['done'] + strategy['open']})") in roadmap
    assert page.locator("#chart-roadmap rect.bar").count() == len(rm["phases"]) == 8
    first = page.locator("ol.steps > li").first.inner_text()
    step = rm["next_steps"][0]
    assert first.startswith(step["name"]) and step["advice"][0] in first
    assert "ami:" not in first                              # plain words on the page
    assert step["name"] == "Defining a value chain of the market in the region"
    rows = rm["value_chain"]                                # the library's JSON, drawn as is
    gaps = rm["gaps"]
    section = page.locator("section:has(#value-chain)").inner_text()
    verb = "has" if len(gaps) == 1 else "have"
    assert (f"{len(gaps)} of 7 steps {verb} no actor among the members or in the region: "
            f"{', '.join(gaps)}.") in section
    assert page.locator("#chart-value-chain .gap").count() == len(gaps)
    assert page.locator("#chart-value-chain text.value.members").all_text_contents() == [
        str(r["members"]) for r in rows]
    assert page.locator("#chart-value-chain text.value.regional").all_text_contents() == [
        str(r["regional"]) for r in rows]
    matrix = page.locator("table.matrix")
    assert "+++" in matrix.inner_text() and matrix.locator("tbody tr").count() >= 5
    page.get_by_text("more steps").click()   # the rest of the steps open by keyboard or click
    assert page.locator("details ol.steps > li").first.is_visible()
    shot(page, "cluster-filas-laptop")


def test_cluster_with_members_shows_covered_steps_and_gaps(page, site):
    page.goto(site + "/clusters/fx-alpha")
    chart = page.locator("#chart-value-chain")
    assert chart.locator(".gap").count() == len(ROADMAP["fx-alpha"]["gaps"])
    covered = chart.locator("g.row:not(.gap)").all_text_contents()
    assert any("basic research" in t and "1" in t for t in covered)
    assert any("clinical use" in t for t in covered)
    cats = page.locator("#chart-categories").text_content()
    assert "university" in cats.lower() and "hospital" in cats.lower()
    used = page.locator("table.matrix td.used")
    assert used.count() == 1 and "recorded" in used.inner_text()
    shot(page, "cluster-fx-alpha-laptop")


def test_cluster_page_reads_on_a_phone(phone, site):
    phone.goto(site + "/clusters/filas")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways on a phone"
    assert phone.locator("#chart-printed").is_visible()
    shot(phone, "cluster-filas-phone")
    phone.locator("#roadmap").scroll_into_view_if_needed()
    phone.screenshot(path=str(ARTIFACTS / "cluster-filas-phone-roadmap.png"))
    phone.goto(site + "/partners?competency=ami:tech-pet&for_cluster=amid:cluster/fx-alpha")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(phone, "partners-phone")


def test_unknown_cluster_is_404(site):
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(urllib.request.Request(site + "/clusters/nope",
                                                      headers={"Accept": "text/html"}))
    assert e.value.code == 404


def test_partner_search_form_ranks_with_reasons_and_shares_the_url(page, site, browser):
    page.goto(site + "/")
    page.get_by_role("link", name="Partner search").first.click()
    page.get_by_label("Competency").select_option(label="PET")
    page.get_by_label("Step").select_option(label="clinical validation")
    page.get_by_label("For cluster").select_option(label="Alpha Cluster")
    page.get_by_role("button", name="Search").click()
    page.wait_for_selector("#partner-results")
    assert "competency=ami%3Atech-pet" in page.url and "for_cluster=" in page.url
    results = page.locator("ol.results > li")
    scores = [int(t) for t in re.findall(r"score (\d+)", page.locator("ol.results").inner_text())]
    assert scores and scores == sorted(scores, reverse=True)           # ranked, best first
    top = results.filter(has_text="ClinVal Imaging").inner_text()
    assert "score 5" in top and "acts at clinical validation" in top
    assert "covers clinical validation, which the cluster lacks" in top
    pet = results.filter(has_text="PetLab Research Center").inner_text()
    assert "has PET" in pet and "covers applied research, which the cluster lacks" in pet
    assert page.get_by_label("Competency").evaluate(
        "s => [...s.selectedOptions].map(o => o.text)") == ["PET"]   # the form keeps the search
    shot(page, "partners-laptop")
    shared = page.url
    ctx, other, watch = _open(browser, site, LAPTOP)                 # the URL is shareable
    other.goto(shared)
    assert other.locator("ol.results").inner_text() == page.locator("ol.results").inner_text()
    ctx.close()
    watch.check()
    results.filter(has_text="ClinVal Imaging").get_by_role("link").click()   # the org's page
    page.wait_for_url("**/doc/org/fx-validator")
    assert "ClinVal Imaging" in page.locator("h1").inner_text()


def _get(url: str, accept: str) -> bytes:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept})) as r:
        return r.read()


def test_partner_search_page_answers_from_the_index_as_the_named_query_ranks(page, site):
    """Issue 20: once the service has built its search index, the partners page takes its
    candidates from it, and shows the organisations, in the order and with the scores, of the
    named query run by SPARQL on the store (its CSV answer never uses the index)."""
    import csv
    import io
    import json
    import time

    params = "competency=PET&competency=CT&step=clinical-validation&for_cluster=Alpha%20Cluster"
    api = f"{site}/api/queries/partner-search?{params}"
    deadline = time.monotonic() + 60
    while not json.loads(_get(api, "application/json"))["index"]:   # built in the background
        assert time.monotonic() < deadline, "the service's search index was never built"
        time.sleep(0.5)
    named = [(r["name"], int(r["score"])) for r in csv.DictReader(io.StringIO(
        _get(api, "text/csv").decode()))]
    assert len(named) >= 3, named
    page.goto(f"{site}/partners?{params}")
    shown = [(li.locator("h3 a").inner_text(),
              int(li.locator(".score").inner_text().removeprefix("score ")))
             for li in page.locator("#partner-results ol.results > li").all()]
    assert shown == named
    assert json.loads(_get(api, "application/json"))["index"]   # ...and it still was the index


def test_partner_form_keeps_short_form_values_across_searches(page, site):
    """A link with short forms (step, region, cluster) opens the form with those values chosen;
    searching again keeps them (they used to read "(any)")."""
    page.goto(site + "/partners?step=clinical-validation&region=RO21&for_cluster=imago-mol")
    for label, value in (("Step", "ami:step-clinical-validation"),
                         ("For cluster", "amid:cluster/imago-mol")):
        assert page.get_by_label(label).input_value() == value, label
    region = page.get_by_label("Region")
    assert region.evaluate("s => [...s.selectedOptions].map(o => o.value)") == ["nuts:RO21"]
    assert "North-East Region (RO21), Romania" in page.locator("#partner-results").inner_text()
    page.get_by_role("button", name="Search").click()
    assert page.get_by_label("Step").input_value() == "ami:step-clinical-validation"
    assert page.get_by_label("For cluster").input_value() == "amid:cluster/imago-mol"
    assert region.evaluate("s => [...s.selectedOptions].map(o => o.value)") == ["nuts:RO21"]
    assert "step=ami%3Astep-clinical-validation" in page.url or "step=ami:step-clinical" in page.url
    shot(page, "partners-kept-laptop")


@pytest.mark.parametrize("path", ["/sparql", "/doc/cluster/filas", "/catalog", "/ontology",
                                  "/shapes", "/api/docs"])
def test_every_page_has_the_sites_navigation(page, site, path):
    page.goto(site + path)
    nav = page.get_by_role("navigation", name="Main")
    assert nav.is_visible()
    nav.get_by_role("link", name="Clusters").click()
    assert page.url.endswith("/clusters")


def test_partner_search_reports_a_bad_parameter(page, site):
    page.goto(site + "/partners?competency=nonsense")
    page.amikg_watch.expect_status(400)
    assert "is not an instance of ami:Competency" in page.locator("#search-error").inner_text()


def test_validation_page_reports_errors_and_downloads_the_report(page, site, tmp_path):
    page.goto(site + "/validate")
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix ami: <https://w3id.org/amikg/ontology#> .\n"
                      "<http://example.org/x> a ami:Hospital\n")        # no final dot
    page.get_by_label("Data file").set_input_files(str(broken))
    page.get_by_role("button", name="Validate").click()
    error = page.locator("#validate-error").inner_text()
    assert "broken.ttl" in error and "line" in error
    page.amikg_watch.expect_status(422)
    shot(page, "validate-parse-error")

    bad = tmp_path / "members.ttl"
    bad.write_text("@prefix ami: <https://w3id.org/amikg/ontology#> .\n"
                   "<https://w3id.org/amikg/id/org/nameless> a ami:Hospital .\n"
                   "<https://w3id.org/amikg/id/org/typeless>\n"
                   "    <http://www.w3.org/2000/01/rdf-schema#label> \"X\"@en ;\n"
                   "    ami:region \"Lazio\" .\n")
    page.get_by_label("Data file").set_input_files(str(bad))
    page.get_by_label("Data quality").check()
    page.get_by_role("button", name="Validate").click()
    report = page.locator("#report")
    assert "Does not conform" in report.inner_text()
    focus = report.locator("article.focus")
    assert focus.count() == 2
    text = report.inner_text()
    assert "Give this organisation or person a name" in text
    assert "The region must be a NUTS region IRI" in text
    assert report.locator("h4.sev-violation").count() == 2
    assert report.get_by_text("The region must be a NUTS region IRI").count() == 1
    with page.expect_download() as dl:
        page.locator("#dl-turtle").click()
    ttl = Path(dl.value.path()).read_text()
    assert "sh:ValidationReport" in ttl and "sh:conforms false" in ttl
    with page.expect_download() as dl:
        page.locator("#dl-jsonld").click()
    assert "ValidationReport" in Path(dl.value.path()).read_text()
    shot(page, "validate-report")


def test_validation_of_pasted_turtle_with_the_roadmap_shapes(page, site):
    page.goto(site + "/validate")
    page.get_by_label("…or paste Turtle").fill(
        "@prefix ami: <https://w3id.org/amikg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<https://w3id.org/amikg/id/cluster/new> a ami:Cluster ; rdfs:label \"New cluster\"@en .\n")
    page.get_by_label("Roadmap checkpoints").check()
    page.get_by_role("button", name="Validate").click()
    report = page.locator("#report").inner_text()
    assert "New cluster" in report and "Violation" in report
    assert "Defining a value chain" in report or "value chain" in report.lower()


def test_import_form_reports_problems_by_row_and_a_dry_run_by_counts(page, site):
    """Issue 9: the upload form of the validation page runs the same import as POST /api/import."""
    page.goto(site + "/validate")
    assert page.get_by_label("Dry run").is_checked()
    page.get_by_label("Spreadsheet", exact=True).set_input_files(
        str(ROOT / "tests" / "data" / "import" / "members-errors.csv"))
    page.get_by_label("Cluster", exact=True).select_option("filas")
    page.get_by_role("button", name="Import").click()
    problems = page.locator("#import-problems")
    assert problems.locator("tbody tr").count() == 5
    assert ('members-errors.csv row 3, column category: "Hospitl" is not a stakeholder category; '
            'did you mean "Hospital"?') in problems.inner_text()
    assert "XX99" in problems.locator("tbody tr").nth(1).inner_text()
    page.amikg_watch.expect_status(422)
    shot(page, "import-problems")

    page.get_by_label("Spreadsheet", exact=True).set_input_files(str(ROOT / "examples" / "members.csv"))
    page.get_by_label("Cluster", exact=True).select_option("filas")
    assert page.get_by_label("Dry run").is_checked()
    page.get_by_role("button", name="Import").click()
    report = page.locator("#import-report").inner_text()
    assert "Dry run: nothing was written" in report
    assert "7 rows, 7 organisations" in report and "triples would be written" in report
    assert "New import: 7 members would be added to filas (0 already members)" in report
    assert "data-quality shapes checked" in report
    shot(page, "import-dry-run")

def test_the_dry_run_box_stays_ticked_unless_unticked_on_the_import_form(page, site, tmp_path):
    """Issue 18: after any POST to /validate the import form's "Dry run" box came back unticked,
    so the next upload was a real import."""
    page.goto(site + "/validate")
    page.get_by_label("…or paste Turtle").fill(
        "@prefix ami: <https://w3id.org/amikg/ontology#> .\n"
        "<https://w3id.org/amikg/id/org/x> a ami:Hospital .\n")
    page.get_by_role("button", name="Validate").click()
    assert "Does not conform" in page.locator("#report").inner_text()
    assert page.get_by_label("Dry run").is_checked()
    page.get_by_label("…or paste Turtle").fill("")
    page.get_by_role("button", name="Validate").click()      # nothing to validate: 422
    assert "choose a file or paste Turtle" in page.locator("#validate-error").inner_text()
    assert page.get_by_label("Dry run").is_checked()
    page.amikg_watch.expect_status(422)

    page.get_by_label("Spreadsheet", exact=True).set_input_files(str(ROOT / "examples" / "members.csv"))
    page.get_by_label("Cluster", exact=True).select_option("filas")
    page.get_by_label("Dry run").uncheck()                   # the user's own choice, on this form
    page.get_by_role("button", name="Import").click()        # this service has no token: refused
    assert "importing is disabled" in page.locator("#import-error").inner_text()
    assert not page.get_by_label("Dry run").is_checked()
    page.amikg_watch.expect_status(403)
    assert page.get_by_label("Cluster", exact=True).input_value() == "filas"

    page.get_by_label("…or paste Turtle").fill(
        "@prefix ami: <https://w3id.org/amikg/ontology#> .\n"
        "<https://w3id.org/amikg/id/org/x> a ami:Hospital .\n")
    page.get_by_role("button", name="Validate").click()      # back on the validation form
    assert page.get_by_label("Dry run").is_checked()
    shot(page, "validate-dry-run-box")


def test_pages_work_by_keyboard(page, site):
    page.goto(site + "/partners")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "f-q"           # the word search
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")                                         # past its button
    assert page.evaluate("document.activeElement.id") == "f-competency"
    page.keyboard.press("ArrowDown")                                   # picks a competency
    for _ in range(40):                                                # Tab to the button
        if page.evaluate("document.activeElement.type") == "submit":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")                                       # submits the form
    page.wait_for_selector("#partner-results")
    outline = page.evaluate("""() => { const a = document.querySelector('#partner-results a');
        a.focus(); return getComputedStyle(a).outlineStyle; }""")
    assert outline != "none"


def test_sparql_ontology_and_catalog_are_linked_from_every_page(page, site):
    for path in PAGES:
        page.goto(site + path)
        for name in ("SPARQL", "Ontology", "Catalog"):
            assert page.get_by_role("navigation", name="Main").get_by_role(
                "link", name=name).count() == 1
    page.get_by_role("navigation", name="Main").get_by_role("link", name="SPARQL").click()
    page.wait_for_url("**/sparql")
    shot(page, "sparql")


# -- HTML structure -----------------------------------------------------------------------------

class Structure(HTMLParser):
    """Title, landmarks, and the form controls with the labels that name them."""

    def __init__(self):
        super().__init__()
        self.tags: dict[str, int] = {}
        self.title = ""
        self._in_title = False
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "title" and not self.title:   # the document's, not an SVG chart's
            self._in_title = True
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") not in (
                "hidden", "submit", "button"):
            self.controls.append(a)

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def _html(url: str) -> str:
    req = urllib.request.Request(url, headers={"Accept": "text/html"})
    with urllib.request.urlopen(req) as r:
        assert r.headers.get_content_type() == "text/html"
        return r.read().decode()


@pytest.mark.parametrize("path", PAGES)
def test_each_page_has_a_title_landmarks_and_labelled_fields(site, path):
    s = Structure()
    s.feed(_html(site + path))
    assert s.title.strip().endswith("· amikg") and len(s.title.strip()) > len("· amikg")
    for landmark in ("header", "nav", "main", "footer", "h1"):
        assert s.tags.get(landmark, 0) >= 1, f"{path}: no <{landmark}>"
    assert s.tags["main"] == 1 and s.tags["h1"] == 1
    for c in s.controls:
        assert c.get("id") in s.label_for or c.get("aria-label"), f"{path}: unlabelled {c}"
    assert len(s.ids) == len(set(s.ids)), f"{path}: duplicate ids"


def test_word_search_shows_facet_counts_highlights_and_narrows_by_a_facet(page, site):
    """The search box of the partners page (issue 20): the matched words are highlighted, the
    facet counts add up to what a click on one shows, and the URL is the search."""
    page.goto(site + "/partners")
    page.get_by_label("Find an organisation by name or words").fill("PET")
    page.get_by_role("button", name="Find").click()
    page.wait_for_selector("#word-results")
    assert "q=PET" in page.url
    total = int(page.locator("#found").inner_text().split()[0])
    assert total >= 5
    assert page.locator("#word-hits b", has_text="PET").count() >= 1     # highlighted
    hospital = page.locator("#facets section[aria-label='Category'] li", has_text="hospital").first
    count = int(hospital.locator(".count").inner_text())
    assert 0 < count < total
    shot(page, "word-search-laptop")
    hospital.get_by_role("link").click()
    page.wait_for_selector("#word-results")
    assert "category=" in page.url
    assert page.locator("#found").inner_text().startswith(f"{count} organisation")
    assert page.locator("#word-hits > li").count() == count
    assert page.get_by_label("Find an organisation by name or words").input_value() == "PET"
    # a word in another language finds the region's organisations
    page.goto(site + "/partners?q=Niedersachsen")
    assert "Lower Saxony" in page.locator("#word-hits").inner_text()
    page.goto(site + "/partners?q=pet&region=XX99")
    page.amikg_watch.expect_status(400)
    assert "region" in page.locator("#word-error").inner_text()
