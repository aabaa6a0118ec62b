"""SHACL Core shapes (and SHACL-SPARQL constraints) run as SPARQL on a pyoxigraph store.

:mod:`amikg.validate.engine`'s SPARQL engine covers the roadmap shapes (``sh:targetClass``,
``sh:sparql``, ``sh:minCount`` on the node shape). The data-quality shapes also use property
shapes (``sh:property``), ``sh:targetSubjectsOf`` and the value constraints of SHACL Core. This
module runs those on an Oxigraph store, one query per constraint over *all* focus nodes of a
shape (no per-focus-node query), and gives the same :class:`amikg.validate.Result` objects as
pyshacl (:func:`amikg.validate.run_pyshacl`) -- ``tests/test_import_shapes.py`` proves the
equality on every data-quality example and on a spreadsheet with every kind of error.

Covered (anything else raises :class:`~amikg.validate.ShapesError`, so callers fall back to
pyshacl): targets ``sh:targetClass``, ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``,
``sh:targetNode``; node shapes with ``sh:property`` (property shapes with any SHACL path) and
node-level constraints; ``sh:minCount``, ``sh:maxCount``, ``sh:nodeKind``, ``sh:class``,
``sh:datatype``, ``sh:pattern`` (+ ``sh:flags``), ``sh:in``,
``sh:minInclusive`` / ``sh:maxInclusive`` / ``sh:minExclusive`` / ``sh:maxExclusive``,
``sh:sparql`` SELECT constraints; ``sh:severity``, ``sh:message``, ``sh:deactivated``.

Where SPARQL and pyshacl could differ (regular expressions, ill-typed literals, literal
comparison), SPARQL only narrows the candidates and the last word is pyshacl's own rule, applied
in Python to the (few, cached) candidate values. Every shape needs an ``sh:message`` (pyshacl's
generated texts are not reproduced): a shape without one raises ``ShapesError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from ..errors import QueryError
from ..namespaces import SH
from ..sparql.binder import values_block
from ..sparql.lexer import matching
from ..store import Store, scratch_store
from .profiles import ShapesError, path_key, sparql_select
from .report import Result, constraint_results
from .terms import to_ox, to_rdflib

_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/" \
        "<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"

#: shape metadata that does not constrain anything
_META = {SH.name, SH.description, SH.group, SH.order, SH.severity, SH.message, SH.deactivated,
         SH.declare, SH.defaultValue}
_TARGETS = {SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode}
_VALUE = {SH.nodeKind, SH["class"], SH.datatype, SH.pattern, SH.flags, SH["in"],
          SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive}
_NODE_ONLY = {SH.property, SH.sparql} | _TARGETS
_PROPERTY_ONLY = {SH.path, SH.minCount, SH.maxCount}

_KIND_FAILS = {  # nodeKind -> SPARQL condition under which a value node fails it
    SH.IRI: "!isIRI(?v)", SH.BlankNode: "!isBlank(?v)", SH.Literal: "!isLiteral(?v)",
    SH.BlankNodeOrIRI: "isLiteral(?v)", SH.BlankNodeOrLiteral: "isIRI(?v)",
    SH.IRIOrLiteral: "isBlank(?v)"}

_COMPONENT = {
    SH.minCount: SH.MinCountConstraintComponent, SH.maxCount: SH.MaxCountConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent, SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent, SH.pattern: SH.PatternConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.maxExclusive: SH.MaxExclusiveConstraintComponent}


@dataclass
class _Check:
    """One constraint of one shape, as a query (+ a Python rule for the candidates)."""

    shape: object
    component: URIRef
    query: str
    accept: object = None  # rdflib value node -> True when it passes (pyshacl's rule)
    with_value: bool = True
    verdicts: dict = field(default_factory=dict)  # Oxigraph term -> accept's verdict


@dataclass
class _Sparql:
    shape: object
    constraint: object
    parts: list  # [(None, query)] or [(None, focus query), (negated, EXISTS query), ...]
    messages: list
    is_property: bool
    path_text: str | None


@dataclass
class _Compiled:
    checks: list = field(default_factory=list)
    sparql: list = field(default_factory=list)
    info: dict = field(default_factory=dict)  # shape -> (path text, severity, messages)


class CoreShapes:
    """Compiled shapes; :meth:`run` validates an Oxigraph store (its union graph) with them."""

    def __init__(self, sg: rdflib.Graph):
        self.sg = sg
        self.c = _Compiled()
        top = set(sg.subjects(SH.targetClass, None)) | set(sg.subjects(SH.targetSubjectsOf, None)) \
            | set(sg.subjects(SH.targetObjectsOf, None)) | set(sg.subjects(SH.targetNode, None))
        for s in sg.subjects(RDF.type, None):
            if (s, RDF.type, SH.NodeShape) in sg or (s, RDF.type, SH.PropertyShape) in sg:
                if (s, RDF.type, RDFS.Class) in sg or (s, RDF.type, rdflib.OWL.Class) in sg:
                    raise ShapesError(f"shape {s} is also a class (implicit targets)")
        for node in sorted(top, key=str):
            if sg.value(node, SH.deactivated) == Literal(True):
                continue
            self._shape(node, node, self._target(node), parent_path=None)

    # -- compiling ------------------------------------------------------------------------------

    def _target(self, node) -> str:
        sg, parts = self.sg, []
        for c in sorted(sg.objects(node, SH.targetClass), key=str):
            parts.append(f"{{ ?this {_TYPE} {_term(c)} }}")
        for p in sorted(sg.objects(node, SH.targetSubjectsOf), key=str):
            parts.append(f"{{ ?this {_term(p)} ?_t }}")
        for p in sorted(sg.objects(node, SH.targetObjectsOf), key=str):
            parts.append(f"{{ ?_t {_term(p)} ?this }}")
        nodes = sorted(sg.objects(node, SH.targetNode), key=str)
        if nodes:
            parts.append("{ " + values_block(["this"], [(to_ox(n),) for n in nodes]) + " }")
        return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(parts) + " } }"

    def _shape(self, node, top, target: str, parent_path) -> None:
        sg = self.sg
        preds = set(sg.predicates(node, None))
        path = sg.value(node, SH.path)
        is_property = path is not None
        if node != top and not is_property:
            raise ShapesError(f"shape {node}: nested node shapes are not covered")
        for p in preds:
            if not str(p).startswith(str(SH)):
                continue
            if p in _META or p in _VALUE or p == SH.path:
                continue
            if p in _NODE_ONLY and not is_property:
                continue
            if p in (SH.minCount, SH.maxCount) and is_property:
                continue
            if p == SH.sparql:
                continue
            if p in _TARGETS and node == top:
                continue
            raise ShapesError(f"shape {node} uses {p}, which this engine does not cover")
        severity = sg.value(node, SH.severity) or SH.Violation
        messages = sorted(str(m) for m in sg.objects(node, SH.message))
        ptext = path_key(sg, path) if is_property else None
        self.c.info[node] = (ptext, severity, tuple(messages))
        constraints = [p for p in preds if p in _COMPONENT]
        if (constraints or (is_property and (node, SH.sparql, None) in sg)) and not messages:
            raise ShapesError(f"shape {node} has no sh:message (needed to reproduce pyshacl's)")
        values = f"?this {ptext} ?v ." if is_property else "BIND(?this AS ?v)"
        base = f"SELECT DISTINCT ?this ?v WHERE {{ {target} {values} "

        def add(param, query, accept=None, with_value=True):
            self.c.checks.append(_Check(node, _COMPONENT[param], query, accept, with_value))

        for mc in sg.objects(node, SH.minCount):
            n = int(mc)
            add(SH.minCount, f"SELECT ?this WHERE {{ {target} OPTIONAL {{ ?this {ptext} ?v }} }} "
                             f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {n})", with_value=False)
        for mc in sg.objects(node, SH.maxCount):
            n = int(mc)
            add(SH.maxCount, f"SELECT ?this WHERE {{ {target} ?this {ptext} ?v }} "
                             f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {n})", with_value=False)
        for k in sg.objects(node, SH.nodeKind):
            if k not in _KIND_FAILS:
                raise ShapesError(f"shape {node}: unknown sh:nodeKind {k}")
            add(SH.nodeKind, base + f"FILTER({_KIND_FAILS[k]}) }}")
        for cls in sg.objects(node, SH["class"]):
            # MINUS, not FILTER NOT EXISTS: Oxigraph evaluates an EXISTS pattern per solution
            add(SH["class"], base + f"MINUS {{ ?v {_TYPE} {_term(cls)} }} }}")
        for d in sg.objects(node, SH.datatype):
            if d == XSD.string:
                cond = "!isLiteral(?v) || datatype(?v) != <%s>" % XSD.string
                add(SH.datatype, base + f"FILTER({cond}) }}")
            elif d == RDF.langString:
                add(SH.datatype, base + 'FILTER(!isLiteral(?v) || lang(?v) = "") }')
            else:  # ill-typed literals: pyshacl's rule decides on the candidates
                add(SH.datatype, base + "}", _datatype_rule(d))
        flags = sg.value(node, SH.flags)
        for pat in sg.objects(node, SH.pattern):
            add(SH.pattern, base + "}", _pattern_rule(pat, flags))
        for lst in sg.objects(node, SH["in"]):
            allowed = frozenset(rdflib.collection.Collection(sg, lst))
            add(SH["in"], base + "}", lambda v, a=allowed: v in a)
        for param, ok in ((SH.minInclusive, lambda c: c >= 0), (SH.minExclusive, lambda c: c > 0),
                          (SH.maxInclusive, lambda c: c <= 0), (SH.maxExclusive, lambda c: c < 0)):
            for bound in sg.objects(node, param):
                add(param, base + "}", _range_rule(bound, ok))
        for c in sorted(sg.objects(node, SH.sparql), key=str):
            self._sparql(node, c, target, is_property, path, ptext)
        if not is_property:
            for ps in sorted(sg.objects(node, SH.property), key=str):
                if sg.value(ps, SH.deactivated) == Literal(True):
                    continue
                self._shape(ps, top, target, ptext)

    def _sparql(self, node, c, target, is_property, path, ptext) -> None:
        sg = self.sg
        if sg.value(c, SH.deactivated) == Literal(True):
            return
        prefixes, text = sparql_select(sg, c, node)
        m = re.search(r"\bWHERE\s*\{", text, re.I)
        if m is None or re.search(r"\bSELECT\b", text[m.end():], re.I) \
                or re.search(r"\b(MINUS|SERVICE|GRAPH|VALUES)\b", text[m.end():], re.I):
            raise ShapesError(f"SPARQL constraint {c}: sub-queries, MINUS, SERVICE, GRAPH and "
                              f"VALUES are not covered")
        if is_property:
            text = re.sub(r"([\s{}()])[$?]PATH\b", lambda mm: mm.group(1) + ptext, text)
        text = re.sub(r"([\s{}()])\$this\b", r"\1?this", text)
        m = re.search(r"\bWHERE\s*\{", text, re.I)
        clauses = _exists_clauses(text[m.end():]) \
            if re.match(r"\s*SELECT\s+(DISTINCT\s+)?\?this\s+WHERE\s*\{", text, re.I) else None
        if clauses is None:
            if re.search(r"\bEXISTS\b", text, re.I):
                # Oxigraph re-evaluates an EXISTS pattern unbound for every solution (a zero-or-more
                # path in it costs ~0.1 s per focus node): only the decomposable form below runs here
                raise ShapesError(f"SPARQL constraint {c}: EXISTS is covered only as the whole "
                                  f"WHERE clause (FILTER [NOT] EXISTS {{ ... }} ...)")
            # the focus nodes joined first: the same solutions as pre-binding $this for queries
            # without sub-queries, MINUS or VALUES (rejected above)
            parts = [(None, prefixes + text[:m.end()] + f"\n{target}\n" + text[m.end():])]
        else:
            # SELECT $this WHERE { FILTER [NOT] EXISTS { P1 } ... }: for each Pi the focus nodes
            # with a solution ({ targets . Pi }, joined: $this bound as pre-binding binds it),
            # then kept or dropped in Python -- the same focus nodes as evaluating each EXISTS
            # with $this substituted
            parts = [(None, prefixes + f"SELECT DISTINCT ?this WHERE {{ {target} }}")]
            parts += [(neg, prefixes + f"SELECT DISTINCT ?this WHERE {{ {target}\n{inner}\n}}")
                      for neg, inner in clauses]
        self.c.sparql.append(_Sparql(node, c, parts,
                                     [str(x) for x in sg.objects(c, SH.message)], is_property,
                                     ptext))

    # -- exactness ------------------------------------------------------------------------------

    def _watched(self) -> set[str] | None:
        """The IRIs the shapes read (paths, SPARQL texts); None when any predicate may be read."""
        if getattr(self, "_watch", False) is not False:
            return self._watch
        sg, out = self.sg, set()
        for p in sg.objects(None, SH.path):
            out.update(re.findall(r"<([^>]*)>", path_key(sg, p)))
        for sel in sg.objects(None, SH.select):
            text = str(sel)
            if re.search(r"[?$]\w+\s*\)?\s*(\^|/)?\s*[?$]\w+\s*[.;}]|\s[?$]\w+\s+[?$]\w+\s",
                         text.split("WHERE", 1)[-1]):
                self._watch = None  # a variable in predicate position: anything may be read
                return None
            out.update(re.findall(r"<([^>]*)>", text))
            for pre, local in re.findall(r"\b([A-Za-z][\w-]*):([\w-]+)", text):
                for decl in sg.objects(None, SH.declare):
                    if str(sg.value(decl, SH.prefix)) == pre:
                        out.add(str(sg.value(decl, SH.namespace)) + local)
        self._watch = out
        return out

    def exact_on(self, quads) -> bool:
        """Whether :meth:`run` over a store holding ``quads`` gives pyshacl's results: Oxigraph
        stores literals canonically (``"05"^^xsd:int`` becomes ``"5"^^xsd:integer``), so a literal
        the shapes read that Oxigraph would rewrite makes the store differ from the data pyshacl
        sees. Checked by a round trip of those literals through a scratch store."""
        watched = self._watched()
        lits = {q.object for q in quads if isinstance(q.object, ox.Literal)
                and (watched is None or q.predicate.value in watched)}
        if not lits:
            return True
        scratch = scratch_store()
        p, g = ox.NamedNode("urn:x-amikg:p"), ox.DefaultGraph()
        lits = list(lits)
        scratch.add([ox.Quad(ox.NamedNode(f"urn:x-amikg:{i}"), p, lit, g)
                     for i, lit in enumerate(lits)])
        return all(q.object == lits[int(q.subject.value.rsplit(":", 1)[1])]
                   for q in scratch.quads())

    # -- running --------------------------------------------------------------------------------

    def run(self, store: Store) -> list[Result]:
        """Every result of the shapes over the union of ``store``'s graphs."""
        out: list[Result] = []
        for ch in self.c.checks:
            ptext, severity, messages = self.c.info[ch.shape]
            res = store.query(ch.query)
            if not ch.with_value:
                out += [Result(to_rdflib(s[0]), ptext, None, ch.shape, ch.component, severity,
                               None, messages) for s in res]
                continue
            verdicts = ch.verdicts
            for s in res:
                v = s[1]
                if ch.accept is not None:
                    ok = verdicts.get(v)
                    if ok is None:  # pyshacl's rule on the rdflib term, once per distinct value
                        if len(verdicts) > 100_000:
                            verdicts.clear()
                        ok = verdicts[v] = bool(ch.accept(to_rdflib(v)))
                    if ok:
                        continue
                out.append(Result(to_rdflib(s[0]), ptext, to_rdflib(v), ch.shape, ch.component,
                                  severity, None, messages))
        for sp in self.c.sparql:
            out += self._run_sparql(store, sp)
        return out

    def _run_sparql(self, store: Store, sp: _Sparql) -> list[Result]:
        """pyshacl's reading of a SPARQL constraint's rows (as the SPARQL engine's)."""
        _ptext, severity, smsgs = self.c.info[sp.shape]
        try:
            if len(sp.parts) == 1:
                res = store.query(sp.parts[0][1])
                names = [v.value for v in res.variables]
                rows = [{n: to_rdflib(s[n]) for n in names if s[n] is not None} for s in res]
            else:
                focus: set | None = None
                for neg, q in sp.parts:
                    hits = {s[0] for s in store.query(q)}
                    focus = hits if focus is None else (focus - hits if neg else focus & hits)
                rows = [{"this": to_rdflib(f)} for f in sorted(focus, key=str)]
        except QueryError as e:
            raise ShapesError(f"SPARQL constraint {sp.constraint} of {sp.shape} fails: "
                              f"{e.message}")
        return constraint_results(rows, shape=sp.shape, constraint=sp.constraint,
                                  severity=severity, shape_messages=smsgs,
                                  constraint_messages=sp.messages, is_property=sp.is_property,
                                  path_text=sp.path_text)


_GAP = re.compile(r"(?:\s+|#[^\n]*)*")
_FILTER_EXISTS = re.compile(r"FILTER\s+(NOT\s+)?EXISTS\s*\{", re.I)


def _exists_clauses(body: str) -> list[tuple[bool, str]] | None:
    """``FILTER [NOT] EXISTS { P } ... }`` (the rest of a WHERE group) as [(negated, P)], or None
    when the group holds anything else."""
    out, i = [], 0
    while True:
        i = _GAP.match(body, i).end()  # white space and comments
        if body.startswith("}", i):
            return out if out and not body[i + 1:].strip() else None
        m = _FILTER_EXISTS.match(body, i)
        if m is None:
            return None
        j = matching(body, m.end() - 1)
        if j < 0:
            return None
        out.append((bool(m.group(1)), body[m.end():j - 1]))
        i = j


def _term(t) -> str:
    return str(to_ox(t))


# -- pyshacl's rules, for the candidates SPARQL cannot decide alone ----------------------------------

def _datatype_rule(d):
    """pyshacl's DatatypeConstraintComponent: True when the value node passes."""
    # pyshacl (and rdflib's SPARQL engine it loads) costs ~75 ms to import: only compiling a
    # shape with this constraint needs it, so importing amikg.validate stays light (the same in
    # the two rules below)
    from pyshacl.constraints.core.value_constraints import DatatypeConstraintComponent

    actual = DatatypeConstraintComponent._assert_actual_datatype

    def ok(v) -> bool:
        if not isinstance(v, Literal):
            return False
        if v.datatype == d:
            if getattr(v, "ill_typed", None) is True:
                return False
            return actual(None, v, d)
        if d == RDFS.Literal:
            return True
        if d == RDFS.Datatype and v.datatype:
            return True
        if v.datatype is None and v.language is None and d == XSD.string:
            return actual(None, v, d)
        if d == RDF.langString and v.language:
            return actual(None, v, d)
        return False
    return ok


def _pattern_rule(pat, flags):
    """pyshacl's PatternConstraintComponent (``re.match`` or ``re.search``; blank nodes fail)."""
    # deferred: pyshacl's import cost (see _datatype_rule)
    from pyshacl.constraints.core.string_based_constraints import StringBasedConstraintBase

    re_flags = 0
    if flags is not None:
        f = str(flags.value).lower()
        re_flags |= re.I if "i" in f else 0
        re_flags |= re.M if "m" in f else 0
    text = str(pat.value) if pat.value is not None and len(pat.value) > 1 else str(pat)
    rx = re.compile(text, re_flags)
    to_string = StringBasedConstraintBase.value_node_to_string

    def ok(v) -> bool:
        if isinstance(v, rdflib.BNode):
            return False
        s = to_string(v)
        return bool(rx.match(s) or rx.search(s))
    return ok


def _range_rule(bound, passes):
    """pyshacl's value-range components (compare_literal, strings only with strings)."""
    # deferred: pyshacl's import cost (see _datatype_rule)
    from pyshacl.rdfutil.compare import compare_literal

    if not isinstance(bound, Literal):
        raise ShapesError(f"a range bound must be a literal, not {bound}")
    bound_is_string = isinstance(bound.value, str)

    def ok(v) -> bool:
        if not isinstance(v, Literal):
            return False
        if bound_is_string != isinstance(v.value, str):
            return False
        try:
            return passes(compare_literal(v, bound))
        except (TypeError, NotImplementedError):
            return False
    return ok


__all__ = ["CoreShapes"]
