"""Several read-only queries at once (``Store.map_queries``): the search index's rebuild reads
the whole store this way, on every core. Whatever runs them, and wherever, the answer is the
one of the queries run one after another in this process."""

from __future__ import annotations

import logging
import os

import pytest

from amikg.bundled import init_store
from amikg.generate import write_synthetic
from amikg.loader import load_paths
from amikg.search import documents
from amikg.search.documents import LINKS, Q_TYPES, WORDS, grouped, pattern_query
from amikg.store import open_store
from tests.conftest import ROOT

TEXTS = [Q_TYPES, *(pattern_query(p) for _, p in LINKS), *(pattern_query(p) for _, p in WORDS)]


def with_synthetic(store, tmp_path, organisations=1500):
    init_store(store)
    data = tmp_path / "synthetic.nt"
    with open(data, "wb") as out:
        write_synthetic(out, organisations, seed=5)
    load_paths(store, [data], "urn:x:graph/synthetic")
    return store


@pytest.fixture
def child_imports(monkeypatch, tmp_path):
    """Reader processes can import this folder's modules (tests/parallel_readers.py), whose
    reducers know this process and where a child says it took a query."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        p for p in (str(ROOT / "tests"), str(ROOT), os.environ.get("PYTHONPATH")) if p))
    monkeypatch.setenv("AMIKG_TEST_PARENT", str(os.getpid()))
    monkeypatch.setenv("AMIKG_TEST_MARKER", str(tmp_path / "a-child-took-one"))


def test_the_queries_shared_out_give_the_answers_of_one_after_another(any_store, tmp_path):
    store = with_synthetic(any_store, tmp_path, 600)
    together = store.map_queries(TEXTS, grouped, 4)
    alone = [grouped(store.query(t)) for t in TEXTS]
    assert together == alone
    assert len(together[0][0]) > 600            # every organisation's types came back
    assert not list(tmp_path.glob(".amikg-reads-*"))   # the checkpoint is gone


def test_an_embedded_store_reads_in_another_process_too(tmp_path, child_imports):
    from parallel_readers import pid

    store = with_synthetic(open_store(str(tmp_path / "store")), tmp_path, 300)
    ran = store.map_queries([Q_TYPES] * 6, pid, 2)
    assert os.getpid() in ran and len(set(ran)) == 2   # this process and one other
    # the first (put the costliest first) is this process's at once, not left waiting for the
    # child to start
    assert ran[0] == os.getpid()
    assert not list(tmp_path.glob(".amikg-reads-*"))


def test_documents_read_on_every_core_are_the_documents_read_on_one(tmp_path):
    store = with_synthetic(open_store(str(tmp_path / "store")), tmp_path)
    one = documents.read_documents(store, workers=1)
    every = documents.read_documents(store, workers=2)
    assert len(one) > 1500
    assert [vars(d) for d in every] == [vars(d) for d in one]


def test_a_reader_process_that_dies_leaves_its_queries_to_this_process(
        tmp_path, child_imports, monkeypatch, caplog):
    from parallel_readers import dies_in_a_child

    store = with_synthetic(open_store(str(tmp_path / "store")), tmp_path, 300)
    with caplog.at_level(logging.WARNING, logger="amikg.store"):
        got = store.map_queries(TEXTS, dies_in_a_child, 2)
    assert got == [grouped(store.query(t)) for t in TEXTS]
    assert "a reader process failed" in caplog.text
    assert not list(tmp_path.glob(".amikg-reads-*"))


def test_a_store_whose_folder_cannot_take_a_checkpoint_reads_in_this_process(
        tmp_path, monkeypatch, caplog):
    import tempfile

    store = with_synthetic(open_store(str(tmp_path / "store")), tmp_path, 200)

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(tempfile, "mkdtemp", refused)  # as a read-only parent folder would
    with caplog.at_level(logging.WARNING, logger="amikg.store"):
        got = store.map_queries(TEXTS, grouped, 2)
    assert got == [grouped(store.query(t)) for t in TEXTS]
    assert "cannot make a checkpoint" in caplog.text
