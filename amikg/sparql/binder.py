"""The one ``VALUES`` binder: typed RDF terms into SPARQL text, never pasted strings.

A value reaches a query only as a pyoxigraph term (``NamedNode``, ``Literal``, ``BlankNode``)
that the library serialises, and so escapes; the binder writes those terms into ``VALUES`` blocks
and puts a block at the opening of the first ``WHERE`` group, found in the masked text
(:func:`amikg.sparql.lexer.mask`), so a ``WHERE {`` inside a literal or a comment is never taken.
Named queries, the stores' ``substitutions``, the validation plans and the Virtuoso rewrites all
bind through here.
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

import pyoxigraph as ox

from ..errors import QueryError
from .lexer import mask, tokens

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_BRACE = re.compile(r"\{")
TERMS = (ox.NamedNode, ox.Literal, ox.BlankNode)


def cell(term) -> str:
    """One term as it stands in a ``VALUES`` row; ``None`` is ``UNDEF``."""
    return "UNDEF" if term is None else str(term)


def values_block(variables: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A ``VALUES`` block of pyoxigraph terms (``None`` is ``UNDEF``): the one-variable form
    ``VALUES ?a { t1 t2 }`` for one variable, ``VALUES (?a ?b) { (t1 t2) ... }`` otherwise."""
    if len(variables) == 1:
        return f"VALUES ?{variables[0]} {{ {' '.join(cell(r[0]) for r in rows)} }}"
    body = " ".join("(" + " ".join(cell(t) for t in r) + ")" for r in rows)
    return f"VALUES ({' '.join('?' + v for v in variables)}) {{ {body} }}"


def values(var: str, terms: Iterable) -> str:
    """``VALUES ?var { t1 t2 ... }`` and a new line, for terms already of the store's kind."""
    return f"VALUES ?{var} {{ {' '.join(str(t) for t in terms)} }}\n"


def where_open(text: str, *, any_brace: bool = True) -> int | None:
    """The offset just after the ``{`` that opens the first ``WHERE`` group of ``text`` (with
    ``any_brace``, of the first group when no ``WHERE`` is written), or ``None``."""
    masked = mask(text)
    m = _WHERE.search(masked) or (_BRACE.search(masked) if any_brace else None)
    return m.end() if m else None


def inject(text: str, block: str, *, any_brace: bool = True, sep: str = "\n") -> str | None:
    """``text`` with ``block`` put at the opening of its first ``WHERE`` group (``None`` when it
    has none: the caller names the error in its own terms)."""
    at = where_open(text, any_brace=any_brace)
    if at is None:
        return None
    return text[:at] + sep + block + text[at:]


def with_base(text: str, base_iri: str | None) -> str:
    """``text`` with a ``BASE`` declaration first, for relative IRIs (``<s>``) of a query or
    update sent to a store that takes no base IRI of its own; a ``BASE`` written in ``text``
    still applies from where it stands. The IRI is checked and serialised as a term."""
    if not base_iri or _own_absolute_base(text):
        return text
    try:
        base = ox.NamedNode(base_iri)
    except ValueError as e:
        raise QueryError(f"not a valid base IRI: {base_iri!r} ({e})")
    return f"BASE {base}\n{text}"


def _own_absolute_base(text: str) -> bool:
    """Whether the text's prologue declares an absolute ``BASE`` of its own (then a second one
    before it changes nothing, and some stores refuse two)."""
    toks = tokens(text)
    i = 0
    while i + 1 < len(toks) and toks[i].is_word("BASE", "PREFIX"):
        if toks[i].is_word("BASE"):
            if toks[i + 1].kind == "iri" and re.match(r"<[A-Za-z][A-Za-z0-9+.-]*:", toks[i + 1].text):
                return True
            i += 2
        else:
            i += 3
    return False


def check_substitutions(substitutions: dict) -> None:
    """Every key a variable name and every value an RDF term, or :class:`QueryError`."""
    for name, term in substitutions.items():
        if not _NAME.fullmatch(name):
            raise QueryError(f"not a variable name: {name!r}")
        if not isinstance(term, TERMS):
            raise QueryError(f"value for ?{name} is not an RDF term: {term!r}")


def bind(text: str, substitutions: dict) -> str:
    """Bind variables with a one-row ``VALUES`` block opening the first ``WHERE`` group. Used on
    every backend (Oxigraph's SEP-0007 substitution needs the variable projected; remote stores
    have none)."""
    check_substitutions(substitutions)
    names = list(substitutions)
    row = " ".join(str(substitutions[n]) for n in names)
    out = inject(text, f"VALUES ({' '.join('?' + n for n in names)}) {{ ({row}) }}\n")
    if out is None:
        raise QueryError("cannot bind parameters: the query has no WHERE group")
    return out
