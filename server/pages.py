"""The web pages cluster managers and data stewards read (issue 8): server-rendered HTML, no script.

``GET /``                     what the store holds (clusters, organisations, triples, graphs, last
                              update) and the clusters
``GET /clusters``             every cluster with region, legal form, fees and printed member counts
``GET /clusters/<slug>``      one cluster: identity, member composition, roadmap progress and next
                              steps, value-chain coverage, marketing plan against Figure 4
``GET /partners?...``         the partner-search form; its fields are the query's parameters, so
                              the URL of a search is shareable
``GET|POST /validate``        upload a file or paste Turtle, choose shapes, read the report grouped
                              by focus node and severity, download it as Turtle or JSON-LD
``POST /validate/import``       the page's second form: import a member spreadsheet (dry run by
                              default; writing needs the update token in the form), the same
                              :func:`amikg.ingest.import_table` and report as ``POST /api/import``

Every chart is drawn server-side as SVG (``templates/pages/_charts.html``) from the very JSON the
API serves: :meth:`amikg.queries.QueryRun.result` (``/api/queries/<name>``) and
:func:`amikg.roadmap.roadmap` (``amikg roadmap --json``). The library does the work; this module
only picks the calls and reshapes their JSON for the templates.
"""

from __future__ import annotations

import base64
from collections import OrderedDict

import pyoxigraph as ox
from flask import Blueprint, render_template, request, url_for

from amikg import __version__
from amikg.errors import AmikgError, ParameterError
from amikg.namespaces import AMID, GRAPH_META
from amikg.queries import RESERVED, get_query, query_params_from_multidict, run_query

bp = Blueprint("pages", __name__)

NAV = [("pages.home", "Home"), ("pages.clusters", "Clusters"), ("pages.partners", "Partner search"),
       ("pages.validate", "Validate"), ("sparql.sparql", "SPARQL"),
       ("linked_data.ontology", "Ontology"), ("linked_data.catalog", "Catalog")]

PREFIXES = ("PREFIX ami: <https://w3id.org/amikg/ontology#> PREFIX org: <http://www.w3.org/ns/org#> "
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            "PREFIX dcterms: <http://purl.org/dc/terms/> ")

#: Shapes a data steward can choose on the validation page (amikg.validate.PROFILES).
SHAPES = [("data", "Data quality (shapes/data-quality.ttl)"),
          ("roadmap", "Roadmap checkpoints and activities (shapes/roadmap.ttl)")]
SEVERITIES = ["Violation", "Warning", "Info"]


def _store():
    from .app import current_store
    return current_store()


def _href(iri: str) -> str:
    from .linked_data import local_href
    return local_href(iri)


def _compact(iri: str) -> str:
    from amikg.publish import compact_iri
    return compact_iri(iri)


@bp.app_context_processor
def _page_helpers():
    return {"nav": NAV, "amikg_version": __version__, "href": _href}


def _rows(sparql: str, **subs) -> list[dict]:
    res = _store().query(PREFIXES + sparql, substitutions={
        k: ox.NamedNode(v) for k, v in subs.items()})
    names = [v.value for v in res.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in res]


# -- home -----------------------------------------------------------------------------------------

def holdings() -> dict:
    """What the store holds, for the home page."""
    store = _store()
    counts = _rows("SELECT (COUNT(DISTINCT ?c) AS ?clusters) (COUNT(DISTINCT ?o) AS ?orgs) WHERE { "
                   "{ ?c a ami:Cluster } UNION { ?o a/rdfs:subClassOf* org:Organization "
                   "FILTER NOT EXISTS { ?o a/rdfs:subClassOf* ami:Cluster } "
                   "FILTER NOT EXISTS { ?o a/rdfs:subClassOf* org:OrganizationalUnit } } }")[0]
    last = _rows("SELECT (MAX(STR(?m)) AS ?last) WHERE { GRAPH ?meta { ?g dcterms:modified ?m } }",
                 meta=str(GRAPH_META))[0]["last"]
    return {"clusters": int(counts["clusters"]), "organisations": int(counts["orgs"]),
            "triples": store.count(), "graphs": len(store.named_graphs()),
            "last_update": (last or "")[:19].replace("T", " ") or None}


@bp.get("/")
def home():
    overview = run_query(_store(), "cluster-overview").result()
    return render_template("pages/home.html", stats=holdings(),
                           clusters=[_cluster_row(r) for r in overview["rows"]])


# -- clusters -------------------------------------------------------------------------------------

def _slug(iri: str) -> str:
    prefix = str(AMID["cluster/"])
    return iri[len(prefix):] if iri.startswith(prefix) else ""


def printed_counts(member_counts: str | None) -> list[dict]:
    """``"Companies: 1986; Universities: 8"`` (cluster-overview) as chart rows."""
    out = []
    for entry in (member_counts or "").split("; "):
        label, _, n = entry.rpartition(": ")
        if label and n.isdigit():
            out.append({"label": label, "value": int(n)})
    return out


def _cluster_row(r: dict) -> dict:
    return {**r, "slug": _slug(r["cluster"]), "counts": printed_counts(r.get("member_counts"))}


@bp.get("/clusters")
def clusters():
    overview = run_query(_store(), "cluster-overview").result()
    return render_template("pages/clusters.html",
                           clusters=[_cluster_row(r) for r in overview["rows"]])


def identity(iri: str) -> dict:
    """Mission, thematic alignment and ordered goals of a cluster (not in cluster-overview)."""
    texts = _rows("SELECT ?mission ?alignment ?alt WHERE { "
                  "OPTIONAL { ?c ami:missionStatement ?mission } "
                  "OPTIONAL { ?c ami:thematicAlignment ?alignment } "
                  "OPTIONAL { ?c skos:altLabel ?alt } }", c=iri)
    goals = _rows("SELECT ?goal (SAMPLE(?l) AS ?label) (MIN(?o) AS ?order) WHERE { "
                  "?c ami:goal ?goal . OPTIONAL { ?goal rdfs:label ?l } "
                  "OPTIONAL { ?goal ami:goalOrder ?o } } GROUP BY ?goal ORDER BY ?order ?label",
                  c=iri)
    first = texts[0] if texts else {}
    return {"mission": first.get("mission"), "alignment": first.get("alignment"),
            "alt_label": first.get("alt"), "goals": [g["label"] for g in goals if g["label"]]}


def marketing_plan(rows: list[dict], label: str) -> dict:
    """Figure 4 (marketing-measures rows) as a measure x target-group matrix, each cell marked
    with whether this cluster records that action."""
    groups: OrderedDict = OrderedDict()
    measures: OrderedDict = OrderedDict()
    for r in rows:
        groups.setdefault(r["target_group"], r["group_label"])
        m = measures.setdefault(r["measure"], {"label": r["measure_label"], "cells": {}})
        used = label in [u.strip() for u in (r.get("used_by") or "").split(",")]
        m["cells"][r["target_group"]] = {"rating": r["rating"], "importance": r["importance"],
                                         "used": used}
    cells = [c for m in measures.values() for c in m["cells"].values()]
    return {"groups": groups, "measures": measures,
            "used": sum(c["used"] for c in cells),
            "top_open": sum(1 for c in cells if c["importance"] == 3 and not c["used"]),
            "top": sum(1 for c in cells if c["importance"] == 3)}


@bp.get("/clusters/<slug>")
def cluster(slug: str):
    from amikg.roadmap import roadmap
    from amikg.validate import resolve_cluster

    store = _store()
    iri = str(resolve_cluster(store, slug))   # NotFound -> 404 page
    params = {"cluster": [iri]}
    overview = run_query(store, "cluster-overview", params).result()["rows"][0]
    stakeholders = run_query(store, "stakeholders-by-category", params).result()
    coverage = run_query(store, "value-chain-coverage", params).result()
    marketing = run_query(store, "marketing-measures").result()
    rm = roadmap(store, iri)
    api = {name: url_for("api_queries.named_query", name=name, cluster=_compact(iri))
           for name in ("cluster-overview", "stakeholders-by-category", "value-chain-coverage")}
    api["marketing-measures"] = url_for("api_queries.named_query", name="marketing-measures")
    charts = {
        "categories": [{"label": r["category_label"], "value": r["count"]}
                       for r in stakeholders["rows"] if r["count"]],
        "phases": [{"label": ph["label"], "value": ph["percent"],
                    "note": f"({ph['done']} of {ph['done'] + ph['open']})"} for ph in rm["phases"]],
        "steps": [{"label": f"{r['step_order']}. {r['step_label']}", "value": r["actors"],
                   "gap": not r["covered"]} for r in coverage["rows"]]}
    return render_template(
        "pages/cluster.html", charts=charts, iri=iri, slug=slug, c=_cluster_row(overview), ident=identity(iri),
        stakeholders=stakeholders["rows"], coverage=coverage["rows"], roadmap=rm,
        plan=marketing_plan(marketing["rows"], overview["name"]), api=api)


# -- partner search -------------------------------------------------------------------------------

def options(param) -> list[tuple[str, str]]:
    """(compact IRI, label) choices for an enum or class parameter of a named query."""
    if param.type == "enum":
        where, subs = "?x a/rdfs:subClassOf* ?root .", {"root": param.cls}
        rows = _rows("SELECT DISTINCT ?x (SAMPLE(?l) AS ?label) WHERE { " + where +
                     " OPTIONAL { ?x skos:prefLabel|rdfs:label ?l FILTER(LANG(?l) IN ('en', '')) }"
                     " } GROUP BY ?x", **subs)
    else:
        rows = []
        for root in param.roots:
            rows += _rows("SELECT DISTINCT ?x (SAMPLE(?l) AS ?label) WHERE { "
                          "?x rdfs:subClassOf* ?root . FILTER(isIRI(?x)) "
                          "OPTIONAL { ?x rdfs:label|skos:prefLabel ?l "
                          "FILTER(LANG(?l) IN ('en', '')) } } GROUP BY ?x", root=root)
    seen, out = set(), []
    for r in rows:
        if r["x"] in seen:
            continue
        seen.add(r["x"])
        out.append((_compact(r["x"]), r["label"] or _compact(r["x"])))
    return sorted(out, key=lambda o: o[1].lower())


def _reasons(row: dict) -> list[str]:
    out = []
    if row.get("matched_competencies"):
        out.append(f"has {row['matched_competencies']}")
    if row.get("step_match"):
        out.append(f"acts at {row['step_match']}")
    if row.get("gap_steps"):
        out.append(f"covers {row['gap_steps']}, which the cluster lacks")
    if row.get("region_match"):
        out.append(row["region_match"])
    return out


@bp.get("/partners")
def partners():
    query = get_query("partner-search")
    given = {k: [v for v in vs if v.strip()] for k, vs in query_params_from_multidict(
        (k, v) for k, v in request.args.items(multi=True) if k not in RESERVED).items()}
    given = {k: v for k, v in given.items() if v}
    fields = [{"name": p.name, "type": p.type, "multiple": p.multiple,
               "description": p.description, "options": options(p),
               "selected": set(given.get(p.name, []))} for p in query.params]
    results, error, status = None, None, 200
    if given:
        try:
            run = run_query(_store(), "partner-search", given)
            results = [{**r, "href": _href(r["candidate"]), "reason_list": _reasons(r)}
                       for r in run.result()["rows"]]
        except ParameterError as e:
            error, status = e.message, 400
    api_url = url_for("api_queries.named_query", name="partner-search", **{
        k: v for k, v in request.args.lists() if k in {p.name for p in query.params}})
    return render_template("pages/partners.html", query=query, fields=fields, results=results,
                           error=error, searched=bool(given), api_url=api_url), status


# -- validation -----------------------------------------------------------------------------------

def grouped(summary: dict) -> list[dict]:
    """The summary of :meth:`amikg.validate.Outcome.summary` regrouped by focus node, then by
    severity (Violation, Warning, Info), each result keeping its phase. Results that read the same
    (two constraints of one property with one message) are shown once."""
    out = []
    for f in summary["focus_nodes"]:
        by_sev: dict = {s: [] for s in SEVERITIES}
        seen = set()
        for ph in f["phases"]:
            for r in ph["results"]:
                key = (r["severity"], r["message"], r["path"], r["value"])
                if key in seen:
                    continue
                seen.add(key)
                by_sev.setdefault(r["severity"], []).append(
                    {**r, "phase": ph["label"], "path": _compact_path(r["path"])})
        out.append({**f, "severities": [(s, rs) for s, rs in by_sev.items() if rs]})
    return out


def _compact_path(path: str | None) -> str | None:
    """``<http://...#label>`` -> ``rdfs:label`` for reading; other path syntax is kept."""
    if path and path.startswith("<") and path.endswith(">") and " " not in path:
        return _compact(path[1:-1])
    return path


def _format_of(name: str) -> str:
    from amikg.errors import FormatError
    from amikg.store import EXTENSIONS, format_for_path
    try:
        return format_for_path(name)
    except FormatError:
        raise ParameterError(f"{name}: cannot tell the RDF format from the file name; name it "
                             f"with one of {', '.join(sorted(EXTENSIONS))} (optionally .gz)",
                             parameter="file")


def _data_url(text: str, media: str) -> str:
    return f"data:{media};charset=utf-8;base64," + base64.b64encode(text.encode()).decode()


@bp.route("/validate", methods=["GET", "POST"])
def validate():
    from amikg.loader import Source
    from amikg.validate import render, validate_source

    ctx = {"shapes": SHAPES, "chosen": request.form.get("shapes", "data"), "pasted": "",
           "report": None, "error": None, "source_name": None, **_import_ctx()}
    status = 200
    if request.method == "POST":
        upload = request.files.get("file")
        ctx["pasted"] = request.form.get("turtle", "")
        try:
            if ctx["chosen"] not in dict(SHAPES):
                raise ParameterError(f"shapes: choose one of {', '.join(dict(SHAPES))}",
                                     parameter="shapes")
            if upload is not None and upload.filename:
                from pathlib import PurePath
                name = PurePath(upload.filename).name
                source = Source(name, upload.read(), _format_of(name))
            elif ctx["pasted"].strip():
                source = Source("pasted Turtle", ctx["pasted"].encode(), "turtle")
            else:
                raise ParameterError("choose a file or paste Turtle to validate",
                                     parameter="file")
            ctx["source_name"] = source.name
            outcome = validate_source(source, ctx["chosen"])
            summary = outcome.summary()
            ctx["report"] = {
                **summary, "groups": grouped(summary),
                "turtle": _data_url(render(outcome, "turtle"), "text/turtle"),
                "jsonld": _data_url(render(outcome, "json-ld"), "application/ld+json")}
        except AmikgError as e:
            ctx["error"], status = e.message, 422
    return render_template("pages/validate.html", **ctx), status


# -- import a member spreadsheet (issue 9) --------------------------------------------------------

def cluster_choices() -> list[tuple[str, str]]:
    """(slug, label) of every cluster in the store, for the import form."""
    rows = _rows("SELECT ?c (SAMPLE(?l) AS ?label) WHERE { ?c a ami:Cluster "
                 "OPTIONAL { ?c rdfs:label ?l FILTER (LANG(?l) = 'en' || LANG(?l) = '') } } "
                 "GROUP BY ?c")
    out = [(_slug(r["c"]) or r["c"], r["label"] or r["c"]) for r in rows]
    return sorted(out, key=lambda c: c[1].casefold())


def _import_ctx() -> dict:
    return {"clusters_choice": cluster_choices(), "imp": None, "imp_error": None,
            "imp_problems": [], "imp_cluster": request.form.get("cluster", ""),
            "imp_dry": request.method != "POST" or request.form.get("dry_run") == "on"}


def _check_form_token(given: str) -> None:
    """The page has no script to send an Authorization header, so a real import carries the
    update token (or the ``user:password`` of AMIKG_BASIC_AUTH) as a form field; a cross-site
    form cannot know it. Dry runs write nothing and need none."""
    from amikg.errors import AuthenticationRequired, ForbiddenOperation

    from .app import current_settings
    from .safety import _eq

    settings = current_settings()
    token, basic = settings.token(), settings.basic_auth
    if not token and not basic:
        raise ForbiddenOperation("importing is disabled: this service has no update token "
                                 "configured (set AMIKG_UPDATE_TOKEN or AMIKG_UPDATE_TOKEN_FILE); "
                                 "a dry run still checks the file")
    if not given:
        raise AuthenticationRequired("an import that writes needs the update token: enter it, "
                                     "or tick \"dry run\" to check the file only")
    if not ((token and _eq(given, token)) or (basic and _eq(given, basic))):
        raise ForbiddenOperation("the update token is not valid")


@bp.post("/validate/import")
def import_spreadsheet():
    """The import form: the same :func:`amikg.ingest.import_table` as ``POST /api/import``."""
    import tempfile
    from pathlib import Path, PurePath

    from amikg.ingest import ImportRejected, import_table

    ctx = {"shapes": SHAPES, "chosen": "data", "pasted": "", "report": None, "error": None,
           "source_name": None, **_import_ctx()}
    status = 200
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ParameterError("choose a spreadsheet (.csv or .xlsx) to import",
                                 parameter="file")
        if not ctx["imp_cluster"]:
            raise ParameterError("choose the cluster the rows are members of",
                                 parameter="cluster")
        if not ctx["imp_dry"]:
            _check_form_token(request.form.get("token", ""))
        name = PurePath(upload.filename).name or "upload.csv"
        ctx["source_name"] = name
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / ("upload" + Path(name).suffix.lower())
            upload.save(str(path))
            rep = import_table(_store(), path, ctx["imp_cluster"], name=name,
                               dry_run=ctx["imp_dry"])
        ctx["imp"] = rep.to_dict()
        status = 201 if not rep.dry_run and not rep.skipped else 200
    except ImportRejected as e:
        ctx["imp_error"], ctx["imp_problems"], status = (
            e.message.splitlines()[0], e.problems, e.http_status)
    except AmikgError as e:
        ctx["imp_error"], status = e.message, e.http_status
    return render_template("pages/validate.html", **ctx), status
