"""The web pages cluster managers and data stewards read (issue 8): server-rendered HTML, no script.

``GET /``                     what the store holds (clusters, organisations, triples, graphs, last
                              update) and the clusters
``GET /clusters``             every cluster with region, legal form, fees and printed member counts
``GET /clusters/<slug>``      one cluster: identity, member composition, roadmap progress and next
                              steps, value-chain coverage, marketing plan against Figure 4
``GET /partners?...``         the partner-search form; its fields are the query's parameters, so
                              the URL of a search is shareable; above it a word search
                              (``?q=``) with facet counts and the matched words highlighted
``GET|POST /validate``        upload a file or paste Turtle, choose shapes, read the report grouped
                              by focus node and severity, download it as Turtle or JSON-LD
``POST /validate/import``       the page's second form: import a member spreadsheet (dry run by
                              default; writing needs the update token in the form), the same
                              :func:`amikg.ingest.import_table` and report as ``POST /api/import``

Every chart is drawn server-side as SVG (``templates/pages/_charts.html``) from the very JSON the
API serves: :meth:`amikg.queries.QueryRun.result` (``/api/queries/<name>``) and
:func:`amikg.summary.cluster_summary` (``amikg roadmap --json``, ``/api/clusters/<id>``). The library does the work (what the store
holds, a cluster's identity, the form's choices, the printed counts and the marketing plan are
questions in :mod:`amikg.overview`); this module only picks the calls and arranges their answers
for the templates.
"""

from __future__ import annotations

import base64
import re
import tempfile
from pathlib import Path, PurePath

from flask import Blueprint, render_template, request, url_for
from markupsafe import Markup, escape

from amikg import __version__
from amikg.errors import (AmikgError, AuthenticationRequired, ForbiddenOperation, FormatError,
                          ParameterError)
from amikg.access import Account, cluster_graph
from amikg.ingest import ImportRejected, import_cluster, import_table
from amikg.loader import Source
from amikg.overview import (cluster_choices, cluster_identity, cluster_slug, holdings,
                            marketing_plan, param_options, printed_counts, where_and_web)
from amikg.publish import compact_iri
from amikg.queries import RESERVED, get_query, query_params_from_multidict, run_query
from amikg.search import partner_search, search
from amikg.summary import cluster_summary
from amikg.store import EXTENSIONS, format_for_path
from amikg.clusters import resolve_cluster
from amikg.validate import DEFAULT_PROFILE, render, validate_source

from .context import current_gate, current_search, current_service, current_settings, current_store
from .errors import for_reader
from .linked_data import local_href
from .safety import token_account, token_matches

bp = Blueprint("pages", __name__)

NAV = [("pages.home", "Home"), ("pages.clusters", "Clusters"), ("pages.partners", "Partner search"),
       ("pages.validate", "Validate"), ("sparql.sparql", "SPARQL"),
       ("linked_data.ontology", "Ontology"), ("linked_data.catalog", "Catalog")]

#: Shapes a data steward can choose on the validation page (amikg.validate.PROFILES).
SHAPES = [("data", "Data quality (shapes/data-quality.ttl)"),
          ("roadmap", "Roadmap checkpoints and activities (shapes/roadmap.ttl)")]
SEVERITIES = ["Violation", "Warning", "Info"]


@bp.app_context_processor
def _page_helpers():
    return {"nav": NAV, "amikg_version": __version__, "href": local_href, "compact": compact_iri}


@bp.app_template_filter("compact")
def _compact_filter(iri: str) -> str:
    return compact_iri(iri)


# -- home -----------------------------------------------------------------------------------------

@bp.get("/")
def home():
    store = current_store()
    overview = run_query(store, "cluster-overview").result()
    return render_template("pages/home.html", stats=holdings(store),
                           clusters=[_cluster_row(r) for r in overview["rows"]])


# -- clusters -------------------------------------------------------------------------------------

def _cluster_row(r: dict) -> dict:
    return {**r, "slug": cluster_slug(r["cluster"]),
            "counts": printed_counts(r.get("member_counts"))}


@bp.get("/clusters")
def clusters():
    overview = run_query(current_store(), "cluster-overview").result()
    return render_template("pages/clusters.html",
                           clusters=[_cluster_row(r) for r in overview["rows"]])


@bp.get("/clusters/<slug>")
def cluster(slug: str):
    store = current_store()
    iri = str(resolve_cluster(store, slug))   # NotFound -> 404 page
    params = {"cluster": [iri]}
    overview = run_query(store, "cluster-overview", params).result()["rows"][0]
    stakeholders = run_query(store, "stakeholders-by-category", params).result()
    marketing = run_query(store, "marketing-measures").result()
    summary = cluster_summary(store, iri)  # the roadmap's answer, whole, with the value chain
    api = {name: url_for("api_queries.named_query", name=name, cluster=compact_iri(iri))
           for name in ("cluster-overview", "stakeholders-by-category", "cluster-value-chain")}
    api["marketing-measures"] = url_for("api_queries.named_query", name="marketing-measures")
    charts = {
        "categories": [{"label": r["category_label"], "value": r["count"]}
                       for r in stakeholders["rows"] if r["count"]],
        "phases": [{"label": ph["label"], "value": ph["percent"],
                    "note": f"({ph['done']} of {ph['done'] + ph['open']})"}
                   for ph in summary["phases"]],
        "steps": [{"label": f"{r['order']}. {r['label']}", "a": r["members"], "b": r["regional"],
                   "gap": r["gap"]} for r in summary["value_chain"]]}
    return render_template(
        "pages/cluster.html", charts=charts, iri=iri, slug=slug, c=_cluster_row(overview),
        ident=cluster_identity(store, iri), stakeholders=stakeholders["rows"], summary=summary, roadmap=summary,
        plan=marketing_plan(marketing["rows"], overview["name"]), api=api)


# -- partner search -------------------------------------------------------------------------------

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


#: The facets the word search shows, in the page's words.
FACET_TITLES = [("category", "Category"), ("competency", "Competency"),
                ("step", "Value-chain step"), ("region", "Region"), ("country", "Country"),
                ("cluster", "Cluster")]


def _word_search() -> tuple[dict, int]:
    """The page's word search (``?q=``): the same :func:`amikg.search.search` as
    ``/api/search``; each facet value is a link that adds (or removes) it as a filter."""
    q = request.args.get("q", "")
    chosen = {f: [v for v in request.args.getlist(f) if v.strip()] for f, _ in FACET_TITLES}
    chosen = {f: v for f, v in chosen.items() if v}
    try:
        answer = search(current_search(), q, chosen, limit=request.args.get("limit"),
                        offset=request.args.get("offset"), store=current_store())
    except ParameterError as e:
        return {"q": q, "answer": None, "error": for_reader(e.message)}, 400
    picked = {f: {compact_iri(v) for v in vs} for f, vs in answer["filters"].items()}
    facets = []
    for f, title in FACET_TITLES:
        rows = []
        for r in [r for r in answer["facets"][f] if r["label"] != r["value"]][:12]:
            value = compact_iri(r["value"])
            on = value in picked.get(f, set())
            args = {k: sorted(v) for k, v in picked.items()}
            args[f] = sorted(picked.get(f, set()) - {value} if on else picked.get(f, set()) | {value})
            rows.append({**r, "on": on, "href": url_for("pages.partners", q=q, **args)})
        if rows:
            facets.append({"title": title, "rows": rows})
    hits = [{**h, "href": local_href(h["iri"])} for h in answer["hits"]]
    api = url_for("api_search.api_search", q=q, **{k: sorted(v) for k, v in picked.items()})
    return {"q": q, "answer": answer, "hits": hits, "facets": facets, "error": None,
            "api": api}, 200


def _fields(query, selected: dict) -> list[dict]:
    return [{"name": p.name, "type": p.type, "multiple": p.multiple,
             "description": p.description, "options": param_options(current_store(), p),
             "selected": selected.get(p.name, set())} for p in query.params]


@bp.get("/partners")
def partners():
    query = get_query("partner-search")
    if "q" in request.args:
        words, status = _word_search()
        return render_template("pages/partners.html", query=query, fields=_fields(query, {}),
                               results=None, error=None, searched=True, api_url="",
                               words=words), status
    store = current_store()
    given = {k: [v for v in vs if v.strip()] for k, vs in query_params_from_multidict(
        (k, v) for k, v in request.args.items(multi=True) if k not in RESERVED).items()}
    given = {k: v for k, v in given.items() if v}
    selected = {k: set(v) for k, v in given.items()}
    results, error, status = None, None, 200
    if given:
        try:
            answer = partner_search(store, current_search(), given)
            # every value as the library resolved it (a slug, notation or label is the choice's
            # IRI), so the form shows what was searched for and a second search keeps it
            for name, iris in answer["params"].items():
                selected.setdefault(name, set()).update(compact_iri(i) for i in iris)
            rows = answer["rows"]
            where = where_and_web(store, [r["candidate"] for r in rows])
            results = [{**r, **where.get(r["candidate"], {}), "href": local_href(r["candidate"]),
                        "reason_list": _reasons(r)} for r in rows]
        except ParameterError as e:
            error, status = for_reader(e.message), 400
    fields = _fields(query, selected)
    api_url = url_for("api_queries.named_query", name="partner-search", **{
        k: v for k, v in request.args.lists() if k in {p.name for p in query.params}})
    return render_template("pages/partners.html", query=query, fields=fields, results=results,
                           error=error, searched=bool(given), api_url=api_url,
                           words={"q": "", "answer": None, "error": None}), status


# -- validation -----------------------------------------------------------------------------------

def grouped(summary: dict) -> list[dict]:
    """The summary of :meth:`amikg.validate.Outcome.summary` regrouped by focus node, then by
    severity (Violation, Warning, Info), each result keeping its phase (the summary lists each
    finding once, so the page's counts equal its lists)."""
    out = []
    for f in summary["focus_nodes"]:
        by_sev: dict = {s: [] for s in SEVERITIES}
        for ph in f["phases"]:
            for r in ph["results"]:
                by_sev.setdefault(r["severity"], []).append(
                    {**r, "phase": ph["label"], "path": _compact_path(r["path"])})
        out.append({**f, "severities": [(s, rs) for s, rs in by_sev.items() if rs]})
    return out


def _compact_path(path: str | None) -> str | None:
    """``<http://...#label>`` -> ``rdfs:label`` for reading; other path syntax is kept."""
    if path and path.startswith("<") and path.endswith(">") and " " not in path:
        return compact_iri(path[1:-1])
    return path


def _format_of(name: str) -> str:
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
    ctx = {"shapes": SHAPES, "chosen": request.form.get("shapes") or DEFAULT_PROFILE, "pasted": "",
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
            ctx["error"], status = for_reader(e.message), 422
    return render_template("pages/validate.html", **ctx), status


# -- import a member spreadsheet (issue 9) --------------------------------------------------------

def _import_ctx(import_form: bool = False) -> dict:
    """The import form's state: "dry run" stays ticked unless the user unticked it on this very
    form (``import_form``: the request is its POST); a POST of the validation form above it
    carries no such field and must not untick it."""
    return {"clusters_choice": cluster_choices(current_store()), "imp": None, "imp_error": None,
            "imp_problems": [],
            "imp_cluster": request.form.get("cluster", "") if import_form else "",
            "imp_dry": not import_form or request.form.get("dry_run") == "on",
            "imp_publish": request.form.get("publish") == "on" if import_form
            else current_settings().publish_imports}


def _check_form_token(given: str):
    """The page has no script to send an Authorization header, so a real import carries an API
    token (an account's, or the update token; or the ``user:password`` of AMIKG_BASIC_AUTH) as
    a form field; a cross-site form cannot know it. Dry runs write nothing and need none.
    Returns the account importing."""
    settings = current_settings()
    basic = settings.basic_auth
    if not settings.token() and not basic and not current_service().accounts.list():
        raise ForbiddenOperation("importing is disabled: this service has no accounts and no "
                                 "update token (set AMIKG_UPDATE_TOKEN or add one with `amikg "
                                 "users add`); a dry run still checks the file")
    if not given:
        raise AuthenticationRequired("an import that writes needs the update token or your API "
                                     "token: enter it, or tick \"dry run\" to check the file "
                                     "only")
    account = token_account(settings, given)
    if account is None and basic and token_matches(given, basic):
        account = Account(given.partition(":")[0] or settings.agent, "admin")
    if account is None:
        raise ForbiddenOperation("the token is not valid")
    return account


@bp.post("/validate/import")
def import_spreadsheet():
    """The import form: the same :func:`amikg.ingest.import_table` as ``POST /api/import``."""
    ctx = {"shapes": SHAPES, "chosen": DEFAULT_PROFILE, "pasted": "", "report": None,
           "error": None, "source_name": None, **_import_ctx(import_form=True)}
    status = 200
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ParameterError("choose a spreadsheet (.csv or .xlsx) to import",
                                 parameter="file")
        if not ctx["imp_cluster"]:
            raise ParameterError("choose the cluster the rows are members of",
                                 parameter="cluster")
        account = None if ctx["imp_dry"] else _check_form_token(request.form.get("token", ""))
        name = PurePath(upload.filename).name or "upload.csv"
        ctx["source_name"] = name
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / ("upload" + Path(name).suffix.lower())
            upload.save(str(path))
            # a dry run reads as its reader may; a real import writes the store itself
            store = current_store() if account is None else current_gate().store

            def run():
                return import_table(store, path, ctx["imp_cluster"], name=name,
                                    dry_run=ctx["imp_dry"],
                                    agent=account.name if account else current_settings().agent,
                                    publish=ctx["imp_publish"])
            # a real import asks the same write gate as POST /api/import
            rep = run() if account is None else current_gate().write(
                account, f"import {name}",
                [cluster_graph(import_cluster(store, ctx["imp_cluster"]))], run,
                written=lambda r: 0 if r.skipped else r.triples, recorded=lambda r: [r.graph])
        ctx["imp"] = rep.to_dict()
        status = 201 if not rep.dry_run and not rep.skipped else 200
    except ImportRejected as e:
        ctx["imp_error"], ctx["imp_problems"], status = (
            for_reader(e.message.splitlines()[0]), e.problems, e.http_status)
    except AmikgError as e:
        ctx["imp_error"], status = for_reader(e.message), e.http_status
    return render_template("pages/validate.html", **ctx), status


_CODE_SPAN = re.compile(r"`([^`]+)`")


@bp.app_template_filter("code_spans")
def _code_spans(text: str) -> Markup:
    """Text whose Markdown-style `code spans` (the query headers write them) become <code>."""
    return Markup(_CODE_SPAN.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(text or ""))))
