"""Linked data over HTTP: dereferenceable IRIs, ontology and shapes documents, the DCAT-AP 3
catalogue, VoID, the JSON-LD context and dataset dumps. A thin adapter over :mod:`amikg.publish`.

IRI mapping (``AMIKG_BASE_IRI``, default ``https://w3id.org/amikg/``; the path below the service
root is the path below the base IRI):

- ``/id/<path>``  -> ``303 See Other`` to ``/doc/<path>`` (W3C Cool URIs, 303 IRIs for things);
- ``/doc/<path>`` -> the description of ``<base>id/<path>``: HTML, Turtle, JSON-LD, RDF/XML or
  N-Triples by ``Accept`` or ``?format=``;
- ``/ontology`` (and the versioned ``/ontology/<version>``) -> the ontology; its terms are hash IRIs
  ``<base>ontology#Term`` (Cool URIs, hash IRIs), so a browser lands on the term's anchor;
- ``/shapes`` -> the SHACL shapes (hash IRIs ``<base>shapes#Shape``).
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from flask import Blueprint, Response, redirect, render_template, request, url_for
from werkzeug.exceptions import NotAcceptable
from werkzeug.http import http_date

from amikg import publish
from amikg.errors import NotFound, ParameterError
from amikg.namespaces import GRAPH_ONTOLOGY, GRAPH_SHAPES
from amikg.store import nn

from .context import current_settings, current_store
from .safety import require_read

bp = Blueprint("linked_data", __name__, template_folder="templates", static_folder=None)

HTML = "text/html"
#: Media types we answer with, in order of preference for ``*/*``.
OFFERED = [HTML, "text/turtle", "application/ld+json", "application/rdf+xml",
           "application/n-triples", "application/json"]
MEDIA_FORMAT = {"text/turtle": "turtle", "application/ld+json": "jsonld",
                "application/json": "jsonld", "application/rdf+xml": "xml",
                "application/n-triples": "ntriples", HTML: "html"}
_SEGMENT = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=:@%-]+$")


def base_iri() -> str:
    return current_settings().base_iri.rstrip("/") + "/"


def negotiate(html: bool = True) -> str:
    """The short format the client wants: ``html`` or an RDF format name.

    ``?format=`` wins over ``Accept``. :raise ParameterError: unknown ``format``;
    :raise NotAcceptable: nothing offered matches ``Accept`` (406)."""
    fmt = request.args.get("format")
    if fmt:
        key = publish.FORMAT_ALIASES.get(fmt.strip().lower())
        if key is None or (key == "html" and not html):
            raise ParameterError(f"unknown format {fmt!r}; use one of "
                                 f"{', '.join(['html'] * html + ['ttl', 'jsonld', 'rdf', 'nt'])}",
                                 parameter="format")
        return key
    offered = OFFERED if html else OFFERED[1:]
    if not request.accept_mimetypes:  # no Accept header: anything will do
        return MEDIA_FORMAT[offered[0]]
    best = request.accept_mimetypes.best_match(offered)
    if best is None:
        raise NotAcceptable(f"no representation matches Accept; offered: {', '.join(offered)}")
    return MEDIA_FORMAT[best]


def _check_path(rest: str) -> str:
    """Refuse path traversal and odd characters in a resource path."""
    parts = rest.split("/")
    if any(p in ("", ".", "..") or not _SEGMENT.match(p) for p in parts) or "\\" in rest:
        raise ParameterError(f"not a resource path: {rest!r}", path=rest)
    return rest


def local_href(iri: str) -> str:
    """Where a browser should go for ``iri``: a page of this service, or the IRI itself."""
    base = base_iri()
    if iri.startswith(base + "id/"):
        return url_for("linked_data.doc", rest=iri[len(base) + 3:])
    for doc, endpoint in (("ontology", "linked_data.ontology"), ("shapes", "linked_data.shapes")):
        if iri == base + doc:
            return url_for(endpoint)
        if iri.startswith(base + doc + "#"):
            return url_for(endpoint) + "#" + quote(iri.split("#", 1)[1], safe="-._~")
    if iri.startswith(base + "ontology/"):
        return url_for("linked_data.ontology_version", version=iri[len(base) + 9:])
    return iri


@bp.context_processor
def _helpers():
    return {"ld_href": local_href, "compact": publish.compact_iri}


_context_cache: dict = {}


def jsonld_context() -> dict:
    """The ontology's JSON-LD context, rebuilt when the ontology graph changes."""
    store = current_store()
    key = (store.location, publish.graph_state(store, GRAPH_ONTOLOGY))
    if key not in _context_cache:
        _context_cache.clear()
        _context_cache[key] = publish.jsonld_context(store)
    return _context_cache[key]


def rdf_response(triples, fmt: str, doc_url: str) -> Response:
    ctx = jsonld_context() if fmt == "jsonld" else None
    body = publish.serialize(triples, fmt, ctx)
    resp = Response(body, mimetype=publish.RDF_MEDIA[fmt])
    if fmt in ("turtle", "ntriples"):
        resp.mimetype_params["charset"] = "utf-8"
    return _decorate(resp, doc_url)


def _decorate(resp: Response, doc_url: str, about: str | None = None) -> Response:
    """``Vary`` and ``Link`` headers: alternates in every format, and the thing described."""
    resp.vary.add("Accept")
    links = [f'<{doc_url}?format={f}>; rel="alternate"; type="{m}"'
             for f, m in (("html", HTML), ("ttl", "text/turtle"), ("jsonld", "application/ld+json"),
                          ("rdf", "application/rdf+xml"), ("nt", "application/n-triples"))]
    if about:
        links.append(f'<{about}>; rel="about"')
    links.append(f'<{url_for("linked_data.context")}>; rel="http://www.w3.org/ns/json-ld#context"; '
                 'type="application/ld+json"')
    resp.headers["Link"] = ", ".join(links)
    return resp


# -- resources ------------------------------------------------------------------------------------

@bp.route("/id/<path:rest>")
def thing(rest):
    """The IRI of a thing: 303 to the document that describes it (404 when unknown)."""
    require_read()
    _check_path(rest)
    iri = base_iri() + "id/" + rest
    if not publish.resource_exists(current_store(), nn(iri).value):
        raise NotFound(f"no resource {iri} in the store", iri=iri)
    target = url_for("linked_data.doc", rest=rest)
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    resp = redirect(target, code=303)
    resp.vary.add("Accept")
    return resp


@bp.route("/doc/<path:rest>")
def doc(rest):
    """The document about ``<base>id/<rest>`` in the negotiated format."""
    require_read()
    _check_path(rest)
    iri = base_iri() + "id/" + rest
    fmt = negotiate()
    doc_url = url_for("linked_data.doc", rest=rest)
    store = current_store()
    contacts = current_settings().publish_contacts
    if fmt != "html":
        return _decorate(rdf_response(publish.describe(store, iri, contacts), fmt, doc_url),
                         doc_url, iri)
    view = publish.resource_view(store, iri, contacts=contacts)
    resp = Response(render_template("ld/resource.html", view=view, doc_url=doc_url))
    return _decorate(resp, doc_url, iri)


# -- ontology, shapes ----------------------------------------------------------------------------

@bp.route("/ontology")
def ontology():
    """The ontology: HTML documentation generated from the ontology graph, or its RDF."""
    require_read()
    return _ontology_response(url_for("linked_data.ontology"))


@bp.route("/ontology/<version>")
def ontology_version(version):
    """A versioned ontology IRI (``owl:versionIRI``); only the version in the store is served."""
    require_read()
    header = publish.ontology_header(current_store())
    known = {header.get("version"), (header.get("version_iri") or "").rsplit("/", 1)[-1]}
    if version not in known - {None, ""}:
        raise NotFound(f"no ontology version {version!r}; this service has "
                       f"{header.get('version') or 'an unversioned ontology'}", version=version)
    return _ontology_response(url_for("linked_data.ontology_version", version=version))


def _ontology_response(doc_url: str) -> Response:
    store = current_store()
    fmt = negotiate()
    if fmt != "html":
        return rdf_response(publish.graph_triples(store, GRAPH_ONTOLOGY), fmt, doc_url)
    view = publish.ontology_view(store)
    return _decorate(Response(render_template("ld/ontology.html", onto=view)), doc_url,
                     view["header"]["iri"])


@bp.route("/shapes")
def shapes():
    """The SHACL shapes: HTML documentation or RDF."""
    require_read()
    store = current_store()
    fmt = negotiate()
    doc_url = url_for("linked_data.shapes")
    if fmt != "html":
        return rdf_response(publish.graph_triples(store, GRAPH_SHAPES), fmt, doc_url)
    view = publish.shapes_view(store)
    return _decorate(Response(render_template("ld/shapes.html", view=view)), doc_url)


@bp.route("/context.jsonld")
def context():
    """The JSON-LD ``@context`` of the ontology (terms by local name)."""
    require_read()
    resp = Response(_json(jsonld_context()), mimetype="application/ld+json")
    return resp


def _json(obj) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False)


# -- catalogue, VoID, dumps -----------------------------------------------------------------------

@bp.route("/catalog")
def catalog():
    """The DCAT-AP 3 catalogue (RDF), or an HTML listing of the datasets and their dumps."""
    require_read()
    store = current_store()
    fmt = negotiate()
    doc_url = url_for("linked_data.catalog")
    contacts = current_settings().publish_contacts
    if fmt == "html":
        view = publish.catalog_view(store, request.url_root, base_iri(),
                                    publish.CatalogInfo.from_env(), contacts)
        return _decorate(Response(render_template("ld/catalog.html", catalog=view)), doc_url)
    g = publish.catalog_graph(store, request.url_root, base_iri(),
                              publish.CatalogInfo.from_env(), contacts)
    return rdf_response(publish.rdflib_to_triples(g), fmt, doc_url)


@bp.route("/.well-known/void")
def void():
    """The VoID description of the whole store (RDF only)."""
    require_read()
    fmt = negotiate(html=False)
    g = publish.void_graph(current_store(), request.url_root, base_iri())
    return rdf_response(publish.rdflib_to_triples(g), fmt, url_for("linked_data.void"))


@bp.route("/download/<path:filename>", methods=["GET", "HEAD"])
def download(filename):
    """``/download/<dataset>.<ttl|nt.gz|nq|jsonld>``: the dump, streamed, with Content-Length,
    ETag (the SHA-256 of the bytes) and Last-Modified; conditional requests get 304."""
    require_read()
    if "/" in filename or "\\" in filename or ".." in filename:
        raise ParameterError(f"not a dump name: {filename!r}", file=filename)
    name, fmt = publish.parse_dump_name(filename)
    store = current_store()
    ds = publish.find_dataset(store, name)
    contacts = current_settings().publish_contacts
    info = publish.dump_info(store, ds, fmt, contacts)
    headers = {"ETag": f'"{info.sha256}"', "Cache-Control": "no-cache",
               "Last-Modified": http_date(info.modified)}
    inm = request.if_none_match
    if (inm and inm.contains(info.sha256)) or (
            not inm and request.if_modified_since is not None
            and info.modified.replace(microsecond=0) <= request.if_modified_since):
        return Response(status=304, headers=headers)
    body = publish.stream_dump(store, ds, fmt, contacts=contacts) if request.method == "GET" else b""
    resp = Response(body, mimetype=fmt.media_type, headers=headers)
    resp.headers["Content-Length"] = str(info.byte_size)
    resp.headers["Content-Disposition"] = f'attachment; filename="{ds.name}.{fmt.ext}"'
    resp.headers["Link"] = f'<{url_for("linked_data.catalog")}>; rel="describedby"'
    return resp
