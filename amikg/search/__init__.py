"""Full-text search over the organisations of the store (issue 20): a tantivy index read from
the store with SPARQL (:mod:`.documents`), built and searched by :mod:`.engine`, kept in step
with every write (:mod:`.index`: the store's ``on_write`` hook marks it stale, a background
thread rebuilds it, and until then :func:`search` answers the same from the store), and the
one search function every interface calls (:mod:`.answer`)."""

from .answer import FILTERS, KINDS, MAX_LIMIT, OPTIONS, check_options, search
from .documents import FACETS, Doc, read_documents
from .index import SearchIndex, index_dir

__all__ = ["FILTERS", "KINDS", "MAX_LIMIT", "OPTIONS", "check_options", "search", "FACETS",
           "Doc", "read_documents", "SearchIndex", "index_dir"]
