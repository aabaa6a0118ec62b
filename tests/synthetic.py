"""The seeded synthetic graph with roadmap data, for the validation tests (no pytest here)."""

from __future__ import annotations

import io

import pyoxigraph as ox

from amikg.bundled import init_store
from amikg.generate import write_synthetic
from amikg.synthetic_roadmap import synthetic_roadmap_triples

SYN = ox.NamedNode("https://w3id.org/amikg/graph/source/synthetic")


def fill(store, orgs: int, extra: str = "") -> None:
    """The bundled graphs, ``orgs`` synthetic organisations and the roadmap data of their
    ``orgs // 100`` clusters, plus ``extra`` Turtle, all in the synthetic graph of ``store``."""
    init_store(store)
    buf = io.BytesIO()
    write_synthetic(buf, orgs)
    triples = list(ox.parse(buf.getvalue(), format=ox.RdfFormat.N_TRIPLES))
    triples += synthetic_roadmap_triples(max(1, orgs // 100))
    if extra:
        triples += ox.parse(extra.encode(), format=ox.RdfFormat.TURTLE)
    store.add([ox.Quad(t.subject, t.predicate, t.object, SYN) for t in triples])
