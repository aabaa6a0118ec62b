"""The README's examples run: a documented command that no longer works fails the suite.

Every fenced ``sh`` and ``python`` block of README.md is read (lines joined at a trailing ``\\``,
``#`` comments dropped) and each command is run as a user would run it:

- ``curl ...`` and the Python snippets against a real ``amikg serve`` (``start_service``) over an
  initialised store, with ``http://127.0.0.1:8080`` replaced by the service's address; curl gets
  ``--fail-with-body`` so an HTTP error status fails the example, and must print (or, with
  ``-O``, write) something;
- ``amikg ...`` as a real process on a separate initialised store (``AMIKG_STORE``), as the README
  says to run them with the service stopped, in a scratch folder holding the repository's
  ``examples/`` and the two files the README names as the reader's own (``members.ttl`` and
  ``extra.nt.gz``, written here from tests/data/sample.ttl). An ``amikg validate`` may exit 1
  (violations found, as documented); everything else must exit 0, and nothing may print a
  traceback.

A block preceded by ``<!-- readme-test: skip: REASON -->`` is not run; the only one is the quick
start (``make serve`` runs until stopped, and ``make test`` is the suite this test belongs to).
A command of another kind in an unmarked block fails: the test must know how to run it.
"""

from __future__ import annotations

import gzip
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

README = ROOT / "README.md"
DOCUMENTED_URL = "http://127.0.0.1:8080"
BLOCK = re.compile(r"(?:^<!-- readme-test: skip: (?P<why>[^>]*?) -->\n)?^```(?P<lang>\w*)\n"
                   r"(?P<body>.*?)^```", re.M | re.S)
#: Exit codes that mean "the command worked" (validate: 1 = violations found).
OK_EXIT = {"validate": {0, 1}}


@dataclass
class Example:
    line: int
    kind: str       #: curl, amikg, python
    text: str       #: the command (one line) or the snippet
    args: list[str]

    def __str__(self) -> str:
        return f"README.md line {self.line}: {self.text.splitlines()[0]}"


def examples() -> tuple[list[Example], list[str]]:
    """The README's examples, and the blocks skipped (with their reasons)."""
    text = README.read_text(encoding="utf-8")
    out, skipped = [], []
    for m in BLOCK.finditer(text):
        first = text.count("\n", 0, m.start("body")) + 1
        if m.group("why"):
            skipped.append(f"line {first}: {m.group('why')}")
            continue
        if m.group("lang") == "python":
            out.append(Example(first, "python", m.group("body"), []))
            continue
        if m.group("lang") != "sh":
            continue
        lines = m.group("body").splitlines()
        i = 0
        while i < len(lines):
            start, cmd = i, lines[i]
            while cmd.rstrip().endswith("\\") and i + 1 < len(lines):
                i += 1
                cmd = cmd.rstrip()[:-1] + " " + lines[i].strip()
            i += 1
            args = shlex.split(cmd, comments=True)
            if args:
                out.append(Example(first + start, args[0], cmd.split("  #")[0].strip(), args))
    return out, skipped


EXAMPLES, SKIPPED = examples()


def test_the_readme_has_examples_of_every_kind_and_skips_only_the_quick_start():
    kinds = {e.kind for e in EXAMPLES}
    assert {"curl", "amikg", "python"} <= kinds, kinds
    assert kinds <= {"curl", "amikg", "python"}, \
        f"README commands this test cannot run: {[str(e) for e in EXAMPLES if e.kind not in ('curl', 'amikg', 'python')]}"
    assert len(SKIPPED) == 1 and "make serve" in SKIPPED[0], SKIPPED


@pytest.fixture(scope="module")
def stores(tmp_path_factory, bundled_store_dir):
    """Two initialised stores: one for the service, one for the command line."""
    root = tmp_path_factory.mktemp("readme")
    for name in ("service", "cli"):
        shutil.copytree(bundled_store_dir, root / name)
    return root


def run_curl(ex: Example, url: str, cwd: Path) -> str | None:
    args = [a.replace(DOCUMENTED_URL, url) for a in ex.args[1:]]
    res = subprocess.run(["curl", "-sS", "--fail-with-body", "--max-time", "120", *args],
                         cwd=cwd, capture_output=True, timeout=180)
    if res.returncode != 0:
        return f"exit {res.returncode}: {(res.stderr + res.stdout).decode(errors='replace')[:500]}"
    if "-O" in args:
        target = cwd / args[-1].rsplit("/", 1)[1]
        return None if target.is_file() and target.stat().st_size else f"wrote no {target.name}"
    return None if res.stdout.strip() else "printed nothing"


def run_python(ex: Example, url: str, cwd: Path) -> str | None:
    res = subprocess.run([sys.executable, "-c", ex.text.replace(DOCUMENTED_URL, url)], cwd=cwd,
                         capture_output=True, timeout=180)
    if res.returncode != 0:
        return f"exit {res.returncode}: {res.stderr.decode(errors='replace')[-800:]}"
    return None if res.stdout.strip() else "printed nothing"


def test_the_readme_curl_and_python_examples_work_against_a_real_service(
        stores, start_service, tmp_path):
    need_curl = shutil.which("curl")
    assert need_curl, "curl is not installed (the README's examples use it)"
    svc = start_service(stores / "service")
    failures = []
    for ex in EXAMPLES:
        if ex.kind == "curl":
            problem = run_curl(ex, svc.url, tmp_path)
        elif ex.kind == "python":
            problem = run_python(ex, svc.url, tmp_path)
        else:
            continue
        if problem:
            failures.append(f"{ex}\n    {problem}")
    assert failures == [], "README examples that no longer work:\n" + "\n".join(failures)


def test_the_readme_command_line_examples_work(stores, tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    sample = (ROOT / "tests" / "data" / "sample.ttl").read_bytes()
    (tmp_path / "members.ttl").write_bytes(sample)  # the reader's own files, named in the README
    nt = subprocess.run([sys.executable, "-c", "import sys, pyoxigraph as ox; sys.stdout.buffer."
                         "write(ox.serialize(ox.parse(sys.stdin.buffer.read(), format=ox.RdfFormat"
                         ".TURTLE), format=ox.RdfFormat.N_TRIPLES))"], input=sample,
                        capture_output=True, check=True).stdout
    (tmp_path / "extra.nt.gz").write_bytes(gzip.compress(nt))
    failures = []
    for ex in EXAMPLES:
        if ex.kind != "amikg":
            continue
        res = run_cli(*ex.args[1:], env={"AMIKG_STORE": str(stores / "cli")}, cwd=tmp_path)
        out = (res.stdout + res.stderr).decode(errors="replace")
        if res.returncode not in OK_EXIT.get(ex.args[1], {0}) or "Traceback" in out:
            failures.append(f"{ex}\n    exit {res.returncode}: {out[-600:]}")
    assert failures == [], "README commands that no longer work:\n" + "\n".join(failures)
