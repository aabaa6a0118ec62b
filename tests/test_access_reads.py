"""Issue 21: anonymous readers see the public graphs only, whatever the query's shape; personal
contact data of imports is in restricted graphs; tokens never reach the logs."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from conftest import ROOT, run_cli

G = "https://w3id.org/amikg/graph/"
FILAS = G + "cluster/filas"
SECRET = "secret-contact@example.org"
RESTRICTED = FILAS + "/restricted"
PERSON = "https://w3id.org/amikg/id/cluster/filas/person/1"


@pytest.fixture(scope="module")
def app_store(app_store):
    """The module's store with a restricted graph: a person's name and e-mail address."""
    app_store.update(f"""INSERT DATA {{ GRAPH <{RESTRICTED}> {{
        <{PERSON}> a <http://xmlns.com/foaf/0.1/Person> ;
            <http://xmlns.com/foaf/0.1/name> "Maria Secret" ;
            <http://www.w3.org/2006/vcard/ns#hasEmail> <mailto:{SECRET}> ;
            <http://xmlns.com/foaf/0.1/knows> <https://w3id.org/amikg/id/cluster/filas> . }} }}""")
    return app_store


@pytest.fixture(scope="module")
def app(app_store):
    from conftest import building_apps

    with building_apps() as make:
        app = make(app_store)
        app.extensions["amikg"].accounts.add("rita", "reader")
        yield app


@pytest.fixture(scope="module")
def reader_token(app):
    return app.extensions["amikg"].accounts.new_token("rita")


QUERY_SHAPES = {
    "plain": "SELECT * WHERE { ?s ?p ?o }",
    "graph ?g": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }",
    "from": f"SELECT * FROM <{RESTRICTED}> WHERE {{ ?s ?p ?o }}",
    "from named": f"SELECT * FROM NAMED <{RESTRICTED}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "from public, named restricted": f"SELECT * FROM <{FILAS}> FROM NAMED <{RESTRICTED}> "
                                     "WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }",
    "graph iri": f"SELECT * WHERE {{ GRAPH <{RESTRICTED}> {{ ?s ?p ?o }} }}",
    "prefixed from": "PREFIX amig: <https://w3id.org/amikg/graph/> "
                     "SELECT * FROM amig:cluster\\/filas\\/restricted WHERE { ?s ?p ?o }",
    "path": "SELECT ?o WHERE { <https://w3id.org/amikg/id/cluster/filas> "
            "^<http://xmlns.com/foaf/0.1/knows>/(<http://www.w3.org/2006/vcard/ns#hasEmail>|"
            "<http://xmlns.com/foaf/0.1/name>) ?o }",
    "negated path": f"SELECT ?o WHERE {{ <{PERSON}> !<urn:x:none> ?o }}",
    "describe": f"DESCRIBE <{PERSON}>",
    "construct": "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
    "ask": f"ASK {{ <{PERSON}> ?p ?o }}",
    "subquery": "SELECT * WHERE { { SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } } } }",
    "escaped from": "SELECT * FROM <https://w3id.org/amikg/graph/cluster/filas/\\u0072estricted> "
                    "WHERE { ?s ?p ?o }",
}


@pytest.mark.parametrize("shape", list(QUERY_SHAPES))
def test_an_anonymous_query_never_returns_a_restricted_triple(client, shape):
    r = client.get("/sparql", query_string={"query": QUERY_SHAPES[shape]},
                   headers={"Accept": "text/csv, application/n-triples"})
    assert r.status_code in (200, 401), r.data
    body = r.get_data(as_text=True)
    assert SECRET not in body and "Maria Secret" not in body
    assert shape != "ask" or "false" in body.lower()
    if r.status_code == 401:
        assert r.json["error"] == "AuthenticationRequired"


@pytest.mark.parametrize("params", [{"default-graph-uri": RESTRICTED},
                                    {"named-graph-uri": RESTRICTED}])
def test_the_protocol_dataset_cannot_widen_an_anonymous_query(client, params):
    r = client.get("/sparql", query_string={"query": "SELECT * { { ?s ?p ?o } UNION "
                                                     "{ GRAPH ?g { ?s ?p ?o } } }", **params})
    assert r.status_code == 401 and SECRET not in r.get_data(as_text=True)


def test_anonymous_queries_still_see_the_public_graphs(client):
    r = client.get("/sparql", query_string={"query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g"
                                                     " { ?s ?p ?o } } GROUP BY ?g"},
                   headers={"Accept": "application/sparql-results+json"})
    graphs = {b["g"]["value"] for b in r.json["results"]["bindings"]}
    assert {G + "ontology", G + "report", FILAS} <= graphs and RESTRICTED not in graphs
    r = client.get("/sparql", query_string={"query": f"SELECT * FROM <{FILAS}> WHERE "
                                                     "{ ?c a <https://w3id.org/amikg/ontology#Cluster> }"},
                   headers={"Accept": "application/sparql-results+json"})
    assert [b["c"]["value"] for b in r.json["results"]["bindings"]] == \
        ["https://w3id.org/amikg/id/cluster/filas"]


def test_an_account_reads_the_restricted_graphs(client, reader_token):
    auth = {"Authorization": f"Bearer {reader_token}"}
    r = client.get("/sparql", query_string={"query": QUERY_SHAPES["path"]},
                   headers={**auth, "Accept": "text/csv"})
    assert SECRET in r.get_data(as_text=True)
    assert client.get("/graph", query_string={"graph": RESTRICTED}, headers=auth).status_code \
        == 200


def test_the_graph_store_does_not_give_a_restricted_graph_to_anonymous_readers(client):
    r = client.get("/graph", query_string={"graph": RESTRICTED})
    assert r.status_code == 401 and SECRET not in r.get_data(as_text=True)


def test_restricted_graphs_are_not_in_the_catalogue(client):
    body = client.get("/catalog", headers={"Accept": "application/n-triples"}).get_data(
        as_text=True)
    assert "restricted" not in body and SECRET not in body
    assert "cluster-filas" in body  # the cluster's public profile is a dataset


def test_tokens_never_reach_the_service_log(start_service, tmp_path, bundled_store_dir):
    import shutil

    store = tmp_path / "store"
    shutil.copytree(bundled_store_dir, store)
    made = run_cli("users", "add", "ana", "--role", "manager", "--cluster", "filas",
                   "--store", str(store))
    assert made.returncode == 0, made.stderr
    token = made.stdout.decode().strip().splitlines()[-1]
    svc = start_service(store, token=None)
    auth = {"Authorization": f"Bearer {token}"}
    ok = f"INSERT DATA {{ GRAPH <{FILAS}> {{ <urn:a> <urn:b> 'c' }} }}".encode()
    status, _, _ = svc.request("POST", "/sparql", ok, {**auth, "Content-Type":
                                                        "application/sparql-update"})
    assert status == 204
    status, _, body = svc.request("POST", "/sparql", ok.replace(b"filas", b"pharmapolis"),
                                  {**auth, "Content-Type": "application/sparql-update"})
    assert status == 403 and json.loads(body)["error"] == "ForbiddenOperation"
    status, _, _ = svc.request("POST", "/sparql", ok, {"Authorization": f"Bearer {token}x",
                                                        "Content-Type": "application/sparql-update"})
    assert status == 403
    # through the service's query workers too: anonymous queries see no restricted graph
    private = f"INSERT DATA {{ GRAPH <{RESTRICTED}> {{ <urn:a> <urn:b> '{SECRET}' }} }}".encode()
    status, _, _ = svc.request("POST", "/sparql", private, {**auth, "Content-Type":
                                                             "application/sparql-update"})
    assert status == 204
    for q in (QUERY_SHAPES["graph ?g"], QUERY_SHAPES["plain"]):
        status, _, body = svc.request("GET", "/sparql?" + urllib.parse.urlencode({"query": q}),
                                      headers={"Accept": "text/csv"})
        assert status == 200 and SECRET.encode() not in body
        status, _, body = svc.request("GET", "/sparql?" + urllib.parse.urlencode({"query": q}),
                                      headers={"Accept": "text/csv", **auth})
        assert status == 200 and SECRET.encode() in body
    svc.stop()
    text = svc.log.read_text()
    assert "/sparql" in text and token not in text
    accounts = (str(store) + ".accounts.sqlite")
    assert token.encode() not in open(accounts, "rb").read()


def test_import_contact_data_goes_to_a_restricted_graph(bundled_store):
    from amikg.access import read_view
    from amikg.ingest import import_table

    rep = import_table(bundled_store, ROOT / "examples" / "members.csv", "filas")
    public = read_view(bundled_store, None).named_graphs()   # what an anonymous reader sees
    assert rep.graph + "/restricted" in bundled_store.named_graphs()
    assert rep.graph + "/restricted" not in public
    assert rep.graph in public


def test_public_descriptions_do_not_name_restricted_graphs(client, reader_token):
    void = client.get("/.well-known/void", headers={"Accept": "application/n-triples"})
    assert RESTRICTED not in void.get_data(as_text=True)
    sd = client.get("/sparql", headers={"Accept": "text/turtle"}).get_data(as_text=True)
    assert RESTRICTED not in sd and FILAS in sd
    sd = client.get("/sparql", headers={"Accept": "text/turtle",
                                        "Authorization": f"Bearer {reader_token}"})
    assert RESTRICTED in sd.get_data(as_text=True)
