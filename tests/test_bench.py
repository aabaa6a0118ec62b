"""The benchmark suite runs end to end at smoke size, on every engine (issue 10)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, need
from virtuoso import virtuoso_binary


@pytest.mark.slow
@pytest.mark.external
def test_benchmark_smoke_run_covers_every_engine_and_the_service(tmp_path):
    need(virtuoso_binary() is not None, "Virtuoso is not installed (apt-get install "
         "virtuoso-opensource)")
    need(shutil.which("oxigraph") is not None, "the `oxigraph` server binary is not installed")
    out = tmp_path / "bench.md"
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--orgs", "1000",
                           "--repeat", "1", "--output", str(out)],
                          capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = out.read_text()
    assert "### 1,000 organisations" in text and "CPUs" in text and "GB RAM" in text
    header = next(line for line in text.splitlines() if line.startswith("| query |"))
    for engine in ("embedded", "oxigraph-server", "virtuoso", "rdflib", "service/embedded",
                   "service/oxigraph-server", "service/virtuoso"):
        assert f" {engine} |" in header
    rows = {line.split("|")[1].strip(): line for line in text.splitlines()
            if line.startswith("| ") and not line.startswith(("| query", "| |"))}
    for query in ("partner search", "counts by category", "value-chain coverage"):
        cells = rows[query].split("|")
        assert "/" not in cells[2], f"engines disagree on {query}: {rows[query]}"  # row counts
        assert "n/a" not in rows[query] and "(1.0x)" in rows[query]
    # roadmap validation (validate_store on every cluster) on each store; the results column
    # gives one count, or every engine's count where they differ
    header = next(line for line in text.splitlines() if line.startswith("| | results |"))
    for engine in ("embedded", "oxigraph-server", "virtuoso"):
        assert f" {engine} |" in header
    assert "n/a" not in rows["roadmap validation"] and "(1.0x)" in rows["roadmap validation"]
