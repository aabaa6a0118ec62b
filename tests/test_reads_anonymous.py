"""Issue 21: every read an anonymous user triggers runs over the public graphs only, whatever the
way in: every named query, every page and every other GET route of the service, the CLI's
``--public`` reads. The restricted data are written the normal ways: a member spreadsheet
imported through ``POST /api/import`` (the members' e-mail addresses), a Graph Store POST by the
cluster's manager (a telephone number) and a checkpoint assessment of the cluster form's library
function (the name of the person responsible). The named queries and the routes are taken from
the query registry and the Flask ``url_map``, so a new query or page is covered without a word
here (a route with an argument this file cannot fill fails, naming it).
"""

from __future__ import annotations

import csv
import gzip
import io
import re

import pytest

from conftest import ROOT, building_apps

G = "https://w3id.org/amikg/graph/"
FILAS_IRI = "https://w3id.org/amikg/id/cluster/filas"
FILAS = G + "cluster/filas"
RESTRICTED = FILAS + "/restricted"
PERSON_NAME = "Maria Secret"
TELEPHONE = "+39 06 555 0199"
MEMBERS = ROOT / "examples" / "members.csv"
EMAILS = [r["contact email"] for r in csv.DictReader(MEMBERS.open(encoding="utf-8"))
          if r["contact email"]]
#: What no anonymous answer may hold: the e-mail addresses, the telephone number, the name (and
#: its slug, which an IRI could spell).
SECRETS = [*EMAILS, TELEPHONE, TELEPHONE.replace(" ", ""), PERSON_NAME, "maria-secret",
           "Maria%20Secret"]
#: A checkpoint FILAS has not done; recorded "in progress", it leaves the roadmap as it was.
ITEM = "https://w3id.org/amikg/ontology#cp-key-players"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def leaked(body: bytes) -> list[str]:
    """The secrets ``body`` holds (gzip bodies are read unzipped)."""
    if body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    text = body.decode("utf-8", "replace")
    return [s for s in SECRETS if s in text]


def write_restricted_data(client, store, gate, tokens) -> None:
    """Contact data and a person's name into restricted graphs, by the normal write paths."""
    from amikg import editing
    from amikg.access import Account

    with MEMBERS.open("rb") as f:
        r = client.post("/api/import", headers=bearer(tokens["ana"]),
                        content_type="multipart/form-data",
                        data={"file": (io.BytesIO(f.read()), "members.csv"), "cluster": "filas",
                              "publish": "true"})
    assert r.status_code == 201, r.json
    member = next(iter(store.query(
        "SELECT ?o WHERE { ?o <http://www.w3.org/2006/vcard/ns#hasEmail> ?e } LIMIT 1")))["o"]
    ttl = f'{member} <http://www.w3.org/2006/vcard/ns#hasTelephone> "{TELEPHONE}" .'
    r = client.post("/graph", query_string={"graph": RESTRICTED}, data=ttl.encode(),
                    headers={**bearer(tokens["ana"]), "Content-Type": "text/turtle"})
    assert r.status_code in (201, 204), r.data
    ana = Account("ana", "manager", (FILAS_IRI,))
    editing.apply(gate.store, gate, ana, editing.assessment_change(
        gate.store, "filas", ITEM, "in-progress", "2024-05-02", "https://example.org/minutes",
        PERSON_NAME))
    restricted = [g for g in store.named_graphs() if g.endswith("/restricted")]
    assert len(restricted) == 2  # the import's and the cluster's


@pytest.fixture(scope="module")
def app_store():
    from amikg.bundled import init_store
    from amikg.store import open_store

    store = open_store("memory:")
    init_store(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def service(app_store):
    """``(app, tokens)``: the service over a store holding restricted data; a manager of FILAS
    (``ana``) and a reader (``rita``)."""
    with building_apps() as make:
        app = make(app_store)
        service = app.extensions["amikg"]
        tokens = {"ana": service.accounts.add("ana", "manager", [FILAS_IRI]),
                  "rita": service.accounts.add("rita", "reader")}
        write_restricted_data(app.test_client(), app_store, service.gate, tokens)
        yield app, tokens


@pytest.fixture
def client(service):
    return service[0].test_client()


@pytest.fixture(scope="module")
def reader(service):
    return bearer(service[1]["rita"])


# -- the named queries ---------------------------------------------------------------------------

def query_names() -> list[str]:
    from amikg.queries import load_queries

    return sorted(load_queries())


def query_strings(name: str) -> list[dict]:
    """The ways a named query is asked: as it is, with its examples, for FILAS, at the largest
    page (so that no row is left on a later page)."""
    from amikg.queries import MAX_LIMIT, example_params, get_query

    q = get_query(name)
    asks = [{}, {k: v for k, v in example_params(q).items()}]
    for p in q.params:
        if p.example is not None:
            asks.append({p.name: p.example})
        if p.cls and p.cls.endswith("#Cluster"):
            asks.append({p.name: "filas"})
    return [{**a, "limit": MAX_LIMIT} for a in asks]


@pytest.mark.parametrize("name", query_names())
def test_no_named_query_gives_an_anonymous_user_restricted_data(client, name):
    for args in query_strings(name):
        for fmt in ("json", "csv", "sparql-json"):
            r = client.get(f"/api/queries/{name}", query_string={**args, "format": fmt})
            assert r.status_code < 500, (args, r.data[:300])
            assert not leaked(r.data), (name, args, fmt, leaked(r.data))


def _rows(client, name: str, args: dict, headers=None) -> list[dict]:
    r = client.get(f"/api/queries/{name}", query_string=args, headers=headers or {})
    return r.json["rows"] if r.status_code == 200 else [r.status_code]


#: The cells an account reads and an anonymous user does not: the name of the person
#: responsible, projected by checkpoint-status.
RESTRICTED_CELLS = {("checkpoint-status", "responsible")}


def _cell(value):
    """A cell to compare: a list (``GROUP_CONCAT``, in no set order) as its sorted items."""
    return sorted(value.split("; ")) if isinstance(value, str) and "; " in value else value


@pytest.mark.parametrize("name", query_names())
def test_named_queries_count_the_same_for_anonymous_users_and_readers(client, reader, name):
    """Narrowing hides restricted values, never a row: every answer has the same rows, the same
    counts and the same percentages for both; only restricted cells differ."""
    for args in query_strings(name):
        mine, theirs = _rows(client, name, args), _rows(client, name, args, reader)
        assert len(mine) == len(theirs), args
        for a, b in zip(mine, theirs):
            differ = {k for k in a if _cell(a[k]) != _cell(b.get(k))} \
                if isinstance(a, dict) else set()
            assert {(name, k) for k in differ} <= RESTRICTED_CELLS, (args, a, b)


def test_a_reader_sees_the_restricted_data_a_query_projects(client, reader):
    args = {"cluster": "filas", "limit": 1000}
    row = lambda rows: next(r for r in rows if r["item"] == ITEM)  # noqa: E731
    assert row(_rows(client, "checkpoint-status", args, reader))["responsible"] == PERSON_NAME
    anonymous = row(_rows(client, "checkpoint-status", args))
    assert anonymous["status"] == "in-progress"  # the assessment itself is public
    assert anonymous["responsible"].startswith(FILAS_IRI + "/person/p-")  # no name, no slug


# -- every page and GET route of the service ----------------------------------------------------

#: Routes that do not read the store: files of the static folder.
NOT_READS = {"static"}
#: 401 is the answer to these anonymous requests (a restricted graph named, an admin's log).
REFUSED = {("graph_store.graph_store", RESTRICTED), ("auth.audit", None)}
#: More query strings per endpoint (every route is asked without one too).
QUERY_STRINGS = {
    "sparql.sparql": [{"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"},
                      {"query": "CONSTRUCT WHERE { ?s ?p ?o }"}],
    "graph_store.graph_store": [{"default": ""}, {"graph": FILAS}, {"graph": RESTRICTED}],
    "pages.partners": [{"q": "imaging"}, {"competency": "pet", "for_cluster": "filas"}],
    "api_search.api_search": [{"q": "imaging"}, {"q": "tiberina"}],
    "api_queries.named_query": [{"cluster": "filas"}],
}
ACCEPTS = [{"Accept": "text/html"},
           {"Accept": "text/turtle, application/n-triples;q=0.9, application/json;q=0.8, "
                      "*/*;q=0.1"}]


def argument_values(store) -> dict[str, list[str]]:
    """What each argument of a route takes here: every cluster, query, dump and the resources
    the restricted data are about."""
    from amikg import publish
    from amikg.ingest import known_clusters

    people = [s["p"].value for s in store.query(
        "SELECT DISTINCT ?p WHERE { ?a <https://w3id.org/amikg/ontology#responsible> ?p }")]
    holders = [s["o"].value for s in store.query(
        "SELECT DISTINCT ?o WHERE { ?o <http://www.w3.org/2006/vcard/ns#hasEmail> ?e }")]
    ids = "https://w3id.org/amikg/id/"
    version = publish.ontology_header(store).get("version")
    return {
        "slug": [c.rsplit("/", 1)[-1] for c in known_clusters(store)],
        "ident": ["filas"],
        "name": query_names(),
        "rest": [i[len(ids):] for i in [FILAS_IRI, *people, *holders] if i.startswith(ids)],
        "filename": [f"{ds.name}.{fmt.ext}" for ds in publish.datasets(store)
                     for fmt in publish.DUMP_FORMATS.values()],
        "version": [version] if version else [],
    }


def page_requests(app, store) -> list[tuple[str, str, dict]]:
    """``(endpoint, path, query string)`` for every GET route of the app (see the module
    docstring)."""
    values = argument_values(store)
    out = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_READS:
            continue
        unknown = set(rule.arguments) - set(values)
        assert not unknown, (f"{rule.rule}: add values for {unknown} to argument_values, so "
                             "that this test reads the new route anonymously")
        paths = [rule.rule]
        for arg in rule.arguments:
            paths = [re.sub(rf"<(?:\w+:)?{arg}>", v, p) for p in paths for v in values[arg]]
        for path in paths:
            for args in [{}] + QUERY_STRINGS.get(rule.endpoint, []):
                out.append((rule.endpoint, path, args))
    return out


def test_no_page_or_get_route_gives_an_anonymous_user_restricted_data(service, app_store):
    app, _ = service
    client = app.test_client()
    asked = page_requests(app, app_store)
    assert {e for e, _, _ in asked} >= {"pages.home", "pages.cluster", "pages.partners",
                                        "linked_data.doc", "linked_data.download",
                                        "api_queries.named_query", "sparql.sparql"}
    found = []
    for endpoint, path, args in asked:
        for headers in ACCEPTS:
            r = client.get(path, query_string=args, headers=headers)
            assert r.status_code < 500, (path, args, r.status_code, r.data[:300])
            if r.status_code == 401:
                assert (endpoint, args.get("graph")) in REFUSED, (path, args)
            if leaked(r.data):
                found.append((path, args, headers["Accept"][:10], leaked(r.data)))
    assert not found, (sorted({p for p, *_ in found}), found[:3])


def test_the_roadmap_reads_the_same_for_anonymous_users_and_readers(client, reader):
    """The FILAS page reads 7 of 24 (29 %) with restricted data in the store, narrowed or not."""
    for headers in ({}, reader):
        page = client.get("/clusters/filas", headers=headers).get_data(as_text=True)
        done = re.search(r'id="roadmap-total">(\d+) of (\d+)<', page)
        assert (done.group(1), done.group(2)) == ("7", "24")
        assert "done (29%)" in page
        summary = client.get("/api/clusters/filas", headers=headers).json
        assert (summary["done"], summary["total"], summary["percent"]) == (7, 24, 29)


def test_the_home_page_counts_the_public_triples_for_an_anonymous_user(client, reader,
                                                                       app_store):
    """What the store holds, as each reader sees it: the restricted triples are not counted for
    an anonymous user (the number a reader sees is the whole store's)."""
    from amikg.access import read_view

    def triples(headers):
        page = client.get("/", headers=headers).get_data(as_text=True)
        return int(re.search(r'id="stat-triples">([\d,\s]+)<', page).group(1)
                   .replace(",", "").replace(" ", ""))
    hidden = sum(app_store.count(g) for g in app_store.named_graphs() if g.endswith("restricted"))
    assert triples(reader) == app_store.count()
    assert triples({}) == app_store.count() - hidden == read_view(app_store, None).count()


# -- through the query workers, and on the command line ------------------------------------------

def test_named_queries_in_query_workers_are_narrowed_too(make_app, bundled_store):
    """On the embedded store the named queries run in worker processes over snapshots: they get
    the reader's dataset from the view (``Store.dataset``)."""
    from amikg import editing
    from amikg.access import Account

    app = make_app(bundled_store)
    service = app.extensions["amikg"]
    assert service.executor.worker_pids()  # the query runs in a worker, not in this thread
    token = service.accounts.add("rita", "reader")
    editing.apply(bundled_store, service.gate, Account("ana", "manager", (FILAS_IRI,)),
                  editing.assessment_change(bundled_store, "filas", ITEM, "done", "2024-05-02",
                                            "https://example.org/m", PERSON_NAME))
    client = app.test_client()
    args = {"cluster": "filas", "limit": 1000}
    assert not leaked(client.get("/api/queries/checkpoint-status", query_string=args).data)
    assert PERSON_NAME.encode() in client.get("/api/queries/checkpoint-status",
                                              query_string=args, headers=bearer(token)).data


def test_the_cli_reads_as_an_anonymous_user_with_public(runner, bundled_store_dir, tmp_path):
    import shutil

    from amikg import editing
    from amikg.access import Account, AccountBook, Gate
    from amikg.store import open_store

    path = tmp_path / "store"
    shutil.copytree(bundled_store_dir, path)
    with open_store(str(path)) as store, AccountBook() as book:
        editing.apply(store, Gate(book, store), Account("ana", "manager", (FILAS_IRI,)),
                      editing.assessment_change(store, "filas", ITEM, "in-progress",
                                                "2024-05-02", "https://example.org/m",
                                                PERSON_NAME))
    ask = ["ask", "checkpoint-status", "--cluster", "filas", "--format", "csv",
           "--store", str(path)]
    assert PERSON_NAME in runner.invoke(ask).stdout
    public = runner.invoke(ask + ["--public"])
    assert public.exit_code == 0 and "in-progress" in public.stdout
    assert not leaked(public.stdout.encode())
    sparql = ["query", "SELECT ?n WHERE { ?p <http://xmlns.com/foaf/0.1/name> ?n }",
              "--format", "csv", "--store", str(path)]
    assert PERSON_NAME in runner.invoke(sparql).stdout
    assert not leaked(runner.invoke(sparql + ["--public"]).stdout.encode())


def test_an_anonymous_answer_is_kept_only_until_the_next_write(make_app):
    """Anonymous answers are kept (every anonymous reader gets the same) and every write empties
    them: the next page shows it."""
    from amikg.bundled import init_store
    from amikg.store import open_store

    store = open_store("memory:")
    init_store(store)
    store.update(f"INSERT DATA {{ GRAPH <{RESTRICTED}> {{ <urn:x:p> "
                 f"<http://www.w3.org/2006/vcard/ns#hasEmail> <mailto:{EMAILS[0]}> }} }}")
    client = make_app(store).test_client()

    def organisations():
        page = client.get("/").get_data(as_text=True)
        return int(re.search(r'id="stat-organisations">(\d+)<', page).group(1))
    before = organisations()
    assert organisations() == before  # asked again: the kept answer
    store.update("INSERT DATA { GRAPH <https://w3id.org/amikg/graph/demo> { "
                 "<https://w3id.org/amikg/id/org/new> a <http://www.w3.org/ns/org#Organization> } }")
    assert organisations() == before + 1
    store.close()
