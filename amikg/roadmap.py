"""How far along the roadmap of D2.2 a cluster is, and what comes next.

The roadmap shapes (``shapes/roadmap.ttl``) run on one cluster (SPARQL engine, so this works on
any store); a checkpoint or activity is *done* when its shape reports nothing for the cluster.
Per phase: done / open, percent complete; then the next steps in the report's order, each with the
shape's message. A recorded ``ami:CheckpointAssessment`` status (e.g. in progress) is shown next to
the item. The JSON of :func:`roadmap` is what the roadmap page's progress chart draws.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.namespace import RDFS

from .namespaces import AMI, SH
from .store import Store
from .validate import cluster_labels, resolve_cluster, run_sparql, shapes_graph


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
                   "messages": i["messages"]}
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


def synthetic_roadmap_triples(clusters: int, seed: int = 7) -> list[ox.Triple]:
    """Roadmap data for the synthetic clusters ``amid:cluster/syn-<n>`` of :mod:`amikg.generate`
    (benchmarks and the scale test): a seeded mix of offices, strategies, fees, assessments,
    surveys, marketing and consultation, so every shape has clusters that pass and that fail."""
    import datetime
    import random

    rnd = random.Random(seed)
    A = "https://w3id.org/amikg/ontology#"
    D = "https://w3id.org/amikg/id/"
    N, L = ox.NamedNode, ox.Literal
    xsd = "http://www.w3.org/2001/XMLSchema#"
    rdf_type = N("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    label = N("http://www.w3.org/2000/01/rdf-schema#label")
    date = N("http://purl.org/dc/terms/date")
    today = datetime.date.today()
    out: list[ox.Triple] = []

    def t(s, p, o):
        out.append(ox.Triple(s, N(A + p) if isinstance(p, str) else p, o))

    items = ["cp-market-barriers", "cp-technologies", "cp-patents", "act-know-members"]
    for i in range(clusters):
        c = N(f"{D}cluster/syn-{i}")
        if rnd.random() < 0.6:
            mo = N(f"{D}cluster/syn-{i}/office")
            t(c, "managementOffice", mo)
            t(mo, rdf_type, N(A + "ManagementOffice"))
            for area in rnd.sample(["technology", "economics", "administration", "marketing"],
                                   rnd.randint(2, 4)):
                p = N(f"{D}person/syn-{i}-{area}")
                t(mo, "staffMember", p)
                t(p, label, L(f"Staff {i} {area}", language="en"))
                t(p, "coversArea", N(A + "area-" + area))
            if rnd.random() < 0.5:
                t(mo, "chiefExecutive", N(f"{D}person/syn-{i}-technology"))
        if rnd.random() < 0.5:
            t(c, "missionStatement", L(f"Mission of cluster {i}", language="en"))
        if rnd.random() < 0.5:
            t(c, "clusterValue", N(A + "value-excellence"))
        if rnd.random() < 0.7:
            g = N(f"{D}cluster/syn-{i}/goal/1")
            t(c, "goal", g)
            t(g, rdf_type, N(A + "Goal"))
        if rnd.random() < 0.7:
            t(c, "thematicAlignment", L("Advanced Medical Imaging", language="en"))
        for proc in ["administration", "finances", "human-resources", "controlling"]:
            if rnd.random() < 0.6:
                t(c, "internalProcess", N(A + "process-" + proc))
        if rnd.random() < 0.7:
            t(c, "legalForm", N(A + "legal-non-profit-organization"))
        fees = rnd.random() < 0.5
        t(c, "chargesMemberFees", L("true" if fees else "false", datatype=N(xsd + "boolean")))
        if rnd.random() < 0.8:
            t(c, "fundingSource", N(A + ("funding-member-fees" if fees or rnd.random() < 0.2
                                         else "funding-public-funds")))
        if fees:
            for kind in rnd.sample(["research-institutions", "smes", "large-companies"],
                                   rnd.randint(1, 3)):
                fl = N(f"{D}cluster/syn-{i}/fee/{kind}")
                t(c, "feeLevel", fl)
                t(fl, "appliesToKind", N(A + "kind-" + kind))
                t(fl, "feeAmount", L(str(rnd.choice([500, 1000])), datatype=N(xsd + "decimal")))
        if rnd.random() < 0.3:
            t(c, "regionalKeyPlayer", N(f"{D}org/syn-{rnd.randrange(clusters * 100)}"))
        if rnd.random() < 0.3:
            t(c, "identifiedBarrier", N(A + "barrier-admission-restrictions"))
        if rnd.random() < 0.3:
            t(c, "analysedTechnology", N(A + "tech-mri"))
        for item in items:
            if rnd.random() < 0.3:
                a = N(f"{D}cluster/syn-{i}/assessment/{item}")
                t(a, rdf_type, N(A + "CheckpointAssessment"))
                t(a, "assessedCluster", c)
                t(a, "assessedItem", N(A + item))
                t(a, "status", N(A + rnd.choice(["status-done", "status-done", "status-in-progress"])))
                t(a, date, L("2024-05-02", datatype=N(xsd + "date")))
                if rnd.random() < 0.8:
                    t(a, "evidence", N(f"https://example.org/syn-{i}/{item}.pdf"))
                t(a, "responsible", N(f"{D}person/syn-{i}-administration"))
        if rnd.random() < 0.4:
            s = N(f"{D}cluster/syn-{i}/survey/1")
            t(s, rdf_type, N(A + "MemberSurvey"))
            t(s, "surveyOf", c)
            days = rnd.choice([30, 200, 800])
            t(s, date, L((today - datetime.timedelta(days=days)).isoformat(),
                         datatype=N(xsd + "date")))
        for nm in rnd.sample(["scientific-conferences", "small-workshops", "get-together",
                              "company-missions", "publications"], rnd.randint(0, 2)):
            t(c, "networkingMeasure", N(A + "networking-" + nm))
        if rnd.random() < 0.4:
            t(c, "rdField", N(A + "tech-molecular-imaging"))
        for grp in ["internal", "specialized-community", "regional-society"]:
            if rnd.random() < 0.6:
                ma = N(f"{D}cluster/syn-{i}/marketing/{grp}")
                t(c, "marketingAction", ma)
                t(ma, "measure", N(A + "marketing-homepage"))
                t(ma, "targetGroup", N(A + "group-" + grp))
        if rnd.random() < 0.5:
            t(c, "communicationMeasure", N(A + "communication-intranet"))
        for area in ["access-to-funding", "partner-search", "applications", "business-plans"]:
            if rnd.random() < 0.7:
                t(c, "offersConsultation", N(A + "consultation-" + area))
        if rnd.random() < 0.2:
            t(c, "categoryNotApplicable", N(A + "PatientAdvocate"))
    return out
