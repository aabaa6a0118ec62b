"""Accounts, their API tokens and passwords, sign-in throttling and the audit log (issue 21).

They live in a small SQLite file of their own, never in the RDF store: no SPARQL query, Graph
Store read, dump, backup or catalogue can reach them. Where the file is: ``AMIKG_ACCOUNTS``, by
default beside an embedded store (``<store>.accounts.sqlite``), else
``$XDG_DATA_HOME/amikg/accounts.sqlite``; a store in memory keeps its accounts in a temporary file
(:func:`accounts_location`). SQLite lets the CLI add an account while the service runs.

Only hashes are stored: API tokens (random, 256 bits) as SHA-256, passwords with Argon2id
(argon2-cffi). A token is shown once, when it is made. An account may also be linked to one
OpenID Connect identity (an issuer and the ``sub`` it gives the person): a sign-in there brings
only the rights of the account an operator linked it to, never rights of its own.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..config import Settings, default_store_dir
from ..errors import AuthenticationRequired, NotFound, ParameterError
from ..store import parse_location

ROLES = ("admin", "steward", "manager", "reader")
#: Failed sign-ins allowed before each further attempt must wait (2, 4, 8, ... up to 300 s).
FREE_FAILURES = 3
MAX_DELAY = 300.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
  name TEXT PRIMARY KEY, role TEXT NOT NULL, clusters TEXT NOT NULL DEFAULT '[]',
  token_hash TEXT UNIQUE, password_hash TEXT, created REAL NOT NULL, changed REAL NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, account TEXT NOT NULL,
  role TEXT NOT NULL, action TEXT NOT NULL, graphs TEXT NOT NULL, triples INTEGER,
  outcome TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS logins (name TEXT PRIMARY KEY, failures INTEGER NOT NULL,
  last REAL NOT NULL);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS oidc_links (account TEXT PRIMARY KEY, issuer TEXT NOT NULL,
  subject TEXT NOT NULL, UNIQUE (issuer, subject));
CREATE TABLE IF NOT EXISTS edits (
  id TEXT PRIMARY KEY, at TEXT NOT NULL, account TEXT NOT NULL, cluster TEXT NOT NULL,
  label TEXT NOT NULL, added TEXT NOT NULL, removed TEXT NOT NULL, undone TEXT);
"""


@dataclass(frozen=True)
class Account:
    """Who is asking: a name, a role and, for a manager, the cluster IRIs it manages."""

    name: str
    role: str
    clusters: tuple[str, ...] = ()
    #: When its token or password last changed (a session older than that is void).
    changed: float = 0.0
    has_password: bool = field(default=False, compare=False)
    #: The OpenID Connect identity linked to it, ``(issuer, subject)``, or None.
    oidc: tuple[str, str] | None = field(default=None, compare=False)

    def to_dict(self) -> dict:
        return {"name": self.name, "role": self.role, "clusters": list(self.clusters),
                "password": self.has_password,
                "oidc": {"issuer": self.oidc[0], "subject": self.oidc[1]} if self.oidc else None}


#: What an :class:`Account` is read from (see :func:`_account`).
_SELECT = ("SELECT a.name, a.role, a.clusters, a.changed, a.password_hash IS NOT NULL, l.issuer, "
           "l.subject FROM accounts a LEFT JOIN oidc_links l ON l.account = a.name")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


#: The location of a private accounts database that lives as long as its :class:`AccountBook`.
TEMPORARY = ""


def accounts_location(settings: Settings) -> str:
    """The accounts file of the service on ``settings``' store (see the module docstring);
    :data:`TEMPORARY` for a store held in this process's memory."""
    if settings.accounts:
        return settings.accounts
    loc = parse_location(settings.store_location)
    if loc.directory is not None:
        return str(loc.directory) + ".accounts.sqlite"
    if loc.single_process:
        return TEMPORARY
    return str(default_store_dir().parent / "accounts.sqlite")


def _now_text() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class AccountBook:
    """The accounts file: accounts, tokens, passwords, sign-in failures, the audit log.

    ``with AccountBook(location) as book:`` closes it when the block ends, however it ends."""

    def __init__(self, location: str = TEMPORARY):
        self.location = location
        if location != TEMPORARY:
            Path(location).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(location, timeout=30, check_same_thread=False,
                                   isolation_level=None)
        self._lock = threading.Lock()
        self._hasher = PasswordHasher()
        with self._lock:
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "AccountBook":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _run(self, sql: str, args=()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # -- accounts -----------------------------------------------------------------------------
    def add(self, name: str, role: str, clusters=(), password: str | None = None) -> str:
        """Create an account; returns its new API token (shown once, stored as a hash).

        :raise ParameterError: an unknown role, a manager without clusters, a name in use.
        """
        name = name.strip()
        if not name or len(name) > 100 or any(c.isspace() for c in name):
            raise ParameterError("an account name is one word of at most 100 characters",
                                 parameter="name")
        if role not in ROLES:
            raise ParameterError(f"unknown role {role!r}; roles: {', '.join(ROLES)}",
                                 parameter="role")
        clusters = sorted(set(clusters))
        if role == "manager" and not clusters:
            raise ParameterError("a manager manages at least one cluster: add --cluster SLUG",
                                 parameter="cluster")
        if self._run("SELECT 1 FROM accounts WHERE name = ?", (name,)):
            raise ParameterError(f"there is already an account {name!r}", parameter="name")
        if password is not None and len(password) < 10:
            raise ParameterError("a password has at least 10 characters", parameter="password")
        token = secrets.token_urlsafe(32)
        now = time.time()
        self._run("INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?, ?)",
                  (name, role, json.dumps(clusters if role == "manager" else []),
                   token_hash(token), self._hasher.hash(password) if password else None, now, now))
        return token

    def get(self, name: str) -> Account:
        rows = self._run(_SELECT + " WHERE a.name = ?", (name,))
        if not rows:
            raise NotFound(f"no account {name!r} (see `amikg users list`)", account=name)
        return _account(rows[0])

    def list(self) -> list[Account]:
        return [_account(r) for r in self._run(_SELECT + " ORDER BY a.name")]

    def remove(self, name: str) -> None:
        self.get(name)
        self._run("DELETE FROM oidc_links WHERE account = ?", (name,))
        self._run("DELETE FROM accounts WHERE name = ?", (name,))

    def new_token(self, name: str) -> str:
        """A new API token for ``name``; the old one stops working (and its sessions end)."""
        self.get(name)
        token = secrets.token_urlsafe(32)
        self._run("UPDATE accounts SET token_hash = ?, changed = ? WHERE name = ?",
                  (token_hash(token), time.time(), name))
        return token

    def set_password(self, name: str, password: str) -> None:
        if len(password) < 10:
            raise ParameterError("a password has at least 10 characters", parameter="password")
        self.get(name)
        self._run("UPDATE accounts SET password_hash = ?, changed = ? WHERE name = ?",
                  (self._hasher.hash(password), time.time(), name))

    def by_token(self, token: str) -> Account | None:
        rows = self._run(_SELECT + " WHERE a.token_hash = ?", (token_hash(token),))
        return _account(rows[0]) if rows else None

    # -- OpenID Connect identities --------------------------------------------------------------
    def link_oidc(self, name: str, issuer: str, subject: str) -> None:
        """Let the OpenID Connect identity ``subject`` of ``issuer`` sign in as ``name``, in place
        of the identity linked before (whose sessions end). One identity per account and one
        account per identity, so a sign-in always means one account.

        :raise ParameterError: no issuer or subject, or the identity is another account's.
        """
        self.get(name)
        issuer, subject = normal_issuer(issuer), subject.strip()
        if not issuer or not subject:
            raise ParameterError("linking needs the provider's issuer URL and the subject (sub)",
                                 parameter="subject" if issuer else "issuer")
        holder = self._run("SELECT account FROM oidc_links WHERE issuer = ? AND subject = ?",
                           (issuer, subject))
        if holder and holder[0][0] != name:
            raise ParameterError(f"that identity is linked to account {holder[0][0]!r}: unlink "
                                 "it there first", parameter="subject")
        self._run("INSERT INTO oidc_links VALUES (?, ?, ?) ON CONFLICT(account) DO UPDATE SET "
                  "issuer = excluded.issuer, subject = excluded.subject", (name, issuer, subject))
        self._run("UPDATE accounts SET changed = ? WHERE name = ?", (time.time(), name))

    def unlink_oidc(self, name: str) -> None:
        """``name`` no longer signs in with OpenID Connect; its sessions end."""
        self.get(name)
        self._run("DELETE FROM oidc_links WHERE account = ?", (name,))
        self._run("UPDATE accounts SET changed = ? WHERE name = ?", (time.time(), name))

    def by_oidc(self, issuer: str, subject: str) -> Account | None:
        """The account linked to this OpenID Connect identity, or None (not linked)."""
        rows = self._run(_SELECT + " WHERE l.issuer = ? AND l.subject = ?",
                         (normal_issuer(issuer), subject))
        return _account(rows[0]) if rows else None

    # -- passwords and slowed sign-in ----------------------------------------------------------
    def wait_before_login(self, name: str) -> float:
        """Seconds ``name`` must still wait before the next sign-in attempt (0: may try now)."""
        rows = self._run("SELECT failures, last FROM logins WHERE name = ?", (name,))
        if not rows or rows[0][0] < FREE_FAILURES:
            return 0.0
        delay = min(MAX_DELAY, 2.0 ** (rows[0][0] - FREE_FAILURES + 1))
        return max(0.0, rows[0][1] + delay - time.time())

    def check_password(self, name: str, password: str) -> Account:
        """The account when ``password`` is ``name``'s password.

        :raise AuthenticationRequired: a wrong name or password (the same message for both), or
            an attempt too soon after failures.
        """
        wait = self.wait_before_login(name)
        if wait > 0:
            raise AuthenticationRequired(f"too many failed sign-ins for this account: try again "
                                         f"in {int(wait) + 1} seconds", retry_after=int(wait) + 1)
        rows = self._run("SELECT password_hash FROM accounts WHERE name = ?", (name,))
        ok = False
        if rows and rows[0][0]:
            try:
                ok = self._hasher.verify(rows[0][0], password)
            except (VerificationError, InvalidHashError):
                ok = False
        if not ok:
            self._run("INSERT INTO logins VALUES (?, 1, ?) ON CONFLICT(name) DO UPDATE SET "
                      "failures = failures + 1, last = excluded.last", (name, time.time()))
            raise AuthenticationRequired("the account name or the password is wrong")
        self._run("DELETE FROM logins WHERE name = ?", (name,))
        return self.get(name)

    # -- the audit log --------------------------------------------------------------------------
    def record(self, account: Account, action: str, graphs, triples: int | None,
               outcome: str = "written") -> None:
        """One line of the audit log (who, what, which graphs, when, how many triples)."""
        self._run("INSERT INTO audit (at, account, role, action, graphs, triples, outcome) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?)",
                  (_now_text(), account.name, account.role, action,
                   json.dumps(sorted(graphs)), triples, outcome))

    def audit(self, limit: int = 1000, account: str | None = None) -> list[dict]:
        """The audit log, newest first."""
        sql = "SELECT id, at, account, role, action, graphs, triples, outcome FROM audit"
        args: tuple = ()
        if account:
            sql, args = sql + " WHERE account = ?", (account,)
        rows = self._run(sql + " ORDER BY id DESC LIMIT ?", (*args, int(limit)))
        return [{"id": r[0], "when": r[1], "account": r[2], "role": r[3], "action": r[4],
                 "graphs": json.loads(r[5]), "triples": r[6], "outcome": r[7]} for r in rows]

    # -- the changes made with the cluster forms (what undoing one needs) -----------------------
    def record_edit(self, edit_id: str, account: Account, cluster: str, label: str,
                    added: str, removed: str) -> None:
        """Keep one form change: the N-Quads it added and removed (to undo it)."""
        self._run("INSERT INTO edits VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                  (edit_id, _now_text(), account.name, cluster, label, added, removed))

    def edits(self, cluster: str | None = None) -> list[dict]:
        """The form changes (of one cluster), newest first."""
        sql = "SELECT id, at, account, cluster, label, added, removed, undone FROM edits"
        args: tuple = ()
        if cluster:
            sql, args = sql + " WHERE cluster = ?", (cluster,)
        return [{"id": r[0], "when": r[1], "account": r[2], "cluster": r[3], "label": r[4],
                 "added": r[5], "removed": r[6], "undone": r[7]}
                for r in self._run(sql + " ORDER BY at DESC, rowid DESC", args)]

    def mark_undone(self, edit_id: str) -> None:
        self._run("UPDATE edits SET undone = ? WHERE id = ?", (_now_text(), edit_id))

    # -- the service's own secret -------------------------------------------------------------
    def secret_key(self) -> str:
        """The key that signs session cookies: made once, shared by every worker process."""
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO settings VALUES ('secret_key', ?)",
                             (secrets.token_hex(32),))
            return self._db.execute(
                "SELECT value FROM settings WHERE key = 'secret_key'").fetchone()[0]


def normal_issuer(issuer: str) -> str:
    """An issuer URL as links keep it: without a trailing slash, which a provider's discovery
    document and the operator's setting may or may not write."""
    return issuer.strip().rstrip("/")


def _account(row) -> Account:
    return Account(row[0], row[1], tuple(json.loads(row[2])), row[3], bool(row[4]),
                   (row[5], row[6]) if row[5] is not None else None)
