"""Import member spreadsheets (CSV, XLSX): see :mod:`amikg.ingest.importer` (being split into
modules)."""

from .importer import (CHUNK, DEFAULT_MAPPING, MAPPINGS_DIR, WRITE_BATCH, ImportRejected,  # noqa: F401
                       ImportReport, Mapping, Problem, history, import_table, undo, write_template)
