"""The one SPARQL lexer: tokens of a query or update text, and the text with its strings and
comments blanked.

This is a careful tokenizer, not a parser: it knows where comments, string literals (all four
quote forms), IRIs, language tags, variables and prefixed names begin and end, so that a word such
as ``SERVICE`` or ``WHERE`` inside a literal, an IRI or a comment is never mistaken for the
keyword. Everything that looks inside SPARQL text (the guard, the ``VALUES`` binder, the
validation plans, the Virtuoso rewrites) builds on :func:`tokens` or :func:`mask`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

#: Regular-expression text for an IRI reference, a prefixed name (or bare prefix) and a term
#: (variable, IRI or prefixed name), for rewrites that match patterns in masked text.
IRI_PATTERN = r"<[^<>\"{}|^`\\\s]*>"
PNAME_PATTERN = r"(?:[A-Za-z][\w.-]*)?:[\w.:%-]*[\w:%-]|(?:[A-Za-z][\w.-]*)?:"
TERM_PATTERN = rf"(?:[?$][A-Za-z_]\w*|{IRI_PATTERN}|{PNAME_PATTERN})"

#: The token kinds, tried in this order. ``punct`` is one of ``{ } ( )``; ``other`` any other
#: single character (``.``, ``;``, ``,``, ``*``, ``/``, digits, ...).
TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
               |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w.\-\u00B7-\uFFFF]*)?:(?:[\w\-.:%\u00B7-\uFFFF]|\\.)*)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>[{}()])
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)


@dataclass(frozen=True)
class Token:
    """One token: its kind (a group name of :data:`TOKEN`), text and span in the source."""

    kind: str
    text: str
    start: int
    end: int

    def is_word(self, *words: str) -> bool:
        """Whether this is one of ``words`` (keywords, compared case-insensitively)."""
        return self.kind == "word" and self.text.upper() in words


def all_tokens(text: str) -> Iterator[Token]:
    """Every token of ``text``, white space and comments included, in order."""
    for m in TOKEN.finditer(text):
        yield Token(m.lastgroup, m.group(), m.start(), m.end())


def tokens(text: str) -> list[Token]:
    """The significant tokens of ``text`` (white space and comments dropped)."""
    return [t for t in all_tokens(text) if t.kind not in ("ws", "comment")]


def mask(text: str) -> str:
    """``text`` with the contents of string literals replaced by ``x`` and comments by spaces, so
    it has the same length and every offset still points at the same place; IRIs are kept.
    Regular expressions over the masked text find keywords, braces and variables only where they
    are code."""
    out = []
    for t in all_tokens(text):
        if t.kind == "comment":
            out.append(" " * len(t.text))
        elif t.kind == "string":
            q = 3 if t.text[:3] in ('"""', "'''") else 1
            out.append(t.text[:q] + "x" * (len(t.text) - 2 * q) + t.text[-q:])
        else:
            out.append(t.text)
    return "".join(out)


def names_dataset(text: str) -> bool:
    """Whether a query has a dataset clause of its own (``FROM`` or ``FROM NAMED``): the keyword
    can stand nowhere else, so any ``FROM`` that is code is one."""
    return any(t.is_word("FROM") for t in tokens(text))


def unescape_local(local: str) -> str:
    """A prefixed name's local part (or an IRI made from one) with its escapes (``\\/`` in
    ``g:cluster\\/filas``, SPARQL's PN_LOCAL_ESC) turned into the characters they stand for."""
    return re.sub(r"\\(.)", r"\1", local)


def strip_strings(text: str) -> str:
    """``text`` with every string literal removed (comments kept); for finding variables."""
    return "".join(t.text for t in all_tokens(text) if t.kind != "string")


def variables(text: str) -> set[str]:
    """The names (without ``?``/``$``) of the variables that occur in ``text`` as code."""
    return {t.text[1:] for t in tokens(text) if t.kind == "var"}


def matching(text: str, i: int, open_: str = "{", close: str = "}") -> int:
    """The offset just after the bracket closing the one at ``text[i]`` (strings, IRIs and
    comments skipped), or -1 when it is never closed."""
    masked = mask(text)
    depth = 0
    for j in range(i, len(masked)):
        c = masked[j]
        if c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return j + 1
    return -1


def split_prologue(text: str) -> tuple[str, str]:
    """The PREFIX/BASE declarations (and comments) opening ``text``, and the rest."""
    m = re.match(r"(?:\s+|#[^\n]*\n|PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s*<[^>]*>)*", text,
                 re.IGNORECASE)
    return text[:m.end()], text[m.end():]


def group_open(masked: str, pos: int) -> int:
    """In masked text, the index just after the ``{`` of the innermost group around ``pos``,
    or -1."""
    depth = 0
    for k in range(pos - 1, -1, -1):
        c = masked[k]
        if c == "}":
            depth += 1
        elif c == "{":
            if depth == 0:
                return k + 1
            depth -= 1
    return -1


def group_close(masked: str, start: int) -> int:
    """In masked text, the index of the ``}`` closing the group whose ``{`` is at
    ``start - 1`` (the text's length when it is never closed)."""
    depth = 1
    for m in re.finditer(r"[{}]", masked[start:]):
        depth += 1 if m.group() == "{" else -1
        if depth == 0:
            return start + m.start()
    return len(masked)


def prologue(masked: str, text: str) -> str:
    """The ``PREFIX``/``BASE`` declarations of ``text`` (found in its masked form), one a line."""
    return "".join(text[m.start():m.end()] + "\n" for m in re.finditer(
        r"\b(?:PREFIX\s+[\w.-]*:\s*|BASE\s+)<[^<>\s]*>", masked, re.IGNORECASE))


def closing(text: str, i: int, open_: str = "{", close: str = "}") -> int:
    """:func:`matching`, raising ``ValueError`` when the bracket at ``text[i]`` is never closed
    (for recognisers that give up on text they cannot read)."""
    end = matching(text, i, open_, close)
    if end < 0:
        raise ValueError("unbalanced")
    return end


def top_level_words(text: str) -> Iterator[int]:
    """The offsets of the keywords (``word`` tokens) at the top level of a group's text: not
    inside ``{}`` or ``()``, nor in a string literal, an IRI or a comment."""
    depth = 0
    for t in tokens(text):
        if t.kind == "punct":
            depth += 1 if t.text in "{(" else -1
        elif t.kind == "word" and depth == 0:
            yield t.start


_EXISTS = re.compile(r"(NOT\s+)?EXISTS\s*\{")


def top_level_filters(text: str) -> list[tuple[int, int, str, str]]:
    """``(start, end, kind, inner)`` of the ``FILTER``\\ s at the top level of a group's text;
    ``kind`` is ``expr`` (``inner``: the parenthesised expression), ``exists`` or ``not-exists``
    (``inner``: the group's text without its braces).

    :raise ValueError: on a ``FILTER`` of another form (e.g. a bare function call) or an
        unbalanced bracket."""
    out, n = [], len(text)
    for i in top_level_words(text):
        if not text.startswith("FILTER", i):
            continue
        j = i + 6
        while j < n and text[j].isspace():
            j += 1
        m = _EXISTS.match(text, j)
        if m:
            b = m.end() - 1
            e = closing(text, b)
            out.append((i, e, "not-exists" if m.group(1) else "exists", text[b + 1:e - 1]))
        elif j < n and text[j] == "(":
            e = closing(text, j, "(", ")")
            out.append((i, e, "expr", text[j:e]))
        else:
            raise ValueError("unsupported FILTER")
    return out
