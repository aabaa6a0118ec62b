"""A plain (non-editable) `pip install .` gives a working `amikg` (issue 3)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import need


def installed_amikg() -> Path:
    return Path(sys.executable).parent / "amikg"


def test_installed_cli_finds_bundled_data_outside_the_checkout(tmp_path):
    exe = installed_amikg()
    need(exe.exists(), f"no installed `amikg` next to {sys.executable} (run `make test`, which "
                       "installs the package into .venv)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    store = tmp_path / "store"
    res = subprocess.run([str(exe), "init", "--store", str(store)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert "graph/ontology: loaded" in res.stdout and "graph/shapes: loaded" in res.stdout
    where = subprocess.run([str(exe.parent / "python"), "-c",
                            "import amikg.config as c; print(c.data_root())"],
                           cwd=tmp_path, env=env, capture_output=True, text=True)
    assert where.stdout.strip().endswith("share/amikg"), where.stdout + where.stderr
    st = subprocess.run([str(exe), "stats", "--json", "--store", str(store)], cwd=tmp_path,
                        env=env, capture_output=True, text=True)
    assert json.loads(st.stdout)["clusters"] >= 7
