"""What an import tells: each problem of an input (file, row, column, value, what was expected),
the rejection that lists them all, and the report of an import that went through.

Rows are numbered as a spreadsheet program shows them: the header is row 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ValidationFailed


@dataclass
class Problem:
    """One thing wrong with an input: where (file, row, column), the value, and what was expected."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    expected: str | None = None
    suggestion: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column}" if self.row is not None else f" column {self.column}"
        text = f"{where}: {self.message}"
        if self.suggestion:
            text += f'; did you mean "{self.suggestion}"?'
        elif self.expected:
            text += f"; expected {self.expected}"
        return text

    def to_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if v is not None}
        d["text"] = str(self)
        return d


class ImportRejected(ValidationFailed):
    """The input has problems; nothing was written. ``problems`` lists every one."""

    def __init__(self, file: str, problems: list[Problem], total: int | None = None):
        total = total if total is not None else len(problems)
        lines = "\n".join(str(p) for p in problems)
        more = f"\n... and {total - len(problems)} more" if total > len(problems) else ""
        super().__init__(f"{file}: rejected, nothing was written ({total} problem"
                         f"{'s' if total != 1 else ''}):\n{lines}{more}",
                         file=file, problems=[p.to_dict() for p in problems], count=total)
        self.problems = problems


@dataclass
class ImportReport:
    """What an import did (or, with ``dry_run``, would do)."""

    file: str
    cluster: str
    mapping: str
    import_id: str = ""
    graph: str = ""
    sha256: str = ""
    format: str = ""
    encoding: str = ""
    delimiter: str = ""
    rows: int = 0
    organisations: int = 0
    triples: int = 0
    dry_run: bool = False
    skipped: bool = False
    #: listed in the DCAT catalogue with its dumps (``--publish``, ``AMIKG_PUBLISH_IMPORTS``)
    published: bool = False
    activity: str = ""
    shapes: str = ""
    problems: list[Problem] = field(default_factory=list)

    def to_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "problems"}
        d["import"] = d.pop("import_id")
        d["problems"] = [p.to_dict() for p in self.problems]
        return d

