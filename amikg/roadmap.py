"""How far along the roadmap of D2.2 a cluster is, and what comes next.

The roadmap shapes (``shapes/roadmap.ttl``) run on one cluster (SPARQL engine, so this works on
any store); a checkpoint or activity is *done* when its shape reports nothing for the cluster.
Per phase: done / open, percent complete; then the next steps in the report's order, each with the
shape's message. A recorded ``ami:CheckpointAssessment`` status (e.g. in progress) is shown next to
the item. The JSON of :func:`roadmap` is what the roadmap page's progress chart draws.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.namespace import RDFS

from .clusters import cluster_labels, resolve_cluster
from .namespaces import SH
from .store import Store
from .validate import run_sparql, shapes_graph


#: A parenthesised aside that names vocabulary terms (``(ami:actsAtStep)``): for data stewards.
_VOCABULARY_ASIDE = re.compile(
    r"\s*\((?:[^()]*?\b(?:ami|dcterms|org|skos|rdfs|foaf|vcard|schema|prov):[^()]*)\)")


def plain_message(message: str) -> str:
    """A roadmap message in a manager's words: without the asides that name vocabulary terms
    (pages show this; the CLI and the JSON keep the whole message for data stewards)."""
    return _VOCABULARY_ASIDE.sub("", message)


def _assessments(store: Store, cluster: URIRef) -> dict:
    q = ("PREFIX ami: <https://w3id.org/amikg/ontology#> "
         "PREFIX dcterms: <http://purl.org/dc/terms/> "
         "SELECT ?item ?status ?date WHERE { ?a ami:assessedCluster ?c ; ami:assessedItem ?item ; "
         "ami:status ?status . OPTIONAL { ?a dcterms:date ?date } } ORDER BY ?date")
    out = {}
    for s in store.query(q, substitutions={"c": ox.NamedNode(str(cluster))}):
        out[s["item"].value] = {"status": s["status"].value.rsplit("status-", 1)[-1],
                                "date": s["date"].value if s["date"] else None}
    return out


def roadmap(store: Store, cluster: str) -> dict:
    """The roadmap state of one cluster (IRI or slug, e.g. ``filas``).

    :raise NotFound: when there is no such cluster."""
    c = resolve_cluster(store, cluster)
    sg = shapes_graph("roadmap")
    results = run_sparql(store, sg, [c])
    messages: dict = {}
    for r in sorted(results, key=lambda r: (str(r.value), r.messages)):
        messages.setdefault(r.shape, []).extend(m for m in r.messages
                                                if m not in messages.get(r.shape, []))
    assessed = _assessments(store, c)
    phases: dict = {}
    recommendations = []
    for shape in sg.subjects(SH.targetClass, None):
        item = sg.value(shape, RDFS.seeAlso)
        group = sg.value(shape, SH.group)
        sev = str(sg.value(shape, SH.severity) or SH.Violation).rsplit("#", 1)[-1]
        entry = {"id": str(shape).rsplit("#", 1)[-1], "shape": str(shape),
                 "item": str(item) if item is not None else None,
                 "name": str(sg.value(shape, SH.name) or ""), "severity": sev,
                 "order": int(sg.value(shape, SH.order) or 0),
                 "done": shape not in messages, "messages": messages.get(shape, [])}
        if sev == "Info":
            recommendations.append(entry)
            continue
        entry["kind"] = "checkpoint" if sev == "Violation" else "activity"
        entry["assessment"] = assessed.get(str(item))
        ph = phases.setdefault(str(group), {
            "id": str(group).rsplit("#", 1)[-1], "label": str(sg.value(group, RDFS.label)),
            "order": int(sg.value(group, SH.order)), "items": []})
        ph["items"].append(entry)
    out_phases = []
    for ph in sorted(phases.values(), key=lambda p: p["order"]):
        ph["items"].sort(key=lambda i: i["order"])
        ph["done"] = sum(i["done"] for i in ph["items"])
        ph["open"] = len(ph["items"]) - ph["done"]
        ph["percent"] = round(100 * ph["done"] / len(ph["items"])) if ph["items"] else 100
        out_phases.append(ph)
    items = [i for ph in out_phases for i in ph["items"]]
    done = sum(i["done"] for i in items)
    next_steps = [{"id": i["id"], "name": i["name"], "kind": i["kind"], "phase": ph["label"],
                   "messages": i["messages"],
                   "advice": [plain_message(m) for m in i["messages"]]}
                  for ph in out_phases for i in ph["items"] if not i["done"]]
    recommendations.sort(key=lambda i: i["order"])
    return {"cluster": str(c), "label": cluster_labels(store).get(str(c), ""),
            "done": done, "total": len(items),
            "percent": round(100 * done / len(items)) if items else 100,
            "phases": out_phases, "next_steps": next_steps,
            "recommendations": recommendations}


def render_text(rm: dict, limit: int | None = 5) -> str:
    """A roadmap for a terminal: a line per phase, then the next steps with their messages."""
    lines = [f"{rm['label'] or rm['cluster']}: {rm['done']}/{rm['total']} done "
             f"({rm['percent']}%)", ""]
    for ph in rm["phases"]:
        bar = "#" * (ph["percent"] // 10) + "." * (10 - ph["percent"] // 10)
        lines.append(f"  [{bar}] {ph['percent']:3d}%  {ph['label']}: {ph['done']} done, "
                     f"{ph['open']} open")
    steps = rm["next_steps"] if limit is None else rm["next_steps"][:limit]
    if steps:
        lines += ["", "Next steps (in the report's order):"]
        for n, s in enumerate(steps, 1):
            lines.append(f"  {n}. {s['name']} [{s['kind']}, {s['phase']}]")
            for m in s["messages"]:
                lines.append(f"       - {m}")
        if limit is not None and len(rm["next_steps"]) > limit:
            lines.append(f"  ... and {len(rm['next_steps']) - limit} more (--all)")
    else:
        lines += ["", "Every checkpoint and activity is done."]
    return "\n".join(lines) + "\n"
