"""Accounts and the audit log (issue 21): ``users add|list|remove|token|password|link|unlink``,
``audit``.

The work is done by :mod:`amikg.access`; the accounts file is the one the service on the same
store uses (``AMIKG_ACCOUNTS``, by default beside the embedded store), and may be changed while
the service runs. A new token is printed once, as the last line of the output.
"""

from __future__ import annotations

import json

import click

from ..access import ROLES, AccountBook, accounts_location
from ..config import Settings
from ..ingest import cluster_iri
from .common import echo_table, store_option


def _book(store_location: str | None) -> AccountBook:
    """The accounts file of the store (``with _book(...) as book:`` closes it)."""
    return AccountBook(accounts_location(Settings.from_env(store=store_location)))


@click.group()
def users():
    """Accounts of the service: who may read restricted data and write which graphs."""


@users.command("add")
@store_option
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES),
              help="admin: everything; steward: every data graph (not ontology or shapes); "
                   "manager: its clusters' graphs; reader: reads restricted data.")
@click.option("--cluster", "clusters", multiple=True, metavar="IRI|SLUG",
              help="A cluster a manager manages (repeat for more).")
@click.option("--password", is_flag=True,
              help="Also ask for a password, for signing in with a browser.")
def add(store_location, name, role, clusters, password):
    """Create an account; its API token is the last line of the output."""
    secret = click.prompt("password", hide_input=True, confirmation_prompt=True) \
        if password else None
    with _book(store_location) as book:
        token = book.add(name, role, [cluster_iri(c) for c in clusters], password=secret)
        account = book.get(name)
    managed = f" of {', '.join(account.clusters)}" if account.clusters else ""
    click.echo(f"account {name}: {role}{managed}; send the token as "
               "'Authorization: Bearer TOKEN' (shown only now):")
    click.echo(token)


@users.command("list")
@store_option
@click.option("--json", "as_json", is_flag=True)
def list_(store_location, as_json):
    """Every account with its role and clusters (never a token)."""
    with _book(store_location) as book:
        accounts = book.list()
    if as_json:
        click.echo(json.dumps([a.to_dict() for a in accounts], indent=2))
        return
    echo_table(["name", "role", "clusters", "password", "oidc"],
               [[a.name, a.role, " ".join(a.clusters), "yes" if a.has_password else "no",
                 f"{a.oidc[1]} at {a.oidc[0]}" if a.oidc else "no"] for a in accounts])


@users.command("remove")
@store_option
@click.argument("name")
def remove(store_location, name):
    """Remove an account: its token and sign-ins stop working at once."""
    with _book(store_location) as book:
        book.remove(name)
    click.echo(f"account {name} removed")


@users.command("token")
@store_option
@click.argument("name")
def token(store_location, name):
    """A new API token for NAME (last line); the old one stops working."""
    with _book(store_location) as book:
        new = book.new_token(name)
    click.echo(f"new token for {name} (the old one no longer works; shown only now):")
    click.echo(new)


@users.command("password")
@store_option
@click.argument("name")
def password(store_location, name):
    """Set NAME's password for browser sign-in (asked twice, never echoed)."""
    secret = click.prompt("password", hide_input=True, confirmation_prompt=True)
    with _book(store_location) as book:
        book.set_password(name, secret)
    click.echo(f"password of {name} set")


@users.command("link")
@store_option
@click.argument("name")
@click.option("--oidc-subject", "subject", required=True, metavar="SUB",
              help="The `sub` the provider gives the person (the sign-in page shows it to a "
                   "person whose identity is not linked yet).")
@click.option("--oidc-issuer", "issuer", default=None, metavar="URL",
              help="The provider's issuer URL (default: AMIKG_OIDC_ISSUER).")
def link(store_location, name, subject, issuer):
    """Let an OpenID Connect identity sign in as NAME, with NAME's rights (it has none of its
    own); replaces NAME's link before, and ends NAME's sessions."""
    with _book(store_location) as book:
        book.link_oidc(name, issuer or Settings.from_env().oidc_issuer, subject)
        linked = book.get(name).oidc
    click.echo(f"account {name} signs in as {linked[1]} at {linked[0]}")


@users.command("unlink")
@store_option
@click.argument("name")
def unlink(store_location, name):
    """NAME no longer signs in with OpenID Connect; its sessions end."""
    with _book(store_location) as book:
        book.unlink_oidc(name)
    click.echo(f"account {name} has no OpenID Connect identity")


@click.command()
@store_option
@click.option("--account", default=None, help="Only this account's writes.")
@click.option("--limit", default=100, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True)
def audit(store_location, account, limit, as_json):
    """The audit log: every write through the service (who, graphs, when, triples), newest
    first; refused writes too."""
    with _book(store_location) as book:
        rows = book.audit(limit, account)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    echo_table(["when", "account", "role", "action", "graphs", "triples", "outcome"],
               [[r["when"], r["account"], r["role"], r["action"], " ".join(r["graphs"]),
                 str(r["triples"]), r["outcome"]] for r in rows])


COMMANDS = [users, audit]
