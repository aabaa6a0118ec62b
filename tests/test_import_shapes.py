"""Issue 9, speed: the import checks the data-quality shapes with amikg's SPARQL engine for SHACL
Core (``amikg.validate.core``) instead of pyshacl; its findings must be exactly pyshacl's.

- on every data-quality example (valid and invalid) the engine's results equal pyshacl's, result
  for result (focus node, path, value, shape, constraint component, severity, messages);
- a spreadsheet converted with a mapping that breaks every shape the import can break (names
  without a language, regions and countries as text, dates as text, no category, memberships
  pointing at non-clusters, competencies as text) plus rows with cell errors is rejected with one
  problem per pyshacl violation (violations with one message on one cell, as the region's
  nodeKind and pattern, as one problem), by row and column with the value the shapes saw
  (``term``) and the shape's message (``detail``).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from amikg import validate
from amikg.ingest import DEFAULT_MAPPING, ImportRejected, Mapping, import_table
from amikg.store import open_store, scratch_store
from amikg.validate import CoreShapes
from amikg.util import slug

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "shapes" / "examples"
CLUSTER = "https://w3id.org/amikg/id/cluster/filas"


@pytest.fixture(scope="module")
def shapes():
    return validate.shapes_graph("data")


@pytest.fixture(scope="module")
def ontology():
    return validate.ontology_graph()


def _both(shapes, data: rdflib.Graph):
    store = scratch_store()
    store.add([ox.Quad(validate.to_ox(s), validate.to_ox(p), validate.to_ox(o),
                       ox.DefaultGraph()) for s, p, o in data])
    return CoreShapes(shapes).run(store), validate.run_pyshacl(data, shapes)


def _with(ontology, *files: Path) -> rdflib.Graph:
    g = rdflib.Graph()
    for t in ontology:
        g.add(t)
    for f in files:
        validate.parse_file(g, f)
    return g


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("dq-*.ttl")))
def test_engine_equals_pyshacl_on_each_data_quality_example(shapes, ontology, example):
    fast, ref = _both(shapes, _with(ontology, EXAMPLES / example))
    assert sorted(map(str, (r.key() for r in fast))) == sorted(map(str, (r.key() for r in ref)))
    if example.endswith("-invalid.ttl"):
        assert ref, "each invalid example fails its shape"


EDGE_CASES = """
@prefix ami: <https://w3id.org/amikg/ontology#> . @prefix org: <http://www.w3.org/ns/org#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <https://example.org/> . @prefix dcterms: <http://purl.org/dc/terms/> .
ex:c1 a ami:MemberCount ; rdfs:label "c1"@en ; ami:count 3, 4 ; ami:countedKind "SMEs" .
ex:c2 a ami:MemberCount ; rdfs:label "c2"@en ; ami:count -1 ; ami:countedKind ami:kind-smes .
ex:c3 a ami:MemberCount ; rdfs:label "c3"@en ; ami:count "abc"^^xsd:integer ; ami:countedKind [] .
ex:c4 a ami:MemberCount ; rdfs:label "c4"@en ; ami:count "7"^^xsd:decimal, "5"^^xsd:integer .
ex:c5 a ami:MemberCount ; ami:count "x" ; ami:countedKind ami:kind-smes .
ex:o1 a ami:Hospital ; rdfs:label "o1" ; ami:region [ rdfs:label "a region" ] ;
    ami:chargesMemberFees true, false ; ami:membershipStart "2024-13-45"^^xsd:date .
ex:o2 a ami:Hospital ; rdfs:label "o2"@en ; ami:region <http://data.europa.eu/nuts/code/de25> ;
    ami:chargesMemberFees "yes" ; ami:membershipStart "2024-02-01"^^xsd:dateTime ;
    org:memberOf ex:o1, "filas" ; skos:prefLabel "x"^^xsd:string .
ex:o3 a org:Organization ; rdfs:label "o3"@en ; ami:region ami:nowhere ; org:hasMember "x" .
ex:m1 a org:Membership ; org:member "o1" ; org:organization ex:o1, ex:nothing .
ex:a1 a ami:CheckpointAssessment ; dcterms:date "2024-01-01" ; ami:status ex:s1, ex:s2 .
""".replace("@prefix ex:", "@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix ex:")


def test_engine_equals_pyshacl_on_all_invalid_examples_and_edge_cases(shapes, ontology, tmp_path):
    edge = tmp_path / "edge.ttl"
    edge.write_text(EDGE_CASES, encoding="utf-8")
    fast, ref = _both(shapes, _with(ontology, edge, *sorted(EXAMPLES.glob("dq-*-invalid.ttl"))))
    assert Counter(r.key() for r in fast) == Counter(r.key() for r in ref)
    components = {str(r.component).rsplit("#", 1)[-1] for r in ref}
    assert components >= {"MinCountConstraintComponent", "MaxCountConstraintComponent",
                          "DatatypeConstraintComponent", "NodeKindConstraintComponent",
                          "ClassConstraintComponent", "PatternConstraintComponent",
                          "MinInclusiveConstraintComponent", "SPARQLConstraintComponent"}, \
        components


def _broken_mapping(tmp_path: Path) -> Path:
    meta = json.loads(DEFAULT_MAPPING.read_text(encoding="utf-8"))
    cols = {c["name"]: c for c in meta["tableSchema"]["columns"]}
    cols["name"].pop("lang")                                  # dq-label-language (datatype)
    cols["nuts_region"].pop("valueUrl")                       # dq-region (nodeKind, pattern)
    cols["country"].pop("valueUrl")                           # dq-links (nodeKind)
    cols["competencies"].pop("valueUrl")                      # dq-links (nodeKind)
    cols["membership_start"]["datatype"] = "string"           # dq-membership-start (datatype)
    cols["category"]["propertyUrl"] = "https://example.org/notAType"  # dq-category (SPARQL)
    cols["v_member_of"]["valueUrl"] = "https://w3id.org/amikg/id/cluster/{_cluster}/not-a-cluster"
    cols["v_membership_cluster"]["valueUrl"] = "https://example.org/nowhere/{_cluster}"
    path = tmp_path / "broken.csv-metadata.json"
    path.write_text(json.dumps(meta), encoding="utf-8")
    return path


def _spreadsheet(tmp_path: Path) -> tuple[Path, Path]:
    rows = [["name", "category", "size", "employees", "country", "NUTS region", "competencies",
             "value-chain steps", "website", "contact email", "membership start", "fee level",
             "identifier"]]
    for i in range(30):
        rows.append([f"Member {i} (example)", ["Hospital", "Manufacturer", "University"][i % 3],
                     "SME" if i % 3 == 1 else "", str(10 + i), ["DE", "IT", "RO"][i % 3],
                     ["DE25", "ITI4", "RO21"][i % 3], "MRI;CT" if i % 2 else "PET",
                     "clinical validation", f"https://m{i}.example.eu", f"c@m{i}.example.eu",
                     f"2020-01-{10 + i % 18}", "SMEs" if i % 2 else "", f"PIC-{1000 + i}"])
    clean = tmp_path / "members-clean.csv"  # the same rows without the three bad ones
    with open(clean, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([[""] * len(r) if n in (5, 9, 12) else r
                                 for n, r in enumerate(rows)])
    rows[5][1] = "Hospitl"        # cell errors: the converter's own problems, no triples
    rows[9][3] = "twelve"
    rows[12][0] = ""
    path = tmp_path / "members-broken.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path, clean


def test_import_findings_equal_pyshacl_on_a_spreadsheet_breaking_every_shape(tmp_path, shapes,
                                                                              ontology):
    mapping, (sheet, clean) = _broken_mapping(tmp_path), _spreadsheet(tmp_path)
    with open_store("memory:") as store:
        with pytest.raises(ImportRejected) as e:
            import_table(store, sheet, "filas", mapping=mapping)
        buf = io.BytesIO()
        import_table(store, clean, "filas", mapping=mapping, dry_run=True, preview=buf,
                     shapes=False)  # the triples of the good rows (the bad ones give none)
    got = Counter((p.row, p.column or "", p.term, p.detail) if p.detail else
                  (p.row, p.column, p.value, p.message) for p in e.value.problems)
    assert max(got.values()) == 1  # a finding of two constraints (nodeKind, pattern) once

    # the reference: pyshacl over the converted triples, the ontology and the cluster's type
    data = rdflib.Graph()
    for t in ontology:
        data.add(t)
    data.add((rdflib.URIRef(CLUSTER), rdflib.RDF.type,
              rdflib.URIRef("https://w3id.org/amikg/ontology#Cluster")))
    for q in ox.parse(buf.getvalue(), format=ox.RdfFormat.N_QUADS):
        data.add((validate.to_rdflib(q.subject), validate.to_rdflib(q.predicate),
                  validate.to_rdflib(q.object)))
    with open(sheet, encoding="utf-8", newline="") as f:
        ident = {f"https://w3id.org/amikg/id/org/id-{slug(r[-1])}": n
                 for n, r in enumerate(csv.reader(f), 1) if n > 1}
    m = Mapping(mapping)
    want = Counter()
    for r in validate.run_pyshacl(data, shapes):
        row = ident.get(str(r.focus).split("/membership/")[0])
        if r.severity != validate.SH.Violation or row is None:
            continue
        path = (r.path or "").strip("<>")
        col = next((c.title for c in m.real if c.prop == path), path)
        want[(row, col, None if r.value is None else str(r.value), " ".join(r.messages))] = 1
    shape_found = got - Counter({k: v for k, v in got.items() if k[0] in (6, 10, 13)})
    assert shape_found == want   # pyshacl's violations, those with one message on one cell once
    kinds = {msg for _r, _c, _v, msg in want}
    assert len(kinds) >= 7, kinds  # every shape the mapping breaks
    assert len(want) >= 30 * 7
    # the cell errors are reported too, each once, alongside the shapes' findings
    cells = sorted((r, c) for r, c, _v, _m in got if r in (6, 10, 13))
    assert cells == [(6, "category"), (10, "employees"), (13, "name")]


def test_generated_rows_pass_both_ways(tmp_path):
    """The benchmark's rows: no finding from either engine, and the import writes them."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_import", ROOT / "bench" / "import.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    sheet = tmp_path / "members-300.csv"
    bench.generate(sheet, 300)
    with open_store("memory:") as store:
        rep = import_table(store, sheet, "filas")
        assert rep.rows == rep.organisations == 300 and rep.triples > 300 * 15
        assert store.count(rep.graph) + store.count(rep.graph + "/restricted") == rep.triples


def _dump(store) -> bytes:
    out = io.BytesIO()
    store.dump(out, "nquads")
    return b"\n".join(sorted(out.getvalue().splitlines()))


def test_the_write_is_one_bulk_load_per_batch_and_all_or_nothing(bundled_store, tmp_path,
                                                                  monkeypatch):
    """The spool goes to the store in several bulk-loader calls (memory bounded by a batch),
    giving the same graph as one call; a failure in the second call leaves the store as before."""
    from amikg.ingest import importer as ingest

    sheet = tmp_path / "members-60.csv"
    spec = __import__("importlib.util").util.spec_from_file_location(
        "bench_import", ROOT / "bench" / "import.py")
    bench = __import__("importlib.util").util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.generate(sheet, 60)
    with open_store("memory:") as mem:  # the reference: every quad of the import
        buf = io.BytesIO()
        rep = import_table(mem, sheet, "filas", dry_run=True, preview=buf)
    ref = ox.Store()  # as Oxigraph stores them (canonical literals), as N-Triples
    ref.load(buf.getvalue(), format=ox.RdfFormat.N_QUADS)
    want = sorted(ox.serialize([q.triple for q in ref], format=ox.RdfFormat.N_TRIPLES).splitlines())

    monkeypatch.setattr(ingest, "CHUNK", 7)
    monkeypatch.setattr(ingest, "WRITE_BATCH", 300)
    real, calls = ingest._SpoolSlice, []

    class Failing(real):
        def __init__(self, *a):
            super().__init__(*a)
            calls.append(self)

        def readinto(self, b):
            if self is calls[1] and self._pos > 0:
                raise OSError("disk full (simulated)")
            return super().readinto(b)

    monkeypatch.setattr(ingest, "_SpoolSlice", Failing)
    before = _dump(bundled_store)
    with pytest.raises(Exception, match="disk full"):
        import_table(bundled_store, sheet, "filas")
    assert len(calls) >= 3
    assert _dump(bundled_store) == before

    calls.clear()
    monkeypatch.setattr(ingest, "_SpoolSlice", real)
    done = import_table(bundled_store, sheet, "filas")
    assert done.triples == rep.triples == len(want)
    # the import's graph and its restricted graph (the members' e-mail addresses, issue 21)
    got = ox.serialize([q.triple for g in (done.graph, done.graph + "/restricted")
                        for q in bundled_store.quads(g)], format=ox.RdfFormat.N_TRIPLES)
    assert sorted(got.splitlines()) == want


def test_literals_oxigraph_would_rewrite_are_checked_by_pyshacl():
    """Oxigraph stores "05"^^xsd:int as "5"^^xsd:integer: where the shapes read such a literal,
    the chunk is checked by pyshacl, so the findings stay pyshacl's."""
    from amikg.ingest import checks

    X, A = "http://www.w3.org/2001/XMLSchema#", "https://w3id.org/amikg/ontology#"
    g, c = ox.NamedNode("urn:x-test:g"), ox.NamedNode("https://example.org/count")
    quads = [ox.Quad(c, ox.NamedNode(str(rdflib.RDF.type)), ox.NamedNode(A + "MemberCount"), g),
             ox.Quad(c, ox.NamedNode(str(rdflib.RDFS.label)), ox.Literal("c", language="en"), g),
             ox.Quad(c, ox.NamedNode(A + "countedKind"), ox.NamedNode(A + "kind-smes"), g),
             ox.Quad(c, ox.NamedNode(A + "count"), ox.Literal("05", datatype=ox.NamedNode(X + "int")),
                     g)]
    ref = checks._pyshacl_checker(CLUSTER, validate.shapes_graph("data"))(quads)
    assert [v for f, _p, v, _m, _check in ref if f == c.value] == ["5"]  # rdflib's normal form
    assert checks.shape_checker(CLUSTER)(quads) == ref
