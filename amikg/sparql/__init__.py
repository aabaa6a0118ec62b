"""SPARQL text: the one lexer (:mod:`.lexer`), the one ``VALUES`` binder (:mod:`.binder`) and the
guard that refuses ``SERVICE``/``LOAD`` to hosts that are not allow-listed (:mod:`.guard`).

This package knows SPARQL's syntax and nothing of stores: every module that reads or writes
SPARQL text (named queries, validation plans, the Virtuoso rewrites) builds on it.
"""
