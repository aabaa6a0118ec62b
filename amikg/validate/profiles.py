"""The shapes: built-in profiles, shapes and ontology files read into rdflib graphs, SHACL paths
as SPARQL text, the text of a SHACL-SPARQL constraint, and :class:`ShapesError`.

Profiles: ``data`` (``shapes/data-quality.ttl``, the default, :data:`DEFAULT_PROFILE`),
``roadmap`` (``shapes/roadmap.ttl``: the checkpoints and activities of D2.2), or the path of any
shapes file (any RDF format).
"""

from __future__ import annotations

import re
from pathlib import Path

import rdflib
from rdflib import URIRef
from rdflib.namespace import RDF

from ..config import data_root
from ..errors import AmikgError
from ..loader import Source, parse_source
from ..namespaces import SH
from .terms import to_rdflib

#: Built-in profiles: name -> shapes files under ``shapes/``.
PROFILES = {"roadmap": ["roadmap.ttl"], "data": ["data-quality.ttl"]}
#: The profile every interface uses when none is given: data quality, for files, uploads and the
#: store alike (the roadmap is asked for by name, or with ``amikg roadmap``).
DEFAULT_PROFILE = "data"
ONTOLOGY_FILES = ["ontology/ami.ttl", "ontology/reference.ttl"]


class ShapesError(AmikgError):
    """A shapes file cannot be read or uses SHACL the chosen engine does not support."""


def shapes_graph(profile: str) -> rdflib.Graph:
    """The shapes of a profile (``roadmap``, ``data``) or of a shapes file (any RDF format)."""
    g = rdflib.Graph()
    if profile in PROFILES:
        paths = [data_root() / "shapes" / f for f in PROFILES[profile]]
    else:
        paths = [Path(profile)]
        if not paths[0].is_file():
            raise ShapesError(f"{profile}: no such shapes file (profiles: "
                              f"{', '.join(PROFILES)})", source=profile)
    for p in paths:
        parse_file(g, p)
    return g


def parse_file(g: rdflib.Graph, path: Path) -> None:
    """Add the triples of the RDF file ``path`` to ``g``.

    :raise LoadError: naming the file, line and column when it does not parse."""
    quads = parse_source(Source.from_path(path), "urn:x-amikg:shapes")  # clear line numbers
    for q in quads:
        g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))


def ontology_graph() -> rdflib.Graph:
    """The bundled ontology and reference data (what a data file is validated against)."""
    g = rdflib.Graph()
    for f in ONTOLOGY_FILES:
        parse_file(g, data_root() / f)
    return g


def path_key(g: rdflib.Graph, path) -> str | None:
    """A SHACL path as SPARQL path text (to compare paths across graphs).

    :raise ShapesError: for a path node that is not a SHACL path."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return f"<{path}>"
    inv = g.value(path, SH.inversePath)
    if inv is not None:
        return "^" + path_key(g, inv)
    items = list(rdflib.collection.Collection(g, path)) if g.value(path, RDF.first) else []
    if items:
        return "/".join(path_key(g, i) for i in items)
    alt = g.value(path, SH.alternativePath)
    if alt is not None:
        return "(" + "|".join(path_key(g, i) for i in rdflib.collection.Collection(g, alt)) + ")"
    for p, op in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = g.value(path, p)
        if inner is not None:
            return f"({path_key(g, inner)}){op}"
    raise ShapesError(f"unsupported SHACL path {path}")


def sparql_select(sg: rdflib.Graph, c, node) -> tuple[str, str]:
    """The PREFIX declarations and the ``sh:select`` text of SPARQL constraint ``c`` of shape
    ``node``, refused (:class:`ShapesError`) where the SPARQL engines here do not apply: no
    select, ``$currentShape``/``$shapesGraph``, ``$this`` not projected."""
    select = sg.value(c, SH.select)
    if select is None:
        raise ShapesError(f"SPARQL constraint {c} of {node} has no sh:select")
    text = str(select)
    if re.search(r"\$(currentShape|shapesGraph)\b", text):
        raise ShapesError(f"SPARQL constraint {c} uses $currentShape/$shapesGraph")
    if not re.search(r"SELECT\s+(DISTINCT\s+)?[^{]*?[$?]this\b", text, re.I):
        raise ShapesError(f"SPARQL constraint {c} does not project $this")
    prefixes = "".join(
        f"PREFIX {sg.value(decl, SH.prefix)}: <{sg.value(decl, SH.namespace)}>\n"
        for pre in sg.objects(c, SH.prefixes) for decl in sg.objects(pre, SH.declare))
    return prefixes, text
