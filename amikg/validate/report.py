"""One report for every engine: :class:`Result`, :class:`Outcome` (its summary and the standard
``sh:ValidationReport``), the rows of a SHACL-SPARQL constraint read into results by SHACL's
rules, and :func:`render` in the report formats (:data:`FORMATS`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html import escape
from pathlib import PurePath
from typing import Iterable

import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from ..namespaces import PREFIXES, SH
from .profiles import ShapesError, path_key

FORMATS = {"text": "text/plain", "turtle": "text/turtle", "json-ld": "application/ld+json",
           "html": "text/html", "json": "application/json"}


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
    """A validation: the results, the shapes used, and how it was run.

    ``checked`` is the number of focus nodes the shapes applied to (their targets in the data):
    a run that checked none is neither conforming nor not (:attr:`status`)."""

    results: list[Result]
    shapes: rdflib.Graph
    engine: str
    labels: dict = field(default_factory=dict)
    profile: str = ""
    checked: int | None = None

    @property
    def conforms(self) -> bool:
        """SHACL's answer (the report's ``sh:conforms``): no ``sh:Violation``."""
        return not any(r.severity == SH.Violation for r in self.results)

    @property
    def nothing_checked(self) -> bool:
        return self.checked == 0

    @property
    def status(self) -> str:
        """``conforms``, ``does not conform`` or ``nothing checked`` (no focus node)."""
        if self.nothing_checked:
            return NOTHING_CHECKED
        return "conforms" if self.conforms else "does not conform"

    def report_graph(self) -> rdflib.Graph:
        """The standard ``sh:ValidationReport``: one result per constraint, as SHACL defines it.
        A source shape that is a blank node (a shapes file of one's own) is described in the
        report (its own triples, its path and the node shape it belongs to), so the result
        still says which shape it comes from; a run that checked no focus node says so in an
        ``rdfs:comment``."""
        g = rdflib.Graph()
        for p, ns in PREFIXES.items():
            g.bind(p, ns)
        rep = BNode()
        g.add((rep, RDF.type, SH.ValidationReport))
        g.add((rep, SH.conforms, Literal(self.conforms)))
        if self.nothing_checked:
            g.add((rep, RDFS.comment, Literal(self.note(), lang="en")))
        described: set = set()
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
            if isinstance(r.shape, BNode):
                _describe_shape(g, self.shapes, r.shape, described)
        return g

    def profile_name(self) -> str:
        """How the shapes are called to people: ``data-quality``, ``roadmap`` or the file name."""
        return {"data": "data-quality", "roadmap": "roadmap"}.get(
            self.profile, PurePath(self.profile).name or "given")

    def note(self) -> str:
        """What a run that checked nothing tells (empty otherwise)."""
        if not self.nothing_checked:
            return ""
        targets = "; ".join(target_texts(self.shapes)) or "no target"
        return (f"no focus node of the {self.profile_name()} shapes in the data (they check "
                f"{targets}); nothing was validated")

    def findings(self) -> list[dict]:
        """The results as people read them: one finding per focus node, severity, path, value
        and message, however many constraints gave it (``constraints`` lists them; the
        region given as text breaks both ``sh:nodeKind`` and ``sh:pattern`` of one shape), in
        report order."""
        sg = self.shapes
        out: dict = {}
        for r in sorted(self.results, key=_sort_key):
            message = " ".join(r.messages)
            key = (r.focus, r.severity, r.path, r.value, message)
            if key in out:
                f = out[key]
                f["constraints"] = sorted({*f["constraints"], _short(r.component)})
                continue
            node = node_shape(sg, r.shape)
            group = sg.value(r.shape, SH.group) or sg.value(node, SH.group)
            out[key] = {
                "focus": str(r.focus), "group": group,
                "order": int(sg.value(r.shape, SH.order) or sg.value(node, SH.order) or 0),
                "shape": str(r.shape), "node_shape": str(node),
                "name": str(sg.value(r.shape, SH.name) or sg.value(node, SH.name) or ""),
                "severity": _short(r.severity), "message": message,
                "value": None if r.value is None else str(r.value), "path": r.path,
                "constraints": [_short(r.component)]}
        return list(out.values())

    def summary(self) -> dict:
        """The findings (:meth:`findings`) grouped by focus node and phase (``sh:group``), in
        report order, with the counts every interface shows: ``results`` counts findings (what
        is listed), ``report_results`` the results of the standard report (one per
        constraint); ``checked`` the focus nodes the shapes applied to, ``status`` and
        ``conforms`` (``None`` when nothing was checked)."""
        sg = self.shapes
        by_focus: dict = {}
        for r in self.findings():
            group = r.pop("group")
            gkey = str(group) if group is not None else ""
            f = by_focus.setdefault(r["focus"], {"focus": r["focus"],
                                                 "label": self.labels.get(r["focus"], ""),
                                                 "violations": 0, "warnings": 0, "infos": 0,
                                                 "phases": {}})
            f[{"Violation": "violations", "Warning": "warnings"}.get(r["severity"], "infos")] += 1
            ph = f["phases"].setdefault(gkey, {
                "phase": gkey or None,
                "label": str(sg.value(group, RDFS.label) or "") if group is not None else "other",
                "order": int(sg.value(group, SH.order) or 999) if group is not None else 999,
                "results": []})
            del r["focus"]
            ph["results"].append(r)
        clusters = []
        for f in by_focus.values():
            f["phases"] = sorted(f["phases"].values(), key=lambda p: p["order"])
            for ph in f["phases"]:
                ph["results"].sort(key=lambda x: (x["order"], x["shape"], x["message"]))
            clusters.append(f)
        return {"status": self.status,
                "conforms": None if self.nothing_checked else self.conforms,
                "profile": self.profile, "engine": self.engine, "checked": self.checked,
                "note": self.note(),
                "results": sum(f["violations"] + f["warnings"] + f["infos"] for f in clusters),
                "report_results": len(self.results),
                "violations": sum(f["violations"] for f in clusters),
                "warnings": sum(f["warnings"] for f in clusters),
                "infos": sum(f["infos"] for f in clusters),
                "focus_nodes": clusters}


#: :attr:`Outcome.status` of a run whose shapes applied to no focus node.
NOTHING_CHECKED = "nothing checked"

_TARGET_WORDS = {SH.targetClass: "instances of", SH.targetSubjectsOf: "subjects of",
                 SH.targetObjectsOf: "objects of", SH.targetNode: "the node"}


def target_texts(sg: rdflib.Graph) -> list[str]:
    """What the shapes apply to, for people: ``instances of ami:Cluster``, ...; sorted."""
    out = set()
    for pred, words in _TARGET_WORDS.items():
        for s, o in sg.subject_objects(pred):
            if sg.value(s, SH.deactivated) != Literal(True):
                out.add(f"{words} {_compact(o)}")
    return sorted(out)


def node_shape(sg: rdflib.Graph, shape):
    """The top-level shape a property shape belongs to (``sh:property``), else the shape."""
    seen = {shape}
    while True:
        parent = sg.value(None, SH.property, shape)
        if parent is None or parent in seen:
            return shape
        seen.add(parent)
        shape = parent


def _describe_shape(g: rdflib.Graph, sg: rdflib.Graph, shape, done: set) -> None:
    """Copy a blank-node shape's description into the report: its triples (blank-node objects
    such as a path or an ``sh:in`` list with theirs), and the shape it belongs to."""
    todo = [shape]
    while todo:
        node = todo.pop()
        if node in done:
            continue
        done.add(node)
        for p, o in sg.predicate_objects(node):
            g.add((node, p, o))
            if isinstance(o, BNode):
                todo.append(o)
        for parent in sg.subjects(SH.property, node):
            g.add((parent, SH.property, node))
            if isinstance(parent, BNode):
                todo.append(parent)


def _compact(term) -> str:
    text = str(term)
    for p, ns in PREFIXES.items():
        if text.startswith(str(ns)) and text != str(ns):
            return f"{p}:{text[len(str(ns)):]}"
    return text


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


# -- SHACL-SPARQL constraints: solutions to results ---------------------------------------------

def format_message(msg: str, fdict: dict) -> str:
    """A constraint's message with ``{?var}`` / ``{$var}`` replaced by the solution's values
    (pyshacl's substitution, so the texts are equal)."""
    for var, val in fdict.items():
        msg = re.sub("{{[?$]{}}}".format(var), str(val).replace("\\", "\\\\"), msg)
    return msg


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


_NO_GRAPH = rdflib.Graph()  # path_key of an IRI needs no graph


def constraint_results(rows: Iterable[dict], *, shape, constraint, severity,
                       shape_messages, constraint_messages, is_property: bool,
                       path_text: str | None) -> list[Result]:
    """The :class:`Result` objects of SPARQL constraint ``constraint`` of ``shape`` from its
    solutions (rdflib terms by variable, see :func:`constraint_rows`): the shape's messages, then
    the constraint's own ones it does not repeat, each formatted with the row's values; the path
    as bound (``?path``), else the shape's."""
    out = []
    for this, p, v, fdict in constraint_rows(rows, is_property):
        msgs = [format_message(m, fdict) for m in shape_messages]
        msgs += [format_message(m, fdict) for m in constraint_messages if m not in shape_messages]
        path = path_key(_NO_GRAPH, p) if p is not None else path_text
        out.append(Result(this, path, v, shape, SH.SPARQLConstraintComponent, severity,
                          constraint, tuple(sorted(msgs))))
    return out


# -- output -------------------------------------------------------------------------------------

def render(outcome: Outcome, fmt: str) -> str:
    """The outcome as ``text`` (summary), ``turtle`` / ``json-ld`` (the report graph),
    ``json`` (the summary) or ``html``."""
    if fmt == "turtle":
        return outcome.report_graph().serialize(format="turtle")
    if fmt == "json-ld":
        return outcome.report_graph().serialize(format="json-ld", indent=2)
    if fmt == "json":
        return json.dumps(outcome.summary(), indent=2)
    if fmt == "html":
        return _html(outcome.summary())
    if fmt == "text":
        return _text(outcome.summary())
    raise ShapesError(f"unknown report format {fmt!r}; use {', '.join(FORMATS)}")


def _headline(s: dict) -> str:
    """The first line every render shows: the status and the counts, or what was not checked."""
    if s["status"] == NOTHING_CHECKED:
        return f"nothing checked: {s['note']}"
    checked = f" on {s['checked']} focus node(s) checked" if s["checked"] is not None else ""
    return (f"{s['status']}: {s['violations']} violation(s), {s['warnings']} warning(s), "
            f"{s['infos']} info(s){checked}")


def _text(s: dict) -> str:
    lines = [_headline(s)]
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
    head = (f"nothing was checked: {s['note']}" if s["status"] == NOTHING_CHECKED
            else _headline(s))
    out = ["<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<title>amikg validation report</title></head><body>",
           f"<h1>Validation report</h1><p>{escape(head[:1].upper() + head[1:])}.</p>"]
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
