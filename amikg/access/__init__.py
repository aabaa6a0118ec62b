"""Accounts, rights per named graph, and the audit log (issue 21).

:mod:`.accounts` (the accounts file: accounts, token and password hashes, sign-in throttling, the
audit log), :mod:`.rights` (roles, :func:`~.rights.may_write`, :func:`~.rights.graphs_touched`),
:mod:`.gate` (:class:`~.gate.Gate`: every write path asks it, then it logs the write),
:mod:`.reads` (what a reader sees: :func:`~.reads.read_view`, the public graphs for an anonymous
reader).
"""

from .accounts import ROLES, Account, AccountBook, accounts_location
from .gate import Gate
from .reads import PublicReads, read_view, refuse_restricted
from .rights import (ANY, DEFAULT, cluster_graph, cluster_of_graph, graphs_touched, is_restricted,
                     may_read_restricted, may_write, owned_graphs, refuse_unless_allowed)

__all__ = ["ROLES", "Account", "AccountBook", "accounts_location", "Gate", "ANY", "DEFAULT",
           "cluster_graph", "cluster_of_graph", "graphs_touched", "is_restricted",
           "may_read_restricted", "may_write", "owned_graphs", "PublicReads", "read_view",
           "refuse_restricted", "refuse_unless_allowed"]
