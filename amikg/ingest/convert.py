"""Rows -> quads: every cell parsed by its CSVW datatype (``csvw``), enumeration cells replaced by
the ontology's IRI (or token), the organisation's stable key checked for duplicates, and the
triples the standard's minimal mode defines (*Generating RDF from Tabular Data*) emitted from the
compiled URI templates. Every problem is collected, one per cell at most."""

from __future__ import annotations

import datetime as dt

import pyoxigraph as ox

from ..errors import LoadError
from ..namespaces import XSD
from ..publish.privacy import is_contact
from ..store import nn
from ..util import slug
from .mapping import MappedColumn, Mapping
from .report import Problem
from .vocab import (country_name_of_nuts, nuts_by_name, nuts_example, nuts_of_country,
                    ontology_enumerations)

#: Stop listing problems after this many (the count is still reported).
MAX_PROBLEMS = 500


class Converter:
    """Rows -> quads, collecting problems (one per cell at most)."""

    def __init__(self, mapping: Mapping, tf_name: str, cluster_slug: str, graph: ox.NamedNode,
                 contacts_public: bool = False):
        self.m, self.file, self.cluster = mapping, tf_name, cluster_slug
        self.graph = graph
        #: Where personal contact data goes: ``<graph>/restricted``, read by accounts only
        #: (the import's own graph when the operator publishes contact data).
        self.restricted = graph if contacts_public else ox.NamedNode(graph.value + "/restricted")
        self.enums = ontology_enumerations()
        self.keys: dict[str, int] = {}
        self.shared: set = set()
        self.problems: list[Problem] = []
        self.problem_count = 0
        self.cols: list[MappedColumn | None] = []
        self.headers: dict[str, str] = {}  # column name -> its header as the sheet writes it
        self.last_texts: dict[str, str] = {}  # the cells of the row converted last, by column
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
        self.headers = dict(seen)
        for c in self.m.real:
            if c.required and c.name not in seen:
                self.problem(f'the required column "{c.title}" is missing', row=1, column=c.title,
                             expected=f"a column named {c.title}")

    def column(self, c: MappedColumn) -> str:
        """The column as the sheet calls it (its header), else as the mapping does."""
        return self.headers.get(c.name, c.title)

    def row(self, n: int, cells: list[str]) -> list[ox.Quad]:
        values: dict[str, object] = {}
        texts: dict[str, str] = {}
        self.last_texts = texts
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
                    self._missing(n, c)
                elif c.enumeration == "nuts":
                    self._not_nuts(n, c, raw, values)
                else:
                    self._unreadable(n, c, raw)
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
                self._missing(n, c)
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
                    self.problem(f'"{item}" is not {enum.what}', row=n, column=self.column(c),
                                 value=item,
                                 suggestion=enum.suggest(item),
                                 expected="one of " + ", ".join(enum.displays[:40]))
                    return None
                tok = hit[2]
            if tok is None:
                return None
            out.append(tok)
        return out if isinstance(parsed, list) else (out[0] if out else None)

    def _missing(self, n: int, c: MappedColumn) -> None:
        enum = self.enums.get(c.enumeration or "")
        what = "one of " + ", ".join(enum.displays[:40]) if enum else "a value"
        col = self.column(c)
        self.problem(f"the {c.title} is missing", row=n, column=col, value="",
                     expected=f"{what}: the column {col} is required")

    def _unreadable(self, n: int, c: MappedColumn, raw: str) -> None:
        """A cell its datatype does not read: what it should be, an example or a likely fix."""
        described = c.expected[:2] in ("a ", "an")
        fix = None
        if c.format and c.format.startswith("^https?://") and "://" not in raw:
            try:
                fix = "https://" + raw if c.csvw_column.read("https://" + raw) else None
            except ValueError:
                pass
        self.problem(f'"{raw}" is not {c.expected}' if described else f'"{raw}" is not valid',
                     row=n, column=self.column(c), value=raw, suggestion=fix,
                     expected=(f"one such as {c.example}" if c.example else None) if described
                     else c.expected)

    def _member_country(self, values) -> str | None:
        """The NUTS code of the row's country (``ES``), when the row has given it by now."""
        country = values.get(self.country_col.name) if self.country_col else None
        return nuts_of_country().get(str(country)) if country else None

    def _not_nuts(self, n, c, raw: str, values) -> None:
        """A region cell that is no NUTS code: the code of the region it names, if it names one
        (``Madrid`` -> ES30), else an example from the member's country."""
        want = self._member_country(values)
        hit = nuts_by_name(raw, want)
        if hit is not None:
            expected = f"a code such as {hit.code} ({hit.label})"
        else:
            expected = _nuts_hint(want)
        self.problem(f'"{raw}" is not a NUTS code', row=n, column=self.column(c), value=raw,
                     expected=expected)

    def _nuts(self, n, c, code: str, values) -> str | None:
        code = code.upper().replace(" ", "")
        if code[:2] not in set(nuts_of_country().values()):
            self._not_nuts(n, c, code, values)
            return None
        want = self._member_country(values)
        if want and code[:2] != want:
            names = country_name_of_nuts()
            self.problem(f'"{code}" is a NUTS code of {names.get(code[:2], code[:2])}, not of '
                         f"{names.get(want, want)} (the member's country)", row=n,
                         column=self.column(c), value=code, expected=_nuts_hint(want))
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
            mapped = self.m.column_for(col)
            self.problem(f"duplicate row: same {what} as row {first}", row=n,
                         column=self.column(mapped) if mapped else col, value=texts.get(col, ""),
                         expected=f"each member once: delete this row or merge it into row "
                                  f"{first}")
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
                # personal contact data goes to the import's restricted graph (issue 21)
                q = ox.Quad(subject, prop, obj, self.restricted if is_contact(prop, obj) else g)
                if "_key" not in c.about_vars and "_key" not in c.value_vars:
                    # shared nodes (cluster, fee levels): once; a triple naming the row's key
                    # (the cluster's org:hasMember) is unique already (duplicate keys are rejected)
                    if q in self.shared:
                        continue
                    self.shared.add(q)
                out.append(q)
        return out


def _nuts_hint(country_nuts: str | None) -> str:
    """What to write in a region cell: a code of the member's country, with an example."""
    if not country_nuts:
        return "a code that starts with a country's NUTS code, such as DE91, RO21 or EL30"
    name = country_name_of_nuts().get(country_nuts, country_nuts)
    example = nuts_example(country_nuts)
    return (f"a code of {name} such as {example}" if example
            else f"a code of {name}, starting with {country_nuts}")


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

