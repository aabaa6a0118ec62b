"""``import_table``: a member spreadsheet checked in full, then written as one import.

An import runs in two steps over the file, so memory does not grow with the file: *check* (rows
converted and checked chunk by chunk, the triples spooled to a temporary N-Quads file) and, only
when there is no problem, *write* (the spool and its PROV-O record in one transaction).
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

import pyoxigraph as ox

from ..config import Settings
from ..errors import NotFound
from ..loader import Progress, now_literal, provenance_quads
from ..namespaces import AMID
from ..store import Store, nn
from ..util import slug
from .checks import shape_checker
from .convert import Converter
from .mapping import Mapping
from .provenance import (IMPORT_PREFIX, TabularSource, import_id_for, import_provenance,
                         is_published)
from .report import ImportRejected, ImportReport, Problem
from .tables import TableFile, Unreadable, inspect_file, iter_rows

#: Rows per chunk when spooling and checking.
CHUNK = 2000
#: Quads per bulk-loader call when writing (the loader's memory grows with what one call loads:
#: 1.4 GB for 2M quads in one call, ~230 MB in calls of 200k, which are also no slower).
WRITE_BATCH = 200_000


def cluster_iri(cluster: str) -> str:
    """A cluster IRI from an IRI or a slug (``filas``)."""
    if "://" in cluster:
        return nn(cluster).value
    return str(AMID["cluster/" + slug(cluster)])


def known_clusters(store: Store) -> list[str]:
    """Every cluster IRI in the store, sorted."""
    res = store.query("PREFIX ami: <https://w3id.org/amikg/ontology#> "
                      "SELECT DISTINCT ?c WHERE { ?c a ami:Cluster }")
    return sorted(s["c"].value for s in res)


def _check_cluster(store: Store, cluster: str) -> None:
    clusters = known_clusters(store)
    if clusters and cluster not in clusters:
        slugs = [c.rsplit("/", 1)[-1] for c in clusters]
        hit = difflib.get_close_matches(cluster.rsplit("/", 1)[-1], slugs, n=1)
        raise NotFound(f"unknown cluster {cluster}" + (f'; did you mean "{hit[0]}"?' if hit else "")
                       + f" (known: {', '.join(slugs)})", cluster=cluster)


def import_table(store: Store, path: str | Path, cluster: str, *, mapping: str | Path | None = None,
                 dry_run: bool = False, encoding: str | None = None, name: str | None = None,
                 progress: Progress | None = None, agent: str | None = None,
                 preview: io.RawIOBase | None = None,
                 shapes: bool | str = "auto", publish: bool | None = None) -> ImportReport:
    """Check a member spreadsheet and, when it has no problem, write it as one import.

    :param path: a CSV or ``.xlsx`` file; ``name`` is how it is called in reports (default: its name)
    :param cluster: the cluster IRI or slug the rows are members of
    :param preview: with ``dry_run``, N-Quads of what would be written go here
    :param progress: called with the number of rows done since the last call
    :param shapes: run the data-quality shapes chunk by chunk (default; ``"auto"`` is kept as a
        synonym of True), or False to skip them
    :param publish: list the import in the DCAT catalogue, with its dumps (default: the
        ``AMIKG_PUBLISH_IMPORTS`` setting, off); unpublished imports are in the store for SPARQL
        users only
    :raise ImportRejected: listing every problem (nothing is written)
    :raise NotFound: an unknown cluster
    """
    m = Mapping(mapping)
    cl = cluster_iri(cluster)
    _check_cluster(store, cl)
    tf, problems = inspect_file(path, name, encoding)
    fname = name or Path(path).name
    if problems:
        raise ImportRejected(fname, problems)
    assert tf is not None
    iid = import_id_for(fname, tf.sha256, cl, m)
    graph = IMPORT_PREFIX + iid
    rep = ImportReport(fname, cl, m.name, iid, graph, tf.sha256, tf.media_type,
                       tf.detected or ("xlsx" if tf.kind == "xlsx" else tf.encoding),
                       tf.delimiter if tf.kind == "csv" else "", dry_run=dry_run,
                       published=Settings.from_env().publish_imports if publish is None
                       else bool(publish))
    if store.graph_exists(graph) and not dry_run:
        rep.skipped = True
        rep.published = is_published(store, graph)
        rep.triples = store.count(graph)
        return rep
    started = now_literal()
    conv = Converter(m, fname, cl.rsplit("/", 1)[-1], nn(graph))
    shape_check = shape_checker(cl) if shapes else None
    rep.shapes = "data-quality shapes checked" if shape_check else "data-quality shapes skipped"
    spool = tempfile.TemporaryFile()
    try:
        marks: list[tuple[int, int]] = []  # (spool offset, quads so far) after each chunk
        triples = _convert(tf, conv, spool, rep, progress, shape_check, marks)
        if conv.problem_count:
            raise ImportRejected(fname, conv.problems, conv.problem_count)
        if rep.rows == 0:
            raise ImportRejected(fname, [Problem(fname, "has a header but no rows",
                                                 expected="one row per member under the header")])
        rep.triples = triples
        spool.seek(0)
        if dry_run:
            if preview is not None:
                for block in iter(lambda: spool.read(1 << 20), b""):
                    preview.write(block)
            return rep
        src = TabularSource(fname, b"", "csv", size=tf.size, sha=tf.sha256, media=tf.media_type)
        act, prov = provenance_quads(graph, [src], triples, started, agent,
                                     f"import {fname} into {cl.rsplit('/', 1)[-1]}",
                                     import_provenance(graph, cl, m, rep))
        rep.activity = act
        if store.can_bulk_load:
            # the store's bulk loader straight from the spool, one call per WRITE_BATCH quads (so
            # memory does not grow with the file), all calls in one bracket of the store's journal:
            # all-or-nothing (see Store.load_fresh)
            items = [(_SpoolSlice(spool, a, b), ox.RdfFormat.N_QUADS, graph)
                     for a, b in _write_batches(marks)]
            store.load_fresh(items, [graph], then=prov)
        else:
            store.add(_chain(ox.parse(spool, format=ox.RdfFormat.N_QUADS), prov))
        return rep
    finally:
        spool.close()


def _chain(*its: Iterable) -> Iterator:
    for it in its:
        yield from it


def _convert(tf: TableFile, conv: Converter, spool, rep: ImportReport, progress,
             shape_check, marks: list | None = None) -> int:
    rows = iter_rows(tf)
    try:
        first = next(rows, None)
        if first is None:
            conv.problem("the file is empty", expected="a header row naming the columns")
            return 0
        conv.header(first[1])
        if conv.problem_count:
            return 0
        chunk: list[ox.Quad] = []
        chunk_rows: dict = {}
        triples = done = 0
        for n, cells in rows:
            rep.rows += 1
            quads = conv.row(n, cells)
            if quads:
                rep.organisations += 1
                chunk_rows[quads[0].subject.value] = n
            chunk.extend(quads)
            done += 1
            if done >= CHUNK:
                triples += _flush(chunk, spool, shape_check, chunk_rows, conv)
                if marks is not None:
                    marks.append((spool.tell(), triples))
                chunk, chunk_rows = [], {}
                if progress:
                    progress(done)
                done = 0
        triples += _flush(chunk, spool, shape_check, chunk_rows, conv)
        if marks is not None:
            marks.append((spool.tell(), triples))
        if progress and done:
            progress(done)
        return triples
    except Unreadable as e:
        conv.problem(str(e), expected="a workbook saved as .xlsx, or a CSV file")
        return 0
    except UnicodeDecodeError as e:
        conv.problem(f"is not valid {tf.encoding} text ({e.reason})",
                     expected="text in one encoding (UTF-8 or Latin-1)")
        return 0
    except csv.Error as e:
        conv.problem(f"is not readable CSV ({e})", expected="CSV text")
        return 0


def _write_batches(marks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Byte ranges of the spool, each ending at a chunk boundary and holding about WRITE_BATCH
    quads (a chunk is never split: a range ends on a line end)."""
    out, start, start_q = [], 0, 0
    for i, (offset, quads) in enumerate(marks):
        if offset > start and (quads - start_q >= WRITE_BATCH or i == len(marks) - 1):
            out.append((start, offset))
            start, start_q = offset, quads
    return out


class _SpoolSlice(io.RawIOBase):
    """Bytes ``start``..``end`` of the spool as a file of its own (``os.pread``: slices do not
    share a file position, so the store may read them in any order or in parallel)."""

    def __init__(self, spool, start: int, end: int):
        super().__init__()
        spool.flush()
        self._fd, self._pos, self._end = spool.fileno(), start, end

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = min(len(b), self._end - self._pos)
        if n <= 0:
            return 0
        data = os.pread(self._fd, n, self._pos)
        b[:len(data)] = data
        self._pos += len(data)
        return len(data)


def _flush(chunk, spool, shape_check, chunk_rows, conv) -> int:
    if not chunk:
        return 0
    if shape_check is not None:  # also after other problems: every problem is reported
        found = []
        for subject, path, value, message in shape_check(chunk):
            row = chunk_rows.get(subject.split("/membership/")[0])
            if row is None:  # about a node this import does not describe (the cluster)
                continue
            path = path.strip("<>")
            col = next((c for c in conv.m.real if c.prop == path), None)
            found.append((row, col.title if col else path, value, message))
        for row, col, value, message in sorted(found, key=lambda f: (f[0], f[1])):
            conv.problem(message, row=row, column=col, value=value)
    ox.serialize(chunk, spool, format=ox.RdfFormat.N_QUADS)
    return len(chunk)

