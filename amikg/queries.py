"""Named queries: ``queries/*.rq`` files whose ``#+`` YAML header declares them (grlc style).

A header declares the name, a one-line summary, a description, the parameters and the result
columns; nothing about a query is described anywhere else (the CLI, the HTTP API and the OpenAPI
document are generated from it)::

    #+ name: smes
    #+ summary: SMEs per region, with their competencies
    #+ params:
    #+   - name: region
    #+     type: enum
    #+     class: ami:Region
    #+     example: RO21
    #+ columns:
    #+   - {name: org, description: the SME}

Parameter types: ``iri``, ``string``, ``integer``, ``date``, ``boolean``, ``enum`` (an instance
of an ontology class, sub-classes included: given as an IRI, a prefixed name, its
``skos:notation`` or its label) and ``class`` (a class under one of ``roots``). ``multiple: true``
accepts the parameter several times.

**Values are bound, never pasted.** Every value is validated and turned into a pyoxigraph term; the
terms are serialised by pyoxigraph (hence escaped) into ``VALUES`` blocks:

* if the query text holds a block ``VALUES ?name { }`` (or ``{ UNDEF }``), its rows replace that
  block's content, wherever it is (subqueries, ``EXISTS``, ``UNION`` branches). An absent parameter
  leaves the block as written: ``{ }`` matches nothing, ``{ UNDEF }`` leaves ``?name`` unbound.
  The file stays a valid query that runs as is.
* otherwise single values are bound by one ``VALUES`` row opening the first WHERE group (the same
  binding as :meth:`amikg.store.Store.query`), and an absent parameter leaves the variable unbound.

**Paging inside the query.** By default the page is a ``LIMIT``/``OFFSET`` appended to the query.
A query that ranks many rows but decorates (labels, lists) only the rows it returns pages an inner
sub-select instead, marked with an end-of-line comment, so the file still runs as is::

    } ORDER BY DESC(?score) LIMIT 20  # page-end     ->  LIMIT offset+limit (rows up to the page's end)
    } ORDER BY DESC(?score) ?name LIMIT 20  # page   ->  LIMIT limit OFFSET offset (the page)

When a ``# page`` marker is present, nothing is appended but a ``LIMIT`` (the outer query only
decorates the page, so it returns at most that many rows anyway).

**List columns.** A column the query computes as ``(GROUP_CONCAT(...) AS ?column)`` (at the top or
in a sub-select whose variable the query returns as is) is a *list column*; a header column may
also say so itself (``list: true``, or ``list: false`` to opt out). An empty list is unbound in
every backend's answer: Oxigraph leaves a ``GROUP_CONCAT`` over no value unbound, Virtuoso gives
``""``, and :func:`run_query` unbinds an empty string in a list column whatever the store
(:func:`unbind_empty_lists`). A query that wants ``""`` writes ``COALESCE(?list, "")`` into a
column of another name.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import pyoxigraph as ox
import yaml

from .config import data_root
from .errors import NotFound, ParameterError, QueryError
from .namespaces import PREFIXES
from .sparql.binder import inject, values_block
from .sparql.lexer import mask
from .store import Store

XSD = "http://www.w3.org/2001/XMLSchema#"
TYPES = ("iri", "string", "integer", "date", "boolean", "enum", "class")
#: Query-string names the API keeps for itself.
RESERVED = ("limit", "offset", "format")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
QUERY_NAME_RE = re.compile(r"^[a-z][a-z0-9-]*$")
MAX_STRING = 500
MAX_VALUES = 50
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000


@dataclass
class Param:
    """One declared parameter of a named query."""

    name: str
    type: str = "string"
    description: str = ""
    required: bool = False
    default: Any = None
    example: Any = None
    multiple: bool = False
    cls: str | None = None              # enum: values are instances of this class
    roots: list[str] = field(default_factory=list)  # class: values are sub-classes of these
    minimum: int | None = None
    maximum: int | None = None

    def to_dict(self) -> dict:
        d = {"name": self.name, "type": self.type, "description": self.description,
             "required": self.required, "multiple": self.multiple}
        for k in ("default", "example", "minimum", "maximum"):
            if getattr(self, k) is not None:
                d[k] = getattr(self, k)
        if self.cls:
            d["class"] = self.cls
        if self.roots:
            d["roots"] = self.roots
        return d


@dataclass
class NamedQuery:
    """A parsed ``.rq`` file."""

    name: str
    summary: str
    description: str
    params: list[Param]
    columns: list[dict]
    text: str
    path: Path
    one_of: list[list[str]] = field(default_factory=list)
    limit: int = DEFAULT_LIMIT
    #: The list columns (see the module docstring), found once when the file is read.
    list_columns: frozenset = frozenset()

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def to_dict(self) -> dict:
        return {"name": self.name, "summary": self.summary, "description": self.description,
                "params": [p.to_dict() for p in self.params], "columns": self.columns,
                "one_of": self.one_of, "limit": self.limit}


# -- parsing ----------------------------------------------------------------------------------------

def expand(name: str) -> str:
    """A prefixed name (``ami:Hospital``) as a full IRI; anything else unchanged."""
    m = re.match(r"^([A-Za-z][\w-]*):(.*)$", name)
    if m and m.group(1) in PREFIXES and not m.group(2).startswith("//"):
        return PREFIXES[m.group(1)] + m.group(2)
    return name


def parse_query(path: Path) -> NamedQuery:
    """Read one ``.rq`` file and its ``#+`` header. Raises :class:`QueryError` naming the file."""
    text = path.read_text(encoding="utf-8")
    header = "\n".join(line[3:] if line.startswith("#+ ") else line[2:]
                       for line in text.splitlines() if line.startswith("#+"))
    try:
        meta = yaml.safe_load(header) or {}
    except yaml.YAMLError as e:
        raise QueryError(f"{path.name}: the #+ header is not valid YAML: {e}", source=str(path))
    if not isinstance(meta, dict):
        raise QueryError(f"{path.name}: the #+ header must be a YAML mapping", source=str(path))
    name = meta.get("name") or path.stem
    if name != path.stem or not QUERY_NAME_RE.match(name):
        raise QueryError(f"{path.name}: name {name!r} must equal the file name", source=str(path))
    for key in ("summary", "columns"):
        if not meta.get(key):
            raise QueryError(f"{path.name}: the header has no {key}", source=str(path))
    params = []
    for raw in meta.get("params") or []:
        p = Param(name=raw["name"], type=raw.get("type", "string"),
                  description=raw.get("description", ""), required=bool(raw.get("required")),
                  default=raw.get("default"), example=raw.get("example"),
                  multiple=bool(raw.get("multiple")),
                  cls=expand(raw["class"]) if raw.get("class") else None,
                  roots=[expand(r) for r in _as_list(raw.get("roots"))],
                  minimum=raw.get("minimum"), maximum=raw.get("maximum"))
        if not NAME_RE.match(p.name) or p.name in RESERVED:
            raise QueryError(f"{path.name}: bad parameter name {p.name!r}", source=str(path))
        if p.type not in TYPES:
            raise QueryError(f"{path.name}: parameter {p.name}: unknown type {p.type!r} "
                             f"(use one of {', '.join(TYPES)})", source=str(path))
        if p.type == "enum" and not p.cls:
            raise QueryError(f"{path.name}: enum parameter {p.name} needs a class",
                             source=str(path))
        if p.type == "class" and not p.roots:
            raise QueryError(f"{path.name}: class parameter {p.name} needs roots",
                             source=str(path))
        params.append(p)
    columns = [c if isinstance(c, dict) else {"name": str(c)} for c in meta["columns"]]
    concat = group_concat_variables(text)
    lists = frozenset(c["name"] for c in columns
                      if c.get("list", c["name"] in concat) is True)
    return NamedQuery(name=name, summary=str(meta["summary"]).strip(),
                      description=str(meta.get("description", "")).strip(), params=params,
                      columns=columns, text=text, path=path,
                      one_of=[list(g) for g in meta.get("one_of") or []],
                      limit=int(meta.get("limit", DEFAULT_LIMIT)), list_columns=lists)


_GROUP_CONCAT_RE = re.compile(r"\bGROUP_CONCAT\s*\(", re.IGNORECASE)


def group_concat_variables(text: str) -> set[str]:
    """The variables a query text binds to a ``GROUP_CONCAT`` (``(GROUP_CONCAT(...) AS ?v)``);
    strings and comments are skipped."""
    masked = mask(text)
    found = set()
    for m in _GROUP_CONCAT_RE.finditer(masked):
        depth, k = 1, m.end()
        while k < len(masked) and depth:
            depth += {"(": 1, ")": -1}.get(masked[k], 0)
            k += 1
        a = re.match(r"\s*AS\s+[?$](\w+)", masked[k:], re.IGNORECASE)
        if a:
            found.add(a.group(1))
    return found


def _as_list(v) -> list:
    if v is None:
        return []
    return list(v) if isinstance(v, (list, tuple)) else [v]


_CACHE: dict[Path, tuple[tuple, dict[str, NamedQuery]]] = {}


def queries_dir() -> Path:
    return data_root() / "queries"


def load_queries(directory: Path | None = None) -> dict[str, NamedQuery]:
    """Every named query in ``directory`` (default: the bundled ``queries/``), by name; re-read
    when a file changes."""
    directory = Path(directory or queries_dir())
    files = sorted(directory.glob("*.rq"))
    stamp = tuple((f.name, f.stat().st_mtime_ns) for f in files)
    cached = _CACHE.get(directory)
    if cached and cached[0] == stamp:
        return cached[1]
    result = {q.name: q for q in (parse_query(f) for f in files)}
    _CACHE[directory] = (stamp, result)
    return result


def get_query(name: str, directory: Path | None = None) -> NamedQuery:
    queries = load_queries(directory)
    if name not in queries:
        raise NotFound(f"no named query {name!r}; known: {', '.join(sorted(queries))}",
                       query=name)
    return queries[name]


# -- validating and typing parameters ---------------------------------------------------------------

def _literal(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))


def _iri(p: Param, value: str) -> ox.NamedNode:
    full = expand(value.strip())
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S", full) or len(full) > 2000:
        raise ParameterError(f"parameter {p.name}: {value[:80]!r} is not an IRI or a known "
                             "prefixed name", parameter=p.name)
    try:
        return ox.NamedNode(full)
    except ValueError as e:
        raise ParameterError(f"parameter {p.name}: {value[:80]!r} is not a valid IRI ({e})",
                             parameter=p.name)


def _scalar(p: Param, value: Any) -> ox.NamedNode | ox.Literal:
    """A value of a non-enum type as a pyoxigraph term, or ParameterError naming ``p``."""
    s = str(value).strip() if not isinstance(value, bool) else ("true" if value else "false")
    if p.type == "iri":
        return _iri(p, s)
    if p.type == "string":
        if len(s) > MAX_STRING:
            raise ParameterError(f"parameter {p.name}: longer than {MAX_STRING} characters",
                                 parameter=p.name)
        return ox.Literal(s)
    if p.type == "integer":
        if not re.fullmatch(r"[+-]?\d{1,18}", s):
            raise ParameterError(f"parameter {p.name}: {s[:80]!r} is not a whole number",
                                 parameter=p.name)
        n = int(s)
        if (p.minimum is not None and n < p.minimum) or (p.maximum is not None and n > p.maximum):
            raise ParameterError(f"parameter {p.name}: {n} is outside {p.minimum}..{p.maximum}",
                                 parameter=p.name)
        return _literal(str(n), "integer")
    if p.type == "date":
        try:
            return _literal(_dt.date.fromisoformat(s).isoformat(), "date")
        except ValueError:
            raise ParameterError(f"parameter {p.name}: {s[:80]!r} is not a date (YYYY-MM-DD)",
                                 parameter=p.name)
    if p.type == "boolean":
        if s.lower() in ("true", "1", "yes"):
            return _literal("true", "boolean")
        if s.lower() in ("false", "0", "no"):
            return _literal("false", "boolean")
        raise ParameterError(f"parameter {p.name}: {s[:80]!r} is not true or false",
                             parameter=p.name)
    raise ParameterError(f"parameter {p.name}: unsupported type {p.type}", parameter=p.name)


def _candidates(value: str) -> tuple[list[ox.NamedNode], list[ox.Literal]]:
    """IRIs and literals a user's word for an ontology term may stand for."""
    iris, lits = [], []
    full = expand(value)
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S", full):
        try:
            iris.append(ox.NamedNode(full))
        except ValueError:
            pass
    elif re.fullmatch(r"[A-Za-z][\w-]*", value):
        iris.append(ox.NamedNode(PREFIXES["ami"] + value))
    words = {value, value.lower(), value.upper(), value[:1].upper() + value[1:]}
    for w in sorted(words):
        lits.append(ox.Literal(w))
        lits.append(ox.Literal(w, language="en"))
    return iris, lits


def _resolve_all(store: Store, items: list[tuple[Param, list[str]]]) -> list[list[ox.NamedNode]]:
    """The values of several enum/class parameters as IRIs of ontology terms, in three plain
    queries whatever their number (the terms named by the words; the classes under the roots;
    which of the IRIs are instances of them), or ParameterError naming the first bad parameter.

    Plain on purpose: Virtuoso 7 answers nothing when word rows (a VALUES with language-tagged
    literals) share a query with other VALUES rows, or when a VALUES block of several rows starts
    a transitive path; the class paths here start from constants."""
    named: dict[tuple[int, int], list[ox.NamedNode]] = {}
    word_rows: list[list] = []
    for pi, (p, values) in enumerate(items):
        for vi, v in enumerate(values):
            if len(v) > MAX_STRING or not v.strip():
                raise ParameterError(f"parameter {p.name}: {v[:80]!r} is not a known term",
                                     parameter=p.name)
            iris, lits = _candidates(v.strip())
            named[(pi, vi)] = list(iris)
            key = ox.Literal(f"{pi}.{vi}")
            word_rows += [[key, lit] for lit in lits]
    if word_rows:
        q = (f"PREFIX rdfs: <{PREFIXES['rdfs']}> PREFIX skos: <{PREFIXES['skos']}>\n"
             "SELECT DISTINCT ?key ?x WHERE {\n"
             f"  {values_block(['key', 'word'], word_rows)}\n"
             "  { ?x skos:notation ?word } UNION { ?x rdfs:label ?word }\n"
             "  UNION { ?x skos:prefLabel ?word } UNION { ?x skos:altLabel ?word }\n}")
        for s in store.query(q):
            if isinstance(s["x"], ox.NamedNode):
                pi, vi = (int(x) for x in s["key"].value.split("."))
                if s["x"] not in named[(pi, vi)]:
                    named[(pi, vi)].append(s["x"])
    roots = {pi: [p.cls] if p.type == "enum" else list(p.roots) for pi, (p, _) in enumerate(items)}
    every_root = list(dict.fromkeys(r for rs in roots.values() for r in rs))
    q = (f"PREFIX rdfs: <{PREFIXES['rdfs']}>\nSELECT DISTINCT ?root ?cls WHERE {{\n  "
         + "\n  UNION ".join(f"{{ ?cls rdfs:subClassOf* {ox.NamedNode(r)} . "
                             f"BIND({ox.NamedNode(r)} AS ?root) }}" for r in every_root) + "\n}")
    under: dict[str, set[str]] = {}
    for s in store.query(q):
        if isinstance(s["cls"], ox.NamedNode):
            under.setdefault(s["root"].value, set()).add(s["cls"].value)
    classes = {pi: set().union(*(under.get(r, set()) for r in rs)) for pi, rs in roots.items()}
    enum_iris = list(dict.fromkeys(x for (pi, _), xs in named.items()
                                   if items[pi][0].type == "enum" for x in xs))
    types: dict[str, set[str]] = {}
    enum_classes = sorted(set().union(*(classes[pi] for pi, (p, _) in enumerate(items)
                                        if p.type == "enum")))
    if enum_iris and enum_classes:
        q = (f"SELECT DISTINCT ?x ?cls WHERE {{\n"
             f"  {values_block(['x'], [[x] for x in enum_iris])}\n"
             f"  {values_block(['cls'], [[ox.NamedNode(c)] for c in enum_classes])}\n"
             f"  ?x a ?cls .\n}}")
        for s in store.query(q):
            types.setdefault(s["x"].value, set()).add(s["cls"].value)
    out = []
    for pi, (p, values) in enumerate(items):
        terms = []
        for vi, v in enumerate(values):
            hits = [x for x in named[(pi, vi)]
                    if (types.get(x.value, set()) if p.type == "enum" else {x.value})
                    & classes[pi]]
            if not hits:
                what = f"an instance of {_short(p.cls)}" if p.type == "enum" else \
                    f"a sub-class of {' or '.join(_short(r) for r in p.roots)}"
                raise ParameterError(f"parameter {p.name}: {v[:80]!r} is not {what}",
                                     parameter=p.name, value=v[:80])
            if len(hits) > 1:
                exact = [h for h in hits if h.value == expand(v.strip())]
                if len(exact) != 1:
                    raise ParameterError(
                        f"parameter {p.name}: {v[:80]!r} is ambiguous "
                        f"({', '.join(_short(h.value) for h in hits[:5])}); give the IRI",
                        parameter=p.name, value=v[:80])
                hits = exact
            terms.append(hits[0])
        out.append(terms)
    return out


def _short(iri: str | None) -> str:
    for p, ns in PREFIXES.items():
        if iri and iri.startswith(ns):
            return f"{p}:{iri[len(ns):]}"
    return iri or ""


def bind_params(store: Store, query: NamedQuery, raw: dict[str, Any]) -> dict[str, list]:
    """Validate and type the raw values (strings, or lists of strings for repeated parameters).

    Returns name -> list of pyoxigraph terms. Raises :class:`ParameterError` naming the parameter
    for an unknown or missing parameter, a wrong type, a bad IRI or a term not in the enumeration.
    """
    bound: dict[str, list] = {}
    terms: list[tuple[Param, list[str]]] = []  # enum/class values, looked up together below
    for name, value in raw.items():
        p = query.param(name)
        if p is None:
            known = ", ".join(x.name for x in query.params) or "none"
            raise ParameterError(f"unknown parameter {name!r} for {query.name} (known: {known})",
                                 parameter=name)
        values = [v for v in _as_list(value) if v is not None and str(v) != ""]
        if not values:
            continue
        if len(values) > 1 and not p.multiple:
            raise ParameterError(f"parameter {name} takes one value, got {len(values)}",
                                 parameter=name)
        if len(values) > MAX_VALUES:
            raise ParameterError(f"parameter {name}: at most {MAX_VALUES} values",
                                 parameter=name)
        if p.type in ("enum", "class"):
            terms.append((p, [str(v) for v in values]))
        else:
            bound[name] = [_scalar(p, v) for v in values]
    for p in query.params:
        if (p.name not in bound and p.default is not None
                and p.name not in {q.name for q, _ in terms}):
            if p.type in ("enum", "class"):
                terms.append((p, [str(p.default)]))
            else:
                bound[p.name] = [_scalar(p, p.default)]
    if terms:  # every term of every parameter in three queries
        for (p, _), resolved in zip(terms, _resolve_all(store, terms)):
            bound[p.name] = resolved
    for p in query.params:
        if p.required and p.name not in bound:
            raise ParameterError(f"parameter {p.name} is required for {query.name}",
                                 parameter=p.name)
    for group in query.one_of:
        if not any(g in bound for g in group):
            raise ParameterError(f"{query.name} needs at least one of: {', '.join(group)}",
                                 parameter=group[0])
    return bound


def render(query: NamedQuery, bound: dict[str, list], limit: int | None = None,
           offset: int = 0) -> str:
    """The query text with the bound values as VALUES blocks and the page as LIMIT/OFFSET."""
    text = query.text
    top: dict[str, Any] = {}
    written, inner_page = _layout(text)
    filled = {name: values_block([name], [[t] for t in terms])
              for name, terms in bound.items() if name in written}
    if filled:  # one pass over the text fills every block
        text = _BLOCK_RE.sub(lambda m: filled.get(m.group(1), m.group(0)), text)
    for name, terms in bound.items():
        if name in written:
            continue
        if len(terms) == 1:
            top[name] = terms[0]
        else:
            top.setdefault("__multi__", []).append((name, terms))
    blocks = []
    scalars = {k: v for k, v in top.items() if k != "__multi__"}
    if scalars:
        blocks.append(values_block(list(scalars), [list(scalars.values())]))
    for name, terms in top.get("__multi__", []):
        blocks.append(values_block([name], [[t] for t in terms]))
    if blocks:
        text = inject(_strip_comments(text), "\n  ".join(blocks) + "\n", sep="\n  ")
        if text is None:
            raise QueryError(f"{query.name}: cannot bind parameters: no WHERE group")
    if inner_page is None:
        raise QueryError(f"{query.name}: a '# page' or '# page-end' comment must follow "
                         "'LIMIT n' on its line", source=str(query.path))
    if inner_page:
        lim = query.limit if limit is None else int(limit)
        text = _PAGE_END_RE.sub(lambda m: f"LIMIT {int(offset) + lim}{m.group(1)}", text)
        text = _PAGE_RE.sub(lambda m: f"LIMIT {lim} OFFSET {int(offset)}{m.group(1)}", text)
    if limit is not None:
        text = text.rstrip() + f"\nLIMIT {int(limit)}"
    if offset and not inner_page:
        text = text.rstrip() + f"\nOFFSET {int(offset)}"
    return text


#: A ``VALUES ?name { }`` (or ``{ UNDEF }``) block written in a query, to be filled.
_BLOCK_RE = re.compile(r"VALUES\s+\?(\w+)\s*\{\s*(?:UNDEF\s*)?\}")
#: ``LIMIT n [OFFSET m]  # page`` and ``LIMIT n  # page-end`` (see the module docstring).
_PAGE_RE = re.compile(r"\bLIMIT\s+\d+(?:\s+OFFSET\s+\d+)?([ \t]*#[ \t]*page\b(?!-))", re.IGNORECASE)
_PAGE_END_RE = re.compile(r"\bLIMIT\s+\d+([ \t]*#[ \t]*page-end\b)", re.IGNORECASE)
_MARKER_RE = re.compile(r"#[ \t]*page(?:-end)?\b(?!-)", re.IGNORECASE)


@functools.lru_cache(maxsize=256)
def _layout(text: str) -> tuple[frozenset, bool | None]:
    """The parameters with a ``VALUES ?p { }`` block in ``text``, and whether it pages inside
    (``# page``); ``None`` for a page marker that does not follow ``LIMIT n``."""
    markers = len(_MARKER_RE.findall(text))
    if markers != len(_PAGE_RE.findall(text)) + len(_PAGE_END_RE.findall(text)):
        return frozenset(_BLOCK_RE.findall(text)), None
    return frozenset(_BLOCK_RE.findall(text)), _PAGE_RE.search(text) is not None


def _strip_comments(text: str) -> str:
    """Drop whole-line comments (the header) so the WHERE search cannot hit a comment."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


# -- running ---------------------------------------------------------------------------------------

@dataclass
class QueryRun:
    """The answer of :func:`run_query`: pyoxigraph solutions of one page, and the page."""

    query: NamedQuery
    solutions: Any
    limit: int
    offset: int
    params: dict[str, list]
    sparql: str

    def rows(self) -> list[dict]:
        """The page as a list of ``{column: JSON value}`` (IRIs as strings, numbers as numbers)."""
        names = [v.value for v in self.solutions.variables]
        return [{n: to_json(s[n]) for n in names} for s in self.solutions]

    def result(self) -> dict:
        """The JSON document the API returns."""
        rows = self.rows()
        total = self.offset + len(rows) if len(rows) < self.limit else None
        return {"query": self.query.name,
                "params": {k: [to_json(t) for t in v] for k, v in self.params.items()},
                "columns": [c["name"] for c in self.query.columns],
                "limit": self.limit, "offset": self.offset, "total": total,
                "has_more": total is None, "rows": rows}


def to_json(term) -> Any:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt = term.datatype.value if term.datatype else ""
        if dt in (XSD + "integer", XSD + "int", XSD + "long"):
            return int(term.value)
        if dt in (XSD + "decimal", XSD + "double", XSD + "float"):
            return float(term.value)
        if dt == XSD + "boolean":
            return term.value in ("true", "1")
        return term.value
    return term.value


def page(query: NamedQuery, limit: Any = None, offset: Any = None) -> tuple[int, int]:
    """Validated ``limit``/``offset`` (ParameterError naming them)."""
    def num(name, v, default, top):
        if v is None or v == "":
            return default
        s = str(v).strip()
        if not s.isdigit() or int(s) > top:
            raise ParameterError(f"parameter {name}: must be a whole number from 0 to {top}",
                                 parameter=name)
        return int(s)
    lim = num("limit", limit, query.limit, MAX_LIMIT)
    if lim == 0:
        raise ParameterError("parameter limit: must be at least 1", parameter="limit")
    return lim, num("offset", offset, 0, 10_000_000)


def run_query(store: Store, name: str, params: dict[str, Any] | None = None, *,
              limit: Any = None, offset: Any = None, directory: Path | None = None,
              timeout: float | None = None, executor=None) -> QueryRun:
    """Run the named query ``name`` with validated, bound parameters, one page at a time.

    With an ``executor`` (:class:`amikg.executor.Executor`, as the server has) the query runs
    under the service's time limit (``timeout``, default ``AMIKG_QUERY_TIMEOUT``) and result-size
    limit, in a killable worker process for the embedded store.

    :raise ParameterError: bad parameters or page. :raise QueryTimeout: past the time limit.
    """
    q = get_query(name, directory)
    lim, off = page(q, limit, offset)
    bound = bind_params(store, q, dict(params or {}))
    sparql = render(q, bound, lim, off)
    if executor is None:
        solutions = store.query(sparql, timeout=timeout)
        if q.list_columns:
            solutions = unbind_empty_lists(
                solutions.serialize(format=ox.QueryResultsFormat.JSON), q.list_columns)
    else:
        answer = executor.query(sparql, "json", timeout=timeout)
        solutions = unbind_empty_lists(answer.body, q.list_columns)
    return QueryRun(q, solutions, lim, off, bound, sparql)


def unbind_empty_lists(json_results: bytes, columns) -> Any:
    """SPARQL JSON results as pyoxigraph solutions, with every ``""`` in one of ``columns`` (the
    query's list columns) unbound: the same empty list on every backend."""
    fmt = ox.QueryResultsFormat.JSON
    if not columns or not re.search(rb'"value"\s*:\s*""', json_results):
        return ox.parse_query_results(json_results, format=fmt)
    import json

    doc = json.loads(json_results)
    for row in doc.get("results", {}).get("bindings", []):
        for c in columns:
            t = row.get(c)
            if t is not None and t.get("type") in ("literal", "typed-literal") \
                    and t.get("value") == "":
                del row[c]
    return ox.parse_query_results(json.dumps(doc).encode(), format=fmt)


def query_params_from_multidict(items: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Repeated query-string parameters (``?competency=pet&competency=ct``) as name -> list."""
    out: dict[str, list[str]] = {}
    for k, v in items:
        out.setdefault(k, []).append(v)
    return out


# -- OpenAPI -----------------------------------------------------------------------------------------

_SCHEMAS = {"iri": {"type": "string", "format": "iri"}, "string": {"type": "string",
            "maxLength": MAX_STRING}, "integer": {"type": "integer"},
            "date": {"type": "string", "format": "date"}, "boolean": {"type": "boolean"},
            "enum": {"type": "string"}, "class": {"type": "string"}}


def openapi(queries: dict[str, NamedQuery] | None = None, server_url: str = "/",
            version: str = "") -> dict:
    """An OpenAPI 3.0 document for ``/api/queries`` and every named query, from the headers."""
    from . import __version__

    queries = queries if queries is not None else load_queries()
    error = {"description": "bad parameter (the message names it)", "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    paths: dict = {"/api/queries": {"get": {
        "operationId": "listQueries", "summary": "List the named queries",
        "responses": {"200": {"description": "every named query with its parameters",
                              "content": {"application/json": {"schema": {"type": "object"}}}}}}}}
    for q in sorted(queries.values(), key=lambda q: q.name):
        params = []
        for p in q.params:
            schema = dict(_SCHEMAS[p.type])
            if p.minimum is not None:
                schema["minimum"] = p.minimum
            if p.maximum is not None:
                schema["maximum"] = p.maximum
            if p.default is not None:
                schema["default"] = p.default
            desc = p.description
            if p.type == "enum":
                desc += f" An instance of {_short(p.cls)} (IRI, prefixed name, notation or label)."
            if p.type == "class":
                desc += (" A class under " + " or ".join(_short(r) for r in p.roots)
                         + " (IRI, prefixed name or label); sub-classes are included.")
            if p.multiple:
                schema = {"type": "array", "items": schema}
                desc += " Repeat the parameter for several values."
            entry = {"name": p.name, "in": "query", "required": bool(p.required),
                     "description": desc.strip(), "schema": schema}
            if p.multiple:
                entry.update(style="form", explode=True)
            if p.example is not None:
                entry["example"] = p.example if not p.multiple else _as_list(p.example)
            params.append(entry)
        params += [{"$ref": "#/components/parameters/limit"},
                   {"$ref": "#/components/parameters/offset"}]
        desc = q.description
        if q.one_of:
            desc += "\n\nNeeds at least one of: " + "; ".join(", ".join(g) for g in q.one_of)
        desc += "\n\nColumns: " + "; ".join(
            f"`{c['name']}`" + (f" {c['description']}" if c.get("description") else "")
            for c in q.columns)
        paths[f"/api/queries/{q.name}"] = {"get": {
            "operationId": "query_" + q.name.replace("-", "_"), "summary": q.summary,
            "description": desc.strip(), "tags": ["named queries"], "parameters": params,
            "responses": {
                "200": {"description": "one page of results", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Result"}},
                    "text/csv": {"schema": {"type": "string"}},
                    "application/sparql-results+json": {"schema": {"type": "object"}},
                    "application/sparql-results+xml": {"schema": {"type": "string"}},
                    "text/tab-separated-values": {"schema": {"type": "string"}}}},
                "400": error, "404": error}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "amikg named queries", "version": version or __version__,
                 "description": "Named SPARQL queries over the AMI cluster knowledge graph "
                                "(AMI-4Europe D2.2), generated from the headers of queries/*.rq."},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "parameters": {
                "limit": {"name": "limit", "in": "query", "required": False,
                          "description": "page size", "schema": {
                              "type": "integer", "minimum": 1, "maximum": MAX_LIMIT}},
                "offset": {"name": "offset", "in": "query", "required": False,
                           "description": "rows to skip", "schema": {
                               "type": "integer", "minimum": 0}}},
            "schemas": {
                "Error": {"type": "object", "required": ["error", "message"], "properties": {
                    "error": {"type": "string"}, "message": {"type": "string"},
                    "parameter": {"type": "string"}}},
                "Result": {"type": "object", "required": ["query", "columns", "rows"],
                           "properties": {
                               "query": {"type": "string"}, "params": {"type": "object"},
                               "columns": {"type": "array", "items": {"type": "string"}},
                               "limit": {"type": "integer"}, "offset": {"type": "integer"},
                               "total": {"type": "integer", "nullable": True},
                               "has_more": {"type": "boolean"},
                               "rows": {"type": "array", "items": {"type": "object"}}}}}},
    }
