"""Parameter values of a named query validated and typed: each becomes a pyoxigraph term (an
enumeration value is looked up among the ontology's terms), never text pasted into the query."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

import pyoxigraph as ox

from ..errors import ParameterError
from ..namespaces import PREFIXES
from ..sparql.binder import values_block
from ..store import Store
from .header import MAX_STRING, MAX_VALUES, XSD, NamedQuery, Param, as_list, expand

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
                what = f"an instance of {short_name(p.cls)}" if p.type == "enum" else \
                    f"a sub-class of {' or '.join(short_name(r) for r in p.roots)}"
                raise ParameterError(f"parameter {p.name}: {v[:80]!r} is not {what}",
                                     parameter=p.name, value=v[:80])
            if len(hits) > 1:
                exact = [h for h in hits if h.value == expand(v.strip())]
                if len(exact) != 1:
                    raise ParameterError(
                        f"parameter {p.name}: {v[:80]!r} is ambiguous "
                        f"({', '.join(short_name(h.value) for h in hits[:5])}); give the IRI",
                        parameter=p.name, value=v[:80])
                hits = exact
            terms.append(hits[0])
        out.append(terms)
    return out


def short_name(iri: str | None) -> str:
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
        values = [v for v in as_list(value) if v is not None and str(v) != ""]
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
