"""The documentation covers what the code offers (in the manner of datasette's tests/test_docs.py).

Each list is collected from the code, not written down here: the Flask routes of the service, the
click commands, the fields of ``amikg.config.Settings`` (and every ``AMIKG_*`` name the code reads),
and the named queries. A test fails, naming what is missing, when one of them is not documented.
The README is also held to its shape: at most 300 lines, a quick start of exactly two commands,
one settings row per setting, a link to every page in docs/.
"""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
#: Pages the README links before they exist (written by someone else, later).
EXPECTED_LATER = {"docs/architecture.md"}
README_MAX_LINES = 300


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def doc_pages() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


@lru_cache(maxsize=None)
def all_docs() -> str:
    """README.md and every docs/*.md, as one text."""
    return "\n".join(read(p) for p in [README, *doc_pages()])


def section(text: str, heading: str) -> str:
    """The body of the Markdown section ``heading`` (up to the next heading of the same level)."""
    m = re.search(rf"^(#+) {re.escape(heading)}[ \t]*$", text, re.M)
    assert m, f"no section {heading!r}"
    level = len(m.group(1))
    rest = text[m.end():]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.M)
    return rest[: end.start()] if end else rest


# -- what the code offers ---------------------------------------------------------------------

def _routes() -> list[str]:
    from amikg_server import create_app

    app = create_app({"store": "memory:", "TESTING": True})
    try:
        rules = {re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"<\1>", r.rule)
                 for r in app.url_map.iter_rules() if r.endpoint != "static"}
    finally:
        app.extensions["amikg"].close()
    return sorted(rules)


def _commands(group: click.Group, prefix: str = "amikg") -> list[str]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        out.append(f"{prefix} {name}")
        if isinstance(cmd, click.Group):
            out += _commands(cmd, f"{prefix} {name}")
    return out


def _cli_commands() -> list[str]:
    from amikg.cli import main

    return _commands(main)


def _settings() -> list[str]:
    from amikg.config import Settings

    return ["AMIKG_" + f.name.upper() for f in dataclasses.fields(Settings)]


def _env_names_in_code() -> list[str]:
    """Every AMIKG_* name written in the package sources (settings read outside Settings too)."""
    names = set()
    for pkg in ("amikg", "server"):
        for path in (ROOT / pkg).rglob("*.py"):
            names |= set(re.findall(r"\bAMIKG_[A-Z][A-Z0-9_]*[A-Z0-9]\b", read(path)))
    return sorted(names)


def _queries() -> dict:
    from amikg.queries import load_queries

    return load_queries()


ROUTES = _routes()
COMMANDS = _cli_commands()
SETTINGS = _settings()
ENV_NAMES = _env_names_in_code()
QUERIES = sorted(_queries())


# -- every route, command, setting and query is documented -----------------------------------

def documented_path(path: str, text: str) -> bool:
    """``path`` written as a path of its own: not part of a longer path (``/clusters`` is not
    documented by ``/clusters/<slug>``)."""
    return re.search(rf"(?<![\w/.<>-]){re.escape(path)}(?![\w/<>-]|\.\w)", text) is not None


@pytest.mark.parametrize("path", ROUTES)
def test_every_route_is_documented(path):
    assert documented_path(path, all_docs()), \
        f"route {path} is not documented in README.md or docs/*.md (docs/api.md lists every route)"


def test_the_route_list_is_not_empty():
    assert "/sparql" in ROUTES and len(ROUTES) > 10, ROUTES


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented(command):
    assert re.search(rf"{re.escape(command)}(?![\w-])", all_docs()), \
        f"`{command}` is not documented in README.md or docs/*.md"


def test_the_command_list_is_not_empty():
    assert "amikg serve" in COMMANDS and "amikg load" in COMMANDS, COMMANDS


def settings_table() -> list[str]:
    """The first cell of each row of the README's settings table."""
    body = section(read(README), "Settings")
    return [row.split("|")[1].strip() for row in body.splitlines()
            if row.startswith("|") and not re.match(r"\|\s*[-:]+\s*\|", row)][1:]


@pytest.mark.parametrize("setting", SETTINGS)
def test_every_setting_is_in_the_readme_settings_table(setting):
    assert f"`{setting}`" in settings_table(), \
        f"setting {setting} (amikg.config.Settings) has no row of its own in the README's settings table"


@pytest.mark.parametrize("name", ENV_NAMES)
def test_every_environment_variable_the_code_reads_is_in_the_settings_table(name):
    assert f"`{name}`" in settings_table(), \
        f"{name} is used in the code but has no row of its own in the README's settings table"


def test_the_settings_table_has_one_setting_per_row():
    cells = settings_table()
    several = [c for c in cells if len(re.findall(r"AMIKG_\w+", c)) != 1]
    assert several == [], f"settings table rows naming other than one setting: {several}"
    doubled = sorted({c for c in cells if cells.count(c) > 1})
    assert doubled == [], f"settings listed twice: {doubled}"


@pytest.mark.parametrize("name", QUERIES)
def test_every_named_query_is_in_docs_api(name):
    assert f"`{name}`" in read(DOCS / "api.md"), f"named query {name} is not in docs/api.md"


@pytest.mark.parametrize("name", QUERIES)
def test_every_named_query_parameter_is_in_its_row_of_the_queries_table(name):
    rows = [line for line in read(DOCS / "api.md").splitlines() if line.startswith(f"| `{name}` |")]
    assert rows, f"named query {name} has no row in the queries table of docs/api.md"
    params = [p.name for p in _queries()[name].params]
    missing = [p for p in params if f"`{p}`" not in rows[0]]
    assert missing == [], f"parameters of {name} missing from its row in docs/api.md: {missing}"


# -- the README's shape -------------------------------------------------------------------------

def test_readme_is_at_most_300_lines():
    n = len(read(README).splitlines())
    assert n <= README_MAX_LINES, f"README.md has {n} lines; move details into docs/ (limit {README_MAX_LINES})"


def test_readme_quick_start_is_the_two_make_commands():
    body = section(read(README), "Quick start")
    block = re.search(r"^```[^\n]*\n(.*?)^```", body, re.M | re.S)
    assert block, "the Quick start section has no code block"
    commands = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()]
    commands = [c for c in commands if c]
    assert commands == ["make serve", "make test"], \
        f"the Quick start's first code block must hold exactly `make serve` and `make test`, not {commands}"


def test_readme_quick_start_comes_first():
    headings = re.findall(r"^## (.+)$", read(README), re.M)
    assert headings and headings[0] == "Quick start", f"the README's first section is {headings[:1]}"


@pytest.mark.parametrize("page", sorted(f"docs/{p.name}" for p in DOCS.iterdir() if p.is_file()))
def test_every_docs_page_is_linked_from_the_readme(page):
    assert re.search(rf"\]\({re.escape(page)}(#[^)]*)?\)", read(README)), \
        f"{page} is not linked from README.md (add it to the Documentation list)"


def test_readme_links_the_architecture_page():
    assert re.search(r"\]\(docs/architecture\.md\)", read(README)), \
        "README.md must link docs/architecture.md (the module map)"


LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def relative_links(path: Path) -> list[str]:
    text = re.sub(r"^```.*?^```", "", read(path), flags=re.M | re.S)  # not in code blocks
    return [t for t in LINK.findall(text)
            if not re.match(r"[a-z][a-z0-9+.-]*:", t) and not t.startswith("#")]


def anchors(path: Path) -> set[str]:
    """GitHub's anchors for the headings of ``path``: lower case, punctuation dropped, spaces to
    hyphens, a repeated heading numbered."""
    text = re.sub(r"^```.*?^```", "", read(path), flags=re.M | re.S)
    seen: dict[str, int] = {}
    out = set()
    for heading in re.findall(r"^#+ (.+?)\s*$", text, re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower().replace("`", "")).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


@pytest.mark.parametrize("page", [README, *doc_pages()], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_anchor_names_a_heading(page):
    broken = []
    for target in relative_links(page) + [t for t in LINK.findall(read(page)) if t.startswith("#")]:
        file, _, anchor = target.partition("#")
        dest = (page.parent / file).resolve() if file else page
        if anchor and dest.suffix == ".md" and dest.exists() and anchor not in anchors(dest):
            broken.append(target)
    assert broken == [], f"{page.relative_to(ROOT)} links headings that do not exist: {broken}"


@pytest.mark.parametrize("page", [README, *doc_pages()], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_at_an_existing_file(page):
    broken = []
    for target in relative_links(page):
        file = (page.parent / target.split("#", 1)[0]).resolve()
        rel = file.relative_to(ROOT).as_posix() if file.is_relative_to(ROOT) else str(file)
        if not file.exists() and rel not in EXPECTED_LATER:
            broken.append(target)
    assert broken == [], f"{page.relative_to(ROOT)} links files that do not exist: {broken}"


# -- current, not a diary -----------------------------------------------------------------------

DATE = re.compile(r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* 20\d\d\b")
DIARY = re.compile(r"\b(this session|earlier sessions?|last session|last time|this morning|"
                   r"yesterday|until \d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec))\b",
                   re.I)


def test_readme_carries_no_dated_figures():
    found = DATE.findall(read(README))
    assert found == [], "README.md has dated figures; benchmarks belong in docs/benchmarks.md"


@pytest.mark.parametrize("page", [README, *doc_pages()], ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_reads_as_a_diary(page):
    found = [m.group(0) for m in DIARY.finditer(read(page))]
    assert found == [], f"{page.relative_to(ROOT)} tells history ({found}); describe what is"


@pytest.mark.parametrize("page", [README, *doc_pages()], ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_names_internal_module_files(page):
    if page.name == "architecture.md":  # the module map names them on purpose
        return
    found = re.findall(r"\b(?:amikg|server)/[\w/]*\.py\b", read(page))
    assert found == [], f"{page.relative_to(ROOT)} names module files {found}; describe behaviour"
