"""``/my``: a signed-in cluster manager's own cluster: its roadmap, and forms to record a
checkpoint assessment, edit the profile and add members; the changes made, each with "undo".

Every form carries a CSRF token (Flask-WTF) and ends in :mod:`amikg.editing`: checked against the
data-quality shapes first (problems shown next to the fields, nothing written), then written
through the write gate (the account's rights on the cluster's graphs) as one update with
provenance. The page itself is refused (403) for a cluster the account may not edit, and so is
every form sent for it.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.csrf import validate_csrf
from wtforms import SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import ValidationError

from amikg import editing
from amikg.access import cluster_graph, may_write
from amikg.clusters import cluster_labels, resolve_cluster
from amikg.errors import AuthenticationRequired, ForbiddenOperation
from amikg.ingest import known_clusters
from amikg.publish import select_rows
from amikg.roadmap import roadmap

from .auth import session_account
from .context import current_gate, current_store

bp = Blueprint("my_cluster", __name__)

def _opts(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


STATUSES = _opts([("done", "done"), ("in-progress", "in progress"), ("open", "open"),
                  ("not-applicable", "not applicable")])
_CONCEPTS = ("SELECT ?c ?l WHERE { ?c a ?cls ; <http://www.w3.org/2000/01/rdf-schema#label> ?l "
             "FILTER(LANG(?l) IN ('en', '')) } ORDER BY ?l")
_CATEGORIES = ("SELECT DISTINCT ?c ?l WHERE { ?c <http://www.w3.org/2000/01/rdf-schema#"
               "subClassOf>+ ?top ; <http://www.w3.org/2000/01/rdf-schema#label> ?l "
               "FILTER(LANG(?l) IN ('en', '')) } ORDER BY ?l")
AMI = "https://w3id.org/amikg/ontology#"


class AssessmentForm(FlaskForm):
    item = SelectField("Checkpoint or activity")
    status = SelectField("Status", choices=STATUSES)
    date = StringField("Date (YYYY-MM-DD)")
    evidence = StringField("Evidence: a link to the document")
    responsible = StringField("Person responsible")


class ProfileForm(FlaskForm):
    mission = TextAreaField("Mission statement")
    goals = TextAreaField("Goals, one per line")
    legal_form = SelectField("Legal form")
    fees = SelectField("Fee policy", choices=_opts([("", "not stated"),
                                                    ("yes", "members pay a fee"),
                                                    ("no", "no member fee")]))
    funding = SelectMultipleField("Funding sources")


class MemberForm(FlaskForm):
    name = StringField("Organisation name")
    category = SelectField("Stakeholder category")
    country = StringField("Country: EU code (e.g. ITA)")


class UndoForm(FlaskForm):
    """Undo one change (a POST with a CSRF token)."""


def _account():
    account = session_account()
    if account is None:
        raise AuthenticationRequired("sign in first (/signin)")
    return account


def _editable(account, iri: str) -> None:
    if not may_write(account, {cluster_graph(iri)}):
        raise ForbiddenOperation(f"{account.name} ({account.role}) may not edit this cluster; "
                                 "nothing was written", account=account.name)


def _choices(store, cls: str) -> list[tuple[str, str]]:
    return [(r["c"], r["l"]) for r in select_rows(store, _CONCEPTS,
                                                  cls=ox.NamedNode(AMI + cls))]


def _forms(store, rm: dict, current: dict):
    a = AssessmentForm(prefix="a")
    a.item.choices = _opts((i["item"], f"{i['order']}. {i['name']}") for ph in rm["phases"]
                           for i in ph["items"] if i["item"])
    p = ProfileForm(prefix="p")
    p.legal_form.choices = _opts([("", "not stated")] + _choices(store, "LegalForm"))
    p.funding.choices = _opts(_choices(store, "FundingSource"))
    m = MemberForm(prefix="m")
    m.category.choices = _opts((r["c"], r["l"]) for r in select_rows(
        store, _CATEGORIES, top=ox.NamedNode(AMI + "Stakeholder")))
    if request.method == "GET":
        p.mission.data = current.get("mission", "")
        p.goals.data = "\n".join(current.get("goals", []))
        p.legal_form.data = current.get("legal_form", "")
        p.fees.data = current.get("fees", "")
        p.funding.data = current.get("funding", [])
    return a, p, m


def _render(slug: str, iri: str, account, problems=None, which=None, status=200, done=None):
    store = current_store()
    rm = roadmap(store, iri)
    current = editing.profile_values(store, iri)
    a, p, m = _forms(store, rm, current)
    return render_template(
        "pages/my_cluster.html", slug=slug, iri=iri, account=account, rm=rm, a=a, p=p, m=m,
        problems=problems or {}, which=which, done=done, undo=UndoForm(),
        changes=editing.edits(current_gate().book, iri)), status


@bp.get("/my")
def my():
    """The clusters the signed-in account may edit."""
    account = session_account()
    if account is None:
        return redirect(url_for("auth.signin", next=request.path))
    store = current_store()
    labels = cluster_labels(store)
    mine = [c for c in known_clusters(store) if may_write(account, {cluster_graph(c)})]
    if len(mine) == 1:
        return redirect(url_for("my_cluster.cluster", slug=mine[0].rsplit("/", 1)[-1]))
    return render_template("pages/my.html", account=account,
                           clusters=[(c.rsplit("/", 1)[-1], labels.get(c, c)) for c in mine])


@bp.get("/my/<slug>")
def cluster(slug: str):
    account = session_account()
    if account is None:
        return redirect(url_for("auth.signin", next=request.path))
    iri = str(resolve_cluster(current_store(), slug))
    _editable(account, iri)
    return _render(slug, iri, account, done=request.args.get("done"))


def _submit(slug: str, which: str, build):
    """Check and write one form's change; on problems the page again, with them, and 422."""
    account = _account()
    store = current_store()
    iri = str(resolve_cluster(store, slug))
    _editable(account, iri)
    form_cls = {"a": AssessmentForm, "p": ProfileForm, "m": MemberForm}[which]
    if not _csrf_ok(form_cls(prefix=which)):
        return _render(slug, iri, account, {"": "The form expired or was not sent from this "
                                                "site: reload the page and try again."},
                       which, 400)
    change = build(store, iri, request.form)
    problems = editing.check(store, change)
    if problems:
        return _render(slug, iri, account, problems, which, 422)
    editing.apply(current_gate().store, current_gate(), account, change)
    return redirect(url_for("my_cluster.cluster", slug=slug, done=change.label) + f"#{which}")


def _csrf_ok(form) -> bool:
    """Whether the form came with this session's CSRF token (Flask-WTF)."""
    try:
        validate_csrf(form.csrf_token.data)
    except ValidationError:  # missing, expired, or made for another session
        return False
    return True


@bp.post("/my/<slug>/assessment")
def assessment(slug: str):
    return _submit(slug, "a", lambda store, iri, f: editing.assessment_change(
        store, iri, f.get("a-item", ""), f.get("a-status", ""), f.get("a-date", ""),
        f.get("a-evidence", ""), f.get("a-responsible", "")))


@bp.post("/my/<slug>/profile")
def profile(slug: str):
    return _submit(slug, "p", lambda store, iri, f: editing.profile_change(
        store, iri, f.get("p-mission", ""), f.get("p-legal_form", ""), f.get("p-fees", ""),
        f.getlist("p-funding"), [g for g in f.get("p-goals", "").splitlines() if g.strip()]))


@bp.post("/my/<slug>/member")
def member(slug: str):
    return _submit(slug, "m", lambda store, iri, f: editing.member_change(
        store, iri, f.get("m-name", ""), f.get("m-category", ""), f.get("m-country", "")))


@bp.post("/my/<slug>/undo/<edit_id>")
def undo(slug: str, edit_id: str):
    account = _account()
    store = current_store()
    iri = str(resolve_cluster(store, slug))
    _editable(account, iri)
    if not _csrf_ok(UndoForm()):
        return _render(slug, iri, account, {"": "The form expired: reload the page and try "
                                                "again."}, None, 400)
    if not any(e["id"] == edit_id for e in editing.edits(current_gate().book, iri)):
        raise ForbiddenOperation("this change is not one of this cluster's")
    done = editing.undo_edit(current_gate().store, current_gate(), account, edit_id)
    return redirect(url_for("my_cluster.cluster", slug=slug, done=f"undone: {done['label']}"))
