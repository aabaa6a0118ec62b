"""SHACL validation of the store or of a data file: profiles, two engines, one report.

Profiles: ``roadmap`` (``shapes/roadmap.ttl``: the checkpoints and activities of D2.2), ``data``
(``shapes/data-quality.ttl``), or the path of any shapes file.

Engines (both give the standard ``sh:ValidationReport``):

``sparql``
    Runs the shapes *as SPARQL on the store*: the focus nodes of each shape (its ``sh:targetClass``
    instances, ``rdf:type/rdfs:subClassOf*``) are bound with a ``VALUES`` block, each
    ``sh:sparql`` constraint runs once per batch of focus nodes, ``sh:minCount`` becomes a
    ``COUNT``. Nothing is copied out of the store, so it works on a remote SPARQL store and scales
    with the clusters, not with the graph. It covers the SHACL features the roadmap shapes use
    (``sh:targetClass``; ``sh:sparql`` SELECT constraints, ``sh:minCount``; predicate and inverse
    paths) and reproduces pyshacl's result for them exactly (focus node, path, value, shape,
    constraint, severity, messages); ``tests/test_validate_scale.py`` checks the equality.
``pyshacl``
    Plain pyshacl over the data as an rdflib graph (the whole store, or the file plus the
    ontology). Used for shapes the SPARQL engine does not cover, and as the reference.

``auto`` (the default) picks ``sparql`` when every shape is covered, else ``pyshacl``.
A result *conforms* when it has no ``sh:Violation`` (warnings and infos do not fail; pyshacl's
``allow_warnings``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from .config import data_root
from .errors import AmikgError, LoadError, NotFound, QueryError
from .namespaces import AMI, AMID, PREFIXES, SH, SKOS
from .sparql.lexer import mask
from .store import Store, scratch_store

#: Built-in profiles: name -> shapes files under ``shapes/``.
PROFILES = {"roadmap": ["roadmap.ttl"], "data": ["data-quality.ttl"]}
ONTOLOGY_FILES = ["ontology/ami.ttl", "ontology/reference.ttl"]
#: Focus nodes bound per SPARQL query (keeps queries small enough for remote endpoints).
BATCH = 50


class ShapesError(AmikgError):
    """A shapes file cannot be read or uses SHACL the chosen engine does not support."""


# -- shapes -------------------------------------------------------------------------------------

def shapes_graph(profile: str) -> rdflib.Graph:
    """The shapes of a profile (``roadmap``, ``data``) or of a shapes file (any RDF format)."""
    g = rdflib.Graph()
    if profile in PROFILES:
        paths = [data_root() / "shapes" / f for f in PROFILES[profile]]
    else:
        paths = [Path(profile)]
        if not paths[0].is_file():
            raise ShapesError(f"{profile}: no such shapes file (profiles: "
                              f"{', '.join(PROFILES)})", source=profile)
    for p in paths:
        _parse_file(g, p)
    return g


def _parse_file(g: rdflib.Graph, path: Path) -> None:
    from .loader import Source, parse_source
    quads = parse_source(Source.from_path(path), "urn:x-amikg:shapes")  # clear line numbers
    for q in quads:
        g.add((_to_rdflib(q.subject), _to_rdflib(q.predicate), _to_rdflib(q.object)))


def ontology_graph() -> rdflib.Graph:
    """The bundled ontology and reference data (what a data file is validated against)."""
    g = rdflib.Graph()
    for f in ONTOLOGY_FILES:
        _parse_file(g, data_root() / f)
    return g


# -- term conversion ----------------------------------------------------------------------------

def _to_rdflib(t):
    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return Literal(t.value, lang=t.language)
        return Literal(t.value, datatype=URIRef(t.datatype.value))
    raise TypeError(f"unsupported term {t!r}")


def _to_ox(t):
    if isinstance(t, URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, BNode):
        return ox.BlankNode(str(t))
    if isinstance(t, Literal):
        if t.language:
            return ox.Literal(str(t), language=t.language)
        return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype or rdflib.XSD.string)))
    raise TypeError(f"unsupported term {t!r}")


def path_key(g: rdflib.Graph, path) -> str | None:
    """A SHACL path as SPARQL path text (to compare paths across graphs)."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return f"<{path}>"
    inv = g.value(path, SH.inversePath)
    if inv is not None:
        return "^" + path_key(g, inv)
    items = list(rdflib.collection.Collection(g, path)) if g.value(path, RDF.first) else []
    if items:
        return "/".join(path_key(g, i) for i in items)
    alt = g.value(path, SH.alternativePath)
    if alt is not None:
        return "(" + "|".join(path_key(g, i) for i in rdflib.collection.Collection(g, alt)) + ")"
    for p, op in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = g.value(path, p)
        if inner is not None:
            return f"({path_key(g, inner)}){op}"
    raise ShapesError(f"unsupported SHACL path {path}")


# -- results ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Result:
    """One validation result, engine-independent."""

    focus: object
    path: str | None          # SPARQL path text, see :func:`path_key`
    value: object
    shape: object
    component: URIRef
    severity: URIRef
    constraint: object
    messages: tuple[str, ...]

    def key(self) -> tuple:
        """What two engines must agree on."""
        c = self.constraint if isinstance(self.constraint, URIRef) else None
        return (self.focus, self.path, self.value, self.shape, self.component, self.severity, c,
                tuple(sorted(self.messages)))


@dataclass
class Outcome:
    """A validation: the results, the shapes used, and how it was run."""

    results: list[Result]
    shapes: rdflib.Graph
    engine: str
    labels: dict = field(default_factory=dict)

    @property
    def conforms(self) -> bool:
        return not any(r.severity == SH.Violation for r in self.results)

    def report_graph(self) -> rdflib.Graph:
        """The standard ``sh:ValidationReport``."""
        g = rdflib.Graph()
        for p, ns in PREFIXES.items():
            g.bind(p, ns)
        rep = BNode()
        g.add((rep, RDF.type, SH.ValidationReport))
        g.add((rep, SH.conforms, Literal(self.conforms)))
        for r in sorted(self.results, key=_sort_key):
            n = BNode()
            g.add((rep, SH.result, n))
            g.add((n, RDF.type, SH.ValidationResult))
            g.add((n, SH.focusNode, r.focus))
            g.add((n, SH.sourceShape, r.shape))
            g.add((n, SH.sourceConstraintComponent, r.component))
            g.add((n, SH.resultSeverity, r.severity))
            if r.constraint is not None:
                g.add((n, SH.sourceConstraint, r.constraint))
            if r.value is not None:
                g.add((n, SH.value, r.value))
            if r.path is not None:
                g.add((n, SH.resultPath, _path_node(g, r.path)))
            for m in r.messages:
                g.add((n, SH.resultMessage, Literal(m)))
        return g

    def summary(self) -> dict:
        """Results grouped by cluster (focus node) and phase (``sh:group``), in report order."""
        sg = self.shapes
        by_focus: dict = {}
        for r in sorted(self.results, key=_sort_key):
            group = sg.value(r.shape, SH.group)
            gkey = str(group) if group is not None else ""
            f = by_focus.setdefault(str(r.focus), {"focus": str(r.focus),
                                                   "label": self.labels.get(str(r.focus), ""),
                                                   "violations": 0, "warnings": 0, "infos": 0,
                                                   "phases": {}})
            f[{SH.Violation: "violations", SH.Warning: "warnings"}.get(r.severity, "infos")] += 1
            ph = f["phases"].setdefault(gkey, {
                "phase": gkey or None,
                "label": str(sg.value(group, RDFS.label) or "") if group is not None else "other",
                "order": int(sg.value(group, SH.order) or 999) if group is not None else 999,
                "results": []})
            ph["results"].append({
                "order": int(sg.value(r.shape, SH.order) or 0),
                "shape": str(r.shape), "name": str(sg.value(r.shape, SH.name) or ""),
                "severity": _short(r.severity), "message": " ".join(r.messages),
                "value": None if r.value is None else str(r.value), "path": r.path})
        clusters = []
        for f in by_focus.values():
            f["phases"] = sorted(f["phases"].values(), key=lambda p: p["order"])
            for ph in f["phases"]:
                ph["results"].sort(key=lambda x: (x["order"], x["shape"], x["message"]))
            clusters.append(f)
        return {"conforms": self.conforms, "engine": self.engine,
                "results": len(self.results),
                "violations": sum(f["violations"] for f in clusters),
                "warnings": sum(f["warnings"] for f in clusters),
                "infos": sum(f["infos"] for f in clusters),
                "focus_nodes": clusters}


def _short(sev) -> str:
    return str(sev).rsplit("#", 1)[-1]


def _sort_key(r: Result):
    return (str(r.focus), str(r.shape), str(r.path), str(r.value), r.messages)


def _path_node(g: rdflib.Graph, key: str):
    if key.startswith("^<") and key.endswith(">") and key.count("<") == 1:
        b = BNode()
        g.add((b, SH.inversePath, URIRef(key[2:-1])))
        return b
    if key.startswith("<") and key.endswith(">") and key.count("<") == 1:
        return URIRef(key[1:-1])
    return Literal(key)  # complex paths: shown as SPARQL text


# -- pyshacl (reference) engine -----------------------------------------------------------------

def results_from_report(report: rdflib.Graph) -> list[Result]:
    """Read a pyshacl (or any standard) validation report into :class:`Result` objects."""
    out = []
    for n in report.subjects(RDF.type, SH.ValidationResult):
        out.append(Result(
            focus=report.value(n, SH.focusNode),
            path=path_key(report, report.value(n, SH.resultPath)),
            value=report.value(n, SH.value),
            shape=report.value(n, SH.sourceShape),
            component=report.value(n, SH.sourceConstraintComponent),
            severity=report.value(n, SH.resultSeverity),
            constraint=report.value(n, SH.sourceConstraint),
            messages=tuple(sorted(str(m) for m in report.objects(n, SH.resultMessage)))))
    return out


def run_pyshacl(data: rdflib.Graph, shapes: rdflib.Graph,
                focus_nodes: list | None = None) -> list[Result]:
    """pyshacl over ``data`` (no inference; the ontology must be in ``data``)."""
    from pyshacl import validate as _validate

    try:
        _conforms, report, text = _validate(data, shacl_graph=shapes, allow_warnings=True,
                                            focus_nodes=focus_nodes or None)
    except Exception as e:  # pyshacl raises its own errors for broken shapes
        raise ShapesError(f"the shapes cannot be used: {str(e).splitlines()[0][:300]}")
    if not isinstance(report, rdflib.Graph):
        raise ShapesError(f"the shapes cannot be used: {text.strip()[:300]}")
    return results_from_report(report)


def store_graph(store: Store) -> rdflib.Graph:
    """The union of every named graph of the store as one rdflib graph (whole-graph runs)."""
    g = rdflib.Graph()
    for q in store.quads():
        g.add((_to_rdflib(q.subject), _to_rdflib(q.predicate), _to_rdflib(q.object)))
    return g


# -- SPARQL engine ------------------------------------------------------------------------------

_SUPPORTED = {SH.targetClass, SH.path, SH.sparql, SH.minCount, SH.severity, SH.message,
              SH.name, SH.description, SH.group, SH.order, SH.deactivated}


@dataclass
class _Shape:
    node: object
    classes: list
    path: object
    path_text: str | None
    severity: URIRef
    messages: list
    sparql: list  # (constraint node, query text, constraint messages)
    min_count: int | None
    is_property: bool


def compile_shapes(sg: rdflib.Graph) -> list[_Shape]:
    """The top-level shapes of ``sg`` in a form the SPARQL engine runs.

    :raise ShapesError: when a shape uses SHACL the engine does not cover (use pyshacl)."""
    shapes = []
    for node in sorted(set(sg.subjects(SH.targetClass, None)), key=str):
        if sg.value(node, SH.deactivated) == Literal(True):
            continue
        for p in set(sg.predicates(node, None)):
            if str(p).startswith(str(SH)) and p not in _SUPPORTED:
                raise ShapesError(f"shape {node} uses {p}, which the SPARQL engine does not cover")
        messages = [str(m) for m in sg.objects(node, SH.message)]
        if not messages:
            raise ShapesError(f"shape {node} has no sh:message (the SPARQL engine needs one)")
        path = sg.value(node, SH.path)
        sparqls = []
        for c in sorted(sg.objects(node, SH.sparql), key=str):
            if sg.value(c, SH.deactivated) == Literal(True):
                continue
            prefixes, text = sparql_select(sg, c, node)
            if re.search(r"\{[^{}]*\bSELECT\b", text[text.upper().find("WHERE"):], re.I):
                raise ShapesError(f"SPARQL constraint {c} has a sub-query")
            if path is not None:
                text = re.sub(r"([\s{}()])[$?]PATH\b", lambda m: m.group(1) + path_key(sg, path),
                              text)
            text = re.sub(r"([\s{}()])\$this\b", r"\1?this", text)
            sparqls.append((c, prefixes + text, [str(m) for m in sg.objects(c, SH.message)]))
        mc = sg.value(node, SH.minCount)
        if mc is not None and path is None:
            raise ShapesError(f"shape {node}: sh:minCount needs sh:path")
        shapes.append(_Shape(node, list(sg.objects(node, SH.targetClass)), path,
                             path_key(sg, path), sg.value(node, SH.severity) or SH.Violation,
                             messages, sparqls, int(mc) if mc is not None else None,
                             path is not None))
    return shapes


def sparql_select(sg: rdflib.Graph, c, node) -> tuple[str, str]:
    """The PREFIX declarations and the ``sh:select`` text of SPARQL constraint ``c`` of shape
    ``node``, refused (:class:`ShapesError`) where the SPARQL engines here do not apply: no
    select, ``$currentShape``/``$shapesGraph``, ``$this`` not projected."""
    select = sg.value(c, SH.select)
    if select is None:
        raise ShapesError(f"SPARQL constraint {c} of {node} has no sh:select")
    text = str(select)
    if re.search(r"\$(currentShape|shapesGraph)\b", text):
        raise ShapesError(f"SPARQL constraint {c} uses $currentShape/$shapesGraph")
    if not re.search(r"SELECT\s+(DISTINCT\s+)?[^{]*?[$?]this\b", text, re.I):
        raise ShapesError(f"SPARQL constraint {c} does not project $this")
    prefixes = "".join(
        f"PREFIX {sg.value(decl, SH.prefix)}: <{sg.value(decl, SH.namespace)}>\n"
        for pre in sg.objects(c, SH.prefixes) for decl in sg.objects(pre, SH.declare))
    return prefixes, text


def _values(var: str, terms: Iterable) -> str:
    return f"VALUES ?{var} {{ {' '.join(str(_to_ox(t)) for t in terms)} }}\n"


def _inject(sparql: str, block: str) -> str:
    m = re.search(r"\bWHERE\s*\{", sparql, re.I)
    if not m:
        raise ShapesError("a SPARQL constraint has no WHERE group")
    return sparql[:m.end()] + "\n" + block + sparql[m.end():]


def focus_nodes(store: Store, classes: list, only: list | None = None) -> list:
    """The SHACL instances of ``classes`` in the store (optionally only those in ``only``)."""
    out = set()
    for cls in classes:
        q = ("SELECT DISTINCT ?this WHERE { ?this "
             "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/"
             "<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?cls }")
        if only is not None:
            for i in range(0, len(only), BATCH):
                q2 = _inject(q, _values("this", only[i:i + BATCH]))
                out.update(_to_rdflib(s["this"]) for s in
                           store.query(q2, substitutions={"cls": _to_ox(cls)}))
        else:
            out.update(_to_rdflib(s["this"]) for s in
                       store.query(q, substitutions={"cls": _to_ox(cls)}))
    return sorted(out, key=str)


def _format(msg: str, fdict: dict) -> str:
    # pyshacl's substitution of {?var} / {$var} in messages, for equal texts
    for var, val in fdict.items():
        msg = re.sub("{{[?$]{}}}".format(var), str(val).replace("\\", "\\\\"), msg)
    return msg


def run_sparql(store: Store, sg: rdflib.Graph, only: list | None = None,
               shapes: list[_Shape] | None = None) -> list[Result]:
    """Run the shapes as SPARQL on ``store`` (see the module docs)."""
    shapes = compile_shapes(sg) if shapes is None else shapes
    results: list[Result] = []
    focus_cache: dict = {}
    ctx: dict = {}  # per run and target: the focus nodes' regions and members
    for sh in shapes:
        key = tuple(sorted(map(str, sh.classes)))
        if key not in focus_cache:
            focus_cache[key] = focus_nodes(store, sh.classes, only)
        focus = focus_cache[key]
        per_node = []
        for c, text, cmsgs in sh.sparql:  # the cluster's-actors constraints: set-at-a-time
            rows = _actor_rows(store, text, focus, ctx.setdefault(key, {}))
            if rows is None:
                per_node.append((c, text, cmsgs))
            else:
                results += _sparql_constraint(store, sh, c, text, cmsgs, focus, rows)
        rest = []
        embedded = getattr(store, "raw", None) is not None  # remote: small batches, as before
        for c, text, cmsgs in per_node:  # $this only where a VALUES join equals substitution
            if embedded and set_safe(text):
                rows = (r for i in range(0, len(focus), SET_BATCH)
                        for r in _set_rows(store, text, focus[i:i + SET_BATCH]))
                results += _sparql_constraint(store, sh, c, text, cmsgs, focus, rows)
            else:
                rest.append((c, text, cmsgs))
        for i in range(0, len(focus), BATCH):
            batch = focus[i:i + BATCH]
            if sh.min_count is not None:
                results += _min_count(store, sh, batch)
            for c, text, cmsgs in rest:
                results += _sparql_constraint(store, sh, c, text, cmsgs, batch)
    return results


#: Focus nodes per ``VALUES`` block of a set-at-a-time constraint (embedded store only).
SET_BATCH = 1000


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


def _values_rows(store: Store, text: str, batch: list):
    """Rows of a constraint for a batch of focus nodes bound by one ``VALUES`` block, one query
    (a :func:`set_safe` constraint, or any constraint on a remote store)."""
    res = store.query(_inject(text, _values("this", batch)))
    names = [v.value for v in res.variables]
    for s in res:
        yield {n: s[n] for n in names if s[n] is not None}


def _set_rows(store: Store, text: str, batch: list):
    """Rows of a :func:`set_safe` constraint for ``batch``: its top-level ``FILTER [NOT] EXISTS``
    as semi-joins of plain queries where that is exact (:mod:`amikg.validate_exists`), else the
    query as written with one ``VALUES`` block."""
    from .validate_exists import ExistsPlan, Unplanned

    plan = ExistsPlan.of(text)
    if plan is not None:
        try:
            return plan.rows(store, _values("this", batch))
        except Unplanned:
            pass
    return _values_rows(store, text, batch)


def _actor_rows(store: Store, text: str, focus: list, ctx: dict) -> list | None:
    """The rows of a constraint about the cluster's actors for all focus nodes at once
    (:mod:`amikg.validate_actors`), or ``None`` when it is not of that form."""
    from .validate_actors import ActorPlan, _NoPlan

    plan = ActorPlan.of(text)
    if plan is None:
        return None

    def solutions(store, q, nodes):
        if getattr(store, "raw", None) is not None and set_safe(q):  # e.g. an assessment
            for i in range(0, len(nodes), SET_BATCH):
                yield from _set_rows(store, q, nodes[i:i + SET_BATCH])
            return
        for i in range(0, len(nodes), BATCH):
            yield from _solutions(store, q, nodes[i:i + BATCH])

    try:
        return plan.rows(store, focus, ctx, solutions)
    except (_NoPlan, QueryError):
        return None


def _min_count(store: Store, sh: _Shape, batch: list) -> list[Result]:
    q = ("SELECT ?this (COUNT(DISTINCT ?v) AS ?n) WHERE { "
         f"OPTIONAL {{ ?this {sh.path_text} ?v }} }} GROUP BY ?this")
    out = []
    for s in store.query(_inject(q, _values("this", batch))):
        if int(s["n"].value) < sh.min_count:
            out.append(Result(_to_rdflib(s["this"]), sh.path_text, None, sh.node,
                              SH.MinCountConstraintComponent, sh.severity, None,
                              tuple(sorted(sh.messages))))
    return out


def _solutions(store: Store, text: str, batch: list):
    """Rows of a constraint for a batch of focus nodes, each row with ``this``.

    On an embedded Oxigraph store each focus node is substituted natively (SEP-0007, the
    pre-binding SHACL prescribes), so the planner sees a constant and runs ``OPTIONAL`` and
    ``EXISTS`` as loops over the cluster's neighbourhood; elsewhere the batch is bound with one
    ``VALUES`` block (one request per batch)."""
    raw = getattr(store, "raw", None)
    if raw is None:
        yield from _values_rows(store, text, batch)
        return
    this = ox.Variable("this")
    try:
        prepared = text
        for node in batch:
            focus = _to_ox(node)
            res = raw.query(prepared, use_default_graph_as_union=True,
                            substitutions={this: focus})
            names = [v.value for v in res.variables]
            for s in res:
                row = {n: s[n] for n in names if s[n] is not None}
                row["this"] = focus
                yield row
    except SyntaxError as e:
        raise QueryError(f"malformed query: {e}")


def _sparql_constraint(store, sh: _Shape, c, text, cmsgs, batch, rows=None) -> list[Result]:
    """The results of constraint ``c`` for ``batch``: from ``rows`` (an iterable of solutions,
    read here) when given, else from :func:`_solutions`."""
    try:
        rows = list(_solutions(store, text, batch) if rows is None else rows)
    except QueryError as e:
        raise ShapesError(f"SPARQL constraint {c} of {sh.node} fails: {e.message}")
    out = []
    for this, p, v, fdict in constraint_rows(({n: _to_rdflib(t) for n, t in s.items()}
                                              for s in rows), sh.is_property):
        msgs = [_format(m, fdict) for m in sh.messages]
        msgs += [_format(m, fdict) for m in cmsgs if m not in sh.messages]
        path = path_key(sh_graph_stub, p) if p is not None else sh.path_text
        out.append(Result(this, path, v, sh.node, SH.SPARQLConstraintComponent, sh.severity, c,
                          tuple(sorted(msgs))))
    return out


def constraint_rows(rows: Iterable[dict], is_property: bool):
    """The distinct results in the solutions of a SPARQL constraint (rdflib terms by variable),
    as ``(focus, path, value, bindings for the message)``, by SHACL's rules: ``?failure`` gives
    one result per focus node; ``?path`` and ``?value`` as bound, the value of a node shape's
    result defaulting to the focus node. A row without ``this`` cannot be told apart (pyshacl's
    rows always have it pre-bound) and is skipped."""
    seen = set()
    for row in rows:
        row = dict(row)
        this = row.pop("this", None)
        if this is None:
            continue
        if row.pop("failure", None) is not None:
            if (this, True) not in seen:
                seen.add((this, True))
                yield this, None, None if is_property else this, dict(row)
            continue
        p, v = row.pop("path", None), row.pop("value", None)
        key = (this, p, v, tuple(sorted(row.items())))
        if key in seen:
            continue
        seen.add(key)
        if v is None and not is_property:
            v = this
        fdict = dict(row)
        fdict.update({k: x for k, x in (("this", this), ("path", p), ("value", v))
                      if x is not None})
        yield this, p, v, fdict


sh_graph_stub = rdflib.Graph()  # path_key of an IRI needs no graph


# -- entry points -------------------------------------------------------------------------------

def resolve_cluster(store: Store, ident: str) -> URIRef:
    """A cluster IRI from an IRI, a slug (``filas``) or a ``skos:notation``.

    :raise NotFound: naming the identifier when no such cluster exists."""
    candidates = []
    if re.match(r"^[a-z][a-z0-9+.-]*:", ident, re.I):
        candidates.append(ox.NamedNode(ident) if " " not in ident else None)
    else:
        candidates.append(ox.NamedNode(str(AMID["cluster/" + ident])))
    q = ("SELECT ?c WHERE { ?c <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/"
         "<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?cls }")
    for cand in filter(None, candidates):
        if list(store.query(q, substitutions={"c": cand, "cls": ox.NamedNode(str(AMI.Cluster))})):
            return URIRef(cand.value)
    if not re.match(r"^[a-z][a-z0-9+.-]*:", ident, re.I):
        q2 = ("SELECT ?c WHERE { ?c <http://www.w3.org/2004/02/skos/core#notation> ?n ; "
              "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/"
              "<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?cls }")
        hits = list(store.query(q2, substitutions={"n": ox.Literal(ident),
                                                    "cls": ox.NamedNode(str(AMI.Cluster))}))
        if hits:
            return _to_rdflib(hits[0]["c"])
    raise NotFound(f"no cluster {ident!r} in the store (give its IRI or slug, e.g. filas)",
                   cluster=ident)


def cluster_labels(store: Store, clusters: list | None = None) -> dict:
    q = ("SELECT ?c (SAMPLE(?l) AS ?label) WHERE { ?c a ?cls ; "
         "<http://www.w3.org/2000/01/rdf-schema#label> ?l } GROUP BY ?c")
    out = {}
    for s in store.query(q, substitutions={"cls": ox.NamedNode(str(AMI.Cluster))}):
        out[s["c"].value] = s["label"].value
    return out


def validate_store(store: Store, profile: str = "roadmap", cluster: str | None = None,
                   engine: str = "auto") -> Outcome:
    """Validate the store with a profile or shapes file.

    :param cluster: ``None`` or ``"all"`` for every focus node, else a cluster IRI or slug; the
        roadmap shapes then run on that cluster only (data shapes: results about the cluster and
        its listed members).
    :param engine: ``auto``, ``sparql`` or ``pyshacl``.
    """
    sg = shapes_graph(profile)
    only = None
    if cluster and cluster != "all":
        only = [resolve_cluster(store, cluster)]
    engine = _choose(engine, sg)
    if engine == "sparql":
        results = run_sparql(store, sg, only)
    else:
        data = store_graph(store)
        results = run_pyshacl(data, sg)
        if only is not None:
            keep = set(only) | _members(data, only[0])
            results = [r for r in results if r.focus in keep]
    return Outcome(results, sg, engine, cluster_labels(store))


def _members(data: rdflib.Graph, c: URIRef) -> set:
    org = rdflib.Namespace("http://www.w3.org/ns/org#")
    out = set(data.objects(c, org.hasMember)) | set(data.subjects(org.memberOf, c))
    for m in data.subjects(org.organization, c):
        out.add(m)
        out |= set(data.objects(m, org.member))
    return out


def _choose(engine: str, sg: rdflib.Graph) -> str:
    if engine not in ("auto", "sparql", "pyshacl"):
        raise ShapesError(f"unknown engine {engine!r}; use auto, sparql or pyshacl")
    if engine == "auto":
        try:
            compile_shapes(sg)
            return "sparql"
        except ShapesError:
            return "pyshacl"
    return engine


def validate_source(source, profile: str = "roadmap", cluster: str | None = None,
                    engine: str = "auto") -> Outcome:
    """Validate one data file (a :class:`amikg.loader.Source`) together with the bundled
    ontology; nothing is written to any store.

    :raise LoadError: naming the file, line and column when the file does not parse."""
    from .loader import parse_source

    quads = parse_source(source, "urn:x-amikg:upload")
    sg = shapes_graph(profile)
    engine = _choose(engine, sg)
    mem = scratch_store()
    onto = ontology_graph()
    mem.add(ox.Quad(_to_ox(s), _to_ox(p), _to_ox(o), ox.NamedNode("urn:x-amikg:ontology"))
            for s, p, o in onto)
    mem.add(quads)
    only = [resolve_cluster(mem, cluster)] if cluster and cluster != "all" else None
    if engine == "sparql":
        results = run_sparql(mem, sg, only)
    else:
        data = store_graph(mem)
        results = run_pyshacl(data, sg)
        if only is not None:
            keep = set(only) | _members(data, only[0])
            results = [r for r in results if r.focus in keep]
    return Outcome(results, sg, engine, cluster_labels(mem))


# -- output -------------------------------------------------------------------------------------

FORMATS = {"text": "text/plain", "turtle": "text/turtle", "json-ld": "application/ld+json",
           "html": "text/html", "json": "application/json"}


def render(outcome: Outcome, fmt: str) -> str:
    """The outcome as ``text`` (summary), ``turtle`` / ``json-ld`` (the report graph),
    ``json`` (the summary) or ``html``."""
    if fmt == "turtle":
        return outcome.report_graph().serialize(format="turtle")
    if fmt == "json-ld":
        return outcome.report_graph().serialize(format="json-ld", indent=2)
    if fmt == "json":
        import json
        return json.dumps(outcome.summary(), indent=2)
    if fmt == "html":
        return _html(outcome.summary())
    if fmt == "text":
        return _text(outcome.summary())
    raise ShapesError(f"unknown report format {fmt!r}; use {', '.join(FORMATS)}")


def _text(s: dict) -> str:
    lines = [f"{'conforms' if s['conforms'] else 'does not conform'}: {s['violations']} "
             f"violation(s), {s['warnings']} warning(s), {s['infos']} info(s)"]
    for f in s["focus_nodes"]:
        name = f" ({f['label']})" if f["label"] else ""
        lines.append(f"\n{f['focus']}{name}: {f['violations']} violation(s), "
                     f"{f['warnings']} warning(s), {f['infos']} info(s)")
        for ph in f["phases"]:
            lines.append(f"  {ph['label']}")
            for r in ph["results"]:
                lines.append(f"    [{r['severity']}] {r['message']}")
    return "\n".join(lines) + "\n"


def _html(s: dict) -> str:
    from html import escape
    out = ["<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<title>amikg validation report</title></head><body>",
           f"<h1>Validation report</h1><p>{'Conforms' if s['conforms'] else 'Does not conform'}"
           f": {s['violations']} violation(s), {s['warnings']} warning(s), "
           f"{s['infos']} info(s).</p>"]
    for f in s["focus_nodes"]:
        out.append(f"<h2>{escape(f['label'] or f['focus'])}</h2>")
        for ph in f["phases"]:
            out.append(f"<h3>{escape(ph['label'])}</h3><table><tr><th>severity</th>"
                       "<th>check</th><th>message</th></tr>")
            for r in ph["results"]:
                out.append(f"<tr><td>{escape(r['severity'])}</td><td>{escape(r['name'])}</td>"
                           f"<td>{escape(r['message'])}</td></tr>")
            out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out)


__all__ = ["PROFILES", "Outcome", "Result", "ShapesError", "validate_store", "validate_source",
           "run_pyshacl", "run_sparql", "shapes_graph", "store_graph", "ontology_graph",
           "resolve_cluster", "render", "results_from_report", "compile_shapes", "LoadError"]
