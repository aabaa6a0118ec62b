"""Settings: one place that reads the environment (``AMIKG_*``) and knows the defaults.

The CLI and the Flask app both build a :class:`Settings`; tests pass explicit values.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path

from .errors import ConfigError

#: Folder holding the bundled data files (ontology/, shapes/, queries/) in a source checkout.
_SOURCE_ROOT = Path(__file__).resolve().parent.parent


def data_root() -> Path:
    """Where ``ontology/``, ``shapes/`` and ``queries/`` are: the source checkout, or the
    ``share/amikg`` folder that ``pip install .`` writes (setup.cfg ``data_files``)."""
    for root in (_SOURCE_ROOT, Path(sys.prefix) / "share" / "amikg"):
        if (root / "ontology" / "ami.ttl").is_file():
            return root
    raise ConfigError("cannot find amikg's bundled data (ontology/ami.ttl); reinstall amikg")


def default_store_dir(env: dict | None = None) -> Path:
    """The embedded store's default directory: ``$XDG_DATA_HOME/amikg/store`` (of ``env``, by
    default the process's environment)."""
    env = os.environ if env is None else env
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "amikg" / "store"


def _int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"setting {name} must be a whole number, got {value!r}", setting=name)


def _float(name: str, value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise ConfigError(f"setting {name} must be a number, got {value!r}", setting=name)


@dataclass
class Settings:
    """Every setting of amikg. Environment variable = ``AMIKG_`` + upper-case field name."""

    #: Store location: a directory (embedded Oxigraph), ``memory:``, or a remote URL (see store.py).
    store: str = ""
    #: Bearer token that allows writes; none configured means writes are refused.
    update_token: str = ""
    #: File holding the update token (alternative to ``update_token``).
    update_token_file: str = ""
    #: Optional HTTP basic credentials for writes, ``user:password``.
    basic_auth: str = ""
    #: Require the token for reads too.
    read_auth: bool = False
    #: Query time limit in seconds.
    query_timeout: float = 30.0
    #: Maximum number of result rows/triples a query may return.
    max_results: int = 100_000
    #: Maximum request body in bytes.
    max_body: int = 50 * 1024 * 1024
    #: Hosts (or URL prefixes) that SERVICE and LOAD may reach; empty = none.
    service_allow: list[str] = field(default_factory=list)
    #: Base IRI under which this service publishes the data (``/id/...``).
    base_iri: str = "https://w3id.org/amikg/"
    #: Base IRI that relative IRIs in SPARQL queries and updates resolve against (default: the
    #: endpoint's own URL).
    sparql_base: str = ""
    #: Remote store: update endpoint (defaults per store kind), graph store endpoint, credentials.
    update_url: str = ""
    gsp_url: str = ""
    store_user: str = ""
    store_password: str = ""
    #: Who loads and imports are recorded as (the PROV-O agent ``amid:agent/<slug>`` and its label).
    agent: str = "amikg"
    #: The API token of the account a command's writes are made as (``amikg load``, ``import``,
    #: ``undo``, ``restore``): its rights, its name in the audit log; default: the operator, an
    #: admin recorded as ``agent``.
    account_token: str = ""
    #: The folder of the search index (default: beside an on-disk store, else under
    #: ``$XDG_DATA_HOME/amikg/search/``; in memory for an in-memory store).
    search_index: str = ""
    #: List spreadsheet imports in the DCAT catalogue (with dumps) unless the import says otherwise.
    publish_imports: bool = False
    #: Publish personal contact data (e-mail, telephone, names of natural persons) in the dumps
    #: and /doc pages; off: left out there, kept in the store for SPARQL users.
    publish_contacts: bool = False
    #: The accounts file (SQLite: accounts, token and password hashes, the audit log); default
    #: beside an embedded store, see :func:`amikg.access.accounts_location`.
    accounts: str = ""
    #: Signs the browser's session cookies; default: a key made once and kept in the accounts file.
    secret_key: str = ""
    #: Hours a browser sign-in lasts.
    session_hours: float = 8.0
    #: OpenID Connect sign-in (EU Login speaks it), on when the issuer, client id and client
    #: secret are all set: the provider's issuer URL (its ``/.well-known/openid-configuration``
    #: is read), the client registered there, and the provider's name on the sign-in button.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_name: str = "OpenID Connect"
    #: The redirect URI registered at the provider (default: this service's
    #: ``/signin/oidc/callback`` at the address the browser used).
    oidc_redirect_uri: str = ""

    @classmethod
    def from_env(cls, env: dict | None = None, **overrides) -> "Settings":
        env = os.environ if env is None else env
        values = {}
        for f in fields(cls):
            raw = env.get("AMIKG_" + f.name.upper())
            if raw is None:
                continue
            if f.type in ("float", float):
                values[f.name] = _float("AMIKG_" + f.name.upper(), raw)
            elif f.type in ("int", int):
                values[f.name] = _int("AMIKG_" + f.name.upper(), raw)
            elif f.type in ("bool", bool):
                values[f.name] = raw.strip().lower() in ("1", "true", "yes", "on")
            elif f.name == "service_allow":
                values[f.name] = [h.strip() for h in raw.split(",") if h.strip()]
            else:
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.default_store = str(default_store_dir(env))
        return settings

    @property
    def oidc_enabled(self) -> bool:
        """OpenID Connect sign-in is configured: the issuer, client id and secret are set, or
        none of them is (a :class:`ConfigError` names what is missing when only some are)."""
        parts = {"AMIKG_OIDC_ISSUER": self.oidc_issuer,
                 "AMIKG_OIDC_CLIENT_ID": self.oidc_client_id,
                 "AMIKG_OIDC_CLIENT_SECRET": self.oidc_client_secret}
        missing = [name for name, value in parts.items() if not value]
        if missing and len(missing) < len(parts):
            raise ConfigError(f"OpenID Connect sign-in needs {', '.join(missing)} as well",
                              setting=missing[0])
        return not missing

    @property
    def store_location(self) -> str:
        return self.store or getattr(self, "default_store", "") or str(default_store_dir())

    def token(self) -> str:
        """The configured update token (from the setting or the token file), or ''."""
        if self.update_token:
            return self.update_token
        if self.update_token_file:
            try:
                return Path(self.update_token_file).read_text().strip()
            except OSError as e:
                raise ConfigError(f"AMIKG_UPDATE_TOKEN_FILE {self.update_token_file}: {e.strerror}",
                                  setting="AMIKG_UPDATE_TOKEN_FILE")
        return ""
