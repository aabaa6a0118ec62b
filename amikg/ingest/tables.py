"""Reading spreadsheets: what a file is (CSV or ``.xlsx``), its encoding and CSV dialect, and its
rows, streamed, as the text a person sees in each cell."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..errors import LoadError
from .mapping import match_key
from .report import Problem

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class TableFile:
    """A spreadsheet on disk, inspected: kind, encoding, dialect, size, checksum."""

    path: Path
    name: str
    kind: str  # csv | xlsx
    size: int
    sha256: str
    encoding: str = "utf-8"
    delimiter: str = ","
    estimated_rows: int = 0
    detected: str = ""  # how the encoding was found (for the report)

    @property
    def media_type(self) -> str:
        return XLSX_MEDIA_TYPE if self.kind == "xlsx" else "text/csv"


def inspect_file(path: str | Path, name: str | None = None,
                 encoding: str | None = None) -> tuple[TableFile | None, list[Problem]]:
    """Find what a file is (CSV or XLSX), its encoding and delimiter; problems if it is neither."""
    path = Path(path)
    name = name or path.name
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(65536)
    except OSError as e:
        raise LoadError(f"{name}: {e.strerror or e}", source=name)
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        return None, [Problem(name, "the file is empty",
                              expected="a header row naming the columns, then one row per member")]
    is_zip = head.startswith(b"PK\x03\x04")
    suffix = path.suffix.lower() if name == path.name else Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm") or (is_zip and suffix not in (".csv", ".tsv", ".txt")):
        if not is_zip:
            return None, [Problem(name, "is not an Excel .xlsx workbook (an .xlsx file is a ZIP "
                                        "archive)", expected="a workbook saved as .xlsx, or a CSV file")]
        return _hash(TableFile(path, name, "xlsx", size, "")), []
    if is_zip:
        return None, [Problem(name, "is a ZIP archive (an Excel workbook renamed .csv?), not CSV "
                                    "text", expected="a CSV text file, or the workbook named .xlsx")]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [Problem(name, "is UTF-16 text", expected="CSV saved as UTF-8 (or Latin-1)")]
    control = sum(1 for b in head if b < 9 or 13 < b < 32 or b == 127)
    if b"\x00" in head or control > max(2, len(head) // 100):
        return None, [Problem(name, "is a binary file, not CSV text",
                              expected="a CSV text file or an .xlsx workbook")]
    tf = TableFile(path, name, "csv", size, "")
    problems = _detect_encoding(tf, encoding)
    if problems:
        return None, problems
    _hash(tf)
    sample = head.decode(tf.encoding, errors="replace").lstrip("\ufeff")
    try:
        tf.delimiter = csv.Sniffer().sniff(sample.split("\n", 50)[0] if "\n" not in sample
                                           else "\n".join(sample.split("\n")[:50]),
                                           delimiters=",;\t|").delimiter
    except csv.Error:
        tf.delimiter = ","
    return tf, []


def _hash(tf: TableFile) -> TableFile:
    h = hashlib.sha256()
    with open(tf.path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    tf.sha256 = h.hexdigest()
    return tf


def _detect_encoding(tf: TableFile, stated: str | None) -> list[Problem]:
    """Stated: check every line decodes. Else: UTF-8 (BOM or not) if every line decodes; Latin-1
    (Windows-1252) if none has UTF-8 multi-byte sequences; a mix of both is an error."""
    if stated:
        try:
            codecs.lookup(stated)
        except LookupError:
            return [Problem(tf.name, f'"{stated}" is not an encoding Python knows',
                            expected="utf-8, latin-1, cp1252, ...")]
    first_bad: tuple[int, bytes] | None = None
    utf8_multibyte = 0
    lines = 0
    enc = stated or "utf-8"
    with open(tf.path, "rb") as f:
        for lines, line in enumerate(f, 1):
            try:
                line.decode(enc)
                if not stated and not line.isascii():
                    utf8_multibyte += 1
            except UnicodeDecodeError as e:
                if first_bad is None:
                    first_bad = (lines, line[e.start:e.start + 1])
                if stated:
                    break
    tf.estimated_rows = lines
    if stated:
        if first_bad:
            line_no, byte = first_bad
            alt = "latin-1" if match_key(stated) in ("utf 8", "utf8") else "utf-8"
            return [Problem(tf.name, f"byte 0x{byte.hex()} on line {line_no} is not valid "
                                     f"{stated}", row=None, value=byte.hex(),
                            expected=f"text in the stated encoding {stated}; try --encoding {alt}")]
        tf.encoding, tf.detected = stated, "stated"
        return []
    if first_bad is None:
        with open(tf.path, "rb") as f:
            bom = f.read(3) == b"\xef\xbb\xbf"
        tf.encoding, tf.detected = "utf-8-sig", "UTF-8 with BOM" if bom else "UTF-8"
        return []
    if utf8_multibyte:
        line_no, byte = first_bad
        return [Problem(tf.name, f"wrong encoding: line {line_no} has byte 0x{byte.hex()}, which is "
                                 f"not UTF-8, while other lines are UTF-8 (mixed encodings)",
                        value=byte.hex(), expected="the whole file saved as UTF-8")]
    tf.encoding, tf.detected = "cp1252", "Latin-1 (Windows-1252)"
    return []


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def iter_rows(tf: TableFile) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) for every non-empty row, header first (row 1), streaming."""
    if tf.kind == "xlsx":
        yield from _xlsx_rows(tf)
        return
    with open(tf.path, encoding=tf.encoding, newline="") as f:
        for n, cells in enumerate(csv.reader(f, delimiter=tf.delimiter), 1):
            if any(c.strip() for c in cells):
                yield n, [c.strip() for c in cells]


def _xlsx_rows(tf: TableFile) -> Iterator[tuple[int, list[str]]]:
    # openpyxl costs ~50 ms to import and only workbooks need it
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(tf.path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as e:
        raise Unreadable(f"is not a readable .xlsx workbook ({e})")
    try:
        ws = wb["members"] if "members" in wb.sheetnames else wb.worksheets[0]
        tf.estimated_rows = ws.max_row or 0
        for n, row in enumerate(ws.iter_rows(values_only=True), 1):
            cells = [_cell_text(v) for v in row]
            if any(cells):
                yield n, cells
    finally:
        wb.close()


class Unreadable(Exception):
    """A workbook that cannot be opened; the importer reports it as a problem of the file."""

