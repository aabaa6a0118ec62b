"""Publishing: resource descriptions, ontology and shapes documentation, the DCAT-AP 3 catalogue,
VoID, the JSON-LD context, and dataset dumps with sizes and checksums.

Everything here works on a :class:`~amikg.store.Store` and returns plain data, RDF terms or bytes;
``server/linked_data.py`` only adapts it to HTTP, and ``amikg export --dcat`` writes the catalogue.

IRIs (docs/modelling.md, README "Linked data and DCAT-AP"): instance data lives under
``<base>id/...`` (slash IRIs, dereferenced with a 303 to ``<base>doc/...``, W3C "Cool URIs for the
Semantic Web" §4.2), ontology terms are hash IRIs of one document ``<base>ontology`` (§4.1), shapes
are hash IRIs of ``<base>shapes``. The published datasets are the named graphs under ``amig:``
except the metadata graph: ``report``, ``ontology``, ``shapes``, ``demo``, ``source-<name>``,
``import-<id>``.

Modules, each importing only those before it: :mod:`.rdf` (formats, serialising, prefixed names,
the JSON-LD context), :mod:`.privacy` (personal contact data, left out of the public outputs),
:mod:`.datasets` (datasets and their dumps), :mod:`.views` (resource
descriptions, labels, provenance, ontology and shapes views), :mod:`.catalog` (DCAT-AP),
:mod:`.void` (VoID).
"""

from ..namespaces import AMIS, ONTOLOGY_IRI
from .catalog import (AUTHORITY_LABELS, REPORT_PERIOD, THEMES, CatalogInfo, catalog_graph,
                      catalog_view, readable_size)
from .datasets import (DUMP_FORMATS, Dataset, DumpFormat, DumpInfo, dataset_for_graph, datasets,
                       dump_info, find_dataset, graph_modified, graph_state, parse_dump_name,
                       parse_time, published_dataset, published_imports, stream_dump,
                       write_dump)
from .privacy import CONTACT_PROPERTIES, NAME_PROPERTIES, has_personal_data, natural_persons, redact
from .rdf import (FORMAT_ALIASES, RDF_MEDIA, compact_iri, jsonld_context, local_name,
                  rdflib_to_triples, select_rows, serialize, write_turtle)
from .views import (LABEL_PROPERTIES, ResourceView, Value, describe, graph_provenance,
                    graph_triples, label_of, ontology_header, ontology_view, resource_exists,
                    resource_graphs, resource_view, shapes_view)
from .void import void_graph

__all__ = ["Dataset", "DumpFormat", "DUMP_FORMATS", "DumpInfo", "CatalogInfo", "ResourceView",
           "datasets", "find_dataset", "parse_dump_name", "dump_info", "write_dump", "stream_dump",
           "describe", "resource_view", "resource_graphs", "graph_provenance", "serialize",
           "jsonld_context", "ontology_view", "ontology_header", "shapes_view", "graph_triples",
           "catalog_graph", "void_graph", "rdflib_to_triples", "label_of", "compact_iri",
           "local_name", "FORMAT_ALIASES", "RDF_MEDIA", "AMIS", "ONTOLOGY_IRI",
           "AUTHORITY_LABELS", "LABEL_PROPERTIES", "REPORT_PERIOD", "THEMES", "Value",
           "dataset_for_graph", "graph_modified", "graph_state", "parse_time", "resource_exists",
           "select_rows", "published_dataset", "published_imports", "CONTACT_PROPERTIES",
           "NAME_PROPERTIES", "has_personal_data", "natural_persons", "redact", "write_turtle",
           "catalog_view", "readable_size"]
