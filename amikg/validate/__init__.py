"""SHACL validation of the store or of a data file: profiles, two engines, one report.

``from amikg.validate import ...`` is the way in; the modules, each importing only those above
it in this list:

- :mod:`.terms`: RDF terms between pyoxigraph and rdflib (:func:`to_ox`, :func:`to_rdflib`);
- :mod:`.profiles`: the built-in profiles (:data:`PROFILES`: ``data``, the default
  :data:`DEFAULT_PROFILE`, and ``roadmap``) or any shapes
  file read into an rdflib graph, the bundled ontology, SHACL paths as SPARQL text
  (:func:`path_key`), a SHACL-SPARQL constraint's text (:func:`sparql_select`), and
  :class:`ShapesError`;
- :mod:`.report`: :class:`Result`, :class:`Outcome` (summary and ``sh:ValidationReport``), the
  rows of a SHACL-SPARQL constraint read into results, :func:`render` in :data:`FORMATS`;
- :mod:`.plans_exists`, :mod:`.plans_actors`: constraints of known forms evaluated for all
  focus nodes at once (top-level ``FILTER [NOT] EXISTS`` as semi-joins; "the cluster's actors"),
  and :func:`set_safe`, the test that a ``VALUES`` block may stand for SHACL's pre-binding;
- :mod:`.engine`: the two engines (``sparql`` on the store, ``pyshacl`` as the reference) and the
  entry points :func:`validate_store` and :func:`validate_source`;
- :mod:`.core` (beside the engine, not above it): :class:`CoreShapes`, SHACL Core shapes as one
  SPARQL query per constraint on a pyoxigraph store (the import's data-quality check).

Clusters are found by :mod:`amikg.clusters` (:func:`resolve_cluster`, re-exported here).
"""

from ..clusters import cluster_labels, resolve_cluster
from ..errors import LoadError
from ..namespaces import SH
from .core import CoreShapes
from .engine import (CompiledShape, compile_shapes, focus_nodes, run_pyshacl, run_sparql,
                     store_graph, target_nodes, validate_source, validate_store)
from .plans_exists import set_safe
from .profiles import (DEFAULT_PROFILE, ONTOLOGY_FILES, PROFILES, ShapesError, ontology_graph,
                       parse_file, path_key, shapes_graph, sparql_select)
from .report import (FORMATS, NOTHING_CHECKED, Outcome, Result, constraint_results,
                     constraint_rows, format_message, node_shape, render, results_from_report)
from .terms import to_ox, to_rdflib

__all__ = ["PROFILES", "DEFAULT_PROFILE", "NOTHING_CHECKED", "ONTOLOGY_FILES", "FORMATS",
           "ShapesError", "LoadError", "Result", "Outcome", "CompiledShape", "CoreShapes", "SH",
           "shapes_graph", "ontology_graph", "parse_file", "path_key", "compile_shapes",
           "sparql_select", "focus_nodes", "run_sparql", "run_pyshacl", "store_graph", "set_safe",
           "results_from_report", "render", "validate_store", "validate_source",
           "constraint_rows", "constraint_results", "format_message", "node_shape",
           "target_nodes", "to_ox", "to_rdflib", "resolve_cluster", "cluster_labels"]
