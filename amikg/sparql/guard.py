"""Look inside a SPARQL query or update before it runs: its form, and where it would reach out.

Engines follow ``SERVICE <url>`` and ``LOAD <url>`` (Oxigraph does: it fetches over HTTP), which
lets anyone who can send a query make the server call other hosts (server-side request forgery)
or read local files. :func:`check_query` and :func:`check_update` refuse both unless the target is
allow-listed (``AMIKG_SERVICE_ALLOW``), *before* anything executes.

It reads the text with the one lexer (:mod:`amikg.sparql.lexer`), which skips comments, strings
and IRIs, so the word ``SERVICE`` inside a literal or an IRI is not mistaken for the keyword.
SPARQL allows ``\\uXXXX`` escapes anywhere in the text; engines differ on whether they decode
them outside strings, so the text is inspected both as written and decoded, and a target found in
either view counts (fail closed).
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field

from ..errors import ForbiddenOperation, QueryError
from .lexer import Token, tokens, unescape_local

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD",
                "WITH")


@dataclass
class Inspection:
    """What a request is and where it would reach out."""

    #: ``SELECT``/``ASK``/``CONSTRUCT``/``DESCRIBE`` for a query, ``UPDATE`` for an update,
    #: ``""`` when neither can be told (the engine's parser will then report the error).
    form: str = ""
    #: ``SERVICE`` targets (IRIs; ``?var`` for a variable endpoint).
    services: list[str] = field(default_factory=list)
    #: ``LOAD`` sources.
    loads: list[str] = field(default_factory=list)
    #: The query's own dataset: ``FROM`` and ``FROM NAMED`` IRIs (resolved against the query's
    #: prefixes and ``BASE``), or None when one of them cannot be resolved here.
    from_graphs: list[str] | None = field(default_factory=list)
    from_named: list[str] | None = field(default_factory=list)

    @property
    def is_query(self) -> bool:
        return self.form in QUERY_FORMS

    @property
    def is_update(self) -> bool:
        return self.form == "UPDATE"


def _decode_codepoints(text: str) -> str:
    return re.sub(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})",
                  lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def _resolve(tok: Token, prefixes: dict[str, str], base: str) -> str:
    if tok.kind == "iri":
        iri = tok.text[1:-1]
        return urllib.parse.urljoin(base, iri) if base else iri
    if tok.kind == "pname":
        p, _, local = tok.text.partition(":")
        return prefixes.get(p, f"{p}:") + unescape_local(local)
    return tok.text


def _inspect_one(text: str) -> Inspection:
    toks = tokens(text)
    info = Inspection()
    prefixes: dict[str, str] = {}
    base = ""
    i = 0
    # Prologue (and, for updates, the prologue of each operation) may come anywhere before a form.
    while i < len(toks):
        t = toks[i]
        w = t.text.upper() if t.kind == "word" else ""
        if w == "PREFIX" and i + 2 < len(toks) and toks[i + 1].kind == "pname":
            prefixes[toks[i + 1].text.rstrip(":").split(":")[0]] = _resolve(toks[i + 2], {}, base)
            i += 3
            continue
        if w == "BASE" and i + 1 < len(toks) and toks[i + 1].kind == "iri":
            base = _resolve(toks[i + 1], {}, base)
            i += 2
            continue
        if not info.form and w in QUERY_FORMS:
            info.form = w
        elif not info.form and w in UPDATE_WORDS:
            info.form = "UPDATE"
        if w == "FROM" and info.from_graphs is not None:
            named = i + 1 < len(toks) and toks[i + 1].is_word("NAMED")
            j = i + 2 if named else i + 1
            target = toks[j] if j < len(toks) else None
            known = target is not None and (
                (target.kind == "iri" and (base or re.match(r"<[A-Za-z][\w+.-]*:", target.text)))
                or (target.kind == "pname" and target.text.split(":")[0] in prefixes))
            if known:
                (info.from_named if named else info.from_graphs).append(
                    _resolve(target, prefixes, base))
            else:
                info.from_graphs = info.from_named = None
        if w in ("SERVICE", "LOAD"):
            j = i + 1
            if j < len(toks) and toks[j].text.upper() == "SILENT":
                j += 1
            target = _resolve(toks[j], prefixes, base) if j < len(toks) else ""
            (info.services if w == "SERVICE" else info.loads).append(target or "?")
        i += 1
    return info


def inspect(text: str) -> Inspection:
    """The form of ``text`` and every SERVICE/LOAD target, from both views of the text."""
    info = _inspect_one(text)
    decoded = _decode_codepoints(text)
    if decoded != text:
        other = _inspect_one(decoded)
        info.services += [s for s in other.services if s not in info.services]
        info.loads += [s for s in other.loads if s not in info.loads]
        info.form = info.form or other.form
        # the dataset from both views too: unknown (None) when either cannot tell
        for name in ("from_graphs", "from_named"):
            mine, theirs = getattr(info, name), getattr(other, name)
            setattr(info, name, None if mine is None or theirs is None
                    else mine + [g for g in theirs if g not in mine])
    return info


def allowed(url: str, allow: list[str]) -> bool:
    """Whether ``url`` is allow-listed. An entry is a host name (``data.example.org``: any
    http/https URL on that host) or a URL prefix (``https://example.org/sparql``); ``*`` allows
    everything. Local files and variable endpoints only pass with ``*`` or an exact prefix."""
    if "*" in allow:
        return True
    parts = urllib.parse.urlsplit(url)
    for entry in allow:
        if "://" in entry or entry.startswith("file:"):
            if url.startswith(entry):
                return True
        elif parts.scheme in ("http", "https") and parts.hostname \
                and parts.hostname.lower() == entry.lower():
            return True
    return False


def _refuse_outside(info: Inspection, allow: list[str]) -> None:
    for kind, targets in (("SERVICE", info.services), ("LOAD", info.loads)):
        for t in targets:
            if not allowed(t, allow):
                raise ForbiddenOperation(
                    f"{kind} {t} is not allowed: this service does not reach other hosts or "
                    f"local files unless the operator allow-lists them (AMIKG_SERVICE_ALLOW)",
                    operation=kind, target=t)


def check_query(text: str, allow: list[str]) -> Inspection:
    """Inspect a query; refuse updates and SERVICE targets that are not allow-listed.

    :raise QueryError: when ``text`` is an update.
    :raise ForbiddenOperation: for a SERVICE call that is not allow-listed.
    """
    info = inspect(text)
    if info.is_update:
        raise QueryError("this is an update, not a query: send it as an update "
                         "(POST update=... or Content-Type: application/sparql-update)")
    _refuse_outside(info, allow)
    return info


def check_update(text: str, allow: list[str]) -> Inspection:
    """Inspect an update; refuse queries and SERVICE/LOAD targets that are not allow-listed."""
    info = inspect(text)
    if info.is_query:
        raise QueryError("this is a query, not an update: send it as a query "
                         "(GET/POST query=... or Content-Type: application/sparql-query)")
    _refuse_outside(info, allow)
    return info


def add_using(text: str, using: list[str], using_named: list[str]) -> str:
    """Apply the protocol's ``using-graph-uri`` / ``using-named-graph-uri``: add ``USING`` /
    ``USING NAMED`` before the WHERE of every DELETE/INSERT operation.

    :raise QueryError: when the update has its own USING or WITH (SPARQL 1.1 Protocol 2.2.3).
    """
    if not using and not using_named:
        return text
    toks = tokens(text)
    clause = " ".join([f"USING <{g}>" for g in using] +
                      [f"USING NAMED <{g}>" for g in using_named]) + " "
    depth, inserts = 0, []
    prev = None
    for t in toks:
        if t.kind == "punct" and t.text == "{":
            depth += 1
        elif t.kind == "punct" and t.text == "}":
            depth -= 1
        elif t.kind == "word" and depth == 0:
            w = t.text.upper()
            if w in ("USING", "WITH"):
                raise QueryError("the update has its own USING or WITH; it cannot be combined "
                                 "with using-graph-uri / using-named-graph-uri")
            if w == "WHERE" and not (prev and prev.kind == "word" and prev.text.upper() == "DELETE"):
                inserts.append(t.start)
        prev = t
    for pos in reversed(inserts):
        text = text[:pos] + clause + text[pos:]
    return text


def append_operation(update: str, operation: str) -> str:
    """``update`` followed by one more ``operation`` (run in the same request, hence the same
    transaction): joined by ``;`` unless the update already ends with one, or holds no operation
    after its last ``;`` (only a prologue, or nothing). The joint is on new lines, so a comment
    ending the update ends there."""
    depth, tail = 0, []
    for t in tokens(update):
        if t.kind == "punct":
            depth += 1 if t.text == "{" else -1 if t.text == "}" else 0
        if depth == 0 and t.kind == "other" and t.text == ";":
            tail = []
        else:
            tail.append(t)
    # what follows the last top-level ";": a prologue (BASE <iri>, PREFIX p: <iri>) needs none
    prologue = all(t.is_word("BASE", "PREFIX") or t.kind in ("iri", "pname") for t in tail)
    return f"{update}\n{'' if prologue else ';'}\n{operation}"
