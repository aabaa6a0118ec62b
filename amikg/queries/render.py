"""A named query's text with its bound values as ``VALUES`` blocks and its page as
``LIMIT``/``OFFSET`` (see the package docstring for the ``# page`` markers)."""

from __future__ import annotations

import functools
import re
from typing import Any

from ..errors import ParameterError, QueryError
from ..sparql.binder import inject, values_block
from .header import MAX_LIMIT, NamedQuery

def render(query: NamedQuery, bound: dict[str, list], limit: int | None = None,
           offset: int = 0) -> str:
    """The query text with the bound values as VALUES blocks and the page as LIMIT/OFFSET."""
    text = query.text
    top: dict[str, Any] = {}
    written, inner_page = _layout(text)
    filled = {name: values_block([name], [[t] for t in terms])
              for name, terms in bound.items() if name in written}
    if filled:  # one pass over the text fills every block
        text = _BLOCK_RE.sub(lambda m: filled.get(m.group(1), m.group(0)), text)
    for name, terms in bound.items():
        if name in written:
            continue
        if len(terms) == 1:
            top[name] = terms[0]
        else:
            top.setdefault("__multi__", []).append((name, terms))
    blocks = []
    scalars = {k: v for k, v in top.items() if k != "__multi__"}
    if scalars:
        blocks.append(values_block(list(scalars), [list(scalars.values())]))
    for name, terms in top.get("__multi__", []):
        blocks.append(values_block([name], [[t] for t in terms]))
    if blocks:
        text = inject(_strip_comments(text), "\n  ".join(blocks) + "\n", sep="\n  ")
        if text is None:
            raise QueryError(f"{query.name}: cannot bind parameters: no WHERE group")
    if inner_page is None:
        raise QueryError(f"{query.name}: a '# page' or '# page-end' comment must follow "
                         "'LIMIT n' on its line", source=str(query.path))
    if inner_page:
        lim = query.limit if limit is None else int(limit)
        text = _PAGE_END_RE.sub(lambda m: f"LIMIT {int(offset) + lim}{m.group(1)}", text)
        text = _PAGE_RE.sub(lambda m: f"LIMIT {lim} OFFSET {int(offset)}{m.group(1)}", text)
    if limit is not None:
        text = text.rstrip() + f"\nLIMIT {int(limit)}"
    if offset and not inner_page:
        text = text.rstrip() + f"\nOFFSET {int(offset)}"
    return text


#: A ``VALUES ?name { }`` (or ``{ UNDEF }``) block written in a query, to be filled.
_BLOCK_RE = re.compile(r"VALUES\s+\?(\w+)\s*\{\s*(?:UNDEF\s*)?\}")
#: ``LIMIT n [OFFSET m]  # page`` and ``LIMIT n  # page-end`` (see the module docstring).
_PAGE_RE = re.compile(r"\bLIMIT\s+\d+(?:\s+OFFSET\s+\d+)?([ \t]*#[ \t]*page\b(?!-))", re.IGNORECASE)
_PAGE_END_RE = re.compile(r"\bLIMIT\s+\d+([ \t]*#[ \t]*page-end\b)", re.IGNORECASE)
_MARKER_RE = re.compile(r"#[ \t]*page(?:-end)?\b(?!-)", re.IGNORECASE)


@functools.lru_cache(maxsize=256)
def _layout(text: str) -> tuple[frozenset, bool | None]:
    """The parameters with a ``VALUES ?p { }`` block in ``text``, and whether it pages inside
    (``# page``); ``None`` for a page marker that does not follow ``LIMIT n``."""
    markers = len(_MARKER_RE.findall(text))
    if markers != len(_PAGE_RE.findall(text)) + len(_PAGE_END_RE.findall(text)):
        return frozenset(_BLOCK_RE.findall(text)), None
    return frozenset(_BLOCK_RE.findall(text)), _PAGE_RE.search(text) is not None


def _strip_comments(text: str) -> str:
    """Drop whole-line comments (the header) so the WHERE search cannot hit a comment."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def page(query: NamedQuery, limit: Any = None, offset: Any = None) -> tuple[int, int]:
    """Validated ``limit``/``offset`` (ParameterError naming them)."""
    def num(name, v, default, top):
        if v is None or v == "":
            return default
        s = str(v).strip()
        if not s.isdigit() or int(s) > top:
            raise ParameterError(f"parameter {name}: must be a whole number from 0 to {top}",
                                 parameter=name)
        return int(s)
    lim = num("limit", limit, query.limit, MAX_LIMIT)
    if lim == 0:
        raise ParameterError("parameter limit: must be at least 1", parameter="limit")
    return lim, num("offset", offset, 0, 10_000_000)
