"""The import mapping: W3C CSVW metadata (*Metadata Vocabulary for Tabular Data*) read by the
``csvw`` package, its columns with their URI templates compiled.

The default mapping is ``amikg/mappings/members.csv-metadata.json`` (package data).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import urllib.parse
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import LoadError
from ..namespaces import DCTERMS, PREFIXES, SCHEMA

MAPPINGS_DIR = Path(__file__).resolve().parent.parent / "mappings"
DEFAULT_MAPPING = MAPPINGS_DIR / "members.csv-metadata.json"


def match_key(text: str) -> str:
    """The form in which headers, cells and names are compared: case-folded, with runs of spaces
    and punctuation as one space."""
    return re.sub(r"[\s_\-/.,()]+", " ", text.casefold()).strip()


_SIMPLE_EXPR = re.compile(r"\{(\+?)([A-Za-z0-9_]+)\}")
_RESERVED = ":/?#[]@!$&'()*+,;=%"


def _compile_template(tmpl) -> tuple[Callable[[dict], str], list[str]]:
    """A fast expander for a URI template: RFC 6570 level 1-2 expressions (``{var}``, ``{+var}``)
    are expanded here with the RFC's character sets; anything else goes to ``uritemplate``."""
    text = tmpl.uri if hasattr(tmpl, "uri") else str(tmpl)
    text = _expand_prefix(text)
    stripped = _SIMPLE_EXPR.sub("", text)
    if "{" in stripped or "}" in stripped:  # higher-level expressions: the reference implementation
        from csvw.metadata import URITemplate  # csvw costs ~0.3 s to import: see Mapping

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
        ns = {"dc": str(DCTERMS), "schema": str(SCHEMA), **PREFIXES}.get(m.group(1))
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
    expected: str             # what a cell must be ("a whole number (0 or more)")
    lang: str | None = None
    example: str | None = None  # a cell that is (``amikg:example``), for "write one such as ..."
    format: str | None = None   # the datatype's ``format`` pattern, if any


class Mapping:
    """A CSVW table description used as an import mapping."""

    def __init__(self, path: str | Path | None = None):
        # csvw (and the rdflib parts it pulls in) costs ~0.3 s to import: only when a mapping is
        # read, not for every process that imports amikg.ingest (the service, the CLI)
        import csvw

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
            expected = props.get("amikg:expects") or expected
            self.columns.append(MappedColumn(
                name=c.name, title=(titles[0] if titles else c.name), titles=titles or [c.name],
                virtual=c.virtual, required=bool(c.inherit("required")),
                separator=c.inherit("separator"), enumeration=props.get("amikg:enumeration"),
                description=props.get("dc:description", ""), csvw_column=c, datatype_base=base,
                about=about_f, about_vars=about_vars, prop=_expand_prefix(str(c.propertyUrl.uri)),
                value=value_f, value_vars=value_vars,
                expected=props.get("amikg:expects") or _DATATYPE_TEXT.get(base or "", expected),
                lang=c.inherit("lang"), example=props.get("amikg:example"),
                format=getattr(dt_, "format", None) if dt_ is not None else None))
        self.real = [c for c in self.columns if not c.virtual]
        self._by_title = {}
        for c in self.real:
            for t in [c.name, *c.titles]:
                self._by_title.setdefault(match_key(t), c)

    @property
    def name(self) -> str:
        return self.path.name

    def column_for(self, header: str) -> MappedColumn | None:
        return self._by_title.get(match_key(header))

    def suggest_column(self, header: str) -> str | None:
        hit = difflib.get_close_matches(match_key(header), list(self._by_title), n=1, cutoff=0.6)
        return self._by_title[hit[0]].title if hit else None

