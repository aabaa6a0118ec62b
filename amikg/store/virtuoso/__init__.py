"""OpenLink Virtuoso 7: the store (:mod:`.store`) and the rewrites that make standard SPARQL
answer correctly on it (:mod:`.dialect`: ``EXISTS``, sub-selects, ``VALUES`` with language tags;
:mod:`.paths`: property paths as joins)."""
