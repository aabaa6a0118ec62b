"""Rows -> quads: every cell parsed by its CSVW datatype (``csvw``), enumeration cells replaced by
the ontology's IRI (or token), the organisation's stable key checked for duplicates, and the
triples the standard's minimal mode defines (*Generating RDF from Tabular Data*) emitted from the
compiled URI templates. Every problem is collected, one per cell at most."""

from __future__ import annotations

import datetime as dt

import pyoxigraph as ox

from ..errors import LoadError
from ..namespaces import XSD
from ..store import nn
from ..util import slug
from .mapping import MappedColumn, Mapping
from .report import Problem
from .vocab import nuts_of_country, ontology_enumerations

#: Stop listing problems after this many (the count is still reported).
MAX_PROBLEMS = 500


class Converter:
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
        country_codes = set(nuts_of_country().values())
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
        want = nuts_of_country().get(str(country)) if country else None
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

