"""Inline data for Virtuoso 7.2: sub-selects it evaluates wrongly sent as their rows, and
``VALUES`` blocks it reads wrongly split (issue 10)."""

from __future__ import annotations

import re

from ...sparql.lexer import group_close, mask, prologue, tokens


#: A grouped sub-select is inlined only when it has at most this many rows.
MAX_INLINE_ROWS = 10_000


def grouped_sub_selects(sparql: str, run) -> str:
    """A sub-select sent as its rows, ``{ VALUES (?a ?b) { ... } }``, when it is a *small
    table* (it ends with ``LIMIT n``, ``n`` at most :data:`MAX_INLINE_ROWS`: the named queries
    mark their small tables so), or a grouped sub-select (``GROUP BY``) followed by a ``MINUS``
    in its group, or all an ``OPTIONAL`` holds when the query has several such.

    The standard evaluates a sub-select on its own, so its rows, written as a ``VALUES`` block,
    are the same query. Virtuoso 7.2 evaluates a sub-select inside an ``OPTIONAL`` again for
    every row of the outer pattern (partner-search with ``for_cluster`` at 10k organisations:
    the asking cluster's gaps, a three-row table, recomputed for each of 4 000 candidates, no
    answer within a minute; 0.3 s with its tables sent as rows); it loses the group key of a
    grouped sub-select followed by ``MINUS`` when :func:`minus_into_grouped` cannot move the
    ``MINUS`` (partner-search's page: every row the same candidate); and it does not answer
    within minutes a query joining several ``OPTIONAL { SELECT ... GROUP BY }``
    (cluster-overview, each a few milliseconds alone).

    ``run(query)`` answers a sub-select sent as a query of its own (with the query's prologue)
    as ``(variables, rows)``, or ``None`` to leave it as written (more than
    :data:`MAX_INLINE_ROWS` rows, a blank node)."""
    masked = mask(sparql)
    prologue_text = prologue(masked, sparql)
    found = []  # (match, end, why) of each sub-select that may be sent as its rows
    for m in re.finditer(r"\{\s*SELECT\b", masked, re.IGNORECASE):
        end = group_close(masked, m.start() + 1)
        body = masked[m.start() + 1:end]
        where = body.find("{")
        if where < 0:
            continue
        after = body[group_close(body, where + 1) + 1:]
        small = re.search(r"\bLIMIT\s+(\d+)\s*(?:OFFSET\s+\d+\s*)?$", after, re.IGNORECASE)
        if small and int(small.group(1)) <= MAX_INLINE_ROWS:
            found.append((m, end, "small"))
        elif re.match(r"\s*GROUP\s+BY\b", after, re.IGNORECASE):
            before = masked[:m.start()]
            if re.match(r"\s*MINUS\s*\{", masked[end + 1:], re.IGNORECASE):
                found.append((m, end, "minus"))
            elif re.search(r"\bOPTIONAL\s*$", before, re.IGNORECASE) or (
                    re.search(r"\bOPTIONAL\s*\{\s*$", before, re.IGNORECASE)
                    and re.match(r"\s*\}", masked[end + 1:])):
                found.append((m, end, "optional"))
    # (one OPTIONAL grouped sub-select is answered; the hang needs several)
    several = sum(1 for f in found if f[2] == "optional") > 1
    out, last = [], 0
    for m, end, why in found:
        if m.start() < last or (why == "optional" and not several):
            continue  # (inside one already sent as its rows)
        if why == "small":  # its own LIMIT bounds it (sent unwrapped: not a sub-select)
            answer = run(f"{prologue_text}{sparql[m.start() + 1:end]}")
        else:
            answer = run(f"{prologue_text}SELECT * WHERE {{ {{{sparql[m.start() + 1:end]}}} }}\n"
                         f"LIMIT {MAX_INLINE_ROWS + 1}")
        if answer is None:
            continue
        names, rows = answer
        if not names:
            continue
        block = ("VALUES (" + " ".join("?" + n for n in names) + ") { "
                 + " ".join("(" + " ".join("UNDEF" if t is None else str(t) for t in r) + ")"
                            for r in rows) + " }")
        out.append(sparql[last:m.start()] + "{ " + block + " }")
        last = end + 1
    return "".join(out) + sparql[last:] if out else sparql


def split_lang_values(sparql: str) -> str:
    """Work around a Virtuoso 7 bug: in a ``VALUES`` block of several variables and several rows,
    the rows holding a language-tagged literal match nothing. Each such block inside a group is
    rewritten as ``{ VALUES (...) { rows without tags } } UNION { VALUES (...) { one row } } ...``
    (a union of inline data is the same solution sequence). Blocks of one variable, of one row,
    without tags, and a trailing ``VALUES`` after the query's last brace are left as they are."""
    if "@" not in sparql or not re.search(r"VALUES\s*\(", sparql, re.IGNORECASE):
        return sparql
    code = [(t.kind, t.text, t.start, t.end) for t in tokens(sparql)]
    out, last, depth, i = [], 0, 0, 0
    while i < len(code):
        kind, text, start, _ = code[i]
        if kind == "punct" and text in "{}":
            depth += 1 if text == "{" else -1
        if not (kind == "word" and text.upper() == "VALUES" and depth > 0
                and i + 1 < len(code) and code[i + 1][1] == "("):
            i += 1
            continue
        # VALUES ( ?a ?b ) { ( ... ) ( ... ) }
        j = i + 2
        while j < len(code) and code[j][1] != ")":
            j += 1
        variables = " ".join(t[1] for t in code[i + 2:j])
        j += 1
        if j >= len(code) or code[j][1] != "{":
            i += 1
            continue
        rows: list[tuple[str, bool]] = []
        j += 1
        ok = True
        while j < len(code) and code[j][1] == "(":
            k = j + 1
            while k < len(code) and code[k][1] not in "()":
                k += 1
            if k >= len(code) or code[k][1] != ")":
                ok = False
                break
            rows.append((sparql[code[j][2]:code[k][3]],
                         any(t[0] == "lang" for t in code[j + 1:k])))
            j = k + 1
        if not ok or j >= len(code) or code[j][1] != "}":
            i += 1
            continue
        tagged = [r for r, has in rows if has]
        if len(rows) > 1 and tagged and len(variables.split()) > 1:
            plain = [r for r, has in rows if not has]
            groups = ([" ".join(plain)] if plain else []) + tagged
            out += [sparql[last:start], "{ ", " } UNION { ".join(
                f"VALUES ({variables}) {{ {g} }}" for g in groups), " }"]
            last = code[j][3]
        i = j + 1
    if not out:
        return sparql
    return "".join(out) + sparql[last:]

