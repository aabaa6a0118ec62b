"""The W3C SPARQL 1.1 query evaluation and syntax tests (``../shared/w3c-rdf-tests``), read from
their manifests and run twice: through ``/sparql`` of the service, and on the engine alone.

- **Manifests** are read with rdflib: every ``mf:QueryEvaluationTest`` and every (positive or
  negative) syntax test of the sub-folders of ``sparql/sparql11/``. Files get the IRIs the suite
  publishes them under (``http://www.w3.org/2009/sparql/docs/tests/data-sparql11/<folder>/<file>``),
  so graph names in the expected results (``<pair.ttl>``) resolve as the suite means.
- **Through the service** (:func:`run_service`): a fresh in-memory store, filled with the test's
  data by the store's ``add`` (no provenance records, which would show in the union default
  graph), a fresh app over it, the query POSTed to ``/sparql`` with Flask's test client at
  ``<folder>/sparql``, so relative IRIs (``FROM <data.ttl>``) resolve against the endpoint URL as
  they do for every client. amikg's default graph is the union of all graphs: a test with only
  ``qt:data`` has it loaded into the store's default graph and sends no dataset; a test with
  ``qt:graphData`` has every file loaded into a named graph of its own IRI and the dataset sent
  with ``default-graph-uri`` (the ``qt:data`` files, or a graph that does not exist, for an
  empty default graph) and ``named-graph-uri``, unless the query has a ``FROM`` of its own.
  Every answer is read back in every format the service offers for its kind (SELECT: JSON, XML,
  TSV, and CSV as far as CSV keeps terms; ASK: JSON, XML; CONSTRUCT: Turtle, N-Triples, RDF/XML,
  JSON-LD), and each must match.
- **The engine alone** (:func:`run_engine`): a bare pyoxigraph ``Store`` with ``qt:data`` in its
  default graph and ``qt:graphData`` in named graphs, queried with the query file's IRI as base
  and ``use_default_graph_as_union`` off.
- **Comparison**: solutions as multisets (a list when the query's outermost level has ``ORDER
  BY``) with blank nodes matched by a one-to-one mapping, literals by term equality (lexical
  form, datatype, language tag; a simple literal is an ``xsd:string``); graphs by isomorphism
  (``rdflib.compare``), parsed without rdflib's literal normalisation.

Known failures are listed with their reasons in ``tests/w3c_known_failures.toml``
(:func:`known_failures`). ``python tests/w3c_sparql.py`` prints the scores per folder.
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
import xml.etree.ElementTree as ET
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.compare import isomorphic

from amikg.sparql.lexer import tokens

TESTS = Path(__file__).resolve().parent
SUITE = TESTS.parent.parent / "shared" / "w3c-rdf-tests" / "sparql" / "sparql11"
KNOWN_FAILURES = TESTS / "w3c_known_failures.toml"
W3C_BASE = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/"
#: Folders of the suite with tests of another kind (run by tests/test_sparql_protocol.py).
OTHER_KINDS = {"protocol", "graph-store-protocol"}
#: The default graph of a test whose data are all in named graphs: a graph nobody fills.
EMPTY_GRAPH = "urn:x-amikg:w3c:empty-default-graph"

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
RS = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
SRX = "{http://www.w3.org/2005/sparql-results#}"

KINDS = {MF.QueryEvaluationTest: "evaluation",
         MF.PositiveSyntaxTest11: "positive-syntax", MF.PositiveSyntaxTest: "positive-syntax",
         MF.NegativeSyntaxTest11: "negative-syntax", MF.NegativeSyntaxTest: "negative-syntax"}


# -- the manifests ------------------------------------------------------------------------------

@dataclass
class Case:
    """One test of the suite."""

    iri: str
    folder: str
    name: str
    kind: str  # evaluation, positive-syntax, negative-syntax
    query: Path
    data: list[Path] = field(default_factory=list)
    graph_data: list[Path] = field(default_factory=list)
    result: Path | None = None

    @property
    def id(self) -> str:
        return f"{self.folder}/{self.iri.rsplit('#', 1)[-1]}"


def iri_of(path: Path) -> str:
    """The IRI the suite publishes a file of its own under."""
    return W3C_BASE + path.relative_to(SUITE).as_posix()


def path_of(iri) -> Path:
    iri = str(iri)
    if not iri.startswith(W3C_BASE):
        raise ValueError(f"not a file of the suite: {iri}")
    return SUITE / iri[len(W3C_BASE):]


def folders() -> list[Path]:
    """The sub-folders of sparql11/ whose manifests hold query tests."""
    if not SUITE.is_dir():
        return []
    return sorted(p for p in SUITE.iterdir()
                  if p.is_dir() and p.name not in OTHER_KINDS and (p / "manifest.ttl").is_file())


def cases() -> list[Case]:
    """Every query evaluation and syntax test of the suite, in manifest order.

    :raise ValueError: on an entry of a kind this runner does not know (a new kind of test in a
        newer copy of the suite should be looked at, not silently left out)."""
    out = []
    for folder in folders():
        g = rdflib.Graph()
        g.parse(folder / "manifest.ttl", format="turtle",
                publicID=W3C_BASE + folder.name + "/manifest.ttl")
        for manifest in g.subjects(rdflib.RDF.type, MF.Manifest):
            for lst in g.objects(manifest, MF.entries):
                for test in Collection(g, lst):
                    out.append(_case(g, test, folder.name))
    return out


def _case(g: rdflib.Graph, test, folder: str) -> Case:
    kinds = {KINDS.get(t) for t in g.objects(test, rdflib.RDF.type)}
    kinds.discard(None)
    if len(kinds) != 1:
        raise ValueError(f"{test}: a test of a kind this runner does not know "
                         f"({', '.join(map(str, g.objects(test, rdflib.RDF.type)))})")
    kind = kinds.pop()
    name = str(g.value(test, MF.name) or test)
    action = g.value(test, MF.action)
    if kind != "evaluation":
        return Case(str(test), folder, name, kind, path_of(action))
    for graph in g.objects(action, QT.graphData):
        if not isinstance(graph, rdflib.URIRef):
            raise ValueError(f"{test}: a qt:graphData with a label is not supported")
    result = g.value(test, MF.result)
    return Case(str(test), folder, name, kind, path_of(g.value(action, QT.query)),
                sorted(path_of(d) for d in g.objects(action, QT.data)),
                sorted(path_of(d) for d in g.objects(action, QT.graphData)),
                path_of(result) if result is not None else None)


def known_failures() -> dict[str, dict]:
    """The allow-list: test IRI -> ``{"reason": ..., "engine": issue URL (when the engine alone
    fails it too)}``."""
    with open(KNOWN_FAILURES, "rb") as f:
        return tomllib.load(f)


# -- terms and results --------------------------------------------------------------------------
# A term is a tuple: ("uri", iri), ("bnode", label), ("literal", lexical, datatype, language).

def literal(lexical: str, datatype: str | None = None, language: str | None = None) -> tuple:
    if language:
        return ("literal", lexical, LANG_STRING, language.lower())
    return ("literal", lexical, datatype or XSD_STRING, None)


def from_ox(t) -> tuple:
    if isinstance(t, ox.NamedNode):
        return ("uri", t.value)
    if isinstance(t, ox.BlankNode):
        return ("bnode", t.value)
    if isinstance(t, ox.Literal):
        return literal(t.value, t.datatype.value, t.language)
    raise ValueError(f"a term this runner does not compare: {t!r}")


def from_rdflib(t) -> tuple:
    if isinstance(t, rdflib.URIRef):
        return ("uri", str(t))
    if isinstance(t, rdflib.BNode):
        return ("bnode", str(t))
    return literal(str(t), str(t.datatype) if t.datatype else None, t.language)


@dataclass
class Results:
    """A SELECT answer (``variables``, ``rows``: variable -> term) or an ASK answer
    (``boolean``); ``graph`` for CONSTRUCT/DESCRIBE."""

    variables: list[str] | None = None
    rows: list[dict] | None = None
    boolean: bool | None = None
    graph: rdflib.Graph | None = None


def parse_srx(data: bytes) -> Results:
    root = ET.fromstring(data)
    boolean = root.find(f"{SRX}boolean")
    if boolean is not None:
        return Results(boolean=boolean.text.strip() == "true")
    names = [v.get("name") for v in root.iter(f"{SRX}variable")]
    rows = []
    for result in root.iter(f"{SRX}result"):
        row = {}
        for b in result.findall(f"{SRX}binding"):
            (term,) = list(b)
            tag, text = term.tag[len(SRX):], term.text or ""
            if tag == "uri":
                row[b.get("name")] = ("uri", text)
            elif tag == "bnode":
                row[b.get("name")] = ("bnode", text)
            else:
                row[b.get("name")] = literal(
                    text, term.get("datatype"),
                    term.get("{http://www.w3.org/XML/1998/namespace}lang"))
        rows.append(row)
    return Results(names, rows)


def parse_srj(data: bytes) -> Results:
    doc = json.loads(data)
    if "boolean" in doc:
        return Results(boolean=doc["boolean"])
    rows = []
    for b in doc["results"]["bindings"]:
        row = {}
        for k, v in b.items():
            if v["type"] == "uri":
                row[k] = ("uri", v["value"])
            elif v["type"] == "bnode":
                row[k] = ("bnode", v["value"])
            else:
                row[k] = literal(v["value"], v.get("datatype"), v.get("xml:lang"))
        rows.append(row)
    return Results(doc["head"].get("vars", []), rows)


def parse_tsv(data: bytes) -> Results:
    """TSV results: a header of ``?names``, then one line per solution, each cell a term in
    Turtle syntax (read with rdflib, as the objects of one Turtle document, so that a blank node
    label means one node throughout)."""
    lines = data.decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    names = [n[1:] for n in lines[0].split("\t")] if lines and lines[0] else []
    cells, doc = [], []
    for i, line in enumerate(lines[1:]):
        for j, cell in enumerate(line.split("\t") if names else []):
            if cell:
                cells.append((i, names[j]))
                doc.append(f"<urn:row:{i}> <urn:var:{j}> {cell} .")
    rows: list[dict] = [{} for _ in lines[1:]]
    g = parse_graph("\n".join(doc).encode(), "turtle")
    for s, p, o in g:
        i, j = int(str(s).rsplit(":", 1)[1]), int(str(p).rsplit(":", 1)[1])
        rows[i][names[j]] = from_rdflib(o)
    if len(g) != len(cells):
        raise ValueError(f"{len(cells)} cells gave {len(g)} terms")
    return Results(names, rows)


def parse_rdf_results(g: rdflib.Graph) -> Results | None:
    """Results in the DAWG result-set vocabulary (``rs:ResultSet``), or None for another graph."""
    rs = g.value(None, rdflib.RDF.type, RS.ResultSet)
    if rs is None:
        return None
    boolean = g.value(rs, RS.boolean)
    if boolean is not None:
        return Results(boolean=bool(boolean.toPython()))
    names = [str(v) for v in g.objects(rs, RS.resultVariable)]
    solutions = []
    for sol in g.objects(rs, RS.solution):
        row = {str(g.value(b, RS.variable)): from_rdflib(g.value(b, RS.value))
               for b in g.objects(sol, RS.binding)}
        index = g.value(sol, RS.index)
        solutions.append((int(index) if index is not None else 0, row))
    return Results(names, [row for _, row in sorted(solutions, key=lambda s: s[0])])


@contextmanager
def _literals_as_written():
    """rdflib keeps literals' lexical forms (``"01"^^xsd:integer`` stays ``01``), so that
    literals compare as terms."""
    before = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        yield
    finally:
        rdflib.NORMALIZE_LITERALS = before


def parse_graph(data: bytes, fmt: str, base: str | None = None) -> rdflib.Graph:
    with _literals_as_written():
        g = rdflib.Graph().parse(data=data, format=fmt, publicID=base)
    return _simple_literals(g)


def _simple_literals(g: rdflib.Graph) -> rdflib.Graph:
    """``"a"^^xsd:string`` as ``"a"`` (the same RDF 1.1 term), so that graphs compare as RDF."""
    out = rdflib.Graph()
    for s, p, o in g:
        if isinstance(o, rdflib.Literal) and str(o.datatype) == XSD_STRING:
            o = rdflib.Literal(str(o), normalize=False)
        out.add((s, p, o))
    return out


def graph_from_ox(triples) -> rdflib.Graph:
    g = rdflib.Graph()

    def conv(t):
        if isinstance(t, ox.NamedNode):
            return rdflib.URIRef(t.value)
        if isinstance(t, ox.BlankNode):
            return rdflib.BNode(t.value)
        dt = None if t.language or t.datatype.value == XSD_STRING else t.datatype.value
        return rdflib.Literal(t.value, lang=t.language, datatype=dt, normalize=False)

    for t in triples:
        g.add((conv(t.subject), conv(t.predicate), conv(t.object)))
    return g


def expected(case: Case) -> Results:
    """The expected answer of an evaluation test."""
    data, suffix = case.result.read_bytes(), case.result.suffix
    if suffix == ".srx":
        return parse_srx(data)
    if suffix == ".srj":
        return parse_srj(data)
    if suffix == ".tsv":
        return parse_tsv(data)
    g = parse_graph(data, "turtle", iri_of(case.result))
    return parse_rdf_results(g) or Results(graph=g)


# -- comparison ---------------------------------------------------------------------------------

def ordered(query: str) -> bool:
    """Whether the query's outermost level (not a sub-query) has ``ORDER BY``."""
    depth, prev = 0, None
    for t in tokens(query):
        if t.kind == "punct":
            depth += 1 if t.text in "{(" else -1
        elif depth == 0 and prev is not None and prev.is_word("ORDER") and t.is_word("BY"):
            return True
        prev = t
    return False


def _has_bnode(rows) -> bool:
    return any(v[0] == "bnode" for r in rows for v in r.values())


def _fits(exp: dict, act: dict, mapping: dict, used: set) -> dict | None:
    """The blank-node mapping extended so that solution ``exp`` is ``act``, or None."""
    if exp.keys() != act.keys():
        return None
    new = {}
    for k, e in exp.items():
        a = act[k]
        if e[0] == "bnode" and a[0] == "bnode":
            got = mapping.get(e[1], new.get(e[1]))
            if got is None:
                if a[1] in used or a[1] in new.values():
                    return None
                new[e[1]] = a[1]
            elif got != a[1]:
                return None
        elif e != a:
            return None
    return new


def same_rows(exp: list[dict], act: list[dict], in_order: bool) -> bool:
    """Whether two lists of solutions are the same multiset (the same list when ``in_order``),
    blank nodes mapped one to one."""
    if len(exp) != len(act):
        return False
    if not _has_bnode(exp) and not _has_bnode(act):
        if in_order:
            return exp == act
        key = lambda rows: Counter(frozenset(r.items()) for r in rows)  # noqa: E731
        return key(exp) == key(act)

    def search(i: int, mapping: dict, taken: set) -> bool:
        if i == len(exp):
            return True
        candidates = [i] if in_order else range(len(act))
        for j in candidates:
            if j in taken:
                continue
            new = _fits(exp[i], act[j], mapping, set(mapping.values()))
            if new is not None and search(i + 1, {**mapping, **new}, taken | {j}):
                return True
        return False

    return search(0, {}, set())


def compare(want: Results, got: Results, query: str) -> str | None:
    """None when ``got`` is ``want``, else what differs."""
    if want.graph is not None:
        if got.graph is None:
            return "a graph was expected"
        if isomorphic(want.graph, got.graph):
            return None
        return f"graphs differ: expected {len(want.graph)} triples, got {len(got.graph)}"
    if want.boolean is not None:
        return None if got.boolean == want.boolean else \
            f"expected {want.boolean}, got {got.boolean if got.rows is None else got.rows}"
    if got.rows is None:
        return "solutions were expected"
    if set(want.variables) != set(got.variables):
        return f"variables differ: expected {want.variables}, got {got.variables}"
    if same_rows(want.rows, got.rows, ordered(query)):
        return None
    return f"solutions differ: expected {want.rows[:6]}, got {got.rows[:6]}" + \
        (f" ({len(want.rows)} vs {len(got.rows)})" if len(want.rows) != len(got.rows) else "")


def csv_mismatch(want: Results, data: bytes) -> str | None:
    """CSV keeps only lexical forms: the header and each solution's values (blank nodes as any
    label) must be those of ``want``."""
    table = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    if not table:
        return "an empty CSV document (no header)"
    names = table[0] if table[0] != [""] or want.variables else []
    if names != want.variables and set(names) != set(want.variables):
        return f"CSV header {table[0]}, expected {want.variables}"

    def cells(row: dict) -> tuple:
        return tuple("_:" if row.get(n, ("", ""))[0] == "bnode" else row.get(n, ("", ""))[1]
                     for n in names)

    # a solution with every variable unbound is an empty line, which csv reads as no cell
    rows = [r or [""] * len(names) for r in table[1:]]
    got = Counter(tuple("_:" if c.startswith("_:") else c for c in r) for r in rows)
    if got != Counter(cells(r) for r in want.rows):
        return f"CSV rows {rows[:5]}, expected {[cells(r) for r in want.rows[:5]]}"
    return None


# -- running a test -----------------------------------------------------------------------------

@dataclass
class Outcome:
    passed: bool
    detail: str = ""


def _quads(path: Path, graph) -> list[ox.Quad]:
    fmt = ox.RdfFormat.from_extension(path.suffix[1:]) or ox.RdfFormat.TURTLE
    return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in
            ox.parse(path=str(path), format=fmt, base_iri=iri_of(path))]


def _has_from(query: str) -> bool:
    return any(t.is_word("FROM") for t in tokens(query))


def service_dataset(case: Case) -> tuple[list[ox.Quad], dict]:
    """The quads a test loads into the service's store, and the protocol's dataset parameters
    (see the module's docstring)."""
    query = case.query.read_text(encoding="utf-8")
    if not case.graph_data:
        return [q for d in case.data for q in _quads(d, ox.DefaultGraph())], {}
    files = dict.fromkeys(case.data + case.graph_data)
    quads = [q for f in files for q in _quads(f, ox.NamedNode(iri_of(f)))]
    if _has_from(query):
        return quads, {}
    return quads, {"default-graph-uri": [iri_of(d) for d in case.data] or [EMPTY_GRAPH],
                   "named-graph-uri": [iri_of(g) for g in case.graph_data]}


SELECT_FORMATS = [("application/sparql-results+json", parse_srj),
                  ("application/sparql-results+xml", parse_srx),
                  ("text/tab-separated-values", parse_tsv), ("text/csv", None)]
ASK_FORMATS = [("application/sparql-results+json", parse_srj),
               ("application/sparql-results+xml", parse_srx)]
GRAPH_FORMATS = [("text/turtle", "turtle"), ("application/n-triples", "nt"),
                 ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld")]


def run_service(case: Case, building_apps) -> Outcome:
    """Run one test through ``/sparql`` of a fresh service over a fresh in-memory store
    (``building_apps`` is conftest's: the app is closed when the test has run)."""
    from amikg.store import open_store

    store = open_store("memory:")
    quads, dataset = service_dataset(case)
    if quads:
        store.add(quads)
    with building_apps() as make:
        return _ask_service(case, make(store).test_client(), dataset)


def run_service_on(case: Case, client, store) -> Outcome:
    """Run one test through ``/sparql`` of a service that keeps its store (an embedded store and
    its query workers, a remote store): the store is emptied and filled for the test."""
    store.update("DROP SILENT ALL")
    quads, dataset = service_dataset(case)
    if quads:
        store.add(quads)
    return _ask_service(case, client, dataset)


def _ask_service(case: Case, client, dataset: dict) -> Outcome:
    query = case.query.read_text(encoding="utf-8")

    def ask(accept: str):
        return client.post("/sparql", base_url=W3C_BASE + case.folder + "/",
                           query_string=dataset, data=query.encode("utf-8"),
                           content_type="application/sparql-query", headers={"Accept": accept})

    if case.kind != "evaluation":
        r = ask("application/sparql-results+json")
        good = r.status_code != 400 if case.kind == "positive-syntax" else r.status_code == 400
        return Outcome(good and r.status_code < 500,
                       "" if good else f"HTTP {r.status_code}: {r.data[:300]!r}")
    want = expected(case)
    if want.graph is not None:
        formats = GRAPH_FORMATS
    else:
        formats = ASK_FORMATS if want.boolean is not None else SELECT_FORMATS
    problems = []
    for accept, reader in formats:
        r = ask(accept)
        if r.status_code != 200:
            problems.append(f"{accept}: HTTP {r.status_code}: {r.data[:300]!r}")
            continue
        try:
            if want.graph is not None:
                got = Results(graph=parse_graph(r.data, reader))
            elif reader is None:
                if (diff := csv_mismatch(want, r.data)) is not None:
                    problems.append(f"{accept}: {diff}")
                continue
            else:
                got = reader(r.data)
        except Exception as e:  # noqa: BLE001 - an answer the reader cannot read is a failure
            problems.append(f"{accept}: unreadable answer ({type(e).__name__}: {e}): "
                            f"{r.data[:300]!r}")
            continue
        if (diff := compare(want, got, query)) is not None:
            problems.append(f"{accept}: {diff}")
    return Outcome(not problems, "\n".join(problems))


def run_engine(case: Case, expect=expected) -> Outcome:
    """Run one test on a bare pyoxigraph store (the engine's own score)."""
    query = case.query.read_text(encoding="utf-8")
    store = ox.Store()
    if case.kind != "evaluation":
        try:
            store.query(query, base_iri=iri_of(case.query))
        except SyntaxError as e:
            return Outcome(case.kind == "negative-syntax", str(e).split("\n")[0])
        return Outcome(case.kind == "positive-syntax", "parsed")
    for d in case.data:
        store.extend(_quads(d, ox.DefaultGraph()))
    for g in case.graph_data:
        store.extend(_quads(g, ox.NamedNode(iri_of(g))))
    want = expect(case)
    try:
        res = store.query(query, base_iri=iri_of(case.query))
        if isinstance(res, ox.QueryBoolean):
            got = Results(boolean=bool(res))
        elif isinstance(res, ox.QuerySolutions):
            names = [v.value for v in res.variables]
            got = Results(names, [{k: from_ox(s[k]) for k in names if s[k] is not None}
                                  for s in res])
        else:
            got = Results(graph=_simple_literals(graph_from_ox(res)))
    except (SyntaxError, OSError, RuntimeError, ValueError) as e:
        return Outcome(False, f"{type(e).__name__}: {e}")
    diff = compare(want, got, query)
    return Outcome(diff is None, diff or "")


def by_value(results: Results) -> Results:
    """``results`` with every literal as the engine stores it (``"3.0E4"^^xsd:double`` as
    ``"30000"^^xsd:double``): to check that a failure is only a matter of lexical forms."""
    def norm(t: tuple) -> tuple:
        if t[0] != "literal":
            return t
        lit = ox.Literal(t[1], language=t[3]) if t[3] else \
            ox.Literal(t[1], datatype=ox.NamedNode(t[2]))
        store = ox.Store()
        store.add(ox.Quad(ox.NamedNode("urn:x-s"), ox.NamedNode("urn:x-p"), lit))
        return from_ox(next(iter(store)).object)

    if results.rows is None:
        return results
    return Results(results.variables, [{k: norm(v) for k, v in r.items()} for r in results.rows])


def engine_by_value(case: Case) -> Outcome:
    """The engine alone, with the expected literals compared as the engine stores them."""
    return run_engine(case, lambda c: by_value(expected(c)))


def scores(outcomes: dict[str, tuple[Outcome, Outcome]], by_case: dict[str, Case]) -> str:
    """A table of passes per folder: service and engine alone."""
    per: dict[str, list[int]] = {}
    for iri, (svc, eng) in outcomes.items():
        row = per.setdefault(by_case[iri].folder, [0, 0, 0])
        row[0] += 1
        row[1] += svc.passed
        row[2] += eng.passed
    lines = [f"{'folder':<20} {'tests':>5} {'service':>8} {'engine':>7}"]
    for folder, (n, s, e) in sorted(per.items()):
        lines.append(f"{folder:<20} {n:>5} {s:>8} {e:>7}")
    n, s, e = (sum(r[i] for r in per.values()) for i in range(3))
    lines.append(f"{'all':<20} {n:>5} {s:>8} {e:>7}")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - a report for people
    import sys

    sys.path.insert(0, str(TESTS))
    from conftest import building_apps

    all_cases = cases()
    results = {c.iri: (run_service(c, building_apps), run_engine(c)) for c in all_cases}
    print(scores(results, {c.iri: c for c in all_cases}))
    known = known_failures()
    for c in all_cases:
        svc, eng = results[c.iri]
        if not svc.passed or not eng.passed:
            print(f"\n{c.id}  service={'pass' if svc.passed else 'FAIL'} "
                  f"engine={'pass' if eng.passed else 'FAIL'} "
                  f"{'allow-listed' if c.iri in known else 'NOT LISTED'}\n  "
                  f"{(svc.detail or eng.detail)[:300]}")
