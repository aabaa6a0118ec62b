"""A parser's complaint about a SPARQL text, said in one sentence a person can act on.

The engine's parser answers with its grammar state ("expected one of Prefix not found, ['%'],
['-' | '0' ..= '9' ..."). :func:`explain` reads the text itself (with :mod:`.lexer`) to say what
is wrong: an empty text, an undeclared prefix (which one, where, and the declaration the service
knows for it), or else what stands at the line and column the parser stopped at. The parser's own
words are kept beside the sentence, for those who want them.
"""

from __future__ import annotations

import re

from ..namespaces import PREFIXES
from .lexer import tokens

_AT = re.compile(r"error at (\d+):(\d+)")
_QUERY_FORMS = "SELECT, ASK, CONSTRUCT or DESCRIBE"
_UPDATE_FORMS = "INSERT DATA, DELETE/INSERT ... WHERE, LOAD, CLEAR, DROP ..."


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _offset(text: str, line: int, column: int) -> int:
    lines = text.split("\n")
    return sum(len(x) + 1 for x in lines[:line - 1]) + column - 1


def undeclared_prefixes(text: str) -> list[tuple[str, int, int]]:
    """``(prefix, line, column)`` of each prefixed name whose prefix the text does not declare,
    in order of appearance (each prefix once)."""
    toks = tokens(text)
    declared = {toks[i + 1].text.split(":")[0] for i, t in enumerate(toks[:-1])
                if t.is_word("PREFIX") and toks[i + 1].kind == "pname"}
    out, seen = [], set()
    for i, t in enumerate(toks):
        if t.kind != "pname" or (i and toks[i - 1].is_word("PREFIX")):
            continue
        prefix = t.text.split(":")[0]
        if prefix not in declared and prefix not in seen:
            seen.add(prefix)
            out.append((prefix, *_position(text, t.start)))
    return out


def explain(text: str, what: str, parser_message: str) -> tuple[str, int | None, int | None]:
    """``(sentence, line, column)`` for a ``what`` (``query`` or ``update``) that did not parse."""
    m = _AT.search(parser_message)
    line, column = (int(m.group(1)), int(m.group(2))) if m else (None, None)
    if not text.strip():
        forms = (_QUERY_FORMS if what == "query" else _UPDATE_FORMS)
        return f"the {what} is empty: send a SPARQL {what} ({forms})", line, column
    missing = undeclared_prefixes(text)
    # the parser names the prefix, or stopped at or after an undeclared one (after FROM it
    # says "expected NAMED")
    if missing and ("Prefix not found" in parser_message or "prefix" in parser_message.lower()
                    or (line is not None and missing[0][1:] <= (line, column))):
        prefix, pline, pcolumn = missing[0]
        known = ", ".join(sorted(PREFIXES))
        hint = (f"; add PREFIX {prefix}: <{PREFIXES[prefix]}>" if prefix in PREFIXES
                else "; declare it with PREFIX")
        sentence = (f"the prefix {prefix}: is not declared (line {pline}, column {pcolumn})"
                    f"{hint}. Prefixes the service knows: {known}")
        return sentence, pline, pcolumn
    where = f" at line {line}, column {column}" if line else ""
    expected = parser_message.split("expected", 1)[1].strip() if "expected" in parser_message \
        else ""
    if line and (not expected or len(expected) > 60 or "[" in expected):
        at = _offset(text, line, column)
        found = text[at:at + 30].split("\n")[0].strip()
        detail = f"unexpected {found!r}" if found else "the text ends too early"
    else:
        detail = f"expected {expected}" if expected else parser_message
    return f"malformed {what}{where}: {detail}", line, column


def reaches_out(text: str) -> bool:
    """Whether the text names SERVICE or LOAD (and so must not be run just to read its error)."""
    return any(t.is_word("SERVICE", "LOAD") for t in tokens(text))
