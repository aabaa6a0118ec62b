"""Top-level ``FILTER [NOT] EXISTS`` of a set-at-a-time SHACL-SPARQL constraint as semi-joins.

Most roadmap constraints read::

    SELECT $this ?value ... WHERE {
      OUTER                                   # e.g. ?value a ami:ConsultationArea ; rdfs:label ...
      FILTER NOT EXISTS { P1 }                # e.g. { $this ami:offersConsultation ?value }
      FILTER EXISTS { P2 } ...
    }

With the focus nodes bound by a ``VALUES`` block, Oxigraph 0.5 evaluates such an ``EXISTS`` as
if the block's variable were unknown inside it: at 1M organisations one batch of 1,000 clusters of
``act-consultation`` took 8 s, where its three parts take 0.07 s. So the parts run as plain
queries, once per batch, and are joined here:

* ``OUTER`` with the ``VALUES`` block, projecting the constraint's variables and the shared ones;
* for each ``Pi``, the distinct tuples of its variables shared with ``OUTER``: with the same
  ``VALUES`` block when ``Pi`` mentions ``$this``, else bound by the rows' own tuples;
* a row is kept when its tuple is (``EXISTS``) or is not (``NOT EXISTS``) among them.

That is exactly SPARQL's substitution semantics when every shared variable is bound in every
solution of ``Pi`` (checked on rdflib's algebra of ``Pi``: its *certain* variables) and in every
row of ``OUTER`` (checked per row; a row with one unbound raises :class:`Unplanned`, and the
caller runs the whole query as written). Only texts :func:`validate.set_safe` accepts come here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pyoxigraph as ox

from .validate_actors import _match, _top_level_filters, _top_level_words, _vars


class Unplanned(Exception):
    """The plan does not apply to this batch (the caller runs the query as written)."""


@dataclass
class ExistsPlan:
    prefixes: str
    select: str                    # "SELECT [DISTINCT] vars" of the outer query
    outer: str                     # the WHERE group without the split filters
    projection: list[str]          # the constraint's projected variables (names)
    clauses: list[tuple[bool, str, tuple[str, ...]]]   # (negated, Pi, shared variables)

    @classmethod
    def of(cls, text: str) -> "ExistsPlan | None":
        """The plan for a constraint's text (``$this`` written ``?this``), or ``None``."""
        try:
            return _plan(text)
        except ValueError:
            return None

    def rows(self, store, values: str) -> list[dict]:
        """The constraint's solutions for the focus nodes bound by ``values`` (a
        ``VALUES ?this`` block, put first in the group) as pyoxigraph terms by name."""
        q = f"{self.prefixes}{self.select} WHERE {{\n{values}{self.outer}\n}}"
        res = store.query(q)
        names = [v.value for v in res.variables]
        rows = [{n: s[n] for n in names if s[n] is not None} for s in res]
        for neg, inner, shared in self.clauses:
            keys = []
            for row in rows:
                key = tuple(row.get(v) for v in shared)
                if None in key:
                    raise Unplanned(f"?{shared[key.index(None)]} is unbound in a solution")
                keys.append(key)
            if not shared:  # the same for every row
                found = {()} if store.query(f"{self.prefixes}ASK {{ {inner} }}") else set()
            elif "this" in shared:  # bound by the same block
                found = self._found(store, inner, shared, values)
            else:
                found = set()  # bound by the rows' own tuples, a chunk at a time
                distinct = sorted(set(keys), key=str)
                if any(isinstance(t, ox.BlankNode) for k in distinct for t in k):
                    raise Unplanned("a blank node cannot be written in a VALUES block")
                sel = " ".join("?" + v for v in shared)
                for i in range(0, len(distinct), CHUNK):
                    found |= self._found(store, inner, shared, f"VALUES ({sel}) {{ " + " ".join(
                        "(" + " ".join(map(str, k)) + ")" for k in distinct[i:i + CHUNK])
                        + " }\n")
            rows = [row for row, key in zip(rows, keys) if (key in found) != neg]
        return [{n: row[n] for n in self.projection if n in row} for row in rows]

    def _found(self, store, inner: str, shared: tuple, block: str) -> set:
        """The tuples of the ``shared`` variables that have a solution of ``inner`` with the
        ``VALUES`` ``block`` first. (An ``EXISTS`` nested in ``inner`` is left to the engine:
        there its variables are bound by ``inner``'s patterns, which Oxigraph evaluates well.)"""
        sel = " ".join("?" + v for v in shared)
        return {tuple(s[v] for v in shared) for s in store.query(
            f"{self.prefixes}SELECT DISTINCT {sel} WHERE {{\n{block}{inner}\n}}")}


#: Keys per VALUES block of a clause's query.
CHUNK = 1000


@functools.lru_cache(maxsize=256)  # once per constraint, not once per block of focus nodes
def _plan(text: str) -> ExistsPlan | None:
    m = re.search(r"\bWHERE\s*\{", text, re.I)
    head = re.search(r"\bSELECT\s+(DISTINCT\s+)?(.*)$", text[:m.start()] if m else "", re.I | re.S)
    if head is None:
        return None
    end = _match(text, m.end() - 1, "{", "}")
    if text[end:].strip():
        return None
    body = text[m.end():end - 1]
    filters = _top_level_filters(body)
    split = [(s, e, kind == "not-exists", inner) for s, e, kind, inner in filters
             if kind != "expr"]
    prefixes = text[:head.start()]
    split += _anti_joins(body, filters, prefixes)
    if not split:
        return None
    outer, last = [], 0
    for s, e, _, _ in sorted(split):
        outer.append(body[last:s])
        last = e
    outer.append(body[last:])
    outer_text = " ".join(outer)
    projection = re.findall(r"[?$](\w+)", head.group(2))
    in_scope = _vars(outer_text) | {"this"}
    clauses = []
    for _, _, negated, inner in split:
        if inner is None:  # the !BOUND filter of an anti-join
            continue
        shared = tuple(sorted(_vars(inner) & in_scope))
        if not set(shared) <= _certain(prefixes, inner):
            return None
        clauses.append((negated, inner, shared))
    wanted = list(dict.fromkeys(projection + [v for c in clauses for v in c[2]]))
    select = f"SELECT {head.group(1) or ''}" + " ".join("?" + v for v in wanted)
    return ExistsPlan(prefixes, select, outer_text, projection, clauses)


_NOT_BOUND = re.compile(r"\(\s*!\s*BOUND\s*\(\s*\?(\w+)\s*\)\s*\)")


def _anti_joins(body: str, filters: list, prefixes: str) -> list:
    """``OPTIONAL { X } ... FILTER (!BOUND(?v))`` at the top level of ``body``, with ``?v`` bound
    by every solution of ``X`` and seen nowhere else: the same rows as ``FILTER NOT EXISTS { X }``
    (``X``'s top-level ``FILTER EXISTS { Q }`` made a join with ``{ Q }``: the same existence).
    As ``(start, end, True, X)`` spans (two per OPTIONAL: the group and the filter)."""
    out = []
    for s, e, kind, inner in filters:
        m = _NOT_BOUND.fullmatch(inner.strip()) if kind == "expr" else None
        if m is None:
            continue
        v = m.group(1)
        opts = [(a, b) for a, b in _top_level_optionals(body)
                if v in _vars(body[a:b])]
        if len(opts) != 1:
            continue
        a, b = opts[0]
        group = body[body.index("{", a) + 1:b - 1]
        rest = body[:a] + body[b:s] + body[e:] if a < s else body[:s] + body[e:a] + body[b:]
        if v in _vars(rest) or re.search(r"\bOPTIONAL\b", group, re.I):
            continue
        # the left join sees only what the group binds before it: every variable X shares with
        # the rest must be bound there (or be $this, bound by the VALUES block put first)
        before = body[:a]
        for fs, fe, _, _ in reversed(_top_level_filters(before)):
            before = before[:fs] + before[fe:]
        if _vars(group) & _vars(rest) - {"this"} - _certain(prefixes, before):
            continue
        parts, last = [], 0
        for fs, fe, fkind, finner in _top_level_filters(group):
            if fkind == "exists":
                parts += [group[last:fs], "{ " + finner + " }"]
                last = fe
        group = " ".join(parts + [group[last:]])
        if v not in _certain(prefixes, group):
            continue
        out += [(a, b, True, group), (s, e, True, None)]
    return out


_OPTIONAL = re.compile(r"OPTIONAL\s*\{", re.I)


def _top_level_optionals(body: str) -> list[tuple[int, int]]:
    """Spans of the ``OPTIONAL { ... }`` groups at the top level of a group's text."""
    out = []
    for i in _top_level_words(body):
        m = _OPTIONAL.match(body, i)
        if m:
            out.append((i, _match(body, m.end() - 1, "{", "}")))
    return out


@functools.lru_cache(maxsize=256)
def _certain(prefixes: str, group: str) -> frozenset:
    """The variables bound in every solution of the group pattern ``group`` (rdflib's algebra;
    anything not understood binds nothing)."""
    from rdflib.plugins.sparql import prepareQuery

    try:
        algebra = prepareQuery(f"{prefixes}SELECT * WHERE {{ {group} }}").algebra
    except Exception:  # noqa: BLE001 - a text rdflib cannot read: no plan
        return frozenset()
    return frozenset(str(v) for v in _certain_vars(algebra.p))


def _certain_vars(node) -> set:
    from rdflib.term import Variable

    name = getattr(node, "name", None)
    if name in ("Project", "Distinct", "Reduced", "ToMultiSet", "Filter", "Slice", "OrderBy"):
        return _certain_vars(node.p)
    if name == "BGP":
        return {t for triple in node.triples for t in triple if isinstance(t, Variable)}
    if name == "Join":
        return _certain_vars(node.p1) | _certain_vars(node.p2)
    if name in ("LeftJoin", "Minus"):
        return _certain_vars(node.p1)
    if name == "Union":
        return _certain_vars(node.p1) & _certain_vars(node.p2)
    if name == "Extend":
        return _certain_vars(node.p)  # BIND may leave its variable unbound (an error)
    return set()
