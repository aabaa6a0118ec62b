"""``import_table``: a member spreadsheet checked in full, then written as one import.

An import runs in two steps over the file, so memory does not grow with the file: *check* (rows
converted and checked chunk by chunk, the triples spooled to a temporary N-Quads file) and, only
when there is no problem, *write* (the spool and its PROV-O record in one transaction).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

import pyoxigraph as ox

from ..clusters import resolve_cluster
from ..config import Settings
from ..errors import NotFound
from ..loader import Progress, now_literal, provenance_quads
from ..namespaces import AMID, GRAPH_META
from ..sparql.binder import inject, values
from ..store import Store, nn
from ..util import slug
from .checks import shape_checker
from .convert import Converter
from .history import history
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


def import_cluster(store: Store, cluster: str) -> str:
    """The IRI of the cluster an import's rows are members of, found by the one resolver
    (:func:`amikg.clusters.resolve_cluster`); in a store that holds no cluster yet, the IRI the
    slug or IRI names.

    :raise NotFound: an unknown cluster (with the nearest match)."""
    try:
        return str(resolve_cluster(store, cluster))
    except NotFound:
        if known_clusters(store):
            raise
        return cluster_iri(cluster)


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
    cl = import_cluster(store, cluster)
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
    if store.graph_exists(graph):  # a real import would do nothing: so says a dry run
        rep.skipped, rep.change = True, "already imported"
        rep.published = is_published(store, graph)
        rep.triples = store.count(graph)
        return rep
    rep.change = "new import"
    rep.earlier_imports = [h["id"] for h in history(store)
                           if h["file"] == fname and h["cluster"] == cl]
    started = now_literal()
    # personal contact data to the import's restricted graph, unless the operator publishes it
    conv = Converter(m, fname, cl.rsplit("/", 1)[-1], nn(graph),
                     contacts_public=Settings.from_env().publish_contacts)
    shape_check = shape_checker(cl) if shapes else None
    rep.shapes = "data-quality shapes checked" if shape_check else "data-quality shapes skipped"
    spool = tempfile.TemporaryFile()
    try:
        marks: list[tuple[int, int]] = []  # (spool offset, quads so far) after each chunk
        triples = _convert(tf, conv, spool, rep, progress, shape_check, marks,
                           members=_MemberCount(store, cl, rep))
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
            with store.changing([graph, graph + "/restricted", GRAPH_META]):
                store.load_fresh(items, [graph, graph + "/restricted"], then=prov)
        else:
            with store.changing([graph, graph + "/restricted", GRAPH_META]):
                store.add(_chain(ox.parse(spool, format=ox.RdfFormat.N_QUADS), prov))
        return rep
    finally:
        spool.close()


def _chain(*its: Iterable) -> Iterator:
    for it in its:
        yield from it


def _convert(tf: TableFile, conv: Converter, spool, rep: ImportReport, progress,
             shape_check, marks: list | None = None, members=None) -> int:
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
                chunk_rows[quads[0].subject.value] = (n, conv.last_texts)
            chunk.extend(quads)
            done += 1
            if done >= CHUNK:
                if members is not None:
                    members.count(chunk_rows)
                triples += _flush(chunk, spool, shape_check, chunk_rows, conv)
                if marks is not None:
                    marks.append((spool.tell(), triples))
                chunk, chunk_rows = [], {}
                if progress:
                    progress(done)
                done = 0
        if members is not None:
            members.count(chunk_rows)
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


class _MemberCount:
    """Counts, chunk by chunk, the rows' organisations that are already members of the cluster in
    the store (``org:hasMember`` or ``org:memberOf``) and those the import adds."""

    _QUERY = ("SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { "
              "{ ?c <http://www.w3.org/ns/org#hasMember> ?o } UNION "
              "{ ?o <http://www.w3.org/ns/org#memberOf> ?c } }")

    def __init__(self, store: Store, cluster: str, rep: ImportReport):
        self.store, self.cluster, self.rep = store, nn(cluster), rep

    def count(self, chunk_rows: dict) -> None:
        if not chunk_rows:
            return
        q = inject(self._QUERY, values("o", (nn(o) for o in chunk_rows)))
        already = sum(int(s["n"].value) for s in
                      self.store.query(q, substitutions={"c": self.cluster}))
        self.rep.members_already += already
        self.rep.members_added += len(chunk_rows) - already


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
        _shape_problems(shape_check(chunk), chunk_rows, conv)
    ox.serialize(chunk, spool, format=ox.RdfFormat.N_QUADS)
    return len(chunk)


def _shape_problems(results, chunk_rows: dict, conv) -> None:
    """The shapes' findings about the rows' nodes as problems in the sheet's terms: the row, the
    column as the sheet calls it, the cell as written, the check and what it asks for. Two
    constraints failing on one cell with one message (``sh:nodeKind`` and ``sh:pattern`` of a
    region) are one problem."""
    found = {}
    for subject, path, value, message, check in results:
        row = chunk_rows.get(subject.split("/membership/")[0])
        if row is None:  # about a node this import does not describe (the cluster)
            continue
        row, texts = row
        path = path.strip("<>")
        col = next((c for c in conv.m.real if c.prop == path), None)
        shown = texts.get(col.name) if col is not None else None  # a node's finding: no cell
        found.setdefault((row, conv.column(col) if col else path, value, message),
                         (shown, check, col is not None and col.separator is not None))
    for (row, col, value, message), (shown, check, several) in sorted(
            found.items(), key=lambda f: (f[0][0], f[0][1] or "")):
        text = f'does not pass the data-quality check "{check}": {message}'
        if shown is not None:
            item = f" (its value {value})" if several and value is not None else ""
            text = f'"{shown}"{item} {text}'
        conv.problem(text, row=row, column=col or None, value=shown, check=check, term=value,
                     detail=message)
