"""SHACL validation of the store or of a data file: two engines, one report.

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
    Constraints of the forms :mod:`.plans_actors` and :mod:`.plans_exists` recognise run
    set-at-a-time, for all focus nodes at once; the rest per focus node.
``pyshacl``
    Plain pyshacl over the data as an rdflib graph (the whole store, or the file plus the
    ontology). Used for shapes the SPARQL engine does not cover, and as the reference.

``auto`` (the default) picks ``sparql`` when every shape is covered, else ``pyshacl``.
A result *conforms* when it has no ``sh:Violation`` (warnings and infos do not fail; pyshacl's
``allow_warnings``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import pyoxigraph as ox
import rdflib
from rdflib import Literal, URIRef

from ..clusters import cluster_labels, resolve_cluster
from ..errors import NotFound, QueryError
from ..loader import parse_source
from ..namespaces import SH
from ..sparql.binder import inject, values
from ..store import Store, scratch_store
from .plans_actors import ActorPlan, NoPlan
from .plans_exists import ExistsPlan, Unplanned, set_safe
from .profiles import (DEFAULT_PROFILE, ShapesError, ontology_graph, path_key, shapes_graph,
                       sparql_select)
from .report import Outcome, Result, constraint_results, results_from_report
from .terms import to_ox, to_rdflib

#: Focus nodes bound per SPARQL query (keeps queries small enough for remote endpoints).
BATCH = 50
#: Focus nodes per ``VALUES`` block of a set-at-a-time constraint (embedded store only).
SET_BATCH = 1000


# -- pyshacl (reference) engine -----------------------------------------------------------------

def run_pyshacl(data: rdflib.Graph, shapes: rdflib.Graph,
                focus_nodes: list | None = None) -> list[Result]:
    """pyshacl over ``data`` (no inference; the ontology must be in ``data``)."""
    # pyshacl and rdflib's SPARQL engine it loads cost ~75 ms to import: only this engine needs them
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
        g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return g


# -- SPARQL engine: the shapes compiled ---------------------------------------------------------

_SUPPORTED = {SH.targetClass, SH.path, SH.sparql, SH.minCount, SH.severity, SH.message,
              SH.name, SH.description, SH.group, SH.order, SH.deactivated}


@dataclass
class CompiledShape:
    """A top-level shape as the SPARQL engine runs it."""

    node: object
    classes: list
    path: object
    path_text: str | None
    severity: URIRef
    messages: list
    sparql: list  # (constraint node, query text, constraint messages)
    min_count: int | None
    is_property: bool


def compile_shapes(sg: rdflib.Graph) -> list[CompiledShape]:
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
        shapes.append(CompiledShape(node, list(sg.objects(node, SH.targetClass)), path,
                                    path_key(sg, path), sg.value(node, SH.severity) or SH.Violation,
                                    messages, sparqls, int(mc) if mc is not None else None,
                                    path is not None))
    return shapes


# -- SPARQL engine: running ---------------------------------------------------------------------

def _values(var: str, terms: Iterable) -> str:
    """``VALUES ?var { ... }`` of rdflib terms."""
    return values(var, (to_ox(t) for t in terms))


def _inject(sparql: str, block: str) -> str:
    out = inject(sparql, block, any_brace=False)
    if out is None:
        raise ShapesError("a SPARQL constraint has no WHERE group")
    return out


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
                out.update(to_rdflib(s["this"]) for s in
                           store.query(q2, substitutions={"cls": to_ox(cls)}))
        else:
            out.update(to_rdflib(s["this"]) for s in
                       store.query(q, substitutions={"cls": to_ox(cls)}))
    return sorted(out, key=str)


def run_sparql(store: Store, sg: rdflib.Graph, only: list | None = None,
               shapes: list[CompiledShape] | None = None) -> list[Result]:
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
        for c, text, cmsgs in per_node:  # $this only where a VALUES join equals substitution
            if store.in_process and set_safe(text):  # (remote: small batches, as before)
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


def _values_rows(store: Store, text: str, batch: list):
    """Rows of a constraint for a batch of focus nodes bound by one ``VALUES`` block, one query
    (a :func:`set_safe` constraint, or any constraint on a remote store)."""
    res = store.query(_inject(text, _values("this", batch)))
    names = [v.value for v in res.variables]
    for s in res:
        yield {n: s[n] for n in names if s[n] is not None}


def _set_rows(store: Store, text: str, batch: list):
    """Rows of a :func:`set_safe` constraint for ``batch``: its top-level ``FILTER [NOT] EXISTS``
    as semi-joins of plain queries where that is exact (:mod:`.plans_exists`), else the query as
    written with one ``VALUES`` block."""
    plan = ExistsPlan.of(text)
    if plan is not None:
        try:
            return plan.rows(store, _values("this", batch))
        except Unplanned:
            pass
    return _values_rows(store, text, batch)


def _actor_rows(store: Store, text: str, focus: list, ctx: dict) -> list | None:
    """The rows of a constraint about the cluster's actors for all focus nodes at once
    (:mod:`.plans_actors`), or ``None`` when it is not of that form."""
    plan = ActorPlan.of(text)
    if plan is None:
        return None

    def solutions(store, q, nodes):
        if store.in_process and set_safe(q):  # e.g. an assessment
            for i in range(0, len(nodes), SET_BATCH):
                yield from _set_rows(store, q, nodes[i:i + SET_BATCH])
            return
        for i in range(0, len(nodes), BATCH):
            yield from _solutions(store, q, nodes[i:i + BATCH])

    try:
        return plan.rows(store, focus, ctx, solutions)
    except (NoPlan, QueryError):
        return None


def _min_count(store: Store, sh: CompiledShape, batch: list) -> list[Result]:
    q = ("SELECT ?this (COUNT(DISTINCT ?v) AS ?n) WHERE { "
         f"OPTIONAL {{ ?this {sh.path_text} ?v }} }} GROUP BY ?this")
    out = []
    for s in store.query(_inject(q, _values("this", batch))):
        if int(s["n"].value) < sh.min_count:
            out.append(Result(to_rdflib(s["this"]), sh.path_text, None, sh.node,
                              SH.MinCountConstraintComponent, sh.severity, None,
                              tuple(sorted(sh.messages))))
    return out


def _solutions(store: Store, text: str, batch: list):
    """Rows of a constraint for a batch of focus nodes, each row with ``this``.

    Where the store pre-binds natively (:attr:`Store.can_prebind`) each focus node is
    substituted (the pre-binding SHACL prescribes), so the planner sees a constant and runs
    ``OPTIONAL`` and ``EXISTS`` as loops over the cluster's neighbourhood; elsewhere the batch is
    bound with one ``VALUES`` block (one request per batch)."""
    if not store.can_prebind:
        yield from _values_rows(store, text, batch)
        return
    for node in batch:
        focus = to_ox(node)
        res = store.query_prebound(text, {"this": focus})
        names = [v.value for v in res.variables]
        for s in res:
            row = {n: s[n] for n in names if s[n] is not None}
            row["this"] = focus
            yield row


def _sparql_constraint(store, sh: CompiledShape, c, text, cmsgs, batch,
                       rows=None) -> list[Result]:
    """The results of constraint ``c`` for ``batch``: from ``rows`` (an iterable of solutions,
    read here) when given, else from :func:`_solutions`."""
    try:
        rows = list(_solutions(store, text, batch) if rows is None else rows)
    except QueryError as e:
        raise ShapesError(f"SPARQL constraint {c} of {sh.node} fails: {e.message}")
    return constraint_results(({n: to_rdflib(t) for n, t in s.items()} for s in rows),
                              shape=sh.node, constraint=c, severity=sh.severity,
                              shape_messages=sh.messages, constraint_messages=cmsgs,
                              is_property=sh.is_property, path_text=sh.path_text)


# -- entry points -------------------------------------------------------------------------------

def validate_store(store: Store, profile: str = DEFAULT_PROFILE, cluster: str | None = None,
                   engine: str = "auto") -> Outcome:
    """Validate the store with a profile or shapes file (default: the data-quality shapes).

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
    results, checked = _run(store, sg, only, engine)
    return Outcome(results, sg, engine, cluster_labels(store), profile, checked)


def validate_source(source, profile: str = DEFAULT_PROFILE, cluster: str | None = None,
                    engine: str = "auto", store: Store | None = None) -> Outcome:
    """Validate one data file (a :class:`amikg.loader.Source`) together with the bundled
    ontology (default: the data-quality shapes); nothing is written to any store.

    ``cluster`` limits the run to one cluster: one the file describes, or else one of ``store``
    (the service's, the CLI's), whose own description is then validated with the file (the file
    adds to what the store says of the cluster).

    :raise LoadError: naming the file, line and column when the file does not parse.
    :raise NotFound: a cluster neither the file nor ``store`` has."""
    quads = parse_source(source, "urn:x-amikg:upload")
    sg = shapes_graph(profile)
    engine = _choose(engine, sg)
    mem = scratch_store()
    onto = ontology_graph()
    mem.add(ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.NamedNode("urn:x-amikg:ontology"))
            for s, p, o in onto)
    mem.add(quads)
    only = [_file_cluster(mem, source.name, cluster, store)] \
        if cluster and cluster != "all" else None
    results, checked = _run(mem, sg, only, engine)
    return Outcome(results, sg, engine, cluster_labels(mem), profile, checked)


def _file_cluster(mem: Store, name: str, cluster: str, store: Store | None):
    """The cluster ``cluster`` names in the file's scratch store ``mem``, else in ``store``
    (its description copied into ``mem``)."""
    try:
        return resolve_cluster(mem, cluster)
    except NotFound as e:
        if store is None:
            raise NotFound(e.message.replace(f"the store at {mem.location}", name, 1),
                           cluster=cluster)
    try:
        found = resolve_cluster(store, cluster)
    except NotFound:
        raise NotFound(f"no cluster {cluster!r} in {name} nor in the store at {store.location} "
                       "(give its IRI, slug or name, e.g. filas)", cluster=cluster)
    c = ox.NamedNode(str(found))
    g = ox.NamedNode("urn:x-amikg:cluster")
    mem.add([ox.Quad(c, t.predicate, t.object, g) for t in store.query(
        "CONSTRUCT { ?c ?p ?o } WHERE { ?c ?p ?o }", substitutions={"c": c})])
    return found


def _run(store: Store, sg: rdflib.Graph, only: list | None,
         engine: str) -> tuple[list[Result], int]:
    """The results of the chosen engine and the number of focus nodes checked; with ``only``
    (one cluster), pyshacl's are kept for the cluster and its listed members."""
    targets = target_nodes(store, sg)
    if engine == "sparql":
        checked = targets if only is None else targets & set(only)
        return run_sparql(store, sg, only), len(checked)
    data = store_graph(store)
    results = run_pyshacl(data, sg)
    if only is None:
        return results, len(targets)
    keep = set(only) | _members(data, only[0])
    return [r for r in results if r.focus in keep], len(targets & keep)


#: A shape's targets as the graph patterns that find their focus nodes (SHACL 2.1.3).
_TARGET_PATTERNS = {
    SH.targetClass: "?this <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/"
                    "<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?t",
    SH.targetSubjectsOf: "?this ?t ?any", SH.targetObjectsOf: "?any ?t ?this"}
_IMPLICIT = (rdflib.RDFS.Class, rdflib.OWL.Class)


def target_nodes(store: Store, sg: rdflib.Graph) -> set:
    """The focus nodes of the active shapes of ``sg`` in the store: the instances of each
    ``sh:targetClass`` (and of a shape that is itself a class), the subjects and objects of
    ``sh:targetSubjectsOf`` / ``sh:targetObjectsOf``, every ``sh:targetNode``."""
    asked: set = set()
    out: set = set()
    for pred, pattern in _TARGET_PATTERNS.items():
        for shape, t in sg.subject_objects(pred):
            asked.add((shape, pred, t))
    for cls in _IMPLICIT:
        for shape in sg.subjects(rdflib.RDF.type, cls):
            if (shape, rdflib.RDF.type, SH.NodeShape) in sg:
                asked.add((shape, SH.targetClass, shape))
    seen: set = set()
    for shape, pred, t in sorted(asked, key=str):
        if sg.value(shape, SH.deactivated) == Literal(True) or (pred, t) in seen:
            continue
        seen.add((pred, t))
        q = f"SELECT DISTINCT ?this WHERE {{ {_TARGET_PATTERNS[pred]} }}"
        out.update(to_rdflib(s["this"]) for s in store.query(q, substitutions={"t": to_ox(t)}))
    for shape, node in sg.subject_objects(SH.targetNode):
        if sg.value(shape, SH.deactivated) != Literal(True):
            out.add(node)
    return out


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
