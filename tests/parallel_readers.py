"""Reducers for tests/test_parallel_reads.py, importable by the reader processes (which get
functions by reference, so the functions must live in a module, not in a test).

The calling process takes the first query at once and a child only once it has started, so on a
small store the calling process could read everything before a child is ready; these reducers
make the calling process wait (at most 60 s) until a child has taken a query, which it says by
creating the file ``AMIKG_TEST_MARKER``."""

from __future__ import annotations

import os
import time
from pathlib import Path

from amikg.search.documents import grouped


def _in_the_parent() -> bool:
    return str(os.getpid()) == os.environ.get("AMIKG_TEST_PARENT")


def _child_took_one() -> None:
    Path(os.environ["AMIKG_TEST_MARKER"]).touch()


def _wait_for_a_child() -> None:
    deadline = time.monotonic() + 60
    while not Path(os.environ["AMIKG_TEST_MARKER"]).exists() and time.monotonic() < deadline:
        time.sleep(0.02)


def dies_in_a_child(solutions):
    """:func:`grouped`, except in a child: there it ends the process at once, as a crash
    would."""
    if not _in_the_parent():
        _child_took_one()
        os._exit(3)
    _wait_for_a_child()
    return grouped(solutions)


def pid(solutions):
    """The process that ran the query (its solutions read to the end)."""
    for _ in solutions:
        pass
    if _in_the_parent():
        _wait_for_a_child()
    else:
        _child_took_one()
    return os.getpid()
