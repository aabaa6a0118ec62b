"""A plain (non-editable) `pip install .` gives a working `amikg` (issue 3), with the service
installed as `amikg_server`, never as a top-level `server` (issue 17)."""

from __future__ import annotations

import configparser
import json
import os
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, free_port, need, wait_http


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


def _package_folders() -> set[str]:
    """Every package of the checkout by its installed name (server/ is amikg_server)."""
    found = set()
    for top, name in (("amikg", "amikg"), ("server", "amikg_server")):
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / top).parts
            found.add(".".join((name, *rel)))
    return found


def test_setup_cfg_lists_every_package():
    """setup.cfg lists its packages (find: cannot install server/ as amikg_server): a package
    folder missing from the list would be missing from the install."""
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    listed = set(cfg["options"]["packages"].split())
    assert listed == _package_folders()
    assert cfg["options"]["package_dir"].split() == ["amikg_server", "=", "server"]
    assert "amikg_server" in cfg["options.package_data"] and "server" not in cfg["options.package_data"]


def _top_level_copy(tmp_path: Path) -> Path:
    """The checkout without its build leftovers (a stale build/ would end up in the wheel)."""
    skip = {".git", ".venv", "build", "dist", "data", "test-artifacts", ".pytest_cache",
            ".ruff_cache"}
    src = tmp_path / "src"
    src.mkdir()
    for p in ROOT.iterdir():
        if p.name in skip or p.name.endswith(".egg-info"):
            continue
        if p.is_dir():
            shutil.copytree(p, src / p.name,
                            ignore=shutil.ignore_patterns("__pycache__", "node_modules"))
        else:
            shutil.copy2(p, src / p.name)
    return src


@pytest.mark.slow
def test_fresh_install_has_amikg_server_and_no_server(tmp_path):
    venv = tmp_path / "venv"
    made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True,
                          text=True)
    need(made.returncode == 0, f"cannot make a virtual environment: {made.stderr[-500:]}")
    py, exe = venv / "bin" / "python", venv / "bin" / "amikg"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    res = subprocess.run([str(py), "-m", "pip", "install", "-q", str(_top_level_copy(tmp_path))],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]

    def run(*code: str):
        return subprocess.run([str(py), "-c", *code], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)

    assert "No module named 'server'" in run("import server").stderr
    got = run("import amikg_server, amikg.cli.common as c\n"
              "assert c.service_package() is amikg_server\n"
              "from amikg_server.wsgi import AmikgServer\n"
              "print(amikg_server.__file__)")
    assert got.returncode == 0, got.stderr
    assert "site-packages" in got.stdout and str(ROOT) not in got.stdout
    helped = subprocess.run([str(exe), "--help"], cwd=tmp_path, env=env, capture_output=True,
                            text=True)
    assert "serve     Run the SPARQL service" in helped.stdout

    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(exe), "serve", "--store", "memory:", "--port", str(port)],
                                cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        try:
            wait_http(url + "/healthz", timeout=60, proc=proc)
        except RuntimeError as e:
            raise AssertionError(f"{e}\n{log.read_text(errors='replace')[-3000:]}")
        page = urllib.request.urlopen(urllib.request.Request(
            url + "/sparql", headers={"Accept": "text/html"}), timeout=10)
        assert b"<h1>SPARQL query</h1>" in page.read()  # the templates were installed
        css = urllib.request.urlopen(url + "/static/sparql.css", timeout=10)
        assert css.status == 200  # and the static files
        if (ROOT / "server" / "static" / "yasgui" / "yasgui.min.js").is_file():
            for name in ("yasgui.min.js", "yasgui.min.css", "LICENSE"):   # and the editor's
                got = urllib.request.urlopen(f"{url}/static/yasgui/{name}", timeout=10)
                assert got.status == 200 and got.read(), name
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
