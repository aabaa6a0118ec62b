"""The named-query API (server/api_queries.py) in the real app: listing, running with typed and
bound parameters, formats, paging, injection attempts, the OpenAPI document and its docs page."""

from __future__ import annotations

import csv
import io

import pytest

from amikg.queries import load_queries
from tests.test_queries import fill


@pytest.fixture(scope="module")
def app_store():
    """The app (conftest) serves the query fixture graphs (tests/test_queries.py), in memory."""
    from amikg.store import open_store

    store = open_store("memory:")
    fill(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def app_config():
    return {"QUERY_WORKERS": 0}


def test_list_names_every_query_file(client):
    body = client.get("/api/queries").get_json()
    assert {q["name"] for q in body["queries"]} == set(load_queries())
    ps = next(q for q in body["queries"] if q["name"] == "partner-search")
    assert {p["name"] for p in ps["params"]} >= {"competency", "step", "region", "exclude_cluster"}


def test_partner_search_over_http_with_repeated_parameters(client):
    r = client.get("/api/queries/partner-search?competency=PET&competency=MRI&region=RO21"
                   "&exclude_cluster=amid:cluster/fx-alpha&for_cluster=amid:cluster/fx-alpha")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["rows"][0]["name"] == "PetLab Research Center"
    assert body["params"]["competency"] == ["https://w3id.org/amikg/ontology#tech-pet",
                                            "https://w3id.org/amikg/ontology#tech-mri"]
    assert "ClinVal Imaging" in [row["name"] for row in body["rows"]]


def test_csv_and_sparql_formats_by_accept(client):
    r = client.get("/api/queries/smes?region=HU3", headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    assert table[0] == ["org", "name", "located_in", "competencies", "steps"] and len(table) == 2
    assert table[1][1] == "PetCT Devices"
    r = client.get("/api/queries/smes?region=HU3",
                   headers={"Accept": "application/sparql-results+json"})
    assert r.get_json()["head"]["vars"][0] == "org"
    r = client.get("/api/queries/smes?region=HU3&format=tsv")
    assert r.mimetype == "text/tab-separated-values"


def test_paging(client):
    body = client.get("/api/queries/marketing-measures?limit=10&offset=30").get_json()
    assert len(body["rows"]) == 2 and body["total"] == 32 and body["offset"] == 30
    assert client.get("/api/queries/marketing-measures?limit=ten").status_code == 400


@pytest.mark.parametrize("query,param", [
    ("smes?regio=RO21", "regio"),
    ("smes?region=Atlantis", "region"),
    ("marketing-measures?min_importance=3.5", "min_importance"),
    ("patents?holder=not%20an%20iri", "holder"),
    ("partner-search?region=RO21", "competency"),
    ("stakeholders-by-category?category=ami:Hospital", "cluster"),  # needs a cluster or a region
    ("smes", "region"),                                              # needs a region or a cluster
])
def test_bad_input_is_a_400_naming_the_parameter(client, query, param):
    r = client.get("/api/queries/" + query)
    assert r.status_code == 400
    body = r.get_json()
    assert body["error"] == "ParameterError" and body["parameter"] == param
    assert param in body["message"] and "Traceback" not in r.get_data(as_text=True)


def test_unknown_query_is_404(client):
    assert client.get("/api/queries/nope").status_code == 404


INJECTIONS = [
    '" } DROP ALL ; SELECT * WHERE { "',
    "'}; DROP ALL; #",
    "PET\" . } } DROP ALL { \"",
    "} ; DROP ALL",
    "<http://x> } ; DELETE WHERE { ?s ?p ?o }",
    "x" * 5000,
    "\\u0022 } DROP ALL",
    "http://ex.org/a> } DROP ALL ; INSERT DATA { <a:b> <a:b> <a:b> } #",
]


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_attempts_change_nothing(client, app_store, value):
    before = app_store.count()
    for query, name in [("partner-search", "competency"), ("patents", "holder"),
                        ("connections", "org"), ("smes", "region"),
                        ("marketing-measures", "min_importance")]:
        r = client.get(f"/api/queries/{query}", query_string={name: value, "competency": "PET"}
                       if query == "partner-search" and name != "competency" else {name: value})
        assert r.status_code in (200, 400), (query, r.status_code)
        if r.status_code == 200:
            assert r.get_json()["rows"] == []
    assert app_store.count() == before


def test_openapi_document_validates_and_lists_every_query(client):
    from openapi_spec_validator import validate

    doc = client.get("/api/openapi.json").get_json()
    validate(doc)
    assert {"/api/queries", "/api/search"} | {f"/api/queries/{n}" for n in load_queries()} \
        <= set(doc["paths"])
    ps = doc["paths"]["/api/queries/partner-search"]["get"]
    comp = next(p for p in ps["parameters"] if p.get("name") == "competency")
    assert comp["schema"]["type"] == "array" and comp["explode"] is True


def test_docs_page_renders_every_query_without_a_cdn(client):
    r = client.get("/api/docs")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and r.mimetype == "text/html"
    for name in load_queries():
        assert f"/api/queries/{name}" in page
    assert "cdn" not in page.lower() and "<script" not in page


SLOW = """#+ name: slow
#+ summary: A query that runs far past any time limit (a cartesian product counted)
#+ description: Only for the time-limit test.
#+ columns:
#+   - {name: n, description: the count}
SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }
"""


def test_a_named_query_past_the_time_limit_is_stopped_with_a_503(make_app, tmp_path,
                                                                  monkeypatch):
    """Named queries run through the service's executor: on the embedded store a query past
    AMIKG_QUERY_TIMEOUT has its worker process killed and answers 503, not a hung request."""
    import time

    from amikg.store import open_store

    queries = tmp_path / "queries"
    queries.mkdir()
    (queries / "slow.rq").write_text(SLOW)
    (queries / "smes.rq").write_text((load_queries()["smes"].path).read_text())
    monkeypatch.setattr("amikg.queries.header.queries_dir", lambda: queries)
    store = open_store(str(tmp_path / "store"))
    fill(store)
    c = make_app(store, query_timeout=1.0, QUERY_WORKERS=1).test_client()
    t = time.monotonic()
    r = c.get("/api/queries/slow")
    assert r.status_code == 503, r.get_data(as_text=True)
    assert r.get_json()["error"] == "QueryTimeout"
    assert time.monotonic() - t < 15
    # the service goes on answering (a fresh worker replaced the killed one)
    r = c.get("/api/queries/smes?region=HU3")
    assert r.status_code == 200
    assert [x["name"] for x in r.get_json()["rows"]] == ["PetCT Devices"]
