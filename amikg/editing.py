"""Editing a cluster's own data (issue 21): the changes the "my cluster" forms make.

A :class:`Change` is what one form submits: the triples it removes from and adds to the cluster's
own graphs (``amig:cluster/<slug>``; the names of natural persons in
``amig:cluster/<slug>/restricted``). Every change is

1. checked: the cluster's graph as it would be after the change, with the ontology, against the
   data-quality shapes (:func:`check`); the violations about what the change touches come back
   by form field, and nothing is written;
2. written by :func:`apply` through the write gate (the account's rights on the cluster's graphs,
   the audit log), as ONE update: the triples removed, the triples added and a PROV-O activity
   naming the account in the provenance graph;
3. kept in the accounts file (what it added and removed), listed by :func:`edits` and undone by
   :func:`undo_edit` (the reverse change and the removal of its provenance, one update).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import pyoxigraph as ox

from .access import Account, AccountBook, Gate, cluster_graph
from .clusters import resolve_cluster
from .errors import NotFound, ParameterError
from .loader import Source, agent_iri, now_literal
from .namespaces import AMI, AMID, DCTERMS, FOAF, GRAPH_META, ORG, PROV, RDF, RDFS, XSD
from .store import Store, quad_text
from .util import slug
from .validate import validate_source

#: Form field of each property a shape may complain about.
FIELDS = {str(AMI.status): "status", str(DCTERMS.date): "date", str(AMI.evidence): "evidence",
          str(AMI.responsible): "responsible", str(AMI.assessedItem): "item",
          str(AMI.missionStatement): "mission", str(AMI.legalForm): "legal_form",
          str(AMI.fundingSource): "funding", str(AMI.chargesMemberFees): "fees",
          str(AMI.goal): "goals", str(RDFS.label): "name", str(AMI.country): "country",
          str(RDF.type): "category"}


@dataclass
class Change:
    """One form's change to one cluster's graphs."""

    cluster: str
    label: str
    added: list[ox.Quad] = field(default_factory=list)
    removed: list[ox.Quad] = field(default_factory=list)
    #: Problems found while reading the form (field -> message), before any shape runs.
    problems: dict = field(default_factory=dict)

    @property
    def graphs(self) -> set[str]:
        return {q.graph_name.value for q in self.added + self.removed}

    @property
    def subjects(self) -> set:
        return {q.subject for q in self.added}


def _n(term) -> ox.NamedNode:
    return ox.NamedNode(str(term))


def _lit(text: str, lang: str | None = "en") -> ox.Literal:
    return ox.Literal(text, language=lang) if lang else ox.Literal(text)


def _iri_or_text(text: str):
    """An absolute IRI for a link, else the text as a literal (for the shapes to refuse)."""
    text = text.strip()
    if "://" in text or text.startswith("urn:"):
        try:
            return ox.NamedNode(text)
        except ValueError:
            pass
    return ox.Literal(text)


def _date(text: str) -> ox.Literal:
    return ox.Literal(text.strip(), datatype=_n(XSD.date))


# -- the three forms ----------------------------------------------------------------------------

def assessment_change(store: Store, cluster: str, item: str, status: str, date: str,
                      evidence: str, responsible: str) -> Change:
    """Record a checkpoint assessment: status, date, evidence (a link) and the person
    responsible (a name: the person goes into the cluster's restricted graph)."""
    c = str(resolve_cluster(store, cluster))
    g = ox.NamedNode(cluster_graph(c))
    item_iri = item if "://" in item else str(AMI["cp-" + slug(item).removeprefix("cp-")])
    change = Change(c, f"checkpoint assessment {item_iri.rsplit('#', 1)[-1]}: {status}")
    a = ox.NamedNode(f"{c}/assessment/{secrets.token_hex(6)}")
    add = change.added
    add += [ox.Quad(a, _n(RDF.type), _n(AMI.CheckpointAssessment), g),
            ox.Quad(a, _n(AMI.assessedCluster), ox.NamedNode(c), g),
            ox.Quad(a, _n(AMI.assessedItem), ox.NamedNode(item_iri), g),
            ox.Quad(a, _n(AMI.status), _n(AMI["status-" + slug(status)]), g)]
    if date.strip():
        add.append(ox.Quad(a, _n(DCTERMS.date), _date(date), g))
    if evidence.strip():
        add.append(ox.Quad(a, _n(AMI.evidence), _iri_or_text(evidence), g))
    if responsible.strip():
        # the IRI never spells the name, which only the restricted graph holds (publishing.md)
        person = ox.NamedNode(f"{c}/person/p-{secrets.token_hex(6)}")
        restricted = ox.NamedNode(cluster_graph(c) + "/restricted")
        add += [ox.Quad(a, _n(AMI.responsible), person, g),
                ox.Quad(person, _n(RDF.type), _n(FOAF.Person), restricted),
                ox.Quad(person, _n(FOAF.name), ox.Literal(responsible.strip()), restricted),
                ox.Quad(person, _n(RDFS.label), _lit(responsible.strip()), restricted)]
    return change


_PROFILE_PROPS = (AMI.missionStatement, AMI.legalForm, AMI.fundingSource, AMI.chargesMemberFees)


def profile_values(store: Store, cluster: str) -> dict:
    """The profile as the forms show it: mission, goals (in order), legal form, fees, funding."""
    c = str(resolve_cluster(store, cluster))
    quads = list(store.quads(cluster_graph(c)))
    mine = [q for q in quads if q.subject.value == c]
    first = lambda prop: next((q.object.value for q in mine if q.predicate == _n(prop)), "")  # noqa: E731
    goals = {q.object.value for q in mine if q.predicate == _n(AMI.goal)}
    order = {q.subject.value: int(q.object.value) for q in quads
             if q.subject.value in goals and q.predicate == _n(AMI.goalOrder)}
    text = {q.subject.value: q.object.value for q in quads
            if q.subject.value in goals and q.predicate == _n(RDFS.label)}
    fees = first(AMI.chargesMemberFees)
    return {"mission": first(AMI.missionStatement), "legal_form": first(AMI.legalForm),
            "fees": {"true": "yes", "false": "no"}.get(fees, ""),
            "funding": [q.object.value for q in mine if q.predicate == _n(AMI.fundingSource)],
            "goals": [text.get(g, "") for g in sorted(goals, key=lambda g: order.get(g, 0))]}


def _goal_quads(store: Store, c: str, g: ox.NamedNode, goals: list[str] | None):
    """(removed, added) for replacing the cluster's goals; nothing when ``goals`` is None."""
    if goals is None or [t.strip() for t in goals] == profile_values(store, c)["goals"]:
        return [], []  # unchanged goals keep their provenance
    node = ox.NamedNode(c)
    quads = list(store.quads(g.value))
    old = {q.object for q in quads if q.subject == node and q.predicate == _n(AMI.goal)}
    removed = [q for q in quads if (q.subject == node and q.predicate == _n(AMI.goal))
               or q.subject in old]
    added = []
    for n, text in enumerate(goals, 1):
        goal = ox.NamedNode(f"{c}/goal/{n}")
        added += [ox.Quad(node, _n(AMI.goal), goal, g),
                  ox.Quad(goal, _n(RDF.type), _n(AMI.Goal), g),
                  ox.Quad(goal, _n(RDFS.label), _lit(text.strip()), g),
                  ox.Quad(goal, _n(AMI.goalOrder), ox.Literal(str(n), datatype=_n(XSD.integer)),
                          g)]
    return removed, added


def profile_change(store: Store, cluster: str, mission: str, legal_form: str,
                   fees: str, funding: list[str], goals: list[str] | None = None) -> Change:
    """Replace the cluster's mission statement, legal form, fee policy (charges member fees:
    ``yes``/``no``/empty), funding sources and (when given) goals in its own graph."""
    c = str(resolve_cluster(store, cluster))
    g = ox.NamedNode(cluster_graph(c))
    node = ox.NamedNode(c)
    change = Change(c, "cluster profile")
    for prop in _PROFILE_PROPS:
        change.removed += [q for q in store.quads(g.value)
                           if q.subject == node and q.predicate == _n(prop)]
    removed, added = _goal_quads(store, c, g, goals)
    change.removed += removed
    change.added += added
    add = change.added
    if mission.strip():
        add.append(ox.Quad(node, _n(AMI.missionStatement), _lit(mission.strip()), g))
    if legal_form.strip():
        add.append(ox.Quad(node, _n(AMI.legalForm), _iri_or_text(legal_form), g))
    if fees in ("yes", "no"):
        add.append(ox.Quad(node, _n(AMI.chargesMemberFees),
                           ox.Literal("true" if fees == "yes" else "false",
                                      datatype=_n(XSD.boolean)), g))
    for f in funding:
        if f.strip():
            add.append(ox.Quad(node, _n(AMI.fundingSource), _iri_or_text(f), g))
    keep = set(change.added) & set(change.removed)  # unchanged triples are neither
    change.added = [q for q in change.added if q not in keep]
    change.removed = [q for q in change.removed if q not in keep]
    return change


def member_change(store: Store, cluster: str, name: str, category: str, country: str) -> Change:
    """Add a member organisation: its name, stakeholder category (a class IRI), country (an EU
    country authority IRI) and the membership both ways."""
    c = str(resolve_cluster(store, cluster))
    g = ox.NamedNode(cluster_graph(c))
    change = Change(c, f"member {name.strip()}")
    if not name.strip():
        change.problems["name"] = "Give the organisation's name."
        return change
    org = ox.NamedNode(str(AMID["org/" + slug(name)]))
    change.added += [ox.Quad(org, _n(RDF.type), _n(ORG.Organization), g),
                     ox.Quad(org, _n(RDFS.label), _lit(name.strip()), g),
                     ox.Quad(org, _n(ORG.memberOf), ox.NamedNode(c), g),
                     ox.Quad(ox.NamedNode(c), _n(ORG.hasMember), org, g)]
    if category.strip():
        change.added.append(ox.Quad(org, _n(RDF.type), _iri_or_text(category), g))
    if country.strip():
        change.added.append(ox.Quad(org, _n(AMI.country), _iri_or_text(country), g))
    return change


# -- check, write, list, undo -------------------------------------------------------------------

def check(store: Store, change: Change) -> dict:
    """The problems of ``change`` by form field (empty: it may be written): the cluster's graphs
    after the change, with the ontology, against the data-quality shapes; only the results about
    what the change adds count."""
    problems = dict(change.problems)
    if not change.added and not change.removed:
        problems.setdefault("", "Nothing to change.")
    if problems:
        return problems
    after = set()
    for g in change.graphs | {cluster_graph(change.cluster)}:
        after |= set(store.quads(g))
    after = (after - set(change.removed)) | set(change.added)
    data = "\n".join(str(q) + " ." for q in after).encode()
    outcome = validate_source(Source("the form", data, "nquads"), "data")
    subjects = {str(s) for s in change.subjects}
    for r in outcome.results:
        if str(r.focus).strip("<>") not in {s.strip("<>") for s in subjects}:
            continue
        name = next((f for p, f in FIELDS.items() if r.path and p in r.path), "")
        problems.setdefault(name, " ".join(r.messages) or "not valid")
    return problems


def _provenance(edit_id: str, account: Account, change: Change) -> list[ox.Quad]:
    meta = ox.NamedNode(GRAPH_META)
    act = ox.NamedNode(str(AMID["edit/" + edit_id]))
    agent = ox.NamedNode(agent_iri(account.name))
    now = now_literal()
    out = [ox.Quad(act, _n(RDF.type), _n(PROV.Activity), meta),
           ox.Quad(act, _n(RDFS.label), ox.Literal(change.label), meta),
           ox.Quad(act, _n(DCTERMS.identifier), ox.Literal(edit_id), meta),
           ox.Quad(act, _n(PROV.endedAtTime), now, meta),
           ox.Quad(act, _n(PROV.wasAssociatedWith), agent, meta),
           ox.Quad(agent, _n(RDF.type), _n(PROV.Agent), meta),
           ox.Quad(agent, _n(RDFS.label), ox.Literal(account.name), meta)]
    out += [ox.Quad(s, _n(PROV.wasGeneratedBy), act, meta) for s in sorted(change.subjects,
                                                                          key=str)]
    return out


def _update_text(removed: list[ox.Quad], added: list[ox.Quad]) -> str:
    parts = []
    if removed:
        parts.append("DELETE DATA {\n" + "\n".join(quad_text(q) for q in removed) + "\n}")
    if added:
        parts.append("INSERT DATA {\n" + "\n".join(quad_text(q) for q in added) + "\n}")
    return " ;\n".join(parts)


def _nquads(quads: list[ox.Quad]) -> str:
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode() if quads else ""


def _parse(text: str) -> list[ox.Quad]:
    return list(ox.parse(text.encode(), format=ox.RdfFormat.N_QUADS)) if text else []


def apply(store: Store, gate: Gate, account: Account, change: Change) -> str:
    """Write a checked change as one update through the write gate; returns its id.

    :raise ForbiddenOperation: outside the account's rights (nothing written).
    """
    edit_id = "edit-" + secrets.token_hex(6)
    prov = _provenance(edit_id, account, change)
    text = _update_text(change.removed, change.added + prov)
    gate.write(account, f"form: {change.label}", change.graphs, lambda: store.update(text))
    gate.book.record_edit(edit_id, account, change.cluster, change.label, _nquads(change.added),
                          _nquads(change.removed))
    return edit_id


def edits(book: AccountBook, cluster: str) -> list[dict]:
    """The changes made with the forms to ``cluster`` (an IRI), newest first."""
    return [{k: e[k] for k in ("id", "when", "account", "label", "undone")}
            for e in book.edits(cluster)]


def undo_edit(store: Store, gate: Gate, account: Account, edit_id: str) -> dict:
    """Undo one change: remove what it added, put back what it removed, drop its provenance.

    :raise NotFound: no such change, or one already undone.
    """
    found = [e for e in gate.book.edits() if e["id"] == edit_id and not e["undone"]]
    if not found:
        raise NotFound(f"no change {edit_id!r} to undo", edit=edit_id)
    e = found[0]
    added, removed = _parse(e["added"]), _parse(e["removed"])
    act = ox.NamedNode(str(AMID["edit/" + edit_id]))
    graphs = {q.graph_name.value for q in added + removed}
    if not graphs:
        raise ParameterError("this change changed nothing")
    text = _update_text(added, removed) + (
        f" ;\nDELETE WHERE {{ GRAPH <{GRAPH_META}> {{ {act} ?p ?o }} }} ;\n"
        f"DELETE WHERE {{ GRAPH <{GRAPH_META}> {{ ?s <{PROV.wasGeneratedBy}> {act} }} }}")
    gate.write(account, f"undo form change {edit_id}", graphs, lambda: store.update(text))
    gate.book.mark_undone(edit_id)
    return {k: e[k] for k in ("id", "when", "account", "label")}
