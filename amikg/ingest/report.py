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
    #: a finding of the data-quality shapes: the check (its shape's name), the RDF value the
    #: shapes saw and the shape's own message
    check: str | None = None
    term: str | None = None
    detail: str | None = None

    def __str__(self) -> str:
        """``file row 4, column region: "Madrid" is not a NUTS code; write a code such as
        ES30 (Community of Madrid)``: a cell's problem says what to write instead, a file's what
        was expected."""
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column}" if self.row is not None else f" column {self.column}"
        text = f"{where}: {self.message}"
        if self.suggestion:
            text += f'; did you mean "{self.suggestion}"?'
        elif self.expected:
            cell = self.row is not None and self.column
            text += f"; {'write' if cell else 'expected'} {self.expected}"
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
    #: what the import changes (or, dry run, would change): ``new import`` or ``already imported``
    change: str = ""
    #: the rows' organisations that were not yet members of the cluster, and those that were
    members_added: int = 0
    members_already: int = 0
    #: earlier imports of a file of the same name into the same cluster (they stay: an import
    #: adds its graph beside them; undo one to replace it)
    earlier_imports: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def to_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "problems"}
        d["import"] = d.pop("import_id")
        d["problems"] = [p.to_dict() for p in self.problems]
        return d

    def describe(self) -> list[str]:
        """The report for people, a few lines (what ``amikg import`` prints)."""
        slug = self.cluster.rsplit("/", 1)[-1]
        if self.skipped:
            return [f"{self.file}: already imported as {self.import_id} (same file, cluster and "
                    f"mapping); nothing {'would change' if self.dry_run else 'to do'}"]
        if self.dry_run:
            lines = [f"dry run: {self.file} would be imported as {self.import_id} (a "
                     f"{self.change}); nothing was written"]
            verb = "would be added"
        else:
            lines = [f"imported {self.file} as {self.import_id} (a {self.change})"]
            verb = "added"
        lines.append(f"  {self.rows} rows, {self.organisations} organisations, {self.triples} "
                     f"triples into {self.graph}")
        lines.append(f"  {self.members_added} members {verb} to {slug} "
                     f"({self.members_already} already members)")
        if self.earlier_imports:
            lines.append(f"  beside the earlier import(s) of {self.file} into {slug}: "
                         f"{', '.join(self.earlier_imports)} (amikg undo one to replace it)")
        lines.append("  published in the catalogue" if self.published else
                     "  not published (in the store for SPARQL users; --publish lists it in the "
                     "catalogue)")
        return lines

