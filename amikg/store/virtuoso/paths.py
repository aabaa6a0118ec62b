"""Property paths with ``*``, ``+`` or ``?`` made into plain joins for Virtuoso 7 (issue 10).

Virtuoso 7.2 evaluates every such path with its transitive engine, which needs one end bound when
it starts: with both ends bound by other patterns (``?x rdfs:label "PET"@en . ?x
rdf:type/rdfs:subClassOf* ami:Competency``) it answers nothing, with an end bound only by a
``VALUES`` block of several rows (or none) it fails with "transitive start not given". The result
depends on the plan Virtuoso picks, so no placement of the pattern is safe.

:func:`inline_paths` therefore never sends Virtuoso a transitive path. For each triple pattern
``S step/step/... O`` whose path has a step ``P*``, ``P+`` or ``P?`` (``P`` an IRI, ``^IRI`` or
an alternative of those), the steps become triple patterns joined by fresh variables
(``?_amikg_path1_1``), and each transitive step ``X P* Y`` becomes inline data computed here:

* the edges of ``P`` are read with one plain query per predicate (``SELECT ?a ?b { ?a p ?b }``)
  and closed transitively in Python (the closure of vocabulary hierarchies: classes, regions,
  concepts, a few thousand pairs at most);
* ``X P+ Y`` is ``VALUES (X Y) { every pair of the closure }`` (a constant end filters the
  pairs), ``X P? Y`` the same with the edges only;
* for ``*`` and ``?``, the zero-length pairs are added by a separate branch, ``{ pairs without
  (x x) } UNION { zero }``: with a constant end ``c`` the zero branch is ``BIND(c AS ?other)``
  (exactly the standard: ``c`` matches itself even when it is in no triple); with two variable
  ends it is every node of the closure and every IRI written in the query (so parameter values
  and constants match themselves).

The rewritten pattern is a group in place of the triple (``S p* O ; q R .`` becomes
``{ ... } S q R .``), which is the same join. The answers equal the standard ones, with two
limits, documented in the README: with two variable ends, a term that has no ``P`` edge at all
and is not written in the query does not match itself (the standard says every term of the
graph does); and pairs whose end is a blank node are left out. A path this module does not
recognise (one following ``;`` or ``,`` in a predicate-object list, a negated property set,
nested modifiers, a closure of more than :data:`MAX_PAIRS` pairs) is sent unchanged.
"""

from __future__ import annotations

import re
from typing import Callable

import pyoxigraph as ox

from ...sparql.lexer import IRI_PATTERN, PNAME_PATTERN, TERM_PATTERN, mask

#: A closure larger than this is not inlined (the query is sent as written).
MAX_PAIRS = 50_000

_PN, _IRI, _TERM = PNAME_PATTERN, IRI_PATTERN, TERM_PATTERN
_PRIM1 = rf"\^?(?:{_IRI}|{_PN}|a\b)"
_PRIM = rf"(?:{_PRIM1}|\((?:{_PRIM1})(?:\|(?:{_PRIM1}))*\))"
_STEP = rf"{_PRIM}[*+?]?"
#: ``S path O`` at the start of a triples block, the path having a modifier somewhere.
_TRIPLE = re.compile(
    rf"(?P<pre>(?:(?<=[{{}}.)])|^)\s*)(?P<s>{_TERM})\s+(?P<path>{_STEP}(?:/{_STEP})*)\s+"
    rf"(?P<o>{_TERM})(?P<post>\s*[.;,}}]?)")
_MODIFIED = re.compile(rf"(?:{_IRI}|[\w:)>])[*+?](?=[\s/|)]|$)")
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _prefixes(sparql: str, known: dict[str, str]) -> dict[str, str]:
    out = dict(known)
    for m in re.finditer(r"PREFIX\s+([\w.-]*):\s*<([^>]*)>", sparql, re.IGNORECASE):
        out[m.group(1)] = m.group(2)
    return out


def _expand(term: str, prefixes: dict[str, str]) -> str | None:
    if term.startswith("<"):
        return term[1:-1]
    if term == "a":
        return _RDF_TYPE
    p, _, local = term.partition(":")
    return prefixes[p] + local if p in prefixes else None


def _steps(path: str) -> list[tuple[list[tuple[str, bool]], str]]:
    """``a/(b|^c)*`` -> [([(a, False)], ''), ([(b, False), (c, True)], '*')]."""
    out = []
    for m in re.finditer(rf"({_PRIM})([*+?]?)", path):
        prim, mod = m.group(1), m.group(2)
        alts = prim[1:-1].split("|") if prim.startswith("(") else [prim]
        out.append(([(a.lstrip("^"), a.startswith("^")) for a in alts], mod))
    return out


class _Rewriter:
    def __init__(self, sparql: str, edges: Callable[[str], list[tuple]], known: dict[str, str]):
        self.sparql = sparql
        self.edges = edges
        self.prefixes = _prefixes(sparql, known)
        self.count = 0
        self._edge_cache: dict[str, list[tuple]] = {}
        masked = re.sub(r"(?i)\b(?:PREFIX\s+[\w.-]*:|BASE)\s*<[^>]*>", " ", mask(sparql))
        self.text_terms: set[ox.NamedNode] = set()
        for m in re.finditer(rf"(?<![\w?$]){_IRI}|(?<![\w?$<]){_PN}", masked):
            iri = _expand(m.group(), self.prefixes)
            if iri:
                try:
                    self.text_terms.add(ox.NamedNode(iri))
                except ValueError:
                    pass

    def _edges(self, iri: str) -> list[tuple]:
        if iri not in self._edge_cache:
            self._edge_cache[iri] = self.edges(iri)
        return self._edge_cache[iri]

    def _term(self, text: str):
        """A constant end as a pyoxigraph term, or None for a variable."""
        if text[0] in "?$":
            return None
        iri = _expand(text, self.prefixes)
        if iri is None:
            raise _Skip(f"unknown prefix in {text}")
        return ox.NamedNode(iri)

    def closure_group(self, x: str, alts: list[tuple[str, bool]], mod: str, y: str) -> str:
        succ: dict = {}
        for prim, inverse in alts:
            iri = _expand(prim, self.prefixes)
            if iri is None:
                raise _Skip(f"unknown prefix in {prim}")
            for a, b in self._edges(iri):
                if inverse:
                    a, b = b, a
                succ.setdefault(a, set()).add(b)
        pairs: set = set()
        if mod == "?":
            pairs = {(a, b) for a, bs in succ.items() for b in bs}
        else:
            for start in succ:  # reachable in one or more steps
                seen, todo = set(), list(succ[start])
                while todo:
                    n = todo.pop()
                    if n not in seen:
                        seen.add(n)
                        todo.extend(succ.get(n, ()))
                pairs.update((start, n) for n in seen)
                if len(pairs) > MAX_PAIRS:
                    raise _Skip("closure too large")
        pairs = {(a, b) for a, b in pairs
                 if not isinstance(a, ox.BlankNode) and not isinstance(b, ox.BlankNode)}
        cx, cy = self._term(x), self._term(y)
        if mod in ("*", "?"):  # zero length: every node matches itself
            if cx is not None or cy is not None:
                nodes = {cx if cx is not None else cy}
            else:
                nodes = set(succ) | {b for bs in succ.values() for b in bs} | self.text_terms
            pairs.update((n, n) for n in nodes if not isinstance(n, ox.BlankNode))
        if cx is not None:
            pairs = {(a, b) for a, b in pairs if a == cx}
        if cy is not None:
            pairs = {(a, b) for a, b in pairs if b == cy}
        ordered = sorted(pairs, key=lambda p: (str(p[0]), str(p[1])))
        if cx is not None and cy is not None:
            return "{ }" if ordered else "{ FILTER(false) }"
        if x == y:
            raise _Skip("both ends are the same variable")
        # inside a sub-select: Virtuoso's compiler fails on a VALUES block of two variables
        # joined to triple patterns on both (SQ156 "unknown table for a column")
        if cx is None and cy is None:
            block = f"VALUES ({x} {y}) {{ " + " ".join(f"({a} {b})" for a, b in ordered) + " }"
        elif cx is None:
            block = f"VALUES {x} {{ " + " ".join(str(a) for a, _ in ordered) + " }"
        else:
            block = f"VALUES {y} {{ " + " ".join(str(b) for _, b in ordered) + " }"
        return "{ SELECT * WHERE { " + block + " } }"

    def triple(self, m: re.Match) -> str:
        s, path, o = m.group("s"), m.group("path"), m.group("o")
        post = m.group("post")
        if post.strip() == ",":
            raise _Skip("object list after a path")
        s_out, o_out = s.replace("$", "?", 1), o.replace("$", "?", 1)
        steps = _steps(path)
        self.count += 1
        parts, left = [], s_out
        for i, (alts, mod) in enumerate(steps):
            right = o_out if i == len(steps) - 1 else f"?_amikg_path{self.count}_{i + 1}"
            if mod:
                parts.append(self.closure_group(left, alts, mod, right))
            else:
                prim = "|".join(("^" if inv else "") + p for p, inv in alts)
                parts.append(f"{left} {'(' + prim + ')' if len(alts) > 1 else prim} {right} .")
            left = right
        group = "{ " + " ".join(parts) + " }"
        if post.strip() == ";":  # the predicate-object list goes on with the same subject
            return m.group("pre") + group + " " + s
        return m.group("pre") + group + post


def _exists_group(masked: str, pos: int) -> tuple[int, int] | None:
    """The span of the innermost ``EXISTS { ... }`` group around ``pos``, or None."""
    stack: list[tuple[int, bool]] = []
    for m in re.finditer(r"\bEXISTS\s*\{|[{}]", masked[:pos], re.IGNORECASE):
        if m.group() == "}":
            if stack:
                stack.pop()
        else:
            stack.append((m.end(), m.group() != "{"))
    start = next((p for p, is_exists in reversed(stack) if is_exists), None)
    if start is None:
        return None
    depth = 1
    for m in re.finditer(r"[{}]", masked[start:]):
        depth += 1 if m.group() == "{" else -1
        if depth == 0:
            return start, start + m.start()
    return start, len(masked)


def _shared_in_exists(masked: str, m: re.Match) -> bool:
    """Whether the path ``m`` is inside an ``EXISTS`` whose transitive end variable also occurs
    outside it: Virtuoso refuses a ``VALUES`` variable bound outside the ``EXISTS`` (SP031
    "side effect var passed"), so such a path is left as written."""
    span = _exists_group(masked, m.start("s"))
    if span is None:
        return False
    steps = _steps(m.group("path"))
    ends = ([m.group("s")] if steps[0][1] else []) + ([m.group("o")] if steps[-1][1] else [])
    outside = masked[:span[0]] + masked[span[1]:]
    return any(e[0] in "?$" and re.search(rf"[?$]{re.escape(e[1:])}\b", outside)
               for e in ends)


class _Skip(Exception):
    pass


def inline_paths(sparql: str, edges: Callable[[str], list[tuple]],
                 prefixes: dict[str, str] | None = None) -> str:
    """``sparql`` with every ``*``/``+``/``?`` path replaced as the module describes; ``edges``
    gives the ``(subject, object)`` pairs of a predicate IRI. Unchanged when there is no such path
    or one cannot be rewritten."""
    masked = mask(sparql)
    if not _MODIFIED.search(masked):
        return sparql
    rw = _Rewriter(sparql, edges, prefixes or {})
    out, last, pos = [], 0, 0
    try:
        while True:
            m = _TRIPLE.search(masked, pos)
            if not m:
                break
            path = m.group("path")
            if not _MODIFIED.search(path + " ") or _shared_in_exists(masked, m):
                pos = m.start("path")
                continue
            out.append(sparql[last:m.start()])
            # the match is on the masked text; terms and paths hold no strings, so equal
            out.append(rw.triple(m))
            last = pos = m.end()
    except _Skip:
        return sparql
    done = "".join(out) + sparql[last:]
    for m in _MODIFIED.finditer(mask(done)):  # a path left over (after ';' or ','):
        if _exists_group(mask(done), m.start()) is None:  # send the query as written
            return sparql
    return done
