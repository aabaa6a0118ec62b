"""Import member spreadsheets (CSV, XLSX) into their own named graph, checked before anything is written.

The mapping from columns to RDF is W3C CSVW metadata (*Metadata Vocabulary for Tabular Data* and
*Generating RDF from Tabular Data*): ``aboutUrl``/``propertyUrl``/``valueUrl`` URI templates,
``datatype`` (with ``format`` patterns), ``required``, ``separator``, ``titles`` and virtual
columns. The ``csvw`` package reads and checks the metadata and parses every cell by its datatype;
this module feeds it the rows (from any CSV dialect or an ``.xlsx`` sheet) and emits the triples the
standard's minimal mode defines. One annotation (a CSVW common property) is ours:
``amikg:enumeration`` names an ontology enumeration whose label, notation or code a cell holds;
the cell is replaced by the IRI (or, for fee levels, the member-kind notation) before templates are
expanded. The default mapping is ``amikg/mappings/members.csv-metadata.json``.

An import runs in two steps over the file, so memory does not grow with the file:

1. *check*: every row is parsed, checked against the mapping's datatypes and the ontology's
   enumerations (categories, sizes, steps, competencies, member kinds, countries, NUTS codes),
   duplicates are found by the organisation's stable key, the triples are checked with the
   data-quality shapes (when :mod:`amikg.validate` offers them) and spooled to a temporary N-Quads
   file. Every problem is collected with file, row, column, value, what was expected and a
   "did you mean" suggestion;
2. *write*: only when there is no problem, the spooled triples and their PROV-O record go to the
   store in one transaction (:meth:`Store.add`).

Rows are numbered as a spreadsheet program shows them: the header is row 1.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import difflib
import hashlib
import io
import json
import os
import re
import tempfile
import urllib.parse
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pyoxigraph as ox

from ..config import data_root
from ..errors import LoadError, NotFound, ValidationFailed
from ..loader import Source, agent_iri, now_literal, provenance_quads
from ..namespaces import AMI, AMID, AMIG, COUNTRY, DCTERMS, GRAPH_META, NUTS, PREFIXES, PROV, RDF, \
    SPDX, VOID, XSD
from ..store import Store, nn
from ..util import slug

MAPPINGS_DIR = Path(__file__).resolve().parent.parent / "mappings"
DEFAULT_MAPPING = MAPPINGS_DIR / "members.csv-metadata.json"
IMPORT_PREFIX = str(AMIG["import/"])
SCHEMA = "https://schema.org/"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Stop listing problems after this many (the count is still reported).
MAX_PROBLEMS = 500
#: Rows per chunk when spooling and checking.
CHUNK = 2000
#: Quads per bulk-loader call when writing (the loader's memory grows with what one call loads:
#: 1.4 GB for 2M quads in one call, ~230 MB in calls of 200k, which are also no slower).
WRITE_BATCH = 200_000

Progress = Callable[[int], None]


# -- problems ---------------------------------------------------------------------------------------

@dataclass
class Problem:
    """One thing wrong with an input: where (file, row, column), the value, and what was expected."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    expected: str | None = None
    suggestion: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column}" if self.row is not None else f" column {self.column}"
        text = f"{where}: {self.message}"
        if self.suggestion:
            text += f'; did you mean "{self.suggestion}"?'
        elif self.expected:
            text += f"; expected {self.expected}"
        return text

    def to_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if v is not None}
        d["text"] = str(self)
        return d


class ImportRejected(ValidationFailed):
    """The input has problems; nothing was written. ``problems`` lists every one."""

    def __init__(self, file: str, problems: list[Problem], total: int | None = None):
        total = total if total is not None else len(problems)
        lines = "\n".join(str(p) for p in problems)
        more = f"\n... and {total - len(problems)} more" if total > len(problems) else ""
        super().__init__(f"{file}: rejected, nothing was written ({total} problem"
                         f"{'s' if total != 1 else ''}):\n{lines}{more}",
                         file=file, problems=[p.to_dict() for p in problems], count=total)
        self.problems = problems


# -- enumerations from the ontology -----------------------------------------------------------------

def _norm(text: str) -> str:
    return re.sub(r"[\s_\-/.,()]+", " ", text.casefold()).strip()


@dataclass
class Enumeration:
    """Allowed values of one column: what a cell may say -> the token the mapping uses."""

    key: str
    what: str  # "a stakeholder category"
    values: list[tuple[str, str, str]] = field(default_factory=list)  # (display, iri, token)
    index: dict[str, int] = field(default_factory=dict)

    def add(self, display: str, iri: str, token: str, *names: str) -> None:
        i = len(self.values)
        self.values.append((display, iri, token))
        for n in (display, *names):
            if n:
                self.index.setdefault(_norm(n), i)

    def lookup(self, text: str) -> tuple[str, str, str] | None:
        n = _norm(text)
        i = self.index.get(n)
        if i is None and n.endswith("s"):
            i = self.index.get(n[:-1])
        return self.values[i] if i is not None else None

    def suggest(self, text: str) -> str | None:
        hit = difflib.get_close_matches(_norm(text), list(self.index), n=1, cutoff=0.6)
        return self.values[self.index[hit[0]]][0] if hit else None

    @property
    def displays(self) -> list[str]:
        return [d for d, _, _ in self.values]


def _cap(label: str) -> str:
    return label[:1].upper() + label[1:]


def _camel_words(local: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", local)


@lru_cache(maxsize=1)
def ontology_enumerations() -> dict[str, Enumeration]:
    """The enumerations the default mapping refers to, read from the bundled ontology."""
    root = data_root()
    g = ox.Store()
    for f in sorted((root / "ontology").glob("*.ttl")):
        with open(f, "rb") as fh:
            g.load(fh, format=ox.RdfFormat.TURTLE)
    pre = ("PREFIX ami: <https://w3id.org/amikg/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
           "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX foaf: <http://xmlns.com/foaf/0.1/> ")

    def rows(q: str):
        return [[(t.value if t is not None else "") for t in s] for s in g.query(pre + q)]

    labels = ("OPTIONAL { ?c rdfs:label ?l FILTER(lang(?l) = 'en' || lang(?l) = '') } "
              "OPTIONAL { ?c skos:notation ?n } "
              "OPTIONAL { ?c skos:altLabel ?alt } } GROUP BY ?c ?l ?n ORDER BY ?o ?l")
    sel = "SELECT ?c ?l ?n (GROUP_CONCAT(?alt; separator='|') AS ?alts) (SAMPLE(?ord) AS ?o) WHERE { "
    out: dict[str, Enumeration] = {}

    def fill(key, what, q, token=lambda iri, n: iri, display=_cap):
        e = Enumeration(key, what)
        for iri, label, notation, alts, _ in rows(sel + q + labels):
            local = iri.rsplit("#", 1)[-1]
            e.add(display(label or local), iri, token(iri, notation), notation, local,
                  _camel_words(local), *alts.split("|"))
        out[key] = e

    fill("category", "a stakeholder category",
         "{ ?c rdfs:subClassOf+ ami:Stakeholder } UNION "
         "{ VALUES ?c { ami:Company ami:ResearchInstitution ami:University } } "
         "FILTER NOT EXISTS { ?c rdfs:subClassOf+ foaf:Person } "
         "FILTER (?c NOT IN (ami:ScientificStakeholder, ami:NonScientificStakeholder)) ")
    fill("size", "a company size", "VALUES ?c { ami:SME ami:LargeCompany } ",
         display=lambda s: s if s.isupper() else _cap(s))
    fill("step", "a value-chain step", "?c a ami:ValueChainStep OPTIONAL { ?c ami:stepOrder ?ord } ")
    fill("competency", "a technology or scientific field",
         "VALUES ?t { ami:Technology ami:ScientificField } ?c a ?t ")
    fill("fee-level", "a member kind for fee levels", "?c a ami:MemberKind ",
         token=lambda iri, n: iri.rsplit("#kind-", 1)[-1])
    countries = Enumeration("country", "a European country (ISO 3166 code or English name)")
    with open(MAPPINGS_DIR / "countries.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            countries.add(r["name"], str(COUNTRY[r["alpha3"]]), str(COUNTRY[r["alpha3"]]),
                          r["alpha2"], r["alpha3"], r["nuts"])
    out["country"] = countries
    return out


@lru_cache(maxsize=1)
def _nuts_of_country() -> dict[str, str]:
    """Country authority IRI -> NUTS country code (``EL`` for Greece, ``UK``)."""
    with open(MAPPINGS_DIR / "countries.csv", encoding="utf-8", newline="") as f:
        return {str(COUNTRY[r["alpha3"]]): r["nuts"] for r in csv.DictReader(f)}


# -- the mapping (CSVW metadata) --------------------------------------------------------------------

_SIMPLE_EXPR = re.compile(r"\{(\+?)([A-Za-z0-9_]+)\}")
_RESERVED = ":/?#[]@!$&'()*+,;=%"


def _compile_template(tmpl) -> tuple[Callable[[dict], str], list[str]]:
    """A fast expander for a URI template: RFC 6570 level 1-2 expressions (``{var}``, ``{+var}``)
    are expanded here with the RFC's character sets; anything else goes to ``uritemplate``."""
    text = tmpl.uri if hasattr(tmpl, "uri") else str(tmpl)
    text = _expand_prefix(text)
    names = list(getattr(tmpl, "variable_names", [])) or _SIMPLE_EXPR.findall(text)
    stripped = _SIMPLE_EXPR.sub("", text)
    if "{" in stripped or "}" in stripped:  # higher-level expressions: the reference implementation
        from csvw.metadata import URITemplate

        full = URITemplate(text)
        return (lambda v: full.expand(**v)), [n for n in full.variable_names]
    parts: list = []
    pos = 0
    for m in _SIMPLE_EXPR.finditer(text):
        parts.append(text[pos:m.start()])
        parts.append((m.group(2), _RESERVED if m.group(1) else ""))
        pos = m.end()
    parts.append(text[pos:])
    quote = urllib.parse.quote

    def expand(values: dict) -> str:
        return "".join(p if isinstance(p, str) else quote(str(values[p[0]]), safe=p[1])
                       for p in parts)
    return expand, [p[0] for p in parts if not isinstance(p, str)]


def _expand_prefix(text: str) -> str:
    """``rdf:type`` -> full IRI (CSVW's initial context prefixes, plus amikg's)."""
    m = re.match(r"^([a-z][a-z0-9]*):(?!//)(.*)$", text)
    if m:
        ns = {"dc": str(DCTERMS), "schema": SCHEMA, **PREFIXES}.get(m.group(1))
        if ns:
            return ns + m.group(2)
    return text


_DATATYPE_TEXT = {
    "nonNegativeInteger": "a whole number (0 or more)",
    "positiveInteger": "a whole number (1 or more)",
    "integer": "a whole number", "decimal": "a number", "double": "a number",
    "date": "a date written YYYY-MM-DD", "dateTime": "a date and time (YYYY-MM-DDThh:mm:ss)",
    "boolean": "true or false", "anyURI": "a web address",
}


@dataclass
class MappedColumn:
    """One column of the CSVW table schema, with its templates compiled."""

    name: str
    title: str
    titles: list[str]
    virtual: bool
    required: bool
    separator: str | None
    enumeration: str | None
    description: str
    csvw_column: object
    datatype_base: str | None
    about: Callable[[dict], str]
    about_vars: list[str]
    prop: str
    value: Callable[[dict], str] | None
    value_vars: list[str]
    expected: str
    lang: str | None = None


class Mapping:
    """A CSVW table description used as an import mapping."""

    def __init__(self, path: str | Path | None = None):
        import csvw
        import warnings

        self.path = Path(path) if path else DEFAULT_MAPPING
        try:
            self.raw = self.path.read_bytes()
            meta = json.loads(self.raw.decode("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise LoadError(f"{self.path}: not a readable CSVW metadata file ({e})",
                            source=str(self.path))
        if "tables" in meta:  # a table group: the first table
            meta = {**{k: v for k, v in meta.items() if k != "tables"}, **meta["tables"][0]}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                table = csvw.Table.fromvalue(meta)
        except (ValueError, TypeError, KeyError, UserWarning) as e:
            raise LoadError(f"{self.path}: invalid CSVW metadata: {e}", source=str(self.path))
        self.table = table
        self.checksum = hashlib.sha256(self.raw).hexdigest()
        self.columns: list[MappedColumn] = []
        for c in table.tableSchema.columns:
            titles = [t for ts in (c.titles or {}).values() for t in ts] if c.titles else []
            about = c.inherit("aboutUrl")
            if about is None:
                raise LoadError(f"{self.path}: column {c.name}: no aboutUrl", source=str(self.path))
            if c.propertyUrl is None:
                raise LoadError(f"{self.path}: column {c.name}: no propertyUrl (amikg needs one "
                                f"per column)", source=str(self.path))
            about_f, about_vars = _compile_template(about)
            value_f, value_vars = _compile_template(c.valueUrl) if c.valueUrl else (None, [])
            dt_ = c.inherit("datatype")
            base = dt_.base if dt_ is not None else None
            props = c.common_props
            expected = props.get("dc:description") or _DATATYPE_TEXT.get(base or "", "text")
            if dt_ is not None and base not in _DATATYPE_TEXT and getattr(dt_, "format", None):
                expected = props.get("dc:description") or f"text matching {dt_.format}"
            self.columns.append(MappedColumn(
                name=c.name, title=(titles[0] if titles else c.name), titles=titles or [c.name],
                virtual=c.virtual, required=bool(c.inherit("required")),
                separator=c.inherit("separator"), enumeration=props.get("amikg:enumeration"),
                description=props.get("dc:description", ""), csvw_column=c, datatype_base=base,
                about=about_f, about_vars=about_vars, prop=_expand_prefix(str(c.propertyUrl.uri)),
                value=value_f, value_vars=value_vars,
                expected=_DATATYPE_TEXT.get(base or "", expected), lang=c.inherit("lang")))
        self.real = [c for c in self.columns if not c.virtual]
        self._by_title = {}
        for c in self.real:
            for t in [c.name, *c.titles]:
                self._by_title.setdefault(_norm(t), c)

    @property
    def name(self) -> str:
        return self.path.name

    def column_for(self, header: str) -> MappedColumn | None:
        return self._by_title.get(_norm(header))

    def suggest_column(self, header: str) -> str | None:
        hit = difflib.get_close_matches(_norm(header), list(self._by_title), n=1, cutoff=0.6)
        return self._by_title[hit[0]].title if hit else None


# -- reading tables ---------------------------------------------------------------------------------

@dataclass
class TableFile:
    """A spreadsheet on disk, inspected: kind, encoding, dialect, size, checksum."""

    path: Path
    name: str
    kind: str  # csv | xlsx
    size: int
    sha256: str
    encoding: str = "utf-8"
    delimiter: str = ","
    estimated_rows: int = 0
    detected: str = ""  # how the encoding was found (for the report)

    @property
    def media_type(self) -> str:
        return XLSX_MEDIA_TYPE if self.kind == "xlsx" else "text/csv"


def _problem(file, message, **kw) -> Problem:
    return Problem(file, message, **kw)


def inspect_file(path: str | Path, name: str | None = None,
                 encoding: str | None = None) -> tuple[TableFile | None, list[Problem]]:
    """Find what a file is (CSV or XLSX), its encoding and delimiter; problems if it is neither."""
    path = Path(path)
    name = name or path.name
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(65536)
    except OSError as e:
        raise LoadError(f"{name}: {e.strerror or e}", source=name)
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        return None, [_problem(name, "the file is empty",
                               expected="a header row naming the columns, then one row per member")]
    is_zip = head.startswith(b"PK\x03\x04")
    suffix = path.suffix.lower() if name == path.name else Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm") or (is_zip and suffix not in (".csv", ".tsv", ".txt")):
        if not is_zip:
            return None, [_problem(name, "is not an Excel .xlsx workbook (an .xlsx file is a ZIP "
                                         "archive)", expected="a workbook saved as .xlsx, or a CSV file")]
        return _hash(TableFile(path, name, "xlsx", size, "")), []
    if is_zip:
        return None, [_problem(name, "is a ZIP archive (an Excel workbook renamed .csv?), not CSV "
                                     "text", expected="a CSV text file, or the workbook named .xlsx")]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [_problem(name, "is UTF-16 text", expected="CSV saved as UTF-8 (or Latin-1)")]
    control = sum(1 for b in head if b < 9 or 13 < b < 32 or b == 127)
    if b"\x00" in head or control > max(2, len(head) // 100):
        return None, [_problem(name, "is a binary file, not CSV text",
                               expected="a CSV text file or an .xlsx workbook")]
    tf = TableFile(path, name, "csv", size, "")
    problems = _detect_encoding(tf, encoding)
    if problems:
        return None, problems
    _hash(tf)
    sample = head.decode(tf.encoding, errors="replace").lstrip("\ufeff")
    try:
        tf.delimiter = csv.Sniffer().sniff(sample.split("\n", 50)[0] if "\n" not in sample
                                           else "\n".join(sample.split("\n")[:50]),
                                           delimiters=",;\t|").delimiter
    except csv.Error:
        tf.delimiter = ","
    return tf, []


def _hash(tf: TableFile) -> TableFile:
    h = hashlib.sha256()
    with open(tf.path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    tf.sha256 = h.hexdigest()
    return tf


def _detect_encoding(tf: TableFile, stated: str | None) -> list[Problem]:
    """Stated: check every line decodes. Else: UTF-8 (BOM or not) if every line decodes; Latin-1
    (Windows-1252) if none has UTF-8 multi-byte sequences; a mix of both is an error."""
    if stated:
        try:
            codecs.lookup(stated)
        except LookupError:
            return [_problem(tf.name, f'"{stated}" is not an encoding Python knows',
                             expected="utf-8, latin-1, cp1252, ...")]
    first_bad: tuple[int, bytes] | None = None
    utf8_multibyte = 0
    lines = 0
    enc = stated or "utf-8"
    with open(tf.path, "rb") as f:
        for lines, line in enumerate(f, 1):
            try:
                text = line.decode(enc)
                if not stated and not line.isascii():
                    utf8_multibyte += 1
            except UnicodeDecodeError as e:
                if first_bad is None:
                    first_bad = (lines, line[e.start:e.start + 1])
                if stated:
                    break
    tf.estimated_rows = lines
    if stated:
        if first_bad:
            line_no, byte = first_bad
            alt = "latin-1" if _norm(stated) in ("utf 8", "utf8") else "utf-8"
            return [_problem(tf.name, f"byte 0x{byte.hex()} on line {line_no} is not valid "
                                      f"{stated}", row=None, value=byte.hex(),
                             expected=f"text in the stated encoding {stated}; try --encoding {alt}")]
        tf.encoding, tf.detected = stated, "stated"
        return []
    if first_bad is None:
        with open(tf.path, "rb") as f:
            bom = f.read(3) == b"\xef\xbb\xbf"
        tf.encoding, tf.detected = "utf-8-sig", "UTF-8 with BOM" if bom else "UTF-8"
        return []
    if utf8_multibyte:
        line_no, byte = first_bad
        return [_problem(tf.name, f"wrong encoding: line {line_no} has byte 0x{byte.hex()}, which is "
                                  f"not UTF-8, while other lines are UTF-8 (mixed encodings)",
                         value=byte.hex(), expected="the whole file saved as UTF-8")]
    tf.encoding, tf.detected = "cp1252", "Latin-1 (Windows-1252)"
    return []


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def iter_rows(tf: TableFile) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) for every non-empty row, header first (row 1), streaming."""
    if tf.kind == "xlsx":
        yield from _xlsx_rows(tf)
        return
    with open(tf.path, encoding=tf.encoding, newline="") as f:
        for n, cells in enumerate(csv.reader(f, delimiter=tf.delimiter), 1):
            if any(c.strip() for c in cells):
                yield n, [c.strip() for c in cells]


def _xlsx_rows(tf: TableFile) -> Iterator[tuple[int, list[str]]]:
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(tf.path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as e:
        raise _Unreadable(f"is not a readable .xlsx workbook ({e})")
    try:
        ws = wb["members"] if "members" in wb.sheetnames else wb.worksheets[0]
        tf.estimated_rows = ws.max_row or 0
        for n, row in enumerate(ws.iter_rows(values_only=True), 1):
            cells = [_cell_text(v) for v in row]
            if any(cells):
                yield n, cells
    finally:
        wb.close()


class _Unreadable(Exception):
    pass


# -- conversion -------------------------------------------------------------------------------------

@dataclass
class ImportReport:
    """What an import did (or, with ``dry_run``, would do)."""

    file: str
    cluster: str
    mapping: str
    import_id: str = ""
    graph: str = ""
    sha256: str = ""
    format: str = ""
    encoding: str = ""
    delimiter: str = ""
    rows: int = 0
    organisations: int = 0
    triples: int = 0
    dry_run: bool = False
    skipped: bool = False
    activity: str = ""
    shapes: str = ""
    problems: list[Problem] = field(default_factory=list)

    def to_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "problems"}
        d["import"] = d.pop("import_id")
        d["problems"] = [p.to_dict() for p in self.problems]
        return d


class _Converter:
    """Rows -> quads, collecting problems (one per cell at most)."""

    def __init__(self, mapping: Mapping, tf_name: str, cluster_slug: str, graph: ox.NamedNode):
        self.m, self.file, self.cluster = mapping, tf_name, cluster_slug
        self.graph = graph
        self.enums = ontology_enumerations()
        self.keys: dict[str, int] = {}
        self.shared: set = set()
        self.problems: list[Problem] = []
        self.problem_count = 0
        self.cols: list[MappedColumn | None] = []
        self.nodes: dict[str, tuple[int, dict]] = {}  # subject IRI -> (row, cells by column)
        self.country_col = next((c for c in mapping.real if c.enumeration == "country"), None)

    def problem(self, message, **kw):
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(self.file, message, **kw))

    def header(self, cells: list[str]) -> None:
        seen: dict[str, str] = {}
        for h in cells:
            if not h:
                self.cols.append(None)
                continue
            c = self.m.column_for(h)
            if c is None:
                self.problem(f'"{h}" is not a column of the mapping {self.m.name}', row=1,
                             column=h, value=h, suggestion=self.m.suggest_column(h),
                             expected="one of " + ", ".join(x.title for x in self.m.real))
            elif c.name in seen:
                self.problem(f'"{h}" repeats the column "{seen[c.name]}"', row=1, column=h, value=h,
                             expected="each column once")
                c = None
            else:
                seen[c.name] = h
            self.cols.append(c)
        for c in self.m.real:
            if c.required and c.name not in seen:
                self.problem(f'the required column "{c.title}" is missing', row=1, column=c.title,
                             expected=f"a column named {c.title}")

    def row(self, n: int, cells: list[str]) -> list[ox.Quad]:
        values: dict[str, object] = {}
        texts: dict[str, str] = {}
        bad = False
        for c, raw in zip(self.cols, cells):
            if c is None:
                continue
            texts[c.name] = raw
            try:
                parsed = c.csvw_column.read(raw if raw else "")
            except ValueError as e:
                bad = True
                if "required" in str(e):
                    self.problem(f"the {c.title} is missing", row=n, column=c.title, value="",
                                 expected=f"a value: the column {c.title} is required")
                else:
                    self.problem(f'"{raw}" is not {c.expected}' if c.expected[:2] in ("a ", "an")
                                 else f'"{raw}" is not valid', row=n, column=c.title, value=raw,
                                 expected=None if c.expected[:2] in ("a ", "an") else c.expected)
                continue
            if parsed is None or parsed == []:
                continue
            if c.enumeration:
                parsed = self._enum(n, c, parsed, values)
                if parsed is None:
                    bad = True
                    continue
            values[c.name] = parsed
        for c in self.m.real:  # required columns absent from short rows
            if c.required and c.name not in texts and c.name in {x.name for x in self.cols if x}:
                bad = True
                self.problem(f"the {c.title} is missing", row=n, column=c.title, value="")
        if bad or "name" not in values and any(c.required for c in self.m.real):
            return []
        key = self._key(n, values, texts)
        if key is None:
            return []
        values["_key"], values["_cluster"] = key, self.cluster
        return self._quads(values)

    def _enum(self, n, c: MappedColumn, parsed, values):
        items = parsed if isinstance(parsed, list) else [parsed]
        out = []
        for item in items:
            item = str(item).strip()
            if not item:
                continue
            if c.enumeration == "nuts":
                tok = self._nuts(n, c, item, values)
            else:
                enum = self.enums.get(c.enumeration)
                if enum is None:
                    raise LoadError(f"{self.m.name}: column {c.name}: unknown enumeration "
                                    f"{c.enumeration!r}; known: {', '.join(self.enums)}, nuts")
                hit = enum.lookup(item)
                if hit is None:
                    self.problem(f'"{item}" is not {enum.what}', row=n, column=c.title, value=item,
                                 suggestion=enum.suggest(item),
                                 expected="one of " + ", ".join(enum.displays[:40]))
                    return None
                tok = hit[2]
            if tok is None:
                return None
            out.append(tok)
        return out if isinstance(parsed, list) else (out[0] if out else None)

    def _nuts(self, n, c, code: str, values) -> str | None:
        code = code.upper().replace(" ", "")
        country_codes = set(_nuts_of_country().values())
        if code[:2] not in country_codes:
            self.problem(f'"{code}" is not a NUTS region code', row=n, column=c.title, value=code,
                         suggestion=None,
                         expected="a code that starts with a country's NUTS code (e.g. DE91, "
                                  "RO21, EL30)")
            return None
        country = values.get(self.country_col.name) if self.country_col else None
        if country is None and self.country_col is not None:
            # the country column may come later in the row: checked when the row is complete
            pass
        want = _nuts_of_country().get(str(country)) if country else None
        if want and code[:2] != want:
            self.problem(f'"{code}" is not a NUTS region of the member\'s country', row=n,
                         column=c.title, value=code,
                         expected=f"a code starting with {want}")
            return None
        return code

    def _key(self, n, values, texts) -> str | None:
        ident = str(values.get("identifier") or "").strip()
        if ident:
            key, what, col = "id-" + slug(ident), f'identifier "{ident}"', "identifier"
        else:
            country = str(values.get("country", "")).rsplit("/", 1)[-1]
            name = str(values.get("name", ""))
            key = slug(name) + (f"-{country.lower()}" if country else "")
            what, col = f'name "{name}" and country', "name"
        first = self.keys.get(key)
        if first is not None:
            self.problem(f"duplicate row: same {what} as row {first}", row=n,
                         column=self.m.column_for(col).title if self.m.column_for(col) else col,
                         value=texts.get(col, ""), expected="each member once")
            return None
        self.keys[key] = n
        return key

    def _quads(self, values: dict) -> list[ox.Quad]:
        g, out = self.graph, []
        for c in self.m.columns:
            v = values.get(c.name) if not c.virtual else True
            if v is None:
                continue
            if any(values.get(x) in (None, "", []) for x in c.about_vars + c.value_vars
                   if x != c.name):
                continue  # a template variable with no value: no triple (see module docs)
            subject = nn(c.about(values))
            prop = nn(c.prop)
            items = v if isinstance(v, list) else [v]
            for item in items:
                if c.value is not None:
                    obj = nn(c.value({**values, c.name: item}) if not c.virtual else c.value(values))
                else:
                    obj = _literal(item, c.datatype_base, c.lang)
                q = ox.Quad(subject, prop, obj, g)
                if "_key" not in c.about_vars and "_key" not in c.value_vars:
                    # shared nodes (cluster, fee levels): once; a triple naming the row's key
                    # (the cluster's org:hasMember) is unique already (duplicate keys are rejected)
                    if q in self.shared:
                        continue
                    self.shared.add(q)
                out.append(q)
        return out


def _literal(v, base: str | None, lang: str | None = None) -> ox.Literal:
    if lang and lang != "und" and (base in (None, "string")):
        return ox.Literal(str(v), language=lang)
    if isinstance(v, dt.datetime) and base == "date":
        return ox.Literal(v.date().isoformat(), datatype=nn(str(XSD.date)))
    if isinstance(v, (dt.date, dt.datetime)):
        return ox.Literal(v.isoformat(), datatype=nn(str(XSD[base or "dateTime"])))
    if isinstance(v, bool):
        return ox.Literal("true" if v else "false", datatype=nn(str(XSD.boolean)))
    if base and base not in ("string", "anyURI", "normalizedString", "token"):
        return ox.Literal(str(v), datatype=nn(str(XSD[base])))
    return ox.Literal(str(v))


# -- the import -------------------------------------------------------------------------------------

def cluster_iri(cluster: str) -> str:
    """A cluster IRI from an IRI or a slug (``filas``)."""
    if "://" in cluster:
        return nn(cluster).value
    return str(AMID["cluster/" + slug(cluster)])


def known_clusters(store: Store) -> list[str]:
    res = store.query("PREFIX ami: <https://w3id.org/amikg/ontology#> "
                      "SELECT DISTINCT ?c WHERE { ?c a ami:Cluster }")
    return sorted(s["c"].value for s in res)


def _check_cluster(store: Store, cluster: str) -> None:
    clusters = known_clusters(store)
    if clusters and cluster not in clusters:
        slugs = [c.rsplit("/", 1)[-1] for c in clusters]
        hit = difflib.get_close_matches(cluster.rsplit("/", 1)[-1], slugs, n=1)
        raise NotFound(f"unknown cluster {cluster}" + (f'; did you mean "{hit[0]}"?' if hit else "")
                       + f" (known: {', '.join(slugs)})", cluster=cluster)


def import_id_for(name: str, sha256: str, cluster: str, mapping: Mapping) -> str:
    """Same file, cluster and mapping -> same import id (so re-importing is idempotent)."""
    h = hashlib.sha256(f"{sha256} {cluster} {mapping.checksum}".encode()).hexdigest()[:12]
    return f"{slug(Path(name).stem)}-{h}"


def import_table(store: Store, path: str | Path, cluster: str, *, mapping: str | Path | None = None,
                 dry_run: bool = False, encoding: str | None = None, name: str | None = None,
                 progress: Progress | None = None, agent: str | None = None,
                 preview: io.RawIOBase | None = None,
                 shapes: bool | str = "auto") -> ImportReport:
    """Check a member spreadsheet and, when it has no problem, write it as one import.

    :param path: a CSV or ``.xlsx`` file; ``name`` is how it is called in reports (default: its name)
    :param cluster: the cluster IRI or slug the rows are members of
    :param preview: with ``dry_run``, N-Quads of what would be written go here
    :param progress: called with the number of rows done since the last call
    :param shapes: run the data-quality shapes chunk by chunk (default; ``"auto"`` is kept as a
        synonym of True), or False to skip them
    :raise ImportRejected: listing every problem (nothing is written)
    :raise NotFound: an unknown cluster
    """
    m = Mapping(mapping)
    cl = cluster_iri(cluster)
    _check_cluster(store, cl)
    tf, problems = inspect_file(path, name, encoding)
    fname = name or Path(path).name
    if problems:
        raise ImportRejected(fname, problems)
    assert tf is not None
    iid = import_id_for(fname, tf.sha256, cl, m)
    graph = IMPORT_PREFIX + iid
    rep = ImportReport(fname, cl, m.name, iid, graph, tf.sha256, tf.media_type,
                       tf.detected or ("xlsx" if tf.kind == "xlsx" else tf.encoding),
                       tf.delimiter if tf.kind == "csv" else "", dry_run=dry_run)
    if store.graph_exists(graph) and not dry_run:
        rep.skipped = True
        rep.triples = store.count(graph)
        return rep
    started = now_literal()
    conv = _Converter(m, fname, cl.rsplit("/", 1)[-1], nn(graph))
    shape_check = _shape_checker(cl) if shapes else None
    rep.shapes = "data-quality shapes checked" if shape_check else "data-quality shapes skipped"
    spool = tempfile.TemporaryFile()
    try:
        marks: list[tuple[int, int]] = []  # (spool offset, quads so far) after each chunk
        triples = _convert(tf, conv, spool, rep, progress, shape_check, marks)
        if conv.problem_count:
            raise ImportRejected(fname, conv.problems, conv.problem_count)
        if rep.rows == 0:
            raise ImportRejected(fname, [Problem(fname, "has a header but no rows",
                                                 expected="one row per member under the header")])
        rep.triples = triples
        spool.seek(0)
        if dry_run:
            if preview is not None:
                for block in iter(lambda: spool.read(1 << 20), b""):
                    preview.write(block)
            return rep
        src = _TabularSource(fname, b"", "csv", size=tf.size, sha=tf.sha256, media=tf.media_type)
        act, prov = provenance_quads(graph, [src], triples, started, agent or agent_iri(),
                                     f"import {fname} into {cl.rsplit('/', 1)[-1]}",
                                     _import_provenance(graph, cl, m, rep))
        rep.activity = act
        if getattr(store, "kind", "") == "embedded":
            # Oxigraph's bulk loader straight from the spool, one call per WRITE_BATCH quads (so
            # memory does not grow with the file), all calls in one bracket of the store's journal:
            # all-or-nothing (see OxigraphStore.load_fresh)
            items = [(_SpoolSlice(spool, a, b), ox.RdfFormat.N_QUADS, graph)
                     for a, b in _write_batches(marks)]
            store.load_fresh(items, [graph], then=prov)
        else:
            store.add(_chain(ox.parse(spool, format=ox.RdfFormat.N_QUADS), prov))
        return rep
    finally:
        spool.close()


def _chain(*its: Iterable) -> Iterator:
    for it in its:
        yield from it


def _convert(tf: TableFile, conv: _Converter, spool, rep: ImportReport, progress,
             shape_check, marks: list | None = None) -> int:
    rows = iter_rows(tf)
    try:
        first = next(rows, None)
        if first is None:
            conv.problem("the file is empty", expected="a header row naming the columns")
            return 0
        conv.header(first[1])
        if conv.problem_count:
            return 0
        seen: set = set()
        chunk: list[ox.Quad] = []
        chunk_rows: dict = {}
        triples = done = 0
        for n, cells in rows:
            rep.rows += 1
            quads = conv.row(n, cells)
            if quads:
                rep.organisations += 1
                chunk_rows[quads[0].subject.value] = n
            chunk.extend(quads)
            done += 1
            if done >= CHUNK:
                triples += _flush(chunk, spool, shape_check, chunk_rows, conv)
                if marks is not None:
                    marks.append((spool.tell(), triples))
                chunk, chunk_rows = [], {}
                if progress:
                    progress(done)
                done = 0
        triples += _flush(chunk, spool, shape_check, chunk_rows, conv)
        if marks is not None:
            marks.append((spool.tell(), triples))
        if progress and done:
            progress(done)
        del seen
        return triples
    except _Unreadable as e:
        conv.problem(str(e), expected="a workbook saved as .xlsx, or a CSV file")
        return 0
    except UnicodeDecodeError as e:
        conv.problem(f"is not valid {tf.encoding} text ({e.reason})",
                     expected="text in one encoding (UTF-8 or Latin-1)")
        return 0
    except csv.Error as e:
        conv.problem(f"is not readable CSV ({e})", expected="CSV text")
        return 0


def _write_batches(marks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Byte ranges of the spool, each ending at a chunk boundary and holding about WRITE_BATCH
    quads (a chunk is never split: a range ends on a line end)."""
    out, start, start_q = [], 0, 0
    for i, (offset, quads) in enumerate(marks):
        if offset > start and (quads - start_q >= WRITE_BATCH or i == len(marks) - 1):
            out.append((start, offset))
            start, start_q = offset, quads
    return out


class _SpoolSlice(io.RawIOBase):
    """Bytes ``start``..``end`` of the spool as a file of its own (``os.pread``: slices do not
    share a file position, so the store may read them in any order or in parallel)."""

    def __init__(self, spool, start: int, end: int):
        super().__init__()
        spool.flush()
        self._fd, self._pos, self._end = spool.fileno(), start, end

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = min(len(b), self._end - self._pos)
        if n <= 0:
            return 0
        data = os.pread(self._fd, n, self._pos)
        b[:len(data)] = data
        self._pos += len(data)
        return len(data)


def _flush(chunk, spool, shape_check, chunk_rows, conv) -> int:
    if not chunk:
        return 0
    if shape_check is not None:  # also after other problems: every problem is reported
        found = []
        for subject, path, value, message in shape_check(chunk):
            row = chunk_rows.get(subject.split("/membership/")[0])
            if row is None:  # about a node this import does not describe (the cluster)
                continue
            path = path.strip("<>")
            col = next((c for c in conv.m.real if c.prop == path), None)
            found.append((row, col.title if col else path, value, message))
        for row, col, value, message in sorted(found, key=lambda f: (f[0], f[1])):
            conv.problem(message, row=row, column=col, value=value)
    ox.serialize(chunk, spool, format=ox.RdfFormat.N_QUADS)
    return len(chunk)


def _shape_checker(cluster: str):
    """The data-quality shapes (``amikg.validate``, profile ``data``) as one call:
    quads -> [(focus, path, value, message)] for every sh:Violation. The chunk is validated with
    the ontology and the cluster's type (the shapes check that memberships point at a cluster).

    The shapes run as SPARQL on an in-memory Oxigraph store holding the ontology and the chunk
    (:class:`amikg.shacl_core.CoreShapes`: one query per constraint over all the chunk's focus
    nodes, pyshacl's own rule for the values SPARQL cannot judge alone; proven equal to pyshacl
    by ``tests/test_import_shapes.py``). Shapes that engine does not cover fall back to pyshacl
    (:func:`_pyshacl_checker`)."""
    try:
        from .. import validate
        from ..shacl_core import CoreShapes
    except ImportError:  # pragma: no cover - the modules ship with amikg
        return None
    sg = validate.shapes_graph("data")
    try:
        core = CoreShapes(sg)
    except validate.ShapesError:
        return _pyshacl_checker(cluster, validate, sg)
    to_ox, onto_g = validate._to_ox, ox.NamedNode("urn:x-amikg:ontology")
    base = [ox.Quad(to_ox(s), to_ox(p), to_ox(o), onto_g) for s, p, o in validate.ontology_graph()]
    base.append(ox.Quad(nn(cluster), nn(str(RDF.type)), nn(str(AMI.Cluster)), onto_g))
    violation = validate.SH.Violation
    fallback: list = []

    def check(quads: list[ox.Quad]) -> list[tuple]:
        if not core.exact_on(quads):  # literals Oxigraph would rewrite: pyshacl sees them as given
            if not fallback:
                fallback.append(_pyshacl_checker(cluster, validate, sg))
            return fallback[0](quads)
        data = ox.Store()
        data.extend(base)
        data.extend(quads)
        return [(str(r.focus), str(r.path or ""), None if r.value is None else str(r.value),
                 " ".join(r.messages) or "does not pass the data-quality shapes")
                for r in core.run(data) if r.severity == violation]
    return check


def _pyshacl_checker(cluster: str, validate, sg):
    """:func:`_shape_checker` with pyshacl for the core constraints (``inference='none'``) and
    the shapes' SPARQL constraints run here on the same rdflib graph, each query parsed once and
    the focus node pre-bound (``initBindings``, as SHACL prescribes). ~3.5 ms a row."""
    import rdflib

    core, sparql_shapes = _split_shapes(validate, sg)
    onto = validate.ontology_graph()
    cluster_type = (rdflib.URIRef(cluster), rdflib.RDF.type, rdflib.URIRef(str(AMI.Cluster)))
    SH_VIOLATION = rdflib.URIRef("http://www.w3.org/ns/shacl#Violation")

    from rdflib.plugins.sparql import prepareQuery

    prepared = [(sh, prepareQuery(text), cmsgs) for sh in sparql_shapes
                for _c, text, cmsgs in sh.sparql]
    subclasses = {}
    for sh in sparql_shapes:
        for cls in sh.classes:
            subclasses[cls] = set(onto.transitive_subjects(rdflib.RDFS.subClassOf, cls))

    def check(quads: list[ox.Quad]) -> list[tuple]:
        data = rdflib.Graph()
        for t in onto:
            data.add(t)
        data.add(cluster_type)
        for q in quads:
            data.add((validate._to_rdflib(q.subject), validate._to_rdflib(q.predicate),
                      validate._to_rdflib(q.object)))
        found = [(str(r.focus), str(r.path or ""), None if r.value is None else str(r.value),
                  " ".join(r.messages) or "does not pass the data-quality shapes")
                 for r in validate.run_pyshacl(data, core) if r.severity == SH_VIOLATION]
        chunk = {validate._to_rdflib(q.subject) for q in quads}
        for sh, query, cmsgs in prepared:
            if sh.severity != SH_VIOLATION:
                continue
            kinds = set().union(*(subclasses[c] for c in sh.classes))
            focus = sorted({f for f in chunk
                            if any(t in kinds for t in data.objects(f, rdflib.RDF.type))}, key=str)
            for f in focus:
                for row in data.query(query, initBindings={"this": f}):
                    d = {k: v for k, v in row.asdict().items() if v is not None}
                    d.setdefault("this", f)
                    value = d.get("value", None if sh.is_property else f)
                    if value is not None:
                        d["value"] = value
                    msgs = [validate._format(m, d) for m in sh.messages]
                    msgs += [validate._format(m, d) for m in cmsgs if m not in sh.messages]
                    path = d.get("path") or sh.path_text or ""
                    found.append((str(f), str(path), None if value is None else str(value),
                                  " ".join(sorted(set(msgs))) or
                                  "does not pass the data-quality shapes"))
        return found
    return check


#: what a top-level shape keeps when it moves to the SPARQL engine (the rest stays with pyshacl)
_SPARQL_KEEP = ("targetClass", "sparql", "path", "severity", "message", "name", "description",
                "group", "order", "deactivated")


def _split_shapes(validate, sg):
    """``sg`` as (core shapes for pyshacl, compiled SPARQL-constraint shapes): each top-level
    shape's ``sh:sparql`` constraints move to the SPARQL engine; its other constraints stay.
    When the SPARQL engine cannot run them, everything stays with pyshacl."""
    import rdflib

    SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    nodes = {n for n in sg.subjects(SH.sparql, None) if (n, SH.targetClass, None) in sg}
    if not nodes:
        return sg, []
    sparql_g = rdflib.Graph()
    core = rdflib.Graph()
    for t in sg:
        core.add(t)
        sparql_g.add(t)
    for n in set(sg.subjects(SH.targetClass, None)):
        for p, o in list(sg.predicate_objects(n)):
            if n not in nodes:
                if p == SH.targetClass:
                    sparql_g.remove((n, p, o))
            elif p == SH.sparql:
                core.remove((n, p, o))
            elif str(p).startswith(str(SH)) and str(p)[len(str(SH)):] not in _SPARQL_KEEP:
                sparql_g.remove((n, p, o))
        if n in nodes and (n, SH.message, None) not in sg:
            # the engine takes a shape's messages; pyshacl reports the constraint's own
            for c in sg.objects(n, SH.sparql):
                for m in sg.objects(c, SH.message):
                    sparql_g.add((n, SH.message, m))
    try:
        return core, validate.compile_shapes(sparql_g)
    except validate.ShapesError:
        return sg, []


@dataclass
class _TabularSource(Source):
    """A spreadsheet as a provenance source (the file is streamed, never held in memory)."""

    size: int = 0
    sha: str = ""
    media: str = ""

    @property
    def checksum(self) -> str:
        return self.sha

    @property
    def byte_size(self) -> int:
        return self.size

    @property
    def media_type(self) -> str:
        return self.media


def _import_provenance(graph: str, cluster: str, m: Mapping, rep: ImportReport) -> list[tuple]:
    g, L = nn(graph), ox.Literal
    plan = nn(str(AMID[f"mapping/sha256-{m.checksum}"]))
    file_ent = nn(str(AMID[f"file/sha256-{rep.sha256}"]))
    integer = nn(str(XSD.integer))
    return [
        (g, str(RDF.type), nn(SCHEMA + "Dataset")),
        (g, str(DCTERMS.subject), nn(cluster)),
        (g, str(DCTERMS.identifier), L(rep.import_id)),
        (g, str(VOID.entities), L(str(rep.organisations), datatype=integer)),
        (file_ent, SCHEMA + "numberOfItems", L(str(rep.rows), datatype=integer)),
        (g, str(PROV.wasInfluencedBy), plan),
        (plan, str(RDF.type), nn(str(PROV.Plan))),
        (plan, str(DCTERMS.title), L(m.name)),
        (plan, str(DCTERMS.conformsTo), nn("http://www.w3.org/TR/tabular-metadata/")),
        (plan, str(SPDX.checksum), nn(plan.value + "#checksum")),
        (nn(plan.value + "#checksum"), str(RDF.type), nn(str(SPDX.Checksum))),
        (nn(plan.value + "#checksum"), str(SPDX.algorithm),
         nn(str(SPDX.checksumAlgorithm_sha256))),
        (nn(plan.value + "#checksum"), str(SPDX.checksumValue),
         L(m.checksum, datatype=nn(str(XSD.hexBinary)))),
    ]


# -- history and undo -------------------------------------------------------------------------------

_HISTORY = """PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX spdx: <http://spdx.org/rdf/terms#> PREFIX void: <http://rdfs.org/ns/void#>
PREFIX schema: <https://schema.org/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?g ?id ?when ?file ?sha ?rows ?orgs ?triples ?cluster ?mapping ?agent ?activity WHERE {
  GRAPH ?meta {
    ?g dcterms:identifier ?id ; dcterms:subject ?cluster ; prov:wasGeneratedBy ?activity ;
       prov:wasDerivedFrom ?file_ent ; void:triples ?triples .
    ?activity prov:endedAtTime ?when ; prov:wasAssociatedWith ?agent .
    ?file_ent dcterms:title ?file ; spdx:checksum/spdx:checksumValue ?sha .
    OPTIONAL { ?file_ent schema:numberOfItems ?rows }
    OPTIONAL { ?g void:entities ?orgs }
    OPTIONAL { ?g prov:wasInfluencedBy/dcterms:title ?mapping }
  }
} ORDER BY ?when ?id"""


def history(store: Store) -> list[dict]:
    """Every import recorded in the metadata graph, oldest first."""
    out = []
    for s in store.query(_HISTORY, substitutions={"meta": nn(GRAPH_META)}):
        g = s["g"].value
        if not g.startswith(IMPORT_PREFIX):
            continue
        out.append({k: (s[k].value if s[k] is not None else None) for k in
                    ("id", "when", "file", "sha", "cluster", "mapping", "agent", "activity")}
                   | {"graph": g, "rows": _int(s["rows"]), "organisations": _int(s["orgs"]),
                      "triples": _int(s["triples"])})
    return out


def _int(term) -> int | None:
    return int(term.value) if term is not None else None


def undo(store: Store, import_ref: str) -> dict:
    """Remove one import: its graph and its provenance record (in one update).

    :param import_ref: the import id (as ``history`` lists it) or its graph IRI
    :raise NotFound: no such import
    """
    imports = {h["id"]: h for h in history(store)}
    iid = import_ref[len(IMPORT_PREFIX):] if import_ref.startswith(IMPORT_PREFIX) else import_ref
    if iid not in imports:
        hit = difflib.get_close_matches(iid, list(imports), n=1)
        raise NotFound(f"no import {import_ref!r}" + (f'; did you mean "{hit[0]}"?' if hit else "")
                       + (" (see `amikg history`)" if imports else " (there are no imports)"),
                       import_id=import_ref)
    h = imports[iid]
    g, meta = nn(h["graph"]), nn(GRAPH_META)
    # file and mapping records are shared by every import of the same file or mapping: they go
    # only with their last user
    update = f"""PREFIX prov: <{PROV}> PREFIX spdx: <{SPDX}>
DROP SILENT GRAPH {g} ;
DELETE {{ GRAPH {meta} {{ ?a ?p ?o }} }} WHERE {{ GRAPH {meta} {{ {g} prov:wasGeneratedBy ?a . ?a ?p ?o }} }} ;
DELETE {{ GRAPH {meta} {{ ?e ?p ?o . ?ck ?p2 ?o2 }} }} WHERE {{ GRAPH {meta} {{
  {{ {g} prov:wasDerivedFrom ?e }} UNION {{ {g} prov:wasInfluencedBy ?e }}
  FILTER NOT EXISTS {{ ?other prov:wasDerivedFrom|prov:wasInfluencedBy ?e FILTER(?other != {g}) }}
  ?e ?p ?o . OPTIONAL {{ ?e spdx:checksum ?ck . ?ck ?p2 ?o2 }} }} }} ;
DELETE {{ GRAPH {meta} {{ {g} ?p ?o }} }} WHERE {{ GRAPH {meta} {{ {g} ?p ?o }} }}"""
    store.update(update)
    return h


# -- templates --------------------------------------------------------------------------------------

def template_columns(mapping: Mapping) -> list[tuple[MappedColumn, list[str]]]:
    """Each real column with the allowed values of its enumeration (empty when free text)."""
    enums = ontology_enumerations()
    out = []
    for c in mapping.real:
        vals = enums[c.enumeration].displays if c.enumeration in enums else []
        out.append((c, vals))
    return out


def write_template(path: str | Path, mapping: str | Path | None = None) -> list[Path]:
    """Write an empty member spreadsheet: ``.xlsx`` (with an "allowed values" sheet and drop-down
    lists) or ``.csv`` (header only, plus ``<name>-allowed-values.csv``). Returns the files."""
    path = Path(path)
    m = Mapping(mapping)
    cols = template_columns(m)
    if path.suffix.lower() == ".xlsx":
        return [_xlsx_template(path, cols)]
    if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        raise LoadError(f"{path}: a template is .xlsx or .csv", source=str(path))
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerow([c.title for c, _ in cols])
    side = path.with_name(path.stem + "-allowed-values.csv")
    with open(side, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["column", "allowed value", "note"])
        for c, vals in cols:
            if vals:
                for v in vals:
                    w.writerow([c.title, v, ("several, separated by '" + c.separator + "'")
                                if c.separator else ""])
            else:
                w.writerow([c.title, "", c.description])
    return [path, side]


def _xlsx_template(path: Path, cols) -> Path:
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "members"
    allowed = wb.create_sheet("allowed values")
    ws.freeze_panes = "A2"
    vcol = 0
    for i, (c, vals) in enumerate(cols, 1):
        cell = ws.cell(row=1, column=i, value=c.title)
        cell.font = Font(bold=True)
        note = c.description + (" Required." if c.required else "")
        if c.separator:
            note += f" Several values: separate with '{c.separator}'."
        cell.comment = Comment(note.strip(), "amikg")
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(14, len(c.title) + 4)
        if not vals:
            continue
        vcol += 1
        vletter = get_column_letter(vcol)
        allowed.cell(row=1, column=vcol, value=c.title).font = Font(bold=True)
        for r, v in enumerate(vals, 2):
            allowed.cell(row=r, column=vcol, value=v)
        allowed.column_dimensions[vletter].width = max(18, max(len(v) for v in vals) + 2)
        if not c.separator:  # a drop-down list only for one-value columns
            dv = DataValidation(type="list", allow_blank=not c.required, showErrorMessage=True,
                                formula1=f"='allowed values'!${vletter}$2:${vletter}${len(vals) + 1}",
                                errorTitle=c.title, error=f"Choose one of the allowed values "
                                                          f"(sheet 'allowed values', column {vletter}).")
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}5000")
    wb.save(path)
    return path
