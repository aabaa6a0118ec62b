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
