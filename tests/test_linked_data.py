"""Issue 7: dereferenceable IRIs, content negotiation, ontology and shapes documents, JSON-LD context.

Runs the real app (conftest's ``app``) over a real Oxigraph store after ``amikg init`` plus the
hand-written ``tests/data/sample.ttl`` (for an organisation IRI and a loaded-source dataset).
"""

from __future__ import annotations

import html
import json

import pyoxigraph as ox
import pytest
import rdflib

BASE = "https://w3id.org/amikg/"
CLUSTER = BASE + "id/cluster/filas"
ORG = BASE + "id/org/test-clinic"
CLASS = BASE + "ontology#Cluster"
PROPERTY = BASE + "ontology#region"
RESOURCES = [CLUSTER, ORG, CLASS, PROPERTY]

RDF_CLIENTS = {  # Accept -> rdflib parser
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}


@pytest.fixture(scope="module")
def store(app_store):
    """The store the app serves (conftest: `amikg init` plus tests/data/sample.ttl, in memory)."""
    return app_store


def path_of(iri: str) -> str:
    """The service path for an IRI under the base (the fragment never reaches the server)."""
    assert iri.startswith(BASE)
    return "/" + iri[len(BASE):].split("#", 1)[0]


def fetch(client, iri: str, accept: str):
    """Dereference ``iri`` like a client would: follow a 303 once."""
    resp = client.get(path_of(iri), headers={"Accept": accept})
    if resp.status_code == 303:
        resp = client.get(resp.headers["Location"], headers={"Accept": accept})
    return resp


def own_triples(store, iri: str) -> set[tuple]:
    """The resource's triples with an IRI or literal object, as rdflib terms."""
    res = store.query("CONSTRUCT { ?r ?p ?o } WHERE { ?r ?p ?o FILTER(!isBlank(?o)) }",
                      substitutions={"r": ox.NamedNode(iri)})
    g = rdflib.Graph().parse(data=res.serialize(format=ox.RdfFormat.N_TRIPLES).decode(), format="nt")
    return set(g)


def test_the_resources_under_test_exist(store):
    for iri in RESOURCES:
        assert own_triples(store, iri), f"{iri} has no triples in the bundled data"


def test_a_thing_iri_answers_303_see_other_to_its_document(client):
    resp = client.get("/id/cluster/filas", headers={"Accept": "text/turtle"})
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith("/doc/cluster/filas")
    assert "Accept" in resp.headers["Vary"]


@pytest.mark.parametrize("iri", RESOURCES)
def test_a_browser_gets_an_html_page_with_the_label(client, store, iri):
    from amikg.publish import label_of

    resp = fetch(client, iri, "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
    assert resp.status_code == 200
    assert resp.mimetype == "text/html"
    page = resp.get_data(as_text=True)
    label = label_of(store, iri)
    assert label and html.escape(label) in page
    if "#" in iri:  # hash IRIs: the term has its anchor on the ontology page
        assert f'id="{iri.split("#")[1]}"' in page


@pytest.mark.parametrize("accept", RDF_CLIENTS)
@pytest.mark.parametrize("iri", RESOURCES)
def test_an_rdf_client_gets_the_resource_triples_in_each_format(client, store, iri, accept):
    resp = fetch(client, iri, accept)
    assert resp.status_code == 200
    assert resp.mimetype == accept
    assert "Accept" in resp.headers["Vary"]
    g = rdflib.Graph().parse(data=resp.get_data(), format=RDF_CLIENTS[accept])
    missing = own_triples(store, iri) - set(g)
    assert not missing, f"{len(missing)} triples of {iri} missing, e.g. {sorted(missing)[:3]}"


@pytest.mark.parametrize("fmt, media", [("ttl", "text/turtle"), ("jsonld", "application/ld+json"),
                                        ("rdf", "application/rdf+xml"),
                                        ("nt", "application/n-triples"), ("html", "text/html")])
def test_format_parameter_overrides_accept(client, fmt, media):
    resp = client.get(f"/doc/cluster/filas?format={fmt}", headers={"Accept": "text/html"})
    assert resp.status_code == 200 and resp.mimetype == media


def test_documents_carry_link_headers_to_alternates_and_the_thing(client):
    resp = client.get("/doc/cluster/filas", headers={"Accept": "text/turtle"})
    link = resp.headers["Link"]
    assert f"<{CLUSTER}>; rel=\"about\"" in link
    for media in ("text/turtle", "application/ld+json", "application/rdf+xml", "text/html"):
        assert f'type="{media}"' in link


def test_the_html_page_shows_properties_incoming_links_and_provenance(client):
    page = client.get("/doc/org/test-clinic", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="/doc/cluster/test"' in page          # a linked value, local link
    assert "Test cluster" in page                      # shown by its label
    assert "https://w3id.org/amikg/graph/source/sample" in page
    assert "sample.ttl" in page                        # the file it was loaded from
    cluster = client.get("/doc/cluster/test", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Incoming links" in cluster and 'href="/doc/org/test-clinic"' in cluster


def test_an_unknown_iri_is_404(client):
    assert client.get("/id/cluster/no-such-cluster").status_code == 404
    assert client.get("/doc/cluster/no-such-cluster", headers={"Accept": "text/turtle"}).status_code == 404


@pytest.mark.parametrize("path", ["/doc/cluster/../../etc/passwd", "/doc/cluster/%2e%2e/x",
                                  "/id/./cluster", "/doc/a//b", "/download/..%2f..%2fsecret.ttl",
                                  "/download/../x.ttl"])
def test_path_traversal_is_refused(client, path):
    resp = client.get(path)
    assert resp.status_code in (400, 404)
    assert b"Traceback" not in resp.data


def test_unknown_format_is_400_and_unacceptable_accept_is_406(client):
    resp = client.get("/doc/cluster/filas?format=pdf")
    assert resp.status_code == 400 and resp.get_json()["error"] == "ParameterError"
    assert client.get("/doc/cluster/filas", headers={"Accept": "image/png"}).status_code == 406


def test_ontology_page_documents_every_class_and_property(client, store):
    page = client.get("/ontology", headers={"Accept": "text/html"}).get_data(as_text=True)
    res = store.query("""SELECT ?t WHERE { GRAPH <https://w3id.org/amikg/graph/ontology> {
        ?t a ?k VALUES ?k { <http://www.w3.org/2002/07/owl#Class>
        <http://www.w3.org/2002/07/owl#ObjectProperty> <http://www.w3.org/2002/07/owl#DatatypeProperty> } }
        FILTER(STRSTARTS(STR(?t), "https://w3id.org/amikg/ontology#")) }""")
    terms = {s["t"].value.split("#")[1] for s in res}
    assert len(terms) > 50
    missing = [t for t in terms if f'id="{t}"' not in page]
    assert not missing
    for heading in ("Super-classes", "Domain", "Range", "Used in"):
        assert heading in page
    assert "cluster is an accumulation" in page  # a definition (skos:definition of ami:Cluster)


def test_ontology_rdf_by_negotiation_and_versioned_iri(client, store):
    ttl = client.get("/ontology", headers={"Accept": "text/turtle"})
    g = rdflib.Graph().parse(data=ttl.get_data(), format="turtle")
    assert len(g) == store.count("https://w3id.org/amikg/graph/ontology")
    version = next(iter(g.objects(rdflib.URIRef(BASE + "ontology"),
                                  rdflib.OWL.versionIRI)))
    resp = client.get(path_of(str(version)), headers={"Accept": "application/n-triples"})
    assert resp.status_code == 200 and resp.mimetype == "application/n-triples"
    assert client.get("/ontology/99.0.0").status_code == 404


def test_shapes_are_published_as_html_and_rdf(client, store):
    graph = "https://w3id.org/amikg/graph/shapes"
    if not store.graph_exists(graph):
        pytest.skip("no shapes are bundled yet")
    assert client.get("/shapes", headers={"Accept": "text/html"}).status_code == 200
    ttl = client.get("/shapes?format=ttl")
    assert len(rdflib.Graph().parse(data=ttl.get_data(), format="turtle")) == store.count(graph)


def test_json_ld_outputs_use_the_ontology_context(client):
    context = client.get("/context.jsonld").get_json()["@context"]
    assert context["Cluster"] == BASE + "ontology#Cluster"
    assert context["region"] == {"@id": BASE + "ontology#region", "@type": "@id"}
    doc = json.loads(client.get("/doc/org/test-clinic?format=jsonld").get_data())
    assert doc["@context"] == context
    text = json.dumps({k: v for k, v in doc.items() if k != "@context"})
    assert '"region"' in text and '"Hospital"' in text  # short terms, not full IRIs
