"""Issue 18, publisher: what a harvester or any visitor of the public outputs sees.

- the provenance agent is a configured name (``AMIKG_AGENT``, default ``amikg``), never the user
  and host that ran the load, for CLI loads and imports and through the service;
- a spreadsheet import is published only when asked (``--publish``, the ``publish`` form field,
  or ``AMIKG_PUBLISH_IMPORTS``), under a title naming the cluster, the content and the date;
- members' contact data (e-mail, telephone) and the names of natural persons stay out of the
  catalogue, the dumps, the VoID examples and the ``/doc`` pages unless the operator publishes
  them (``AMIKG_PUBLISH_CONTACTS``); they stay in the store for SPARQL users.

Real parts only: the CLI as a process, the Flask test client, the store.
"""

from __future__ import annotations

import getpass
import io
import re
import shutil
import socket

import pyoxigraph as ox
import pytest

from conftest import ROOT, run_cli

EXAMPLES = ROOT / "examples"
AGENT = "https://w3id.org/amikg/id/agent/"
META = "https://w3id.org/amikg/graph/meta"
AUTH = {"Authorization": "Bearer s3cret"}
#: This machine's user and host, as the old agent IRI (``.../agent/amikg/root@vm``) exposed them.
USER, HOST = getpass.getuser(), socket.gethostname()


def word(text: str, token: str) -> bool:
    """``token`` occurs in ``text`` as a word of its own (not inside ``rootResource``)."""
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(token)}(?![A-Za-z0-9])", text) is not None


def exposes_machine(text: str) -> list[str]:
    """What of this machine's user and host ``text`` shows."""
    found = [f"{USER}@{HOST}"] if f"{USER}@{HOST}" in text else []
    return found + [t for t in (USER, HOST) if word(text, t)]


def agents(store) -> dict[str, list[str]]:
    """Every agent a load or import was associated with -> its labels."""
    res = store.query("""SELECT ?agent ?label WHERE { GRAPH ?meta {
        ?a <http://www.w3.org/ns/prov#wasAssociatedWith> ?agent .
        OPTIONAL { ?agent <http://www.w3.org/2000/01/rdf-schema#label> ?label } } }""",
                      substitutions={"meta": ox.NamedNode(META)})
    out: dict[str, list[str]] = {}
    for s in res:
        out.setdefault(s["agent"].value, [])
        if s["label"] is not None and s["label"].value not in out[s["agent"].value]:
            out[s["agent"].value].append(s["label"].value)
    return out


def meta_nquads(store) -> str:
    return ox.serialize(store.quads(META), format=ox.RdfFormat.N_QUADS).decode()


# -- (3) the provenance agent ---------------------------------------------------------------------

@pytest.mark.parametrize("env, expected", [({}, "amikg"), ({"AMIKG_AGENT": "ACME Data Office"},
                                                          "acme-data-office")])
def test_cli_loads_and_imports_record_the_configured_agent_not_user_at_host(tmp_path, env,
                                                                            expected):
    from amikg.store import open_store

    location = str(tmp_path / "store")
    env = {"AMIKG_STORE": location, **env}
    for args in (["init"], ["load", str(ROOT / "tests" / "data" / "sample.ttl")],
                 ["import", str(EXAMPLES / "members.csv"), "--cluster", "filas"]):
        res = run_cli(*args, env=env)
        assert res.returncode == 0, res.stderr.decode()
    with open_store(location) as store:
        found = agents(store)
        text = meta_nquads(store)
    assert list(found) == [AGENT + expected], found
    assert exposes_machine(text) == [], f"the PROV records show {exposes_machine(text)}"
    label = found[AGENT + expected][0]
    assert label.startswith(env.get("AMIKG_AGENT", "amikg")) and "@" not in label


def test_sparql_on_the_service_shows_no_user_or_host_for_loads_and_imports(make_app,
                                                                          bundled_store):
    app = make_app(bundled_store, update_token="s3cret", agent="Lazio open data")
    client = app.test_client()
    ttl = (ROOT / "tests" / "data" / "sample.ttl").read_bytes()
    assert client.put("/graph?graph=https://example.org/g", data=ttl, headers={
        **AUTH, "Content-Type": "text/turtle"}).status_code in (201, 204)
    with open(EXAMPLES / "members.csv", "rb") as f:
        r = client.post("/api/import", headers=AUTH, content_type="multipart/form-data",
                        data={"file": (io.BytesIO(f.read()), "members.csv"), "cluster": "filas"})
    assert r.status_code == 201, r.json
    q = ("SELECT ?agent ?label WHERE { GRAPH <%s> { ?a <http://www.w3.org/ns/prov#wasAssociatedWith>"
         " ?agent . ?agent <http://www.w3.org/2000/01/rdf-schema#label> ?label } }" % META)
    resp = client.get("/sparql", query_string={"query": q},
                      headers={"Accept": "application/sparql-results+json"})
    rows = resp.json["results"]["bindings"]
    seen = {r["agent"]["value"] for r in rows}
    # `amikg init` (in the fixture) ran as the default agent; the service's writes as its own
    assert seen == {AGENT + "amikg", AGENT + "lazio-open-data"}, seen
    assert exposes_machine(resp.get_data(as_text=True)) == []


def test_an_error_that_names_a_folder_of_the_server_withholds_it(make_app, bundled_store,
                                                                 caplog):
    """A store the service cannot open names its folder (``cannot open the store /srv/...``):
    the answer says what failed without the path (which shows the user and the layout of the
    machine); the operator finds it whole in the log. Routes and IRIs in messages stay."""
    from amikg.errors import StoreError

    folder = str(bundled_store.directory.resolve())
    app = make_app(bundled_store)

    @app.get("/test-store-failure")
    def fail():
        raise StoreError(f"cannot open the store {folder}/gen-3: IO error: No such file; "
                         "see /graph?default or <http://example.org/a/b>", store=folder)

    client = app.test_client()
    for accept in ("application/json", "text/html"):
        r = client.get("/test-store-failure", headers={"Accept": accept})
        text = r.get_data(as_text=True)
        assert r.status_code == 503
        assert "cannot open the store [a path on the server]: IO error" in text
        assert "/graph?default" in text and "http://example.org/a/b" in text
        assert folder not in text and exposes_machine(text) == []
    assert r.headers["Content-Type"].startswith("text/html")
    assert any(folder in rec.getMessage() for rec in caplog.records)


# -- (1) publishing an import is opt-in; its title names the cluster, the content, the date -------

def catalogue_titles(client) -> dict[str, str]:
    """Dataset IRI -> English title, from the catalogue a harvester reads."""
    import rdflib

    resp = client.get("/catalog", headers={"Accept": "text/turtle"})
    assert resp.status_code == 200
    g = rdflib.Graph().parse(data=resp.get_data(), format="turtle")
    return {str(d): str(g.value(d, rdflib.DCTERMS.title))
            for d in g.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset"))}


def post_import(client, path, **form):
    with open(path, "rb") as f:
        return client.post("/api/import", headers=AUTH, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(f.read()), path.name), "cluster": "filas",
                                 **form})


def test_an_import_is_a_public_dataset_only_when_published(make_app, bundled_store):
    from datetime import datetime, timezone

    client = make_app(bundled_store, update_token="s3cret").test_client()
    private = post_import(client, EXAMPLES / "members.csv")
    assert private.status_code == 201 and private.json["published"] is False
    titles = catalogue_titles(client)
    assert not [t for d, t in titles.items() if "/dataset/import-" in d], titles
    assert client.get(f"/download/import-{private.json['import']}.ttl").status_code == 404
    void = client.get("/.well-known/void", headers={"Accept": "text/turtle"}).get_data(as_text=True)
    assert f"import-{private.json['import']}.ttl" not in void

    public = post_import(client, EXAMPLES / "members.xlsx", publish="true")
    assert public.status_code == 201 and public.json["published"] is True
    today = datetime.now(timezone.utc).date().isoformat()
    titles = catalogue_titles(client)
    assert titles[f"https://w3id.org/amikg/id/dataset/import-{public.json['import']}"] == \
        f"FILAS members (spreadsheet import, {today})"
    assert not any("Spreadsheet import members-" in t for t in titles.values())
    # what a portal shows of it: a period from the earliest membership start to the import, the
    # keywords of its content
    import rdflib

    g = rdflib.Graph().parse(data=client.get("/catalog?format=ttl").get_data(), format="turtle")
    d = rdflib.URIRef(f"https://w3id.org/amikg/id/dataset/import-{public.json['import']}")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    period = g.value(d, rdflib.DCTERMS.temporal)
    assert (str(g.value(period, dcat.startDate)), str(g.value(period, dcat.endDate))) == \
        ("2010-10-01", today)
    assert {"cluster members", "hospital"} <= {str(k) for k in g.objects(d, dcat.keyword)}
    assert client.get(f"/download/import-{public.json['import']}.ttl").status_code == 200
    # the data is in the store either way, for SPARQL users
    assert client.get("/api/imports").json[0]["id"] == private.json["import"]


def test_cli_import_publishes_with_publish_or_the_setting(tmp_path, bundled_store_dir):
    location = tmp_path / "store"
    shutil.copytree(bundled_store_dir, location)

    def imports_listed() -> list[str]:
        import rdflib

        res = run_cli("export", "--store", str(location), "--dcat")
        assert res.returncode == 0, res.stderr.decode()
        g = rdflib.Graph().parse(data=res.stdout, format="turtle")
        return [str(g.value(d, rdflib.DCTERMS.title)) for d in g.subjects(
            rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset"))
            if "/dataset/import-" in str(d)]

    res = run_cli("import", "--store", str(location), str(EXAMPLES / "members.csv"),
                  "--cluster", "FILAS")
    assert res.returncode == 0, res.stderr.decode()
    assert "not published" in res.stdout.decode() + res.stderr.decode()
    assert imports_listed() == []
    res = run_cli("import", "--store", str(location), str(EXAMPLES / "members.xlsx"),
                  "--cluster", "filas", "--publish")
    assert res.returncode == 0, res.stderr.decode()
    assert [t[:35] for t in imports_listed()] == ["FILAS members (spreadsheet import, "]
    other = tmp_path / "other.csv"
    other.write_bytes((EXAMPLES / "members.csv").read_bytes().replace(b"(example)", b"(other)"))
    res = run_cli("import", "--store", str(location), str(other), "--cluster", "filas",
                  env={"AMIKG_PUBLISH_IMPORTS": "true"})
    assert res.returncode == 0, res.stderr.decode()
    assert len(imports_listed()) == 2


def test_the_import_form_has_a_publish_box_off_by_default(make_app, bundled_store):
    client = make_app(bundled_store, update_token="s3cret").test_client()
    page = client.get("/validate").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="publish"[^>]*>', page)
    assert box and "checked" not in box.group(0)
    with open(EXAMPLES / "members.csv", "rb") as f:
        r = client.post("/validate/import", content_type="multipart/form-data", data={
            "file": (io.BytesIO(f.read()), "members.csv"), "cluster": "filas",
            "token": "s3cret", "publish": "on"})
    assert r.status_code == 201, r.get_data(as_text=True)
    assert any(t.startswith("FILAS members (spreadsheet import, ")
               for t in catalogue_titles(client).values())


# -- (2) personal contact data stays out of the public outputs ------------------------------------

#: A loaded source with a natural person (a researcher) and an organisation, both with contact data.
CONTACTS_TTL = b"""
@prefix ami: <https://w3id.org/amikg/ontology#> . @prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
<https://w3id.org/amikg/id/person/p-0001> a ami:Researcher ;
    rdfs:label "Maria Rossi" ; foaf:givenName "Maria" ; foaf:familyName "Rossi" ;
    vcard:hasEmail <mailto:maria.rossi@uniroma-example.it> ;
    vcard:hasTelephone <tel:+39-06-5550101> ;
    org:memberOf <https://w3id.org/amikg/id/cluster/filas> ;
    ami:region <http://data.europa.eu/nuts/code/ITI4> .
<https://w3id.org/amikg/id/org/clinica-prova> a org:Organization , ami:Hospital , ami:EndUser ;
    rdfs:label "Clinica Prova" ; ami:region <http://data.europa.eu/nuts/code/ITI4> ;
    vcard:hasEmail <mailto:direzione@clinica-prova.example.it> ;
    vcard:hasTelephone [ vcard:hasValue "tel:+39-06-5550199" ] ;
    org:memberOf <https://w3id.org/amikg/id/cluster/filas> .
"""
PERSON = "https://w3id.org/amikg/id/person/p-0001"
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PRIVATE = ["Maria Rossi", "Rossi", "5550101", "5550199"]


def published_store_fn(bundled_store):
    """The bundled data, a published import of examples/members.csv and the contacts source."""
    from amikg.ingest import import_table
    from amikg.loader import Source, load_sources

    import_table(bundled_store, EXAMPLES / "members.csv", "filas", publish=True)
    load_sources(bundled_store, [Source("contacts.ttl", CONTACTS_TTL, "turtle")])
    return bundled_store


@pytest.fixture
def published_store(bundled_store):
    return published_store_fn(bundled_store)


def contact_data(store) -> list[str]:
    """Every e-mail address the store holds (with the ``mailto:`` dropped)."""
    res = store.query("SELECT DISTINCT ?m WHERE { ?s <http://www.w3.org/2006/vcard/ns#hasEmail> "
                      "?m }")
    return sorted(s["m"].value.removeprefix("mailto:") for s in res)


def public_outputs(client, store) -> dict[str, str]:
    """What a harvester or a visitor gets: the catalogue (RDF and HTML), every dump it lists,
    VoID, and the /doc pages (HTML, Turtle, JSON-LD) of everything that has contact data."""
    import gzip

    import rdflib

    out = {}
    cat = client.get("/catalog", headers={"Accept": "text/turtle"}).get_data()
    out["/catalog"] = cat.decode()
    out["/catalog (html)"] = client.get("/catalog", headers={"Accept": "text/html"}).get_data(
        as_text=True)
    g = rdflib.Graph().parse(data=cat, format="turtle")
    urls = sorted(str(u) for u in g.objects(None, rdflib.URIRef("http://www.w3.org/ns/dcat#downloadURL")))
    assert any("/download/import-" in u for u in urls) and any("source-contacts" in u for u in urls)
    for url in urls:
        resp = client.get("/" + url.split("/", 3)[3])
        assert resp.status_code == 200, url
        body = resp.get_data()
        out[url] = (gzip.decompress(body) if url.endswith(".gz") else body).decode()
    out["void"] = client.get("/.well-known/void", headers={"Accept": "text/turtle"}).get_data(
        as_text=True)
    res = store.query("SELECT DISTINCT ?s WHERE { ?s <http://www.w3.org/2006/vcard/ns#hasEmail> "
                      "?m }")
    for s in sorted(r["s"].value for r in res):
        rest = s.split("/id/", 1)[1]
        for fmt in ("html", "ttl", "jsonld"):
            resp = client.get(f"/doc/{rest}?format={fmt}")
            assert resp.status_code == 200, (s, fmt)
            out[f"/doc/{rest}?format={fmt}"] = resp.get_data(as_text=True)
    out["/doc/cluster/filas"] = client.get("/doc/cluster/filas").get_data(as_text=True)
    return out


def test_no_contact_data_or_person_names_in_catalogue_dumps_void_doc_or_provenance(
        make_app, published_store):
    store = published_store
    emails = contact_data(store)
    assert "info@tiberina-imaging.example.eu" in emails and len(emails) >= 6
    client = make_app(store).test_client()
    leaks = {}
    for where, text in public_outputs(client, store).items():
        allowed = {"amikg@example.org"} if where.startswith("/catalog") else set()
        found = sorted(set(EMAIL.findall(text)) - allowed)
        found += [p for p in PRIVATE if p in text] + exposes_machine(text)
        if found:
            leaks[where] = found
    prov = meta_nquads(store)
    if EMAIL.findall(prov) or exposes_machine(prov):
        leaks["PROV records"] = EMAIL.findall(prov) + exposes_machine(prov)
    assert leaks == {}
    # the data stays in the store for SPARQL users
    q = "SELECT ?m WHERE { <%s> <http://www.w3.org/2006/vcard/ns#hasEmail> ?m }" % PERSON
    resp = client.get("/sparql", query_string={"query": q},
                      headers={"Accept": "application/sparql-results+json"})
    assert "maria.rossi@uniroma-example.it" in resp.get_data(as_text=True)


def test_the_operator_can_publish_contact_data(make_app, bundled_store, monkeypatch):
    # set when importing too: the import then keeps its contact data in its own (public) graph
    # instead of its restricted graph (issue 21)
    monkeypatch.setenv("AMIKG_PUBLISH_CONTACTS", "true")
    published_store = published_store_fn(bundled_store)
    client = make_app(published_store, publish_contacts=True).test_client()
    outputs = public_outputs(client, published_store)
    dumps = "".join(t for k, t in outputs.items() if "/download/" in k)
    assert "info@tiberina-imaging.example.eu" in dumps and "Maria Rossi" in dumps
    assert "maria.rossi@uniroma-example.it" in outputs["/doc/person/p-0001?format=html"]


def test_the_catalogue_says_what_the_dumps_leave_out(make_app, published_store):
    import rdflib

    client = make_app(published_store).test_client()
    g = rdflib.Graph().parse(data=client.get("/catalog?format=ttl").get_data(), format="turtle")
    desc = str(g.value(rdflib.URIRef("https://w3id.org/amikg/id/dataset/source-contacts"),
                       rdflib.DCTERMS.description))
    assert "e-mail" in desc and "left out" in desc and "SPARQL" in desc
    report = str(g.value(rdflib.URIRef("https://w3id.org/amikg/id/dataset/report"),
                         rdflib.DCTERMS.description))
    assert "left out" not in report


# -- (7) Turtle: sorted by subject, only the prefixes used, readable names ------------------------

PREFIX_LINE = re.compile(r"^@prefix ([A-Za-z][\w.-]*)?: <([^>]*)> \.$")


def outside_strings(text: str) -> str:
    """``text`` with every string literal blanked (a prefix in a literal is no use)."""
    return re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', text)


def turtle_problems(text: str) -> list[str]:
    """What makes a Turtle document hard to read: unused prefixes, ``\\/``-style escapes in
    prefixed names, subjects out of order."""
    problems = []
    lines = text.splitlines()
    prefixes = {}
    for line in lines:
        m = PREFIX_LINE.match(line)
        if m:
            prefixes[m.group(1) or ""] = m.group(2)
    body = outside_strings("\n".join(line for line in lines if not line.startswith("@prefix")))
    unused = sorted(p for p in prefixes if not re.search(rf"(?<![\w<\"#/.:-]){re.escape(p)}:",
                                                           body))
    if unused:
        problems.append(f"{len(prefixes)} prefixes declared, unused: {unused}")
    escaped = re.findall(r"[\w-]*:[\w.-]*\\[^\s]*", body)
    if escaped:
        problems.append(f"escaped names: {escaped[:3]}")

    def expand(token: str) -> tuple:
        if token.startswith("<"):
            return (0, token[1:-1])
        if token.startswith("_:") or token.startswith("["):
            return (1, token)
        p, _, local = token.partition(":")
        return (0, prefixes.get(p, "?") + local)

    subjects = [line.split()[0] for line in body.splitlines()
                if line and not line[0].isspace() and line.split()[0] not in ("]", ".")]
    keys = [expand(s) for s in subjects]
    if keys != sorted(keys):
        first = next(i for i in range(len(keys) - 1) if keys[i] > keys[i + 1])
        problems.append(f"subjects out of order: {subjects[first]} before {subjects[first + 1]}")
    return problems


TURTLE_OUTPUTS = {
    "catalogue": "/catalog?format=ttl",
    "VoID": "/.well-known/void",
    "DESCRIBE": "/sparql?query=DESCRIBE%20%3Chttps%3A%2F%2Fw3id.org%2Famikg%2Fid%2Fcluster%2Ffilas%3E",
    "CONSTRUCT": "/sparql?query=CONSTRUCT%20WHERE%20%7B%20%3Fs%20a%20%3Chttps%3A%2F%2Fw3id.org"
                 "%2Famikg%2Fontology%23Cluster%3E%20%3B%20%3Fp%20%3Fo%20%7D",
    "/doc": "/doc/cluster/filas?format=ttl",
    "/ontology": "/ontology?format=ttl",
    "dump": "/download/report.ttl",
    "dump of an import": None,  # its URL comes from the import
}


@pytest.mark.parametrize("what", TURTLE_OUTPUTS)
def test_turtle_is_sorted_declares_only_the_prefixes_used_and_has_no_escapes(
        what, make_app, published_store):
    from amikg.publish import datasets

    client = make_app(published_store).test_client()
    url = TURTLE_OUTPUTS[what] or next(
        f"/download/{d.name}.ttl" for d in datasets(published_store) if d.kind == "import")
    resp = client.get(url, headers={"Accept": "text/turtle"})
    assert resp.status_code == 200 and resp.mimetype == "text/turtle", resp.get_data()[:300]
    text = resp.get_data(as_text=True)
    assert turtle_problems(text) == []
    triples = list(ox.parse(resp.get_data(), format=ox.RdfFormat.TURTLE))
    assert triples
    if what.startswith("dump"):  # the same triples as the N-Quads dump
        nq = [q.triple for q in ox.parse(client.get(url[:-len("ttl")] + "nq").get_data(),
                                          format=ox.RdfFormat.N_QUADS)]

        def ground(ts):
            return {str(t) for t in ts if "_:" not in str(t)}
        assert len(triples) == len(nq) and ground(triples) == ground(nq)
    assert client.get(url, headers={"Accept": "text/turtle"}).get_data() == resp.get_data(), \
        "the same request gave other bytes"


def test_cli_catalogue_turtle_is_readable(tmp_path, bundled_store_dir):
    res = run_cli("export", "--store", str(bundled_store_dir), "--dcat")
    assert res.returncode == 0, res.stderr.decode()
    assert turtle_problems(res.stdout.decode()) == []
    assert "amid:dataset/" not in res.stdout.decode()  # a name that needs an escape: full IRI


# -- (5) the /catalog page: licence, publisher, modified date, readable sizes ---------------------

SIZE = re.compile(r"^(\d+(?:\.\d)?) (B|kB|MB|GB)$")
UNIT = {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}


def test_catalog_page_shows_licence_publisher_modified_and_readable_sizes(make_app,
                                                                        published_store):
    from html.parser import HTMLParser

    import rdflib

    client = make_app(published_store).test_client()
    g = rdflib.Graph().parse(data=client.get("/catalog?format=ttl").get_data(), format="turtle")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    html = client.get("/catalog", headers={"Accept": "text/html"}).get_data(as_text=True)

    class Cells(HTMLParser):
        """Text per dataset section, and the (download, size cell) pairs of its table."""

        def __init__(self):
            super().__init__()
            self.section, self.text, self.rows, self.cell, self.href = None, {}, {}, None, None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "section" and "dataset" in (a.get("class") or ""):
                self.section = a["id"]
                self.text[self.section], self.rows[self.section] = "", []
            if tag == "a" and self.section and "/download/" in (a.get("href") or ""):
                self.href = a["href"]
            if tag == "td" and "size" in (a.get("class") or "").split():
                self.cell = (self.href, a.get("data-bytes"))

        def handle_data(self, data):
            if self.section:
                self.text[self.section] += data
            if self.cell:
                self.rows[self.section].append((*self.cell, data.strip()))
                self.cell = None

    p = Cells()
    p.feed(html)
    datasets = list(g.objects(next(g.subjects(rdflib.RDF.type, dcat.Catalog)), dcat.dataset))
    assert len(p.text) == len(datasets) > 4
    for d in datasets:
        name = str(d).rsplit("/", 1)[1]
        text = " ".join(p.text[name].split())
        licence = g.value(d, rdflib.DCTERMS.license)
        assert str(g.value(licence, rdflib.URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"))) in text
        publisher = g.value(d, rdflib.DCTERMS.publisher)
        assert str(g.value(publisher, rdflib.FOAF.name)) in text
        assert str(g.value(d, rdflib.DCTERMS.modified))[:10] in text
        sizes = {str(g.value(x, dcat.downloadURL)).rsplit("/", 1)[1]: int(g.value(x, dcat.byteSize))
                 for x in g.objects(d, dcat.distribution)}
        assert len(p.rows[name]) == 4
        for href, exact, shown in p.rows[name]:
            m = SIZE.match(shown)
            assert m, f"{href}: size {shown!r} is not readable"
            size = sizes[href.rsplit("/", 1)[1]]
            assert int(exact) == size
            assert abs(float(m.group(1)) * UNIT[m.group(2)] - size) <= 0.05 * size + 50, (shown, size)


def test_a_dump_sorted_on_disk_in_many_runs_is_the_same_turtle(bundled_store):
    """The dumps are sorted in runs on disk and merged: the result does not depend on the run
    size, and reads back as the graph."""
    from amikg.publish import write_turtle

    triples = [q.triple for q in bundled_store.quads("https://w3id.org/amikg/graph/report")]
    outs = []
    for chunk in (10**6, 97, 7):
        out = io.BytesIO()
        write_turtle(reversed(triples), out, inline=False, chunk=chunk)
        outs.append(out.getvalue())
    assert outs[0] == outs[1] == outs[2]
    assert turtle_problems(outs[0].decode()) == []
    back = ox.parse(outs[0], format=ox.RdfFormat.TURTLE)
    assert sorted(str(q.triple) for q in back if "_:" not in str(q)) == \
        sorted(str(t) for t in triples if "_:" not in str(t))
