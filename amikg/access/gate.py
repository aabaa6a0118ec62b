"""Every write asks here: the rights first (:func:`~.rights.refuse_unless_allowed`), then the
write, then a line in the audit log. A refused write is logged too and leaves the store as it was.
A SPARQL update carries its own PROV-O record (who, when, which graphs) into the same transaction,
as loads, imports, Graph Store writes and the forms' changes do.
"""

from __future__ import annotations

from typing import Callable, Iterable

from ..errors import ForbiddenOperation, QueryError
from ..loader import update_provenance
from ..namespaces import GRAPH_META
from ..sparql.guard import append_operation
from ..store import Store, quad_text
from .accounts import Account, AccountBook
from .rights import ANY, DEFAULT, graphs_touched, may_write, refuse_unless_allowed


class Gate:
    """The write gate of one store and its accounts file."""

    def __init__(self, book: AccountBook, store: Store):
        self.book = book
        self.store = store

    def _size(self, graphs: set[str]) -> int:
        if ANY in graphs or DEFAULT in graphs:
            return self.store.count()
        return sum(self.store.count(g) for g in graphs)

    def write(self, account: Account | None, action: str, graphs: Iterable[str], run: Callable,
              *, written: Callable | None = None, recorded: Callable | None = None):
        """Run ``run()`` when ``account`` may write ``graphs``, and log it.

        :param written: ``written(result)``: the triples written, when the result knows them
            (a load, an import); otherwise the change in size of the graphs touched is logged
        :param recorded: ``recorded(result)``: the graphs to log, when they are known only after
            the write (an import's new graph)
        :raise ForbiddenOperation: outside the account's rights (nothing is run)
        """
        graphs = set(graphs)
        try:
            refuse_unless_allowed(self.store, account, graphs, action)
        except ForbiddenOperation:
            if account is not None:
                self.book.record(account, action, graphs, 0, "refused")
            raise
        before = self._size(graphs) if written is None else 0
        result = run()
        triples = written(result) if written is not None else self._size(graphs) - before
        logged = set(recorded(result)) if recorded is not None else graphs
        self.book.record(account, action, logged, triples)
        return result

    def update(self, account: Account | None, text: str, run: Callable[[str], object],
               base_iri: str | None = None):
        """A SPARQL update: its graphs read from the text before it runs. Text the parser cannot
        read is refused, except for an admin (who may write any graph: the engine's parser then
        says what is wrong).

        :param run: ``run(update)`` runs the update text it is given, as one request: ``text``
            followed by an ``INSERT DATA`` of its PROV-O record in the provenance graph
            (:func:`amikg.loader.update_provenance`: the account, the time, the graphs), so
            the update and its record are written together or not at all. An update that
            writes no graph has no record.
        """
        try:
            graphs = graphs_touched(text, base_iri)
        except QueryError:
            if not may_write(account, {ANY}):
                raise
            graphs = {ANY}

        def recorded():
            return run(with_provenance(text, graphs, account))
        if graphs and not graphs & {ANY, DEFAULT}:
            # named graphs only: say so to the store, so that its listeners (the search index)
            # re-read only what those graphs (and the provenance record) touch
            def confined():
                with self.store.changing(graphs | {GRAPH_META}):
                    return recorded()
            return self.write(account, "SPARQL update", graphs, confined)
        return self.write(account, "SPARQL update", graphs, recorded)


def with_provenance(text: str, graphs: set[str], account: Account) -> str:
    """``text`` and the ``INSERT DATA`` of its PROV-O record (see :meth:`Gate.update`)."""
    if not graphs:
        return text
    _, record = update_provenance(graphs, account.name)
    return append_operation(text, "INSERT DATA {\n" + "\n".join(quad_text(q) for q in record)
                            + "\n}")
