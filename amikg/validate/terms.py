"""RDF terms between pyoxigraph (the store's data model) and rdflib (pyshacl's and the shapes').

The validation reads shapes and reports with rdflib and data from the store as pyoxigraph terms;
these two functions are the one place a term crosses over. Blank nodes keep their labels.
"""

from __future__ import annotations

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Literal, URIRef


def to_rdflib(t):
    """A pyoxigraph term as rdflib's (``None`` stays ``None``)."""
    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return Literal(t.value, lang=t.language)
        return Literal(t.value, datatype=URIRef(t.datatype.value))
    raise TypeError(f"unsupported term {t!r}")


def to_ox(t):
    """An rdflib term as pyoxigraph's (a literal without datatype is an ``xsd:string``)."""
    if isinstance(t, URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, BNode):
        return ox.BlankNode(str(t))
    if isinstance(t, Literal):
        if t.language:
            return ox.Literal(str(t), language=t.language)
        return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype or rdflib.XSD.string)))
    raise TypeError(f"unsupported term {t!r}")
