"""Import member spreadsheets (CSV, XLSX) into their own named graph, checked before anything is written.

The mapping from columns to RDF is W3C CSVW metadata (*Metadata Vocabulary for Tabular Data* and
*Generating RDF from Tabular Data*): ``aboutUrl``/``propertyUrl``/``valueUrl`` URI templates,
``datatype`` (with ``format`` patterns), ``required``, ``separator``, ``titles`` and virtual
columns. The ``csvw`` package reads and checks the metadata and parses every cell by its datatype;
this package feeds it the rows (from any CSV dialect or an ``.xlsx`` sheet) and emits the triples the
standard's minimal mode defines. One annotation (a CSVW common property) is ours:
``amikg:enumeration`` names an ontology enumeration whose label, notation or code a cell holds;
the cell is replaced by the IRI (or, for fee levels, the member-kind notation) before templates are
expanded. The default mapping is ``amikg/mappings/members.csv-metadata.json``.

An import runs in two steps over the file, so memory does not grow with the file:

1. *check*: every row is parsed, checked against the mapping's datatypes and the ontology's
   enumerations (categories, sizes, steps, competencies, member kinds, countries, NUTS codes),
   duplicates are found by the organisation's stable key, the triples are checked with the
   data-quality shapes (:mod:`amikg.validate`, profile ``data``) and spooled to a temporary
   N-Quads file. Every problem is collected with file, row, column, value, what was expected and
   a "did you mean" suggestion;
2. *write*: only when there is no problem, the spooled triples and their PROV-O record go to the
   store in one transaction.

Rows are numbered as a spreadsheet program shows them: the header is row 1.

Modules, each importing only those before it: :mod:`.report` (Problem, ImportRejected,
ImportReport), :mod:`.mapping` (the CSVW mapping), :mod:`.vocab` (the ontology's enumerations),
:mod:`.tables` (reading CSV and XLSX), :mod:`.convert` (rows to quads), :mod:`.checks` (the shapes
on each chunk), :mod:`.provenance` (import ids and the PROV-O record), :mod:`.history` (history
and undo), :mod:`.importer` (:func:`import_table`), :mod:`.template` (empty spreadsheets).
"""

from .convert import MAX_PROBLEMS, Converter
from .history import find_import, history, import_graph, undo
from .importer import (CHUNK, WRITE_BATCH, cluster_iri, import_cluster, import_table,
                       known_clusters)
from .mapping import DEFAULT_MAPPING, MAPPINGS_DIR, MappedColumn, Mapping
from .provenance import IMPORT_PREFIX, import_id_for
from .report import ImportRejected, ImportReport, Problem
from .tables import XLSX_MEDIA_TYPE, TableFile, inspect_file, iter_rows
from .template import template_columns, write_template
from .vocab import Enumeration, nuts_of_country, ontology_enumerations

__all__ = ["CHUNK", "Converter", "DEFAULT_MAPPING", "Enumeration", "IMPORT_PREFIX",
           "ImportRejected", "ImportReport", "MAPPINGS_DIR", "MAX_PROBLEMS", "MappedColumn",
           "Mapping", "Problem", "TableFile", "WRITE_BATCH", "XLSX_MEDIA_TYPE", "cluster_iri",
           "find_import", "history", "import_cluster", "import_graph", "import_id_for",
           "import_table", "inspect_file", "iter_rows",
           "known_clusters", "nuts_of_country", "ontology_enumerations", "template_columns",
           "undo", "write_template"]
