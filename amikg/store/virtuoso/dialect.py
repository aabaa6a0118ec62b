"""``EXISTS`` made into what Virtuoso 7.2 evaluates correctly (issue 10).

Virtuoso 7.2 gets two uses of ``EXISTS`` wrong that the named queries rely on:

* ``EXISTS { VALUES ?p { ... } }`` alone in a filter, which is how a query asks whether an optional
  parameter was given (an absent parameter leaves the block empty, ``{ }``): ``FILTER NOT EXISTS
  { VALUES ?p { } }`` removes every row, where the standard says an empty block has no solution,
  so ``NOT EXISTS`` is true. :func:`values_tests` writes these tests as the expressions they equal:
  ``EXISTS`` over an empty block is ``false``; over a block of IRIs ``t1 ... tn`` it is
  ``(!BOUND(?p) || ?p IN (t1, ...))`` (``?p`` may be bound by the row being filtered:
  the block then joins with it); ``NOT EXISTS`` is the negation. A block holding anything but IRIs
  is left as written.
* ``EXISTS`` does not see a variable bound by the query's top ``VALUES`` block (where the named
  queries bind a single parameter value: ``VALUES ?region { <...RO> }`` opening the WHERE group,
  then ``FILTER(!BOUND(?region) || EXISTS { ?x ami:region/skos:broader* ?region })`` finds
  nothing). :func:`bind_top_values` substitutes the block's value for the variable inside every
  ``EXISTS`` of the top group, which is the standard's own definition of ``EXISTS`` (the filtered
  row's values substituted into the pattern), for a block of one row binding IRIs only. An
  ``EXISTS`` inside a sub-select is left alone (its variables are the sub-select's own).

The property-path rewrite (:mod:`.paths`) runs after these, so a path inside an
``EXISTS`` whose end was a parameter variable now has a constant end and is inlined too.
"""

from __future__ import annotations

import re

from ...sparql.lexer import (IRI_PATTERN as _IRI, PNAME_PATTERN as _PN, TERM_PATTERN as _TERM,
                             group_close, group_open, mask)
#: ``[NOT] EXISTS { VALUES ?v { ... } ...``: a block opening the group.
_VALUES_TEST = re.compile(
    r"(?P<not>\bNOT\s+)?\bEXISTS\s*\{\s*VALUES\s+[?$](?P<var>\w+)\s*\{(?P<body>[^{}]*)\}",
    re.IGNORECASE)
#: ``{ SELECT (COUNT(*) AS ?n) WHERE { VALUES ?v { ... } } }``: how many values a parameter has.
_VALUES_COUNT = re.compile(
    r"\{\s*SELECT\s*\(\s*COUNT\s*\(\s*\*\s*\)\s*AS\s+[?$](?P<n>\w+)\s*\)\s*(?:WHERE\s*)?"
    r"\{\s*VALUES\s+[?$]\w+\s*\{(?P<body>[^{}]*)\}\s*\}\s*\}", re.IGNORECASE)
#: ``VALUES ?a { <iri> }`` or ``VALUES (?a ?b) { (<iri> <iri>) }`` just inside the WHERE group.
_TOP_VALUES = re.compile(
    rf"\bWHERE\s*\{{\s*VALUES\s+(?:[?$](?P<one>\w+)\s*\{{\s*(?P<oneval>{_IRI})\s*\}}"
    rf"|\((?P<vars>\s*(?:[?$]\w+\s*)+)\)\s*\{{\s*\((?P<vals>\s*(?:{_IRI}\s*)+)\)\s*\}})",
    re.IGNORECASE)


def values_tests(sparql: str) -> str:
    """Every ``[NOT] EXISTS { VALUES ?v { IRIs } ... }`` as the expression it equals, and every
    count of a parameter's values as the number."""
    masked = mask(sparql)
    out, last = [], 0
    for m in _VALUES_COUNT.finditer(masked):
        body = m.group("body")
        if re.sub(_IRI, "", body).strip():
            continue
        n = len(re.findall(_IRI, body))
        # a bare BIND (Virtuoso ignores a FILTER on the variable of a { BIND } group), unless
        # the variable is already in use before it
        bare = not re.search(rf"[?$]{m.group('n')}\b", masked[:m.start()])
        out.append(sparql[last:m.start()] + (f"BIND({n} AS ?{m.group('n')})" if bare else
                                             f"{{ BIND({n} AS ?{m.group('n')}) }}"))
        last = m.end()
    if out:
        sparql = "".join(out) + sparql[last:]
        masked = mask(sparql)
    out, last = [], 0
    for m in _VALUES_TEST.finditer(masked):
        if m.start() < last:
            continue
        body = m.group("body")
        if re.sub(_IRI, "", body).strip():  # literals, UNDEF, several variables: as written
            continue
        iris = re.findall(_IRI, body)
        var = "?" + m.group("var")
        open_at = masked.index("{", m.start()) + 1
        end = group_close(masked, open_at)
        rest, mrest = sparql[m.end():end], masked[m.end():end]
        name = re.escape(m.group("var"))
        # (other parameter tests on the same block are not bindings of it)
        tests = re.compile(rf"\bEXISTS\s*\{{\s*VALUES\s+[?$]{name}\s*\{{[^{{}}]*\}}[^{{}}]*\}}",
                           re.IGNORECASE)
        # the filter sees the variables of its own group only: is the variable among them?
        gs = group_open(masked, m.start())
        group = masked[gs:m.start()] + " " + masked[end + 1:group_close(masked, gs)] if gs >= 0 \
            else masked[:m.start()] + " " + masked[end + 1:]
        in_scope = re.search(rf"[?$]{name}\b", tests.sub(" ", group)) is not None
        if not iris:  # no solution
            expr = "(1 = 0)"
        elif not mrest.strip():
            # IN compares IRIs by identity, as sameTerm does (Virtuoso refuses sameTerm on a
            # variable bound nowhere: SP031); a variable not in the filter's group is unbound
            expr = f"(!BOUND({var}) || {var} IN ({', '.join(iris)}))" if in_scope else "(1 = 1)"
        else:
            if re.search(r"\bAS\s+[?$]|\bSELECT\b|\bVALUES\b|\bBOUND\s*\(", mrest, re.IGNORECASE):
                continue
            outside = tests.sub(" ", masked[:m.start()] + masked[end:])
            guard = in_scope and re.search(rf"[?$]{name}\b", outside) is not None
            # one EXISTS per value, the value written in; where the row may bind the variable,
            # only when it is unbound or that value (the block's join with the row)
            pat = re.compile(rf"[?$]{name}\b")
            branches = []
            for iri in iris:
                pieces, prev = [], 0
                for v in pat.finditer(mrest):
                    pieces.append(rest[prev:v.start()] + iri)
                    prev = v.end()
                test = "EXISTS {" + "".join(pieces) + rest[prev:] + "}"
                branches.append(f"((!BOUND({var}) || {var} IN ({iri})) && {test})" if guard
                                else test)
            expr = "(" + " || ".join(branches) + ")"
        if m.group("not"):
            expr = {"(1 = 0)": "(1 = 1)", "(1 = 1)": "(1 = 0)"}.get(expr, f"!{expr}")
        out.append(sparql[last:m.start()] + expr)
        last = end + 1
    return "".join(out) + sparql[last:] if out else sparql


#: ``VALUES ?v { }`` or ``VALUES (?a ?b) { }``: no solution.
_EMPTY_VALUES = re.compile(r"\bVALUES\s+(?:[?$]\w+|\((?:\s*[?$]\w+)*\s*\))\s*\{\s*\}",
                           re.IGNORECASE)


def empty_values(sparql: str) -> str:
    """Groups that an empty ``VALUES`` block at their top level makes empty, dropped where that
    is the same query: a ``UNION`` branch (with its ``UNION``), an ``OPTIONAL`` or a ``MINUS``
    group. Virtuoso 7.2 loses the other branches' rows over such a branch."""
    for _ in range(100):
        masked = mask(sparql)
        for m in _EMPTY_VALUES.finditer(masked):
            start = group_open(masked, m.start())
            if start < 0 or re.search(r"\bVALUES\s*$", masked[:start - 1]):
                continue
            # the block must be at the group's top level (not inside a nested group)
            inner = masked[start:m.start()]
            if inner.count("{") != inner.count("}"):
                continue
            end = group_close(masked, start) + 1
            before = re.search(r"(\bUNION|\bOPTIONAL|\bMINUS)\s*$", masked[:start - 1],
                               re.IGNORECASE)
            after = re.match(r"\s*UNION\b", masked[end:], re.IGNORECASE)
            if before:
                sparql = sparql[:before.start()] + sparql[end:]
            elif after:
                sparql = sparql[:start - 1] + sparql[end + after.end():]
            else:
                continue
            break
        else:
            return sparql
    return sparql


def bind_top_values(sparql: str) -> str:
    """The top ``VALUES`` row's IRIs written into the ``EXISTS`` groups of the top WHERE group."""
    masked = mask(sparql)
    first = re.search(r"\bWHERE\s*\{|\{", masked, re.IGNORECASE)  # the top group's opening
    m = _TOP_VALUES.match(masked, first.start()) if first else None
    if not m:
        return sparql
    if m.group("one"):
        binding = {m.group("one"): m.group("oneval")}
    else:
        names = re.findall(r"[?$](\w+)", m.group("vars"))
        vals = re.findall(_IRI, m.group("vals"))
        if len(names) != len(vals):
            return sparql
        binding = dict(zip(names, vals))
    where_open = masked.index("{", m.start()) + 1
    where_close = group_close(masked, where_open)
    # the EXISTS groups of the top group, not inside a sub-select
    spans: list[tuple[int, int]] = []
    stack: list[bool] = []  # per open group: whether it is (inside) a sub-select
    for t in re.finditer(r"\bEXISTS\s*\{|\{\s*SELECT\b|[{}]", masked[where_open:where_close],
                         re.IGNORECASE):
        tok = t.group()
        if tok == "}":
            if stack:
                stack.pop()
            continue
        in_sub = bool(stack and stack[-1]) or tok.upper().lstrip("{ \t\n").startswith("SELECT")
        if tok.upper().startswith("EXISTS") and not in_sub:
            open_at = where_open + t.end()
            if not spans or open_at > spans[-1][1]:
                spans.append((open_at, group_close(masked, open_at)))
        stack.append(in_sub)
    if not spans:
        return sparql
    pattern = re.compile(r"[?$](" + "|".join(re.escape(n) for n in binding) + r")\b")
    out, last = [], 0
    for a, b in spans:
        seg, mseg = sparql[a:b], masked[a:b]
        pieces, prev = [], 0
        for v in pattern.finditer(mseg):
            pieces.append(seg[prev:v.start()] + binding[v.group(1)])
            prev = v.end()
        # a BIND, sub-select or VALUES inside could give the variable another value: as written
        if re.search(r"\bAS\s+[?$]|\bSELECT\b|\bVALUES\b|\bBOUND\s*\(", mseg, re.IGNORECASE):
            continue
        out.append(sparql[last:a] + "".join(pieces) + seg[prev:])
        last = b
    return "".join(out) + sparql[last:] if out else sparql


_VAR = re.compile(r"[?$](\w+)")
_FILTER_EXISTS = re.compile(r"\bFILTER\s*(?P<paren>\(\s*)?EXISTS\s*\{", re.IGNORECASE)


def exists_in_optional(sparql: str) -> str:
    """``OPTIONAL { P FILTER EXISTS { Q } }`` as ``OPTIONAL { P { SELECT DISTINCT ?s... WHERE
    { Q } } }``, ``?s...`` the variables of ``Q`` that the query uses elsewhere.

    Virtuoso 7.2 evaluates an ``EXISTS`` inside an ``OPTIONAL`` without the variables bound
    outside the ``OPTIONAL`` (``OPTIONAL { ?o ami:region ?r FILTER EXISTS { ?o ami:actsAtStep
    ?value } }`` with ``?value`` bound before it: never true). The join is the same test: a row
    of ``P`` (joined with the outer row) passes when ``Q`` has a solution with its values, and
    the distinct projection on the shared variables keeps one copy of it. It is the same only
    when every shared variable is bound when the filter runs, so the rewrite is made only when
    each is mentioned in ``P`` or before the ``OPTIONAL``; a filter holding more than the one
    ``EXISTS`` (``FILTER(EXISTS {...} || ...)``) is left as written."""
    for _ in range(100):
        masked = mask(sparql)
        for m in re.finditer(r"\bOPTIONAL\s*\{", masked, re.IGNORECASE):
            start = m.end()
            end = group_close(masked, start)
            hit = _top_filter_exists(masked, start, end)
            if hit is None:
                continue
            f_start, q_open, q_close, f_end = hit
            inner = masked[q_open:q_close]
            outside = masked[:f_start] + " " + masked[f_end:]
            shared = [v for v in dict.fromkeys(_VAR.findall(inner))
                      if re.search(rf"[?$]{v}\b", outside)]
            # (a projection is no binding: SELECT clauses left out)
            known = re.sub(r"\bSELECT\b[^{]*", " ", masked[:m.start()], flags=re.IGNORECASE) \
                + " " + masked[start:f_start] + " " + masked[f_end:end]
            if not shared or not all(re.search(rf"[?$]{v}\b", known) for v in shared):
                continue
            sub = (" { SELECT DISTINCT " + " ".join("?" + v for v in shared)
                   + " WHERE {" + sparql[q_open:q_close] + "} } ")
            sparql = sparql[:f_start] + sub + sparql[f_end:]
            break
        else:
            return sparql
    return sparql


def _top_filter_exists(masked: str, start: int, end: int):
    """The first ``FILTER EXISTS { Q }`` (or ``FILTER(EXISTS { Q })``) at the top level of the
    group ``masked[start:end]``: (filter start, Q start, Q end, filter end), or None."""
    depth, k = 0, start
    while k < end:
        c = masked[k]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and c in "Ff":
            m = _FILTER_EXISTS.match(masked, k)
            if m and (k == 0 or not (masked[k - 1].isalnum() or masked[k - 1] == "_")):
                q_open = m.end()
                q_close = group_close(masked, q_open)
                f_end = q_close + 1
                if m.group("paren"):
                    p = re.match(r"\s*\)", masked[f_end:])
                    if not p:
                        return None
                    f_end += p.end()
                return k, q_open, q_close, f_end
        k += 1
    return None


_COUNT_VAR = re.compile(r"\bCOUNT\s*\(\s*(?:DISTINCT\s+)?[?$](?P<var>\w+)\s*\)", re.IGNORECASE)


def unbound_counts(sparql: str) -> str:
    """``COUNT(?v)`` of a grouped query written as ``0`` when ``?v`` appears nowhere else in the
    query (as when the group binding it was dropped by :func:`empty_values`).

    Every group of a grouped query has at least one row, and ``?v`` is bound in none, so the
    count is 0. Virtuoso 7.2 fails to compile such a count inside an expression of a nested
    sub-select (``(IF(COUNT(?step) > 0, 1, 0) AS ?at_step)`` with no ``?step`` left: SQ156)."""
    masked = mask(sparql)
    out, last = [], 0
    for m in _COUNT_VAR.finditer(masked):
        if len(re.findall(rf"[?$]{m.group('var')}\b", masked)) != 1:
            continue
        sel = None
        for x in re.finditer(r"\bSELECT\b", masked[:m.start()], re.IGNORECASE):
            sel = x
        if sel is None or "{" in masked[sel.end():m.start()]:
            continue
        where = masked.find("{", m.end())
        if where < 0:
            continue
        close = group_close(masked, where + 1)
        if not re.match(r"\s*GROUP\s+BY\b", masked[close + 1:], re.IGNORECASE):
            continue
        out.append(sparql[last:m.start()] + "0")
        last = m.end()
    return "".join(out) + sparql[last:] if out else sparql


def minus_into_grouped(sparql: str) -> str:
    """``{ { SELECT ... WHERE { B } GROUP BY ?k } MINUS { M } ... }`` (the sub-select first in
    its group) as ``{ { SELECT ... WHERE { B MINUS { M } } GROUP BY ?k } ... }`` when every
    variable ``M`` shares with the sub-select is a group key: ``MINUS`` then removes whole groups
    (the groups it would remove afterwards) and nothing else, so the answers are the same.
    Virtuoso 7.2 loses the group key of a grouped sub-select followed by ``MINUS`` (partner-search
    with a step: every row the same candidate); with the ``MINUS`` inside it is right."""
    for _ in range(20):
        masked = mask(sparql)
        for m in re.finditer(r"\{\s*SELECT\b", masked, re.IGNORECASE):
            if not re.search(r"\{\s*$", masked[:m.start()]):
                continue  # not first in its group
            end = group_close(masked, m.start() + 1)
            body = masked[m.start() + 1:end]
            where = body.find("{")
            if where < 0:
                continue
            where_close = group_close(body, where + 1)
            keys = re.fullmatch(r"\s*GROUP\s+BY((?:\s+[?$]\w+)+)\s*", body[where_close + 1:],
                                re.IGNORECASE)
            if not keys:
                continue
            keys = set(_VAR.findall(keys.group(1)))
            inside = set(_VAR.findall(body))
            k, moved = end + 1, []
            while True:
                mm = re.match(r"\s*MINUS\s*\{", masked[k:], re.IGNORECASE)
                if not mm:
                    break
                stop = group_close(masked, k + mm.end()) + 1
                if not (set(_VAR.findall(masked[k:stop])) & inside) <= keys:
                    break
                moved.append(sparql[k:stop].strip())
                k = stop
            if not moved:
                continue
            at = m.start() + 1 + where_close
            sparql = (sparql[:at] + " " + " ".join(moved) + " " + sparql[at:end + 1]
                      + sparql[k:])
            break
        else:
            return sparql
    return sparql


_ALT_PRIM = rf"\^?(?:{_IRI}|{_PN})"
#: ``S p|^q O`` (a triple whose path is an alternative of IRIs, no modifier), at the start of a
#: triples block and ending it.
_ALTERNATIVE = re.compile(
    rf"(?<=[{{}}.)])(?P<pre>\s*)(?P<s>{_TERM})\s+(?P<path>\(\s*{_ALT_PRIM}(?:\s*\|\s*{_ALT_PRIM})+"
    rf"\s*\)|{_ALT_PRIM}(?:\s*\|\s*{_ALT_PRIM})+)\s+(?P<o>{_TERM})(?![\w:%>-])"
    rf"(?=\s*[.{{}}]|\s+[A-Za-z])")


def distinct_alternatives(sparql: str) -> str:
    """``S p|q O`` as ``{ { S p O } UNION { S q O FILTER NOT EXISTS { S p O } } }``.

    A path's answers are pairs without repetition (as Oxigraph gives them): a subject with both
    ``skos:prefLabel`` and ``rdfs:label`` the same string matches ``skos:prefLabel|rdfs:label``
    once. Virtuoso 7.2 gives the pair once per predicate in some plans (checkpoint-status with a
    cluster: every item four times). Each branch here keeps only the pairs no earlier
    alternative has, so the union is the same set of pairs; ``^q`` is ``O q S``."""
    masked = mask(sparql)
    out, last = [], 0
    for m in _ALTERNATIVE.finditer(masked):
        s_, o_ = sparql[m.start("s"):m.end("s")], sparql[m.start("o"):m.end("o")]
        path = sparql[m.start("path"):m.end("path")].strip().strip("()")
        triples = []
        for prim in (x.strip() for x in path.split("|")):
            triples.append(f"{o_} {prim[1:]} {s_}" if prim.startswith("^") else
                           f"{s_} {prim} {o_}")
        branches = []
        for i, t in enumerate(triples):
            branches.append("{ " + t + "".join(f" FILTER NOT EXISTS {{ {e} }}"
                                               for e in triples[:i]) + " }")
        out.append(sparql[last:m.start("s")] + "{ " + " UNION ".join(branches) + " }")
        last = m.end("o")
    return "".join(out) + sparql[last:] if out else sparql


_EXISTS_FILTER = re.compile(r"(?P<not>\bNOT\s+)?\bEXISTS\s*\{\s*FILTER\s*\(", re.IGNORECASE)


def filter_only_exists(sparql: str) -> str:
    """``EXISTS { FILTER(e) }`` (a group holding only a filter) as ``COALESCE((e), false)``,
    ``NOT EXISTS { FILTER(e) }`` as its negation: the same truth value, errors included.
    Virtuoso 7.2 evaluates such an ``EXISTS`` without the filtered row's variables
    (checkpoint-status ``with_status``: ``EXISTS { FILTER(?status_iri = <open>) }`` was true
    for every row)."""
    masked = mask(sparql)
    out, last = [], 0
    for m in _EXISTS_FILTER.finditer(masked):
        if m.start() < last:
            continue
        depth, k = 1, m.end()
        while k < len(masked) and depth:
            depth += {"(": 1, ")": -1}.get(masked[k], 0)
            k += 1
        close = re.match(r"\s*\}", masked[k:])
        expr = masked[m.end():k - 1]
        if not close or "{" in expr or "}" in expr:
            continue
        e = f"COALESCE(({sparql[m.end():k - 1]}), false)"
        out.append(sparql[last:m.start()] + (f"!{e}" if m.group("not") else e))
        last = k + close.end()
    return "".join(out) + sparql[last:] if out else sparql


_VALUES_GROUP = re.compile(r"\{\s*VALUES\s+(?:[?$]\w+|\((?:\s*[?$]\w+)+\s*\))\s*\{[^{}]*\}\s*\}",
                          re.IGNORECASE)


def values_branches(sparql: str) -> str:
    """A ``UNION`` branch holding only a ``VALUES`` block, ``{ VALUES ?x { ... } }``, as the
    sub-select ``{ SELECT * WHERE { VALUES ?x { ... } } }`` (the same rows). Virtuoso 7.2 drops
    the branch's rows when the other branch binds other variables (``SELECT ?s ?o ?x { { VALUES
    ?x { :a } } UNION { ?s :q ?o } }`` gave the other branch's rows only)."""
    masked = mask(sparql)
    out, last = [], 0
    for m in _VALUES_GROUP.finditer(masked):
        if not (re.search(r"\bUNION\s*$", masked[:m.start()], re.IGNORECASE)
                or re.match(r"\s*UNION\b", masked[m.end():], re.IGNORECASE)):
            continue
        out.append(sparql[last:m.start()] + "{ SELECT * WHERE " + sparql[m.start():m.end()] + " }")
        last = m.end()
    return "".join(out) + sparql[last:] if out else sparql


_NOT_EXISTS_BGP = re.compile(
    r"\bFILTER\s*(?P<paren>\(\s*)?NOT\s+EXISTS\s*\{(?P<body>[^{}]*)\}(?(paren)\s*\))",
    re.IGNORECASE)
_NOT_BGP = re.compile(r"\b(FILTER|OPTIONAL|MINUS|BIND|VALUES|SERVICE|GRAPH|EXISTS|UNION|SELECT)\b",
                      re.IGNORECASE)


def not_exists_triples(sparql: str) -> str:
    """``FILTER NOT EXISTS { triple patterns }`` in a group that holds another ``EXISTS``, as
    ``OPTIONAL { triple patterns } FILTER(!BOUND(?v))`` at the end of the group, where ``?v`` is
    a variable of the patterns used nowhere else and every other variable of theirs is bound by
    a ``VALUES`` block (as SHACL focus nodes are): the same rows (the filter sees the whole group; the optional, last, joins all
    of it). With a second ``FILTER NOT EXISTS`` in the group Virtuoso 7.2 ignored the first
    (roadmap shapes cp-market-barriers and cp-technologies: clusters with an
    ``ami:identifiedBarrier`` or ``ami:analysedTechnology`` reported as having none)."""
    for _ in range(100):
        masked = mask(sparql)
        for m in _NOT_EXISTS_BGP.finditer(masked):
            body = m.group("body")
            if not body.strip() or _NOT_BGP.search(body):
                continue
            names = set(re.findall(r"[?$](\w+)", body))
            fresh = sorted(v for v in names if len(re.findall(rf"[?$]{v}\b", masked))
                           == len(re.findall(rf"[?$]{v}\b", body)))
            if not fresh or len(fresh) == len(names) or not all(
                    re.search(rf"\bVALUES\s+[?$]{v}\b", masked) for v in names - set(fresh)):
                continue  # (the shared variables must come from a VALUES block: bound first)
            start = group_open(masked, m.start())
            if start < 0:
                continue
            end = group_close(masked, start)
            if len(re.findall(r"\bEXISTS\b", masked[start:end], re.IGNORECASE)) < 2:
                continue
            pattern = sparql[m.start("body"):m.end("body")].strip()
            sparql = (sparql[:m.start()] + sparql[m.end():end]
                      + f" OPTIONAL {{ {pattern} }} FILTER(!BOUND(?{fresh[0]})) " + sparql[end:])
            break
        else:
            return sparql
    return sparql


def rewrite(sparql: str) -> str:
    """The rewrites, in the order :class:`.store.VirtuosoStore` applies them."""
    return not_exists_triples(values_branches(minus_into_grouped(distinct_alternatives(filter_only_exists(exists_in_optional(bind_top_values(unbound_counts(
        empty_values(values_tests(sparql))))))))))
