"""The data-quality shapes run on each chunk of an import, before anything is written."""

from __future__ import annotations

import pyoxigraph as ox
import rdflib

from ..namespaces import AMI, RDF, SH
from ..store import nn, scratch_store
from ..validate import (CoreShapes, ShapesError, compile_shapes, format_message, node_shape,
                        ontology_graph, run_pyshacl, shapes_graph, to_ox, to_rdflib)


def shape_checker(cluster: str):
    """The data-quality shapes (``amikg.validate``, profile ``data``) as one call:
    quads -> [(focus, path, value, message, check)] for every sh:Violation (``check``: the
    ``sh:name`` of the node shape, e.g. "Regions are NUTS codes"). The chunk is validated with
    the ontology and the cluster's type (the shapes check that memberships point at a cluster).

    The shapes run as SPARQL on an in-memory Oxigraph store holding the ontology and the chunk
    (:class:`amikg.validate.CoreShapes`: one query per constraint over all the chunk's focus
    nodes, pyshacl's own rule for the values SPARQL cannot judge alone; proven equal to pyshacl
    by ``tests/test_import_shapes.py``). Shapes that engine does not cover fall back to pyshacl
    (:func:`_pyshacl_checker`)."""
    sg = shapes_graph("data")
    try:
        core = CoreShapes(sg)
    except ShapesError:
        return _pyshacl_checker(cluster, sg)
    onto_g = ox.NamedNode("urn:x-amikg:ontology")
    base = [ox.Quad(to_ox(s), to_ox(p), to_ox(o), onto_g) for s, p, o in ontology_graph()]
    base.append(ox.Quad(nn(cluster), nn(str(RDF.type)), nn(str(AMI.Cluster)), onto_g))
    violation = SH.Violation
    fallback: list = []

    def check(quads: list[ox.Quad]) -> list[tuple]:
        if not core.exact_on(quads):  # literals Oxigraph would rewrite: pyshacl sees them as given
            if not fallback:
                fallback.append(_pyshacl_checker(cluster, sg))
            return fallback[0](quads)
        data = scratch_store()
        data.add(base + quads)
        return [(str(r.focus), str(r.path or ""), None if r.value is None else str(r.value),
                 " ".join(r.messages) or "does not pass the data-quality shapes",
                 check_name(sg, r.shape))
                for r in core.run(data) if r.severity == violation]
    return check


def _pyshacl_checker(cluster: str, sg):
    """:func:`shape_checker` with pyshacl for the core constraints (``inference='none'``) and
    the shapes' SPARQL constraints run here on the same rdflib graph, each query parsed once and
    the focus node pre-bound (``initBindings``, as SHACL prescribes). ~3.5 ms a row."""
    # rdflib's SPARQL engine costs ~60 ms to import and only this fallback needs it
    from rdflib.plugins.sparql import prepareQuery

    core, sparql_shapes = _split_shapes(sg)
    onto = ontology_graph()
    cluster_type = (rdflib.URIRef(cluster), rdflib.RDF.type, rdflib.URIRef(str(AMI.Cluster)))
    SH_VIOLATION = SH.Violation

    prepared = [(sh, prepareQuery(text), cmsgs) for sh in sparql_shapes
                for _c, text, cmsgs in sh.sparql]
    subclasses = {}
    for sh in sparql_shapes:
        for cls in sh.classes:
            subclasses[cls] = set(onto.transitive_subjects(rdflib.RDFS.subClassOf, cls))

    def check(quads: list[ox.Quad]) -> list[tuple]:
        data = rdflib.Graph()
        for t in onto:
            data.add(t)
        data.add(cluster_type)
        for q in quads:
            data.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
        found = [(str(r.focus), str(r.path or ""), None if r.value is None else str(r.value),
                  " ".join(r.messages) or "does not pass the data-quality shapes",
                  check_name(sg, r.shape))
                 for r in run_pyshacl(data, core) if r.severity == SH_VIOLATION]
        chunk = {to_rdflib(q.subject) for q in quads}
        for sh, query, cmsgs in prepared:
            if sh.severity != SH_VIOLATION:
                continue
            kinds = set().union(*(subclasses[c] for c in sh.classes))
            focus = sorted({f for f in chunk
                            if any(t in kinds for t in data.objects(f, rdflib.RDF.type))}, key=str)
            for f in focus:
                for row in data.query(query, initBindings={"this": f}):
                    d = {k: v for k, v in row.asdict().items() if v is not None}
                    d.setdefault("this", f)
                    value = d.get("value", None if sh.is_property else f)
                    if value is not None:
                        d["value"] = value
                    msgs = [format_message(m, d) for m in sh.messages]
                    msgs += [format_message(m, d) for m in cmsgs if m not in sh.messages]
                    path = d.get("path") or sh.path_text or ""
                    found.append((str(f), str(path), None if value is None else str(value),
                                  " ".join(sorted(set(msgs))) or
                                  "does not pass the data-quality shapes",
                                  check_name(sg, sh.node)))
        return found
    return check


def check_name(sg, shape) -> str:
    """What people call the check a shape is part of: its node shape's ``sh:name``."""
    node = node_shape(sg, shape)
    return str(sg.value(shape, SH.name) or sg.value(node, SH.name) or node)


#: what a top-level shape keeps when it moves to the SPARQL engine (the rest stays with pyshacl)
_SPARQL_KEEP = ("targetClass", "sparql", "path", "severity", "message", "name", "description",
                "group", "order", "deactivated")


def _split_shapes(sg):
    """``sg`` as (core shapes for pyshacl, compiled SPARQL-constraint shapes): each top-level
    shape's ``sh:sparql`` constraints move to the SPARQL engine; its other constraints stay.
    When the SPARQL engine cannot run them, everything stays with pyshacl."""
    nodes = {n for n in sg.subjects(SH.sparql, None) if (n, SH.targetClass, None) in sg}
    if not nodes:
        return sg, []
    sparql_g = rdflib.Graph()
    core = rdflib.Graph()
    for t in sg:
        core.add(t)
        sparql_g.add(t)
    for n in set(sg.subjects(SH.targetClass, None)):
        for p, o in list(sg.predicate_objects(n)):
            if n not in nodes:
                if p == SH.targetClass:
                    sparql_g.remove((n, p, o))
            elif p == SH.sparql:
                core.remove((n, p, o))
            elif str(p).startswith(str(SH)) and str(p)[len(str(SH)):] not in _SPARQL_KEEP:
                sparql_g.remove((n, p, o))
        if n in nodes and (n, SH.message, None) not in sg:
            # the engine takes a shape's messages; pyshacl reports the constraint's own
            for c in sg.objects(n, SH.sparql):
                for m in sg.objects(c, SH.message):
                    sparql_g.add((n, SH.message, m))
    try:
        return core, compile_shapes(sparql_g)
    except ShapesError:
        return sg, []

