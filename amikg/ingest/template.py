"""Empty member spreadsheets to fill in: ``.xlsx`` with an "allowed values" sheet and drop-down
lists, or ``.csv`` with a side file of allowed values."""

from __future__ import annotations

import csv
from pathlib import Path

from ..errors import LoadError
from .mapping import MappedColumn, Mapping
from .vocab import ontology_enumerations


def template_columns(mapping: Mapping) -> list[tuple[MappedColumn, list[str]]]:
    """Each real column with the allowed values of its enumeration (empty when free text)."""
    enums = ontology_enumerations()
    out = []
    for c in mapping.real:
        vals = enums[c.enumeration].displays if c.enumeration in enums else []
        out.append((c, vals))
    return out


def write_template(path: str | Path, mapping: str | Path | None = None) -> list[Path]:
    """Write an empty member spreadsheet: ``.xlsx`` (with an "allowed values" sheet and drop-down
    lists; a required column's note says "Required.") or ``.csv`` (header only, plus
    ``<name>-allowed-values.csv``: column, required, allowed value, note). Returns the files."""
    path = Path(path)
    m = Mapping(mapping)
    cols = template_columns(m)
    if path.suffix.lower() == ".xlsx":
        return [_xlsx_template(path, cols)]
    if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        raise LoadError(f"{path}: a template is .xlsx or .csv", source=str(path))
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerow([c.title for c, _ in cols])
    side = path.with_name(path.stem + "-allowed-values.csv")
    with open(side, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["column", "required", "allowed value", "note"])
        for c, vals in cols:
            required = "yes" if c.required else ""
            if vals:
                for v in vals:
                    w.writerow([c.title, required, v, ("several, separated by '" + c.separator
                                                       + "'") if c.separator else ""])
            else:
                w.writerow([c.title, required, "", c.description])
    return [path, side]


def _xlsx_template(path: Path, cols) -> Path:
    # openpyxl costs ~50 ms to import and only .xlsx templates need it
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "members"
    allowed = wb.create_sheet("allowed values")
    ws.freeze_panes = "A2"
    vcol = 0
    for i, (c, vals) in enumerate(cols, 1):
        cell = ws.cell(row=1, column=i, value=c.title)
        cell.font = Font(bold=True)
        note = c.description + (" Required." if c.required else "")
        if c.separator:
            note += f" Several values: separate with '{c.separator}'."
        cell.comment = Comment(note.strip(), "amikg")
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(14, len(c.title) + 4)
        if not vals:
            continue
        vcol += 1
        vletter = get_column_letter(vcol)
        allowed.cell(row=1, column=vcol, value=c.title).font = Font(bold=True)
        for r, v in enumerate(vals, 2):
            allowed.cell(row=r, column=vcol, value=v)
        allowed.column_dimensions[vletter].width = max(18, max(len(v) for v in vals) + 2)
        if not c.separator:  # a drop-down list only for one-value columns
            dv = DataValidation(type="list", allow_blank=not c.required, showErrorMessage=True,
                                formula1=f"='allowed values'!${vletter}$2:${vletter}${len(vals) + 1}",
                                errorTitle=c.title, error=f"Choose one of the allowed values "
                                                          f"(sheet 'allowed values', column {vletter}).")
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}5000")
    wb.save(path)
    return path
