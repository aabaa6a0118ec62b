"""The store: one interface (:class:`Store`) over embedded Oxigraph on disk, Oxigraph in memory,
and any remote SPARQL 1.1 store (Virtuoso with its own rewrites). This package is the only one
that knows which engine is underneath: callers open a store from a location
(:func:`open_store`, :func:`parse_location`) and ask it for capabilities
(:attr:`Store.single_process`, :attr:`Store.can_snapshot`, :attr:`Store.can_bulk_load`,
:attr:`Store.directory`), never for its engine.

Every backend returns pyoxigraph result objects (``QuerySolutions``, ``QueryBoolean``, or an
iterable of ``Triple`` with ``serialize``), so callers never care where the answer came from.
Queries see the union of all named graphs as their default graph (docs/modelling.md).

Modules: :mod:`.base` (the interface), :mod:`.formats` (RDF formats), :mod:`.oxigraph`,
:mod:`.remote`, :mod:`.virtuoso` (the store and its dialect and path rewrites), :mod:`.location`
(parses a location and opens its store).
"""

from .base import Store, TripleResult, nn, quad_text
from .formats import (EXTENSIONS, QUAD_FORMATS, RDF_FORMATS, RESULT_FORMATS, ViewReader,
                      format_for_path, format_name, rdf_format)
from .location import (LOCATION_HELP, Location, open_snapshot, open_store, parse_location,
                       scratch_store)

__all__ = ["Store", "TripleResult", "nn", "quad_text", "EXTENSIONS", "QUAD_FORMATS",
           "RDF_FORMATS", "RESULT_FORMATS", "ViewReader", "format_for_path", "format_name",
           "rdf_format", "LOCATION_HELP", "Location", "open_snapshot", "open_store", "parse_location",
           "scratch_store"]
