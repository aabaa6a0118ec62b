"""One report for every engine: :class:`Result`, :class:`Outcome` (its summary and the standard
``sh:ValidationReport``), the rows of a SHACL-SPARQL constraint read into results by SHACL's
rules, and :func:`render` in the report formats (:data:`FORMATS`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html import escape
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
