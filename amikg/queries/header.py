"""The header of a named query (``#+`` YAML lines of ``queries/*.rq``): its parameters, columns,
paging and list columns, parsed into :class:`NamedQuery`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..config import data_root
from ..errors import NotFound, QueryError
from ..namespaces import PREFIXES
from ..sparql.lexer import mask

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
                  roots=[expand(r) for r in as_list(raw.get("roots"))],
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


def as_list(v) -> list:
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
