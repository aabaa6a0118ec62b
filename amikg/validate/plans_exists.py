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
caller runs the whole query as written). Only texts :func:`set_safe` accepts come here.

:func:`set_safe` itself, the test of whether a ``VALUES`` block of focus nodes may stand for
SHACL's pre-binding at all, lives here too: the engine asks it before any set-at-a-time run.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib.term import Variable

from ..sparql.binder import values_block
from ..sparql.lexer import closing, mask, top_level_filters, top_level_words, variables


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
                for i in range(0, len(distinct), CHUNK):
                    block = values_block(shared, distinct[i:i + CHUNK]) + "\n"
                    found |= self._found(store, inner, shared, block)
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
    end = closing(text, m.end() - 1)
    if text[end:].strip():
        return None
    body = text[m.end():end - 1]
    filters = top_level_filters(body)
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
    in_scope = variables(outer_text) | {"this"}
    clauses = []
    for _, _, negated, inner in split:
        if inner is None:  # the !BOUND filter of an anti-join
            continue
        shared = tuple(sorted(variables(inner) & in_scope))
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
                if v in variables(body[a:b])]
        if len(opts) != 1:
            continue
        a, b = opts[0]
        group = body[body.index("{", a) + 1:b - 1]
        rest = body[:a] + body[b:s] + body[e:] if a < s else body[:s] + body[e:a] + body[b:]
        if v in variables(rest) or re.search(r"\bOPTIONAL\b", group, re.I):
            continue
        # the left join sees only what the group binds before it: every variable X shares with
        # the rest must be bound there (or be $this, bound by the VALUES block put first)
        before = body[:a]
        for fs, fe, _, _ in reversed(top_level_filters(before)):
            before = before[:fs] + before[fe:]
        if variables(group) & variables(rest) - {"this"} - _certain(prefixes, before):
            continue
        parts, last = [], 0
        for fs, fe, fkind, finner in top_level_filters(group):
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
    for i in top_level_words(body):
        m = _OPTIONAL.match(body, i)
        if m:
            out.append((i, closing(body, m.end() - 1)))
    return out


@functools.lru_cache(maxsize=256)
def _certain(prefixes: str, group: str) -> frozenset:
    """The variables bound in every solution of the group pattern ``group`` (rdflib's algebra;
    anything not understood binds nothing)."""
    # rdflib's SPARQL parser costs ~60 ms to import: only a constraint being planned needs it
    from rdflib.plugins.sparql import prepareQuery

    try:
        algebra = prepareQuery(f"{prefixes}SELECT * WHERE {{ {group} }}").algebra
    except Exception:  # noqa: BLE001 - a text rdflib cannot read: no plan
        return frozenset()
    return frozenset(str(v) for v in _certain_vars(algebra.p))


def _certain_vars(node) -> set:
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


def set_safe(text: str) -> bool:
    """Whether binding ``?this`` with a ``VALUES`` block at the top of the ``WHERE`` group is
    provably the same as substituting each focus node (SHACL's pre-binding).

    Strict and textual: no sub-select, ``MINUS``, ``SERVICE``, ``GRAPH``, ``VALUES``, ``AS ?this``,
    aggregate, ``GROUP BY``/``HAVING``/``LIMIT``/``OFFSET``; and every ``?this`` either in the
    ``WHERE`` group itself or in an ``OPTIONAL`` group directly in it (where the left side, which
    holds the ``VALUES``, binds it: a join or the left join's condition), or a triple pattern in
    plain/``UNION`` groups below those (a join), or anywhere inside an ``EXISTS`` whose filter is
    in one of those two groups (``EXISTS`` substitutes the row's bindings)."""

    t = mask(text)
    m = re.search(r"\bWHERE\s*\{", t, re.I)
    head = re.search(r"\bSELECT\b(.*)$", t[:m.start()] if m else "", re.I | re.S)
    if head is None or not re.fullmatch(r"\s*(DISTINCT\s+)?([?$]\w+\s*)+", head.group(1), re.I):
        return False  # projection: variables only (no aggregate, no expression)
    body = t[m.end() - 1:]
    if re.search(r"\b(SELECT|MINUS|SERVICE|GRAPH|VALUES|GROUP|HAVING|LIMIT|OFFSET|COUNT|SUM|MIN|"
                 r"MAX|AVG|SAMPLE|GROUP_CONCAT)\b|\bAS\s+\?this\b", body, re.I):
        return False
    stack, parens = [], [0]  # kinds of the open groups; paren depth per group
    for i, ch in enumerate(body):
        if ch == "{":
            before = body[:i].rstrip().upper()
            kind = ("WHERE" if not stack else "OPTIONAL" if before.endswith("OPTIONAL")
                    else "EXISTS" if before.endswith("EXISTS") else "GROUP")
            stack.append(kind)
            parens.append(0)
        elif ch == "}":
            if not stack:
                return False
            stack.pop()
            parens.pop()
            if not stack and body[i + 1:].strip():
                return False  # a solution modifier after the WHERE group
        elif ch == "(":
            parens[-1] += 1
        elif ch == ")":
            parens[-1] -= 1
        elif ch == "?" and re.match(r"\?this\b", body[i:]):
            outer = stack[:stack.index("EXISTS")] if "EXISTS" in stack else stack
            if outer not in (["WHERE"], ["WHERE", "OPTIONAL"]):
                if "EXISTS" in stack or "OPTIONAL" in outer or parens[-1]:
                    return False  # an expression, or an OPTIONAL, below the top groups
    return not stack
