"""What every ``amikg`` command shares: the ``--store`` and ``--url`` options, opening the store,
table and result output, the progress bar, errors to exit codes, and finding the service package.

Exit codes: 0 success (for ``validate``: conforms), 1 data does not pass (violations, rejected
import), 2 error (bad input, unreachable store, wrong usage).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import click
import pyoxigraph as ox

from ..access import Account, AccountBook, Gate, accounts_location, read_view
from ..config import Settings
from ..errors import AmikgError, ForbiddenOperation, FormatError
from ..namespaces import PREFIXES
from ..publish import write_turtle
from ..search import SearchIndex
from ..store import LOCATION_HELP, RESULT_FORMATS, Store, open_store, rdf_format

#: The import name of the Flask service (the ``server/`` folder of the source checkout).
SERVICE_PACKAGE = "amikg_server"
#: The source checkout this package sits in, if it does (``amikg/cli/common.py`` -> the root).
_CHECKOUT = Path(__file__).resolve().parents[2]


class AmikgGroup(click.Group):
    """Turns every :class:`AmikgError` into one line on stderr and its exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except AmikgError as e:
            click.echo(f"error: {e.message}", err=True)
            sys.exit(e.exit_code)


def store_option(f):
    """The ``--store`` option every command has."""
    return click.option(
        "--store", "store_location", envvar="AMIKG_STORE", default=None, metavar="LOCATION",
        help=LOCATION_HELP)(f)


def get_store(store_location: str | None, say_if_empty: bool = True) -> Store:
    """The store of ``--store`` (or ``AMIKG_STORE``, or the default directory). A command that
    reads it says on stderr when it is empty, naming its location, so that a forgotten
    ``AMIKG_STORE`` or ``amikg init`` is not mistaken for an answer."""
    settings = Settings.from_env()
    store = open_store(store_location, settings)
    # every write of a command marks the search index stale (the service rebuilds it)
    SearchIndex.for_store(store, settings).watch(rebuild=False)
    if say_if_empty and store.is_empty():
        click.echo(f"note: the store at {store.location} is empty; run `amikg init` to load the "
                   "bundled data (or give --store / AMIKG_STORE)", err=True)
    return store


@contextmanager
def operator_gate(store_location: str | None, store: Store | None = None):
    """``(gate, account)`` for a write made on the command line, through the same gate as the
    service's (rights, then the audit log of the store's accounts file). Who writes: the
    operator, who holds the store's files, an admin recorded as ``AMIKG_AGENT``; or, when
    ``AMIKG_ACCOUNT_TOKEN`` is set, the account whose API token it is (its rights, its name in
    the audit log and in the provenance).

    :raise ForbiddenOperation: ``AMIKG_ACCOUNT_TOKEN`` is no account's token.
    """
    settings = Settings.from_env(store=store_location)
    with AccountBook(accounts_location(settings)) as book:
        yield Gate(book, store), command_account(settings, book)


def command_account(settings: Settings, book: AccountBook) -> Account:
    """The account a command writes as (see :func:`operator_gate`)."""
    if not settings.account_token:
        return Account(settings.agent, "admin")
    account = book.by_token(settings.account_token)
    if account is None:
        raise ForbiddenOperation(f"AMIKG_ACCOUNT_TOKEN is not the token of an account in "
                                 f"{book.location or 'the accounts file'} (see `amikg users "
                                 "list`; `amikg users token NAME` makes a new one); nothing "
                                 "was written")
    return account


def public_option(f):
    """``--public``: read as an anonymous user of the service does."""
    return click.option(
        "--public", is_flag=True,
        help="Read as an anonymous user of the service does: the public graphs only, no "
             "restricted graph (personal contact data).")(f)


def read_as(store: Store, public: bool) -> Store:
    """The store as a command reads it: the whole store (the operator holds its files), or with
    ``--public`` as the service shows it to an anonymous reader (:func:`amikg.access.read_view`,
    the one view every anonymous read of the service goes through)."""
    return read_view(store, None) if public else store


def store_location_or_default(store_location: str | None) -> str:
    """``--store``, or the configured location (``AMIKG_STORE`` or the default directory)."""
    return store_location or Settings.from_env().store_location


def service_option(f):
    """``--url``: reach the store through a running service (it holds the embedded store)."""
    return click.option(
        "--url", envvar="AMIKG_SERVICE_URL", default=None, metavar="URL",
        help="A running amikg service (e.g. http://127.0.0.1:8080) to take the snapshot from; "
             "needed while the service holds the store. Sends AMIKG_UPDATE_TOKEN.")(f)


def service_token() -> str:
    """The update token sent to a running service (``--url``)."""
    return Settings.from_env().token()


def progress_bar(total: int, label: str):
    """A click progress bar over bytes, shown on a terminal only (stderr)."""
    return click.progressbar(length=total, label=label, file=sys.stderr,
                             show_pos=False, show_percent=True)


def row_counter(label: str):
    """A click progress bar that counts (the total is unknown), on stderr."""
    return click.progressbar(length=0, label=label, file=sys.stderr,
                             show_pos=True, show_percent=False, show_eta=False)


def compact(term) -> str:
    """A term for humans: prefixed name for known IRIs, plain text for literals."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for p, ns in PREFIXES.items():
            if term.value.startswith(ns) and term.value != ns:
                return f"{p}:{term.value[len(ns):]}"
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def echo_table(variables: list[str], rows: list[list[str]]) -> None:
    widths = [min(60, max([len(v)] + [len(r[i]) for r in rows])) for i, v in enumerate(variables)]
    line = "  ".join(v.ljust(w) for v, w in zip(variables, widths))
    click.echo(line)
    click.echo("  ".join("-" * w for w in widths))
    for r in rows:
        click.echo("  ".join((c if len(c) <= w else c[: w - 1] + "…").ljust(w)
                             for c, w in zip(r, widths)))


def echo_answer(answer, as_json: bool, as_text) -> None:
    """A command's answer: indented JSON with ``--json``, else ``as_text(answer)`` (which
    echoes it for people)."""
    if as_json:
        click.echo(json.dumps(answer, indent=2))
    else:
        as_text(answer)


def print_results(result, fmt: str | None) -> None:
    """Write query results to stdout in ``fmt`` (table/csv/tsv/json/xml or an RDF format)."""
    out = sys.stdout.buffer
    if isinstance(result, ox.QueryBoolean):
        if fmt in ("json", "xml", "csv", "tsv"):
            out.write(result.serialize(format=RESULT_FORMATS[fmt]))
        else:
            click.echo("true" if bool(result) else "false")
        return
    if isinstance(result, ox.QuerySolutions):
        fmt = fmt or "table"
        if fmt == "table":
            names = [v.value for v in result.variables]
            rows = [[compact(s[n]) for n in names] for s in result]
            echo_table(names, rows)
            click.echo(f"({len(rows)} row{'s' if len(rows) != 1 else ''})", err=True)
        elif fmt in RESULT_FORMATS:
            out.write(result.serialize(format=RESULT_FORMATS[fmt]))
        else:
            raise FormatError(f"SELECT results cannot be written as {fmt}; use table, csv, tsv, "
                              "json or xml")
        return
    rfmt = rdf_format(fmt or "turtle")
    if rfmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        rfmt = ox.RdfFormat.TURTLE if rfmt == ox.RdfFormat.TRIG else ox.RdfFormat.N_TRIPLES
    if rfmt == ox.RdfFormat.TURTLE:  # the one Turtle writer: sorted, only the prefixes used
        write_turtle(result, out)
        return
    kw = {"prefixes": PREFIXES} if rfmt == ox.RdfFormat.RDF_XML else {}
    out.write(result.serialize(format=rfmt, **kw))


def service_package() -> ModuleType:
    """The Flask service as the package ``amikg_server``, imported once.

    In a source checkout (the ``server/`` folder beside the ``amikg/`` package, with the bundled
    data, as :func:`amikg.config.data_root` finds it) that folder is loaded as ``amikg_server``, so
    tests and work trees always run the checkout's service; otherwise the installed
    ``amikg_server``. After this call ``import amikg_server.x`` works."""
    if SERVICE_PACKAGE in sys.modules:
        return sys.modules[SERVICE_PACKAGE]
    init = _CHECKOUT / "server" / "__init__.py"
    if not ((_CHECKOUT / "ontology" / "ami.ttl").is_file() and init.is_file()):
        return importlib.import_module(SERVICE_PACKAGE)
    spec = importlib.util.spec_from_file_location(
        SERVICE_PACKAGE, init, submodule_search_locations=[str(init.parent)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[SERVICE_PACKAGE] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[SERVICE_PACKAGE]
        raise
    return module
