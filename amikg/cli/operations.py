"""Commands that run and keep the service: ``serve`` (issue 4), ``backup``, ``restore``, ``dump``
(issue 11)."""

from __future__ import annotations

import gzip
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from ..backup import backup_local, dump_dataset, fetch_backup, restore_backup, restore_dump
from ..config import Settings
from ..errors import FormatError, StoreError, StoreLockedError
from ..search import SearchIndex
from ..store import open_store, parse_location
from ..access import ANY
from .common import (operator_gate, service_option, service_package, service_token,
                     store_location_or_default, store_option)


@click.command()
@store_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback by default; 0.0.0.0 for every interface).")
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int,
              help="gunicorn worker processes (remote stores only; an embedded or memory store "
                   "is held by one process).")
@click.option("--threads", default=8, show_default=True, type=int,
              help="Threads per worker process.")
@click.option("--query-workers", type=int, default=None,
              help="Query processes for the embedded store (default: CPUs, at most 4; 0 runs "
                   "queries in the request thread without a hard time limit).")
def serve(store_location, host, port, workers, threads, query_workers):
    """Run the SPARQL service (gunicorn) on http://HOST:PORT/sparql."""
    # Flask and gunicorn load only for `serve`: every other command starts without them
    service_package()
    from amikg_server.wsgi import serve as run_server

    settings = Settings.from_env()
    location = store_location or settings.store_location
    # fail fast: half an OpenID Connect configuration (ConfigError), a locked or unreachable
    # store, a search index folder that cannot be written
    oidc = settings.oidc_enabled
    _check_store_in_child(location, settings)
    click.echo(f"amikg: serving {location} on http://{host}:{port}/sparql", err=True)
    if oidc:
        click.echo(f"amikg: browser sign-in through {settings.oidc_name} too "
                   f"({settings.oidc_issuer})", err=True)
    run_server(host=host, port=port, store=location, workers=workers, threads=threads,
               query_workers=query_workers, timeout=settings.query_timeout)


#: Opens and closes the store named by argv[1], checking that its search index folder can be
#: written; an AmikgError is its message and exit code.
_OPEN_ONCE = ("import sys\nfrom amikg.errors import AmikgError\nfrom amikg.store import open_store\n"
              "from amikg.search import SearchIndex\n"
              "try:\n    s = open_store(sys.argv[1])\n    SearchIndex.for_store(s).check_writable()\n"
              "    s.close()\nexcept AmikgError as e:\n"
              "    sys.stderr.write(e.message)\n    sys.exit(e.exit_code)\n")


def _check_store_in_child(location: str, settings: Settings) -> None:
    """Open and close the store once before serving, in a child process for an embedded store:
    RocksDB started in gunicorn's master would leave its background threads behind at the fork,
    and the worker's flushes (hence snapshots for queries after a write) would wait forever."""
    if parse_location(location).directory is None:
        with open_store(location, settings) as store:
            SearchIndex.for_store(store, settings).check_writable()
        return
    r = subprocess.run([sys.executable, "-c", _OPEN_ONCE, location], capture_output=True,
                       text=True)
    if r.returncode:
        raise StoreError(r.stderr.strip().splitlines()[-1] if r.stderr.strip()
                         else f"cannot open the store {location}")


@click.command()
@store_option
@service_option
@click.argument("directory", type=click.Path(file_okay=False))
def backup(store_location, url, directory):
    """Write a consistent snapshot of the embedded store into DIRECTORY (new or empty).

    Without --url the store is opened directly (the service must not be running on it); with
    --url the running service makes the snapshot (POST /admin/backup). Restore with
    `amikg restore DIRECTORY`."""
    if url:
        rep = fetch_backup(url, directory, service_token())
    else:
        location = store_location_or_default(store_location)
        try:
            rep = backup_local(location, directory)
        except StoreLockedError as e:
            raise StoreLockedError(f"{e.message}; to back up while the service runs, add "
                                   "--url http://HOST:PORT (and AMIKG_UPDATE_TOKEN)")
    click.echo(f"backup of {rep.quads} quads in {rep.path} (from {rep.via})")


@click.command()
@store_option
@click.argument("source", type=click.Path(exists=True))
def restore(store_location, source):
    """Make SOURCE the store: a backup directory (`amikg backup`) or an N-Quads dump
    (`amikg dump`, .nq or .nq.gz). The service must be stopped; the present store is moved
    aside to STORE.before-restore-TIME, never deleted."""
    location = store_location_or_default(store_location)
    if parse_location(location).directory is None:
        raise FormatError(f"restore needs an embedded store directory, not {location}; load a "
                          "dump into a remote store with `amikg load --append DUMP.nq`")
    with operator_gate(location) as (gate, operator):  # a restore replaces every graph
        quads, aside = gate.write(
            operator, f"restore {Path(source).name}", [ANY],
            lambda: (restore_backup if Path(source).is_dir() else restore_dump)(source, location),
            written=lambda r: r[0])
    with open_store(location) as store:  # a new store: its search index must be rebuilt
        SearchIndex.for_store(store).mark_stale()
    click.echo(f"restored {quads} quads into {location}"
               + (f"; the previous store is in {aside}" if aside else ""))


@click.command()
@store_option
@service_option
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="File (.nq, or .nq.gz compressed); default stdout.")
def dump(store_location, url, output):
    """Write the whole dataset (every named graph, provenance included) as N-Quads, the portable
    format. `amikg restore FILE` rebuilds a store from it; `amikg load --append FILE` adds it."""
    def write(location):
        if output is None:
            return dump_dataset(location, sys.stdout.buffer)
        opener = gzip.open if output.endswith(".gz") else open
        with opener(output, "wb") as f:
            return dump_dataset(location, f)

    if url:  # a snapshot from the service, dumped here
        with tempfile.TemporaryDirectory(prefix="amikg-dump-") as tmp:
            fetch_backup(url, Path(tmp) / "store", service_token())
            n = write(str(Path(tmp) / "store"))
    else:
        n = write(store_location_or_default(store_location))
    click.echo(f"dumped {n} quads", err=True)


COMMANDS = [serve, backup, restore, dump]
