"""RDF and query-result formats by their short names, file extensions and media types, and a
zero-copy binary reader for serialised RDF that reports progress."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pyoxigraph as ox

from ..errors import FormatError

#: RDF formats by their short CLI names.
RDF_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
}
QUAD_FORMATS = {"nquads", "trig"}
#: File extensions and the format they mean.
EXTENSIONS = {
    ".ttl": "turtle", ".turtle": "turtle", ".nt": "ntriples", ".nq": "nquads", ".trig": "trig",
    ".jsonld": "jsonld", ".json": "jsonld", ".rdf": "xml", ".owl": "xml", ".xml": "xml",
}
#: Query-result formats by their short names.
RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}


def rdf_format(name: str) -> ox.RdfFormat:
    """The pyoxigraph format for a short name (``turtle``), an extension or a media type."""
    key = name.strip().lower()
    if key in RDF_FORMATS:
        return RDF_FORMATS[key]
    if "." + key in EXTENSIONS:
        return RDF_FORMATS[EXTENSIONS["." + key]]
    fmt = ox.RdfFormat.from_media_type(key.split(";")[0].strip())
    if fmt is None or fmt == ox.RdfFormat.N3:
        raise FormatError(f"unknown RDF format {name!r}; use one of {', '.join(RDF_FORMATS)}",
                          format=name)
    return fmt


def format_name(fmt: ox.RdfFormat) -> str:
    return next(k for k, v in RDF_FORMATS.items() if v == fmt)


def format_for_path(path: str | Path) -> str:
    """The short format name from a file name (``members.ttl.gz`` -> ``turtle``)."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] in EXTENSIONS:
        return EXTENSIONS[suffixes[-1]]
    raise FormatError(f"{path}: cannot tell the RDF format from the file name; give --format "
                      f"({', '.join(RDF_FORMATS)})", source=str(path))



class ViewReader(io.RawIOBase):
    """A binary reader over a memoryview (no copy) that reports bytes read to ``progress``
    (under ``lock`` when several readers share one progress bar)."""

    def __init__(self, view: memoryview, progress=None, lock=contextlib.nullcontext()):
        self._view, self._pos, self._progress, self._lock = view, 0, progress, lock

    def readable(self):
        return True

    def readinto(self, b):
        n = min(len(b), len(self._view) - self._pos)
        b[:n] = self._view[self._pos:self._pos + n]
        self._pos += n
        if self._progress is not None and n:
            with self._lock:
                self._progress(n)
        return n
