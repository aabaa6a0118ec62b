"""The W3C SPARQL 1.1 query evaluation and syntax tests through ``/sparql`` (issue 19).

Every ``mf:QueryEvaluationTest`` and syntax test of ``../shared/w3c-rdf-tests/sparql/sparql11/``
runs through the service (a fresh store and app per test, Flask's test client) and on the engine
alone (a bare pyoxigraph store); how data, datasets and answers are handled is in
tests/w3c_sparql.py. A test passes through the service unless it is listed in
tests/w3c_known_failures.toml with its reason and the engine's issue; a listed test must still
fail, and must fail on the engine alone too: the service scores at least what the engine scores.
``pytest tests/test_w3c_sparql.py -k scores`` prints the scores per folder (``-s`` not needed);
``python tests/w3c_sparql.py`` prints them with every failure.
"""

from __future__ import annotations

import pytest

import w3c_sparql as w3c
from conftest import ROOT, building_apps

CASES = w3c.cases()
KNOWN = w3c.known_failures()
ALLOW_LIST = "tests/w3c_known_failures.toml"
ENGINE_PAGES = "https://github.com/oxigraph/oxigraph/"

_outcomes: dict[str, tuple[w3c.Outcome, w3c.Outcome]] = {}


def outcome(case: w3c.Case) -> tuple[w3c.Outcome, w3c.Outcome]:
    """(through the service, on the engine alone), each run once per session."""
    if case.iri not in _outcomes:
        _outcomes[case.iri] = (w3c.run_service(case, building_apps), w3c.run_engine(case))
    return _outcomes[case.iri]


def _params():
    if not CASES:
        return [pytest.param(None, marks=pytest.mark.skip(
            reason="../shared/w3c-rdf-tests/sparql/sparql11 is absent"))]
    return [pytest.param(c, id=c.id) for c in CASES]


@pytest.mark.parametrize("case", _params())
def test_each_w3c_test_passes_through_the_service_unless_allow_listed(case):
    service, engine = outcome(case)
    known = KNOWN.get(case.iri)
    if known is None:
        assert service.passed, f"{case.iri} ({case.name}) fails through /sparql:\n" \
                               f"{service.detail}"
        return
    assert not service.passed, \
        f"{case.iri} passes through /sparql now: remove it from {ALLOW_LIST}"
    assert not engine.passed, \
        f"{case.iri} passes on the engine alone, so the failure through /sparql is amikg's: " \
        f"fix it ({service.detail})"
    if known.get("cause") == "lexical-form":
        by_value = w3c.engine_by_value(case)
        assert by_value.passed, f"{case.iri} is listed for lexical forms only, but fails when " \
                                f"literals are compared by value: {by_value.detail}"


def test_the_allow_list_names_tests_of_the_suite_with_reason_and_engine_issue():
    if not CASES:
        pytest.skip("../shared/w3c-rdf-tests/sparql/sparql11 is absent")
    iris = {c.iri for c in CASES}
    assert set(KNOWN) <= iris, f"not tests of the suite: {sorted(set(KNOWN) - iris)}"
    for iri, entry in KNOWN.items():
        assert set(entry) <= {"reason", "engine", "cause"}, (iri, entry)
        assert len(entry.get("reason", "")) > 20, f"{iri}: say why it fails"
        assert entry.get("engine", "").startswith(ENGINE_PAGES), \
            f"{iri}: link the engine's issue ({ENGINE_PAGES}...)"
        assert entry.get("cause", "lexical-form") == "lexical-form", (iri, entry["cause"])


def test_scores_through_the_service_are_at_least_the_engines(capsys):
    if not CASES:
        pytest.skip("../shared/w3c-rdf-tests/sparql/sparql11 is absent")
    results = {c.iri: outcome(c) for c in CASES}
    with capsys.disabled():
        print("\nW3C SPARQL 1.1 query tests: passes through /sparql and on the engine alone\n"
              + w3c.scores(results, {c.iri: c for c in CASES}))
    lost = [c.id for c in CASES if results[c.iri][1].passed and not results[c.iri][0].passed]
    assert not lost, f"the engine alone passes these, the service does not: {lost}"
    # docs/api.md says the scores: they must be these
    service = sum(s.passed for s, _ in results.values())
    engine = sum(e.passed for _, e in results.values())
    documented = (f"Scores: {service} of {len(CASES)} through `/sparql`, {engine} of "
                  f"{len(CASES)} on the engine alone")
    api = " ".join((ROOT / "docs" / "api.md").read_text(encoding="utf-8").split())
    assert documented in api, f"docs/api.md should say: {documented}"
    assert f"The {len(KNOWN)} failures are all the engine's" in api


def _same_outcomes_behind(client, store, cases) -> list[str]:
    """The tests of ``cases`` whose outcome through this service differs from the one through
    the in-memory service (the allow-list holds for every store the service can be in front of)."""
    differ = []
    for case in cases:
        got = w3c.run_service_on(case, client, store)
        if got.passed != outcome(case)[0].passed:
            differ.append(f"{case.id}: {'passes' if got.passed else 'fails'} here, "
                          f"{'passes' if outcome(case)[0].passed else 'fails'} in memory: "
                          f"{got.detail[:500]}")
    return differ


def test_the_suite_gives_the_same_answers_in_front_of_an_oxigraph_server(oxigraph_server):
    """The whole suite through the service in front of a real ``oxigraph serve``: the remote
    store's path (forwarded queries, results parsed and written again)."""
    from amikg.store import open_store

    if not CASES:
        pytest.skip("../shared/w3c-rdf-tests/sparql/sparql11 is absent")
    oxigraph_server.clear()
    with building_apps() as make:
        store = open_store(oxigraph_server.location)
        client = make(store).test_client()
        assert not _same_outcomes_behind(client, store, CASES)


def test_the_suite_gives_the_same_answers_from_the_query_workers(make_app, tmp_path):
    """The embedded on-disk store answers from query worker processes over checkpoints (as in
    production): a sample of the suite (every test with named graphs or a graph as its answer,
    and every eighth other), as a checkpoint per test costs time."""
    from amikg.store import open_store

    if not CASES:
        pytest.skip("../shared/w3c-rdf-tests/sparql/sparql11 is absent")
    sample = [c for i, c in enumerate(CASES) if c.graph_data or i % 8 == 0
              or (c.result is not None and c.result.suffix == ".ttl")]
    store = open_store(str(tmp_path / "store"))
    client = make_app(store, QUERY_WORKERS=1).test_client()
    assert not _same_outcomes_behind(client, store, sample)


# -- the runner's own comparisons: a wrong answer is caught --------------------------------------

def test_the_comparison_tells_lexical_forms_datatypes_and_languages_apart():
    one = w3c.literal("1", "http://www.w3.org/2001/XMLSchema#integer")
    assert w3c.same_rows([{"x": one}], [{"x": one}], False)
    for other in (w3c.literal("01", "http://www.w3.org/2001/XMLSchema#integer"),
                  w3c.literal("1", "http://www.w3.org/2001/XMLSchema#decimal"),
                  w3c.literal("1"), w3c.literal("1", language="en")):
        assert not w3c.same_rows([{"x": one}], [{"x": other}], False), other
    assert w3c.literal("a") == w3c.literal("a", "http://www.w3.org/2001/XMLSchema#string")
    assert w3c.literal("a", language="EN") == w3c.literal("a", language="en")


def test_the_comparison_maps_blank_nodes_one_to_one_across_solutions():
    b = lambda label: ("bnode", label)  # noqa: E731
    a = ("uri", "http://e/a")
    want = [{"x": b("1"), "y": a}, {"x": b("1"), "y": a}, {"x": b("2"), "y": a}]
    assert w3c.same_rows(want, [{"x": b("q"), "y": a}, {"x": b("p"), "y": a},
                                {"x": b("q"), "y": a}], False)
    # one node where two are expected, or two where one is
    assert not w3c.same_rows(want, [{"x": b("p"), "y": a}] * 3, False)
    assert not w3c.same_rows(want, [{"x": b("p"), "y": a}, {"x": b("q"), "y": a},
                                    {"x": b("r"), "y": a}], False)


def test_the_comparison_keeps_order_only_under_an_outer_order_by():
    x, y = {"v": ("uri", "http://e/x")}, {"v": ("uri", "http://e/y")}
    assert w3c.ordered("SELECT * { ?s ?p ?v } ORDER BY ?v")
    assert not w3c.ordered("SELECT * { { SELECT ?v { ?s ?p ?v } ORDER BY ?v LIMIT 2 } }")
    assert not w3c.ordered("SELECT * { ?s ?p 'ORDER BY' } # ORDER BY ?v")
    assert w3c.same_rows([x, y], [y, x], in_order=False)
    assert not w3c.same_rows([x, y], [y, x], in_order=True)
    assert not w3c.same_rows([x, x, y], [x, y, y], in_order=False)  # multisets, not sets


# -- what the suite found wrong in amikg (issue 19), each shown on its own -----------------------

@pytest.fixture(params=["memory", "embedded", "oxigraph-server", "virtuoso"])
def two_graphs(request, make_app, tmp_path):
    """A service over two named graphs (memory: queries in this thread; embedded: in the query
    workers, as in production; in front of an Oxigraph server started with
    --union-default-graph; and in front of Virtuoso)."""
    from amikg.store import open_store

    if request.param in ("oxigraph-server", "virtuoso"):
        server = request.getfixturevalue(
            "virtuoso_server" if request.param == "virtuoso" else "oxigraph_server")
        server.clear()
        store = open_store(server.location)
    else:
        store = open_store("memory:" if request.param == "memory" else str(tmp_path / "store"))
    store.update("INSERT DATA { GRAPH <http://e/g1> { <http://e/a> <http://e/p> 'in g1' } "
                 "GRAPH <http://e/g2> { <http://e/b> <http://e/p> 'in g2' } }")
    return make_app(store, QUERY_WORKERS=1).test_client()


def _values(resp) -> list[str]:
    assert resp.status_code == 200, resp.data
    return sorted(v["value"] for b in resp.json["results"]["bindings"] for v in b.values())


def test_a_querys_from_chooses_its_default_graph_over_the_union(two_graphs):
    """The union default graph replaced a query's own FROM (all graphs answered): on the
    embedded store (pyoxigraph's union option) and in front of an Oxigraph server."""
    for q in ("SELECT ?o FROM <http://e/g1> WHERE { ?s ?p ?o }",
              "PREFIX e: <http://e/> SELECT ?o FROM e:g1 WHERE { ?s ?p ?o }",
              "BASE <http://e/> SELECT ?o FROM <g1> WHERE { ?s ?p ?o }"):
        assert _values(two_graphs.get("/sparql", query_string={"query": q})) == ["in g1"], q
    q = "SELECT ?o WHERE { ?s <http://e/p> ?o }"   # without FROM: still the union
    assert _values(two_graphs.get("/sparql", query_string={"query": q})) == ["in g1", "in g2"]


def test_from_named_alone_leaves_the_default_graph_empty(two_graphs):
    q = "SELECT ?g ?o FROM NAMED <http://e/g2> WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    assert _values(two_graphs.get("/sparql", query_string={"query": q})) == \
        ["http://e/g2", "in g2"]


def test_a_from_with_an_undeclared_prefix_is_a_400_on_every_store(two_graphs):
    resp = two_graphs.get("/sparql", query_string={"query": "SELECT * FROM x:g { ?s ?p ?o }"})
    assert resp.status_code == 400 and resp.json["line"] == 1, resp.data


def test_the_protocols_dataset_still_overrides_the_querys_from(two_graphs):
    q = "SELECT ?o FROM <http://e/g1> WHERE { ?s ?p ?o }"
    resp = two_graphs.get("/sparql", query_string={"query": q, "default-graph-uri": "http://e/g2"})
    assert _values(resp) == ["in g2"]


@pytest.mark.parametrize("accept", ["image/png", "text/html"])
def test_a_malformed_query_is_a_syntax_error_whatever_the_accept_header(client, accept):
    """A malformed query asked for in a format the service never writes was answered 406
    (nothing acceptable), hiding the syntax error."""
    q = "CONSTRUCT WHERE { ?s ?p ?o FILTER(?o = 1) }"   # CONSTRUCT WHERE takes no FILTER
    resp = client.get("/sparql", query_string={"query": q}, headers={"Accept": accept})
    assert resp.status_code == 400, resp.data
    assert b"malformed query" in resp.data and b"line 1" in resp.data   # JSON, or a page
    # a well-formed query: an image is still nothing acceptable; a browser gets a page
    ok = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                    headers={"Accept": accept})
    assert (ok.status_code, ok.mimetype) == ((406, "application/json") if accept == "image/png"
                                             else (200, "text/html"))
