"""Issue 9: importing member spreadsheets (CSV, XLSX) with checks, provenance, history and undo."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil

import pytest

from conftest import ROOT, run_cli
from amikg.ingest import ImportRejected, history, import_table, undo, write_template
from amikg.queries import run_query

EXAMPLES = ROOT / "examples"
DATA = ROOT / "tests" / "data" / "import"
FILAS = "https://w3id.org/amikg/id/cluster/filas"
EXAMPLE_NAMES = {
    "Tiberina Imaging Systems S.r.l. (example)", "Policlinico Esempio di Roma",
    "Istituto di Imaging Molecolare (example)", "Fondo Salute Lazio (example)",
    "Grande Medicale S.p.A. (example)", "Associazione Pazienti Lazio (example)",
    "Università Esempio Tor Vergata",
}


def dump(store) -> bytes:
    out = io.BytesIO()
    store.dump(out, "nquads")
    return out.getvalue()


def members_via_named_query(store) -> set[str]:
    run = run_query(store, "stakeholders-by-category", {"cluster": "amid:cluster/filas"})
    names = set()
    for row in run.rows():
        names.update(n for n in row["organisations"].split("; ") if n)
    return names


@pytest.mark.parametrize("example", ["members.csv", "members.xlsx"])
def test_shipped_examples_import_and_read_back_through_named_queries(bundled_store, example):
    rep = import_table(bundled_store, EXAMPLES / example, "filas")
    assert (rep.rows, rep.organisations) == (7, 7)
    # the members' e-mail addresses are in the import's restricted graph (issue 21)
    restricted = rep.graph + "/restricted"
    assert rep.triples == bundled_store.count(rep.graph) + bundled_store.count(restricted)
    assert {q.predicate.value for q in bundled_store.quads(restricted)} == \
        {"http://www.w3.org/2006/vcard/ns#hasEmail"}
    assert not any(q.predicate.value.endswith("hasEmail") for q in bundled_store.quads(rep.graph))
    assert EXAMPLE_NAMES <= members_via_named_query(bundled_store)


def test_csv_and_xlsx_examples_give_the_same_triples(tmp_path):
    from amikg.store import open_store

    graphs = []
    for example in ("members.csv", "members.xlsx"):
        with open_store("memory:") as store:
            rep = import_table(store, EXAMPLES / example, "filas")
            graphs.append({(q.subject, q.predicate, q.object) for q in store.quads(rep.graph)})
    assert graphs[0] == graphs[1]


def test_spreadsheet_with_one_error_of_each_kind_is_rejected_row_by_row(bundled_store):
    before = dump(bundled_store)
    with pytest.raises(ImportRejected) as e:
        import_table(bundled_store, DATA / "members-errors.csv", "filas")
    assert [str(p) for p in e.value.problems] == [
        'members-errors.csv row 3, column category: "Hospitl" is not a stakeholder category; '
        'did you mean "Hospital"?',
        'members-errors.csv row 4, column NUTS region: "XX99" is not a NUTS code; write a code of '
        "Italy such as ITI4",
        'members-errors.csv row 5, column employees: "twelve" is not a whole number (0 or more); '
        "write one such as 85",
        "members-errors.csv row 6, column name: the name is missing; write a value: the column "
        "name is required",
        'members-errors.csv row 7, column identifier: duplicate row: same identifier '
        '"IT01234567897" as row 2; write each member once: delete this row or merge it into row 2',
    ]
    assert dump(bundled_store) == before


def test_problems_speak_spreadsheet_terms(bundled_store, tmp_path):
    """Issue 18: each problem names the row, the column as the sheet calls it, the value as
    written, and what to write instead."""
    sheet = tmp_path / "members.csv"
    sheet.write_text(
        "name,category,employees,country,region,website,contact email,membership start\n"
        "Alpha Clinic (example),Hospital,10,ES,ES30,,,\n"
        "Beta Clinic (example),Hospital,10,ES,Madrid,,,\n"
        "Gamma Clinic (example),Hospital,10,IT,XX99,,,\n"
        "Delta Clinic (example),Hospital,10,ES,ITI4,,,\n"
        "Epsilon Clinic (example),Hospital,-3,ES,ES30,www.epsilon.example.es,info@,01/02/2020\n"
        ",Hospital,10,ES,ES30,,,\n"
        "Zeta Clinic (example),,10,ES,ES30,,,\n"
        "Alpha Clinic (example),Hospital,10,ES,ES30,,,\n", encoding="utf-8")
    before = dump(bundled_store)
    with pytest.raises(ImportRejected) as e:
        import_table(bundled_store, sheet, "filas")
    assert dump(bundled_store) == before
    got = [str(p) for p in e.value.problems]
    assert got[:8] == [
        'members.csv row 3, column region: "Madrid" is not a NUTS code; write a code such as '
        "ES30 (Community of Madrid)",
        'members.csv row 4, column region: "XX99" is not a NUTS code; write a code of Italy '
        "such as ITI4",
        'members.csv row 5, column region: "ITI4" is a NUTS code of Italy, not of Spain (the '
        "member's country); write a code of Spain such as ES30",
        'members.csv row 6, column employees: "-3" is not a whole number (0 or more); write one '
        "such as 85",
        'members.csv row 6, column website: "www.epsilon.example.es" is not a web address '
        'starting with http:// or https://; did you mean "https://www.epsilon.example.es"?',
        'members.csv row 6, column contact email: "info@" is not an e-mail address; write one '
        "such as info@example.eu",
        'members.csv row 6, column membership start: "01/02/2020" is not a date written '
        "YYYY-MM-DD; write one such as 2024-03-01",
        "members.csv row 7, column name: the name is missing; write a value: the column name is "
        "required",
    ]
    assert got[8].startswith("members.csv row 8, column category: the category is missing; "
                             "write one of Academic center, ")
    assert ", Hospital, " in got[8] and got[8].endswith(": the column category is required")
    assert got[9] == ('members.csv row 9, column name: duplicate row: same name "Alpha Clinic '
                      '(example)" and country as row 2; write each member once: delete this row '
                      "or merge it into row 2")
    assert len(got) == 10


def test_shape_findings_of_a_row_name_its_cell(tmp_path):
    """A finding of the data-quality shapes about a row's node names the row, the column as the
    sheet calls it and the cell as written, then the check and what it asks for."""
    from amikg.ingest import DEFAULT_MAPPING
    from amikg.store import open_store

    meta = json.loads(DEFAULT_MAPPING.read_text(encoding="utf-8"))
    cols = {c["name"]: c for c in meta["tableSchema"]["columns"]}
    cols["nuts_region"].pop("valueUrl")           # the region written as text: dq-region
    mapping = tmp_path / "text-region.csv-metadata.json"
    mapping.write_text(json.dumps(meta), encoding="utf-8")
    sheet = tmp_path / "members.csv"
    sheet.write_text("name,category,country,region\nAlpha Clinic (example),Hospital,ES,ES30\n",
                     encoding="utf-8")
    with open_store("memory:") as store, pytest.raises(ImportRejected) as e:
        import_table(store, sheet, "filas", mapping=mapping)
    [p] = e.value.problems          # two constraints (nodeKind, pattern), one finding
    assert (p.row, p.column, p.value) == (2, "region", "ES30")
    assert str(p) == ('members.csv row 2, column region: "ES30" does not pass the data-quality '
                      'check "Regions are NUTS codes": The region must be a NUTS region IRI such '
                      "as http://data.europa.eu/nuts/code/ITI4 (or an amikg region IRI), not a "
                      "name or code as text.")


def _latin1_members() -> bytes:
    return ("name;category;country;NUTS region\n"
            "Clinique Étoile (example);Hospital;FR;FR10\n").encode("cp1252")


@pytest.mark.parametrize("content, message", [
    (b"", "members.csv: the file is empty; expected a header row naming the columns, then one "
          "row per member"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" * 20,
     "members.csv: is a binary file, not CSV text; expected a CSV text file or an .xlsx workbook"),
    ("name,category,country\nÖsterreich Bildgebung (example),Hospital,AT\n".encode()
     + "Clinique Étoile (example),Hospital,FR\n".encode("cp1252"),
     "members.csv: wrong encoding: line 3 has byte 0xc9, which is not UTF-8, while other lines "
     "are UTF-8 (mixed encodings); expected the whole file saved as UTF-8"),
])
def test_unreadable_files_are_rejected_with_one_message_and_nothing_written(
        bundled_store, tmp_path, content, message):
    f = tmp_path / "members.csv"
    f.write_bytes(content)
    before = dump(bundled_store)
    with pytest.raises(ImportRejected) as e:
        import_table(bundled_store, f, "filas")
    assert [str(p) for p in e.value.problems] == [message]
    assert dump(bundled_store) == before


def test_an_xlsx_workbook_renamed_csv_is_rejected(bundled_store, tmp_path):
    f = tmp_path / "members.csv"
    shutil.copy(EXAMPLES / "members.xlsx", f)
    with pytest.raises(ImportRejected) as e:
        import_table(bundled_store, f, "filas")
    assert "is a ZIP archive (an Excel workbook renamed .csv?)" in str(e.value.problems[0])


def test_latin1_is_detected_and_semicolons_are_sniffed(tmp_path):
    from amikg.store import open_store

    f = tmp_path / "latin1.csv"
    f.write_bytes(_latin1_members())
    with open_store("memory:") as store:
        rep = import_table(store, f, "filas")
        assert (rep.encoding, rep.delimiter) == ("Latin-1 (Windows-1252)", ";")
        labels = [q.object.value for q in store.quads(rep.graph)
                  if q.predicate.value.endswith("#label")]
    assert labels == ["Clinique Étoile (example)"]


def test_a_stated_encoding_that_does_not_fit_names_the_line(tmp_path):
    from amikg.store import open_store

    f = tmp_path / "latin1.csv"
    f.write_bytes(_latin1_members())
    with open_store("memory:") as store, pytest.raises(ImportRejected) as e:
        import_table(store, f, "filas", encoding="utf-8")
    assert str(e.value.problems[0]) == (
        "latin1.csv: byte 0xc9 on line 2 is not valid utf-8; expected text in the stated "
        "encoding utf-8; try --encoding latin-1")


def test_utf8_with_bom_is_read(tmp_path):
    from amikg.store import open_store

    f = tmp_path / "bom.csv"
    f.write_bytes(b"\xef\xbb\xbfname\tcategory\tcountry\nKlinik (example)\tHospital\tDE\n")
    with open_store("memory:") as store:
        rep = import_table(store, f, "filas")
    assert (rep.encoding, rep.delimiter, rep.organisations) == ("UTF-8 with BOM", "\t", 1)


def test_reimport_is_idempotent_and_undo_restores_the_store(bundled_store):
    before = dump(bundled_store)
    first = import_table(bundled_store, EXAMPLES / "members.csv", "filas")
    after_first = dump(bundled_store)
    again = import_table(bundled_store, EXAMPLES / "members.csv", "filas")
    assert again.skipped and again.import_id == first.import_id
    assert dump(bundled_store) == after_first
    undo(bundled_store, first.import_id)
    assert dump(bundled_store) == before
    assert not EXAMPLE_NAMES & members_via_named_query(bundled_store)
    assert history(bundled_store) == []
    # imported again after undo: the same organisation IRIs
    third = import_table(bundled_store, EXAMPLES / "members.csv", "filas")
    assert third.import_id == first.import_id
    assert dump(bundled_store) != before
    assert EXAMPLE_NAMES <= members_via_named_query(bundled_store)


def test_undo_removes_exactly_one_import(bundled_store):
    a = import_table(bundled_store, EXAMPLES / "members.csv", "filas")
    b = import_table(bundled_store, EXAMPLES / "members.xlsx", "filas")
    undo(bundled_store, a.import_id)
    assert [h["id"] for h in history(bundled_store)] == [b.import_id]
    assert bundled_store.graph_exists(b.graph) and not bundled_store.graph_exists(a.graph)
    assert EXAMPLE_NAMES <= members_via_named_query(bundled_store)


def test_provenance_of_an_import_is_queryable_by_sparql(bundled_store):
    rep = import_table(bundled_store, EXAMPLES / "members.csv", "filas")
    q = """PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dcterms: <http://purl.org/dc/terms/>
    PREFIX spdx: <http://spdx.org/rdf/terms#> PREFIX void: <http://rdfs.org/ns/void#>
    PREFIX schema: <https://schema.org/>
    SELECT ?file ?sha ?when ?agent ?mapping ?rows ?triples WHERE { GRAPH ?meta {
      ?g prov:wasGeneratedBy ?a ; prov:wasDerivedFrom ?f ; void:triples ?triples ;
         prov:wasInfluencedBy ?plan .
      ?a prov:endedAtTime ?when ; prov:wasAssociatedWith ?agent .
      ?f dcterms:title ?file ; spdx:checksum/spdx:checksumValue ?sha ; schema:numberOfItems ?rows .
      ?plan dcterms:title ?mapping } }"""
    import pyoxigraph as ox
    row = next(iter(bundled_store.query(q, substitutions={
        "meta": ox.NamedNode("https://w3id.org/amikg/graph/meta"), "g": ox.NamedNode(rep.graph)})))
    assert row["file"].value == "members.csv"
    assert row["sha"].value == rep.sha256
    assert row["mapping"].value == "members.csv-metadata.json"
    assert (int(row["rows"].value), int(row["triples"].value)) == (7, rep.triples)
    assert row["agent"].value.startswith("https://w3id.org/amikg/id/agent/")


def test_dry_run_shows_the_triples_and_writes_nothing(bundled_store):
    before = dump(bundled_store)
    out = io.BytesIO()
    rep = import_table(bundled_store, EXAMPLES / "members.csv", "filas", dry_run=True, preview=out)
    assert dump(bundled_store) == before
    lines = out.getvalue().decode().splitlines()
    assert len(lines) == rep.triples
    assert any('"Policlinico Esempio di Roma"' in line for line in lines)


def test_organisation_iris_come_from_identifier_else_name_and_country(bundled_store):
    rep = import_table(bundled_store, EXAMPLES / "members.csv", "filas")
    subjects = {q.subject.value for q in bundled_store.quads(rep.graph)}
    assert "https://w3id.org/amikg/id/org/id-it01234567897" in subjects
    assert "https://w3id.org/amikg/id/org/policlinico-esempio-di-roma-ita" in subjects


def test_unknown_cluster_is_refused_with_a_suggestion(bundled_store):
    from amikg.errors import NotFound

    with pytest.raises(NotFound, match='did you mean "filas"'):
        import_table(bundled_store, EXAMPLES / "members.csv", "fillas")


def test_templates_list_the_allowed_values_from_the_ontology(tmp_path):
    import openpyxl

    [xlsx] = write_template(tmp_path / "members.xlsx")
    wb = openpyxl.load_workbook(xlsx)
    header = [c.value for c in wb["members"][1]]
    assert header == ["name", "category", "size", "employees", "country", "NUTS region",
                      "competencies", "value-chain steps", "website", "contact email",
                      "membership start", "fee level", "identifier"]
    allowed = wb["allowed values"]
    columns = {allowed.cell(1, c).value: [allowed.cell(r, c).value for r in range(2, allowed.max_row + 1)
                                          if allowed.cell(r, c).value]
               for c in range(1, allowed.max_column + 1)}
    assert "Hospital" in columns["category"] and "Researcher" not in columns["category"]
    assert columns["value-chain steps"][0].lower().startswith("basic research")
    assert {"SME", "Large company"} == set(columns["size"])
    assert wb["members"].data_validations.dataValidation  # drop-down lists
    csv_files = write_template(tmp_path / "members.csv")
    assert csv_files[0].read_text().startswith("name,category,size,")
    assert "Hospital" in csv_files[1].read_text()


def _columns_the_shapes_require(tmp_path) -> set[str]:
    """The columns the data-quality shapes require, asked of the shapes themselves: the mapping's
    own ``required`` switched off, each cell of each example row (examples/members.csv) left
    empty in turn; a column is required when the shapes then reject the row."""
    from amikg.ingest import DEFAULT_MAPPING
    from amikg.store import open_store

    meta = json.loads(DEFAULT_MAPPING.read_text(encoding="utf-8"))
    for c in meta["tableSchema"]["columns"]:
        c.pop("required", None)
    relaxed = tmp_path / "relaxed.csv-metadata.json"
    relaxed.write_text(json.dumps(meta), encoding="utf-8")
    with open(EXAMPLES / "members.csv", encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    required = set()
    for row in rows:
        for i, column in enumerate(header):
            if not row[i] or column in required:
                continue
            sheet = tmp_path / "one-row.csv"
            with open(sheet, "w", encoding="utf-8", newline="") as f:
                csv.writer(f).writerows([header, row[:i] + [""] + row[i + 1:]])
            with open_store("memory:") as store:
                try:
                    import_table(store, sheet, "filas", mapping=relaxed, dry_run=True)
                except ImportRejected:
                    required.add(column)
    return required


def test_the_template_requires_what_the_data_quality_shapes_require(tmp_path):
    """Issue 18: a template filled in as marked must not be rejected by the shapes (a member
    without a category was, though the template did not mark the column required)."""
    import openpyxl

    from amikg.ingest import Mapping

    by_shapes = _columns_the_shapes_require(tmp_path)
    assert {"name", "category"} <= by_shapes
    mapping = {c.title for c in Mapping().real if c.required}
    assert by_shapes <= mapping
    # the mapping also requires the country: the organisation's IRI and the NUTS check use it
    assert mapping - by_shapes == {"country"}
    [xlsx] = write_template(tmp_path / "members.xlsx")
    ws = openpyxl.load_workbook(xlsx)["members"]
    marked = {c.value for c in ws[1] if c.comment and "Required." in c.comment.text}
    assert marked == mapping
    side = write_template(tmp_path / "members.csv")[1]
    with open(side, encoding="utf-8", newline="") as f:
        marked = {r["column"] for r in csv.DictReader(f) if r["required"] == "yes"}
    assert marked == mapping


def test_an_empty_template_filled_in_imports(tmp_path):
    from amikg.store import open_store
    import openpyxl

    [xlsx] = write_template(tmp_path / "members.xlsx")
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["members"]
    for col, v in enumerate(["Klinikum Beispiel (example)", "Hospital", "", 10, "DE", "DE91"], 1):
        ws.cell(2, col, v or None)
    wb.save(xlsx)
    with open_store("memory:") as store:
        assert import_table(store, xlsx, "filas").organisations == 1


def test_cli_import_history_undo(tmp_path):
    store = str(tmp_path / "store")
    assert run_cli("init", "--store", store).returncode == 0
    r = run_cli("import", str(EXAMPLES / "members.csv"), "--cluster", "filas", "--store", store)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().startswith("imported members.csv as members-")
    h = run_cli("history", "--json", "--store", store)
    [entry] = json.loads(h.stdout)
    assert entry["file"] == "members.csv" and entry["organisations"] == 7
    u = run_cli("undo", entry["id"], "--store", store)
    assert u.returncode == 0 and "removed import" in u.stdout.decode()
    assert json.loads(run_cli("history", "--json", "--store", store).stdout) == []


def test_cli_rejects_a_bad_spreadsheet_with_exit_1_and_one_line_per_problem(tmp_path):
    r = run_cli("import", str(DATA / "members-errors.csv"), "--cluster", "filas",
                "--store", "memory:")
    assert r.returncode == 1
    err = r.stderr.decode()
    assert "Traceback" not in err
    assert err.count("members-errors.csv row ") == 5


def test_cli_dry_run_prints_a_summary_and_the_triples_only_on_request(tmp_path):
    """Issue 18: `amikg import --dry-run` printed 135 lines of N-Quads and "would be import"."""
    r = run_cli("import", str(EXAMPLES / "members.csv"), "--cluster", "filas", "--dry-run",
                "--store", "memory:")
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert "would be import " not in out and "<https://" not in out
    lines = out.splitlines()
    assert len(lines) <= 5, out
    assert re.match(r"dry run: members\.csv would be imported as members-[0-9a-f]+ \(a new "
                    r"import\); nothing was written$", lines[0]), lines[0]
    triples = int(re.search(r"7 rows, 7 organisations, (\d+) triples", out).group(1))
    assert "7 members would be added to filas (0 already members)" in out
    shown = run_cli("import", str(EXAMPLES / "members.csv"), "--cluster", "filas", "--dry-run",
                    "--show-triples", "--store", "memory:")
    assert shown.returncode == 0
    assert shown.stdout.decode().count(" .\n") == triples
    assert "would be imported as" in shown.stderr.decode()


def test_a_dry_run_of_a_file_already_imported_says_nothing_would_change(bundled_store):
    import_table(bundled_store, EXAMPLES / "members.csv", "filas")
    rep = import_table(bundled_store, EXAMPLES / "members.csv", "filas", dry_run=True)
    assert rep.skipped and rep.change == "already imported"
    assert "nothing would change" in rep.describe()[0]


def test_data_quality_shapes_run_on_the_converted_rows(tmp_path):
    """A mapping that drops the names' language tag passes the datatypes but not the shapes."""
    from amikg.ingest import DEFAULT_MAPPING
    from amikg.store import open_store

    mapping = tmp_path / "no-lang.csv-metadata.json"
    mapping.write_text(DEFAULT_MAPPING.read_text(encoding="utf-8").replace('"lang": "en", ', ""),
                       encoding="utf-8")
    with open_store("memory:") as store, pytest.raises(ImportRejected) as e:
        import_table(store, EXAMPLES / "members.csv", "filas", mapping=mapping)
    first = e.value.problems[0]
    assert (first.row, first.column) == (2, "name")
    assert "language tag" in first.message
    assert len(e.value.problems) == 7  # one per row


def test_data_quality_sparql_constraint_reported_by_row(tmp_path):
    """A mapping that types no category fails the shapes' SPARQL constraint (dq-category), run
    with the query parsed once and the focus node pre-bound; reported by row and column."""
    import json

    from amikg.ingest import DEFAULT_MAPPING
    from amikg.store import open_store

    meta = json.loads(DEFAULT_MAPPING.read_text(encoding="utf-8"))
    cols = meta["tableSchema"]["columns"]
    cat = next(c for c in cols if c.get("name") == "category")
    cat["propertyUrl"] = "https://example.org/notAType"
    mapping = tmp_path / "no-category.csv-metadata.json"
    mapping.write_text(json.dumps(meta), encoding="utf-8")
    with open_store("memory:") as store, pytest.raises(ImportRejected) as e:
        import_table(store, EXAMPLES / "members.csv", "filas", mapping=mapping)
    msgs = [p for p in e.value.problems if "no category" in p.message]
    assert msgs and all(p.row >= 2 for p in msgs)
