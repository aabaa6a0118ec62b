"""Reducers for tests/test_parallel_reads.py, importable by the reader processes (which get
functions by reference, so the functions must live in a module, not in a test)."""

from __future__ import annotations

import os

from amikg.search.documents import grouped


def dies_in_a_child(solutions):
    """:func:`grouped`, except in a process other than ``AMIKG_TEST_PARENT``: there it ends
    the process at once, as a crash would."""
    if str(os.getpid()) != os.environ.get("AMIKG_TEST_PARENT"):
        os._exit(3)
    return grouped(solutions)


def pid(solutions):
    """The process that ran the query (its solutions read to the end)."""
    for _ in solutions:
        pass
    return os.getpid()
