"""Set-at-a-time evaluation of the SHACL-SPARQL constraints that ask about *the cluster's actors*.

Seven roadmap constraints (``cp-value-chain``, ``cp-smes``, ``cp-research-institutions``,
``cp-connections``, ``cp-patents``, ``cp-(non-)scientific-stakeholders``) have this form::

    SELECT $this ?value ... WHERE {
      OUTER                                   # e.g. ?value a ami:ValueChainStep ...
      OPTIONAL {
        ACTORS(?o)                            # the actor block, see below (one or more)
        REST                                  # FILTER EXISTS { ... ?o ... }, joins, filters
        FILTER (?o != $this)                  # optional
      }
      FILTER (!BOUND(?o))
    }

where ``ACTORS(?o)`` is the union of "located in the cluster's region or a region below it" and
the three membership patterns::

    { $this ami:region ?cr . ?or skos:broader* ?cr . ?o ami:region ?or . }
    UNION { $this org:hasMember ?o } UNION { ?o org:memberOf $this }
    UNION { ?m org:organization $this ; org:member ?o }

Run per cluster, such a query enumerates every organisation of the cluster's region (about a
thirtieth of the graph in the synthetic data) and Oxigraph's planner, not knowing that ``$this``
is one node, sometimes starts from the unbound ``skos:broader*`` path: the work grows with
clusters x region size, i.e. quadratically with the graph. Here the same answer is computed with a
few plain queries whose plans cannot go wrong, once per run:

* the witnesses of ``REST`` counted per *direct region* in the store (one ``GROUP BY`` query:
  distinct witnesses capped at two and one of them, enough to decide ``?o != $this``), then
  merged up the region hierarchy (``skos:broader*``, walked once per run) in Python and shared by
  all clusters of a region;
* the same per node with members (one ``GROUP BY`` query over the distinct memberships);
* for constraints with two actors (``cp-connections``: ``?a``, ``?b``), the ``REST`` tuples (the
  recorded connections): each tuple counts for the regions above all of its ends, minus the
  tuples in which a cluster is itself an excluded end; clusters with several regions and
  memberships are checked one by one;
* the ``OUTER`` rows, then an anti-join in Python.

The recognition is textual and strict: anything outside this form (another filter on ``$this``,
a variable of the actor block used elsewhere, a ``FILTER`` inside an ``EXISTS``, other prefixes)
returns no plan, and the constraint runs per focus node as before. The result equals the per-node
run and pyshacl's (``tests/test_validate_scale.py``, ``tests/test_validate_actors.py``).
Everything goes through :meth:`Store.query` with inline ``VALUES``, so it works on remote stores.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import pyoxigraph as ox

from ..sparql.binder import values, values_block
from ..sparql.lexer import closing, top_level_filters, variables
from .terms import to_ox

AMI = "https://w3id.org/amikg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ORG = "http://www.w3.org/ns/org#"
#: Terms per inline VALUES block.
CHUNK = 500

_V = r"(\?\w+)"
_S = r"\s*"


def _seq(*parts: str) -> str:
    return _S.join(parts)


#: The actor block (after ``$this`` -> ``?this``), capturing ?cr, ?or, ?o, ?m.
_ACTORS = re.compile(_seq(
    r"\{", r"\?this\s+ami:region\s+" + _V, r"\.", _V + r"\s+skos:broader\*\s+\1", r"\.",
    _V + r"\s+ami:region\s+\2", r"\.?", r"\}",
    r"UNION", r"\{", r"\?this\s+org:hasMember\s+\3", r"\.?", r"\}",
    r"UNION", r"\{", r"\3\s+org:memberOf\s+\?this", r"\.?", r"\}",
    r"UNION", r"\{", _V + r"\s+org:organization\s+\?this", ";", r"org:member\s+\3", r"\.?",
    r"\}"))
_NOT_BOUND = re.compile(r"\s*FILTER\s*\(\s*!\s*BOUND\s*\(\s*(\?\w+)\s*\)\s*\)")
_NEQ = re.compile(r"^\(\s*(\?\w+\s*!=\s*\?\w+(?:\s*&&\s*\?\w+\s*!=\s*\?\w+)*)\s*\)$")


@dataclass
class ActorPlan:
    prefixes: str
    projection: list[str]          # projected variables of the constraint (names, no '?')
    outer: str                     # the WHERE group without the OPTIONAL and its !BOUND filter
    actors: list[tuple[str, str, str, str]]   # per actor block: (?cr, ?or, ?o, ?m) names
    rest: str                      # REST as a group: joins (EXISTS made joins) + kept filters
    keys: list[str]                # variables REST shares with OUTER
    not_this: set[str]             # actor variables that must differ from $this

    # -- recognition ------------------------------------------------------------------------

    @classmethod
    def of(cls, text: str) -> "ActorPlan | None":
        """The plan for a constraint's query text (``$this`` already written ``?this``), or
        ``None`` when the text is not of the recognised form."""
        try:
            return cls._of(text)
        except ValueError:
            return None

    @classmethod
    def _of(cls, text: str):
        decl = dict(re.findall(r"PREFIX\s+(\w*):\s*<([^>]*)>", text, re.I))
        if (decl.get("ami"), decl.get("skos"), decl.get("org")) != (AMI, SKOS, ORG):
            return None
        head = re.search(r"\bSELECT\s+(DISTINCT\s+)?(.*?)\s*WHERE\s*\{", text, re.I | re.S)
        if not head or "(" in head.group(2) or re.search(r"\b(GROUP|ORDER|LIMIT|OFFSET|HAVING)\b",
                                                          text[head.end():], re.I):
            return None
        projection = re.findall(r"[?$](\w+)", head.group(2))
        b = head.end() - 1
        e = closing(text, b)
        if text[e:].strip():
            return None
        body = text[b + 1:e - 1]
        opts = [m.start() for m in re.finditer(r"\bOPTIONAL\s*\{", body)]
        if len(opts) != 1:
            return None
        ob = body.index("{", opts[0])
        oe = closing(body, ob)
        nb = _NOT_BOUND.match(body, oe)
        if not nb:
            return None
        outer = body[:opts[0]] + " " + body[nb.end():]
        inner = body[ob + 1:oe - 1]
        actors = []
        for m in _ACTORS.finditer(inner):
            actors.append((m.group(1)[1:], m.group(2)[1:], m.group(3)[1:], m.group(4)[1:]))
        if not actors:
            return None
        rest = _ACTORS.sub(" ", inner)
        actor_vars = [a[2] for a in actors]
        internal = {v for a in actors for v in (a[0], a[1], a[3])}
        if nb.group(1)[1:] not in actor_vars or len(set(actor_vars)) != len(actor_vars):
            return None
        if len(internal) != 3 * len(actors) or internal & set(actor_vars):
            return None
        joins, filters, not_this, last = [], [], set(), 0
        for s, t, kind, inner_f in top_level_filters(rest):
            joins.append(rest[last:s])
            last = t
            if kind == "exists":
                if re.search(r"\bFILTER\b", inner_f):
                    return None
                joins.append("{ " + inner_f + " }")
                continue
            if "this" not in variables(inner_f):
                filters.append(rest[s:t])
                continue
            m = _NEQ.match(inner_f.strip()) if kind == "expr" else None
            if not m:
                return None
            kept = []
            for term in m.group(1).split("&&"):
                x, y = (v.strip()[1:] for v in term.split("!="))
                if "this" in (x, y):
                    other = y if x == "this" else x
                    if other not in actor_vars:
                        return None
                    not_this.add(other)
                else:
                    kept.append(term.strip())
            if kept:
                filters.append("FILTER (" + " && ".join(kept) + ")")
        joins.append(rest[last:])
        join_text = " ".join(joins)
        rest_text = join_text + " " + " ".join(filters)
        rest_vars = variables(rest_text)
        outer_vars = variables(outer) | set(projection)
        if "this" in rest_vars or rest_vars & internal or (set(actor_vars) | internal) & outer_vars:
            return None
        keys = sorted((rest_vars & outer_vars) - set(actor_vars))
        if any(k not in variables(join_text) for k in keys):
            return None  # a key only seen by a filter would be unbound here
        if len(actors) > 1 and not join_text.strip():
            return None
        prefixes = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in decl.items())
        return cls(prefixes, projection, outer, actors, rest_text, keys, not_this)

    # -- evaluation -------------------------------------------------------------------------

    def rows(self, store, focus: list, ctx: dict, solutions) -> list[dict]:
        """The constraint's solutions for all ``focus`` nodes (pyoxigraph terms, with
        ``this``), as the per-node query would give them (up to duplicates).

        :param ctx: per-run cache (regions of the focus nodes, their members).
        :param solutions: ``solutions(store, query, focus)``, the engine's evaluation of
            ``OUTER`` per focus node."""
        fx = [_ox(f) for f in focus]
        if not fx:
            return []
        regions = _focus_regions(store, fx, ctx)
        self._rest_q, self._subst = _expand_type_paths(store, self.prefixes, self.rest, ctx,
                                                       self.keys)
        keys = self.keys
        witnessed: set = set()          # (this, key values)
        if len(self.actors) == 1:
            _, _, o, _ = self.actors[0]
            excl = o in self.not_this
            ancestors = _region_ancestors(store, ctx)
            wanted = {r for rs in regions.values() for r in rs}
            found: dict = {}            # (region or ("m", cluster), key values) -> (n <= 2, one)
            for r, stats in self._direct_region_stats(store, o).items():
                for cr in ancestors.get(r, (r,)):
                    if cr in wanted:
                        for kv, nw in stats.items():
                            found[cr, kv] = _merge(found.get((cr, kv)), nw)
            focus_set = set(fx)
            for c, stats in self._member_stats(store, o).items():
                if c in focus_set:
                    for kv, nw in stats.items():
                        found[("m", c), kv] = _merge(found.get((("m", c), kv)), nw)
            for (g, kv), (n, w) in found.items():
                for c in ([g[1]] if isinstance(g, tuple) else _by_region(ctx, regions, g)):
                    if not excl or n >= 2 or w != c:
                        witnessed.add((c, kv))
        else:
            witnessed |= self._tuple_witnesses(store, fx, regions, ctx)
        out = []
        for row in self._outer_rows(store, fx, focus, solutions):
            kv = tuple(row.get(k) for k in keys)
            if any(v is None for v in kv):
                raise NoPlan("a key of the constraint is unbound in a solution")
            if (row["this"], kv) in witnessed:
                continue
            out.append({n: row[n] for n in self.projection if n in row} | {"this": row["this"]})
        return out

    def _tuple_witnesses(self, store, fx, regions, ctx) -> set:
        """(focus node, key values) witnessed by a REST tuple of several actors (``cp-connections``:
        both ends of a connection among the cluster's actors). A focus node with one region is
        witnessed through that region: per region, the tuples with every end at or below it are
        counted, and those with the node itself as an excluded end (``?a != $this``) subtracted,
        so the work grows with the tuples, not with tuples x clusters per region. Nodes with
        several regions, and memberships, are checked one by one per tuple."""
        avars = [a[2] for a in self.actors]
        up = _org_regions(store, ctx)
        member_of = _memberships(store, ctx)
        focus_set = set(fx)
        single: dict = {}               # region -> focus nodes whose only region it is
        several: dict = {}              # region -> focus nodes with several regions, this one too
        for c in fx:
            rs = regions.get(c, ())
            for r in rs:
                (single if len(rs) == 1 else several).setdefault(r, []).append(c)
        excluded = [i for i, v in enumerate(avars) if v in self.not_this]
        count: dict = {}                # (region, key values) -> tuples under it
        involved: dict = {}             # (region, key values, node) -> of those, with it excluded
        witnessed: set = set()
        none: frozenset = frozenset()

        def is_actor(c, x) -> bool:     # c's actors (members, or in a region below c's) hold x
            return c in member_of.get(x, ()) or not regions.get(c, none).isdisjoint(up.get(x, ()))

        for t, kv in self._witness_tuples(store, avars):
            ups = [up.get(x, none) for x in t]
            common = ups[0].intersection(*ups[1:]) if len(ups) > 1 else ups[0]
            ends = {t[i] for i in excluded}
            for r in common:
                if r in single:
                    count[r, kv] = count.get((r, kv), 0) + 1
                    for x in ends & focus_set:
                        involved[r, kv, x] = involved.get((r, kv, x), 0) + 1
            cands = {c for x in t for c in member_of.get(x, ()) if c in focus_set}
            cands.update(c for r in ups[0] for c in several.get(r, ()))
            for c in cands - ends:
                if all(is_actor(c, x) for x in t):
                    witnessed.add((c, kv))
        for (r, kv), n in count.items():
            for c in single[r]:
                if n > involved.get((r, kv, c), 0):
                    witnessed.add((c, kv))
        return witnessed

    def _outer_rows(self, store, fx, focus, solutions):
        names = sorted((set(self.projection) | set(self.keys)) - {"this"})
        sel = " ".join("?" + n for n in names)
        if "this" in variables(self.outer):
            q = f"{self.prefixes}SELECT DISTINCT ?this {sel} WHERE {{ {self.outer} }}"
            yield from solutions(store, q, focus)
            return
        if not self.outer.strip():
            rows = [{}]
        elif not names:
            rows = [{}] if store.query(f"{self.prefixes}ASK {{ {self.outer} }}") else []
        else:
            res = store.query(f"{self.prefixes}SELECT DISTINCT {sel} WHERE {{ {self.outer} }}")
            rows = [{n: s[n] for n in names if s[n] is not None} for s in res]
        for c in fx:
            for r in rows:
                yield dict(r, this=c)

    def _qkeys(self) -> list[str]:
        return [self._subst[k][0] if k in self._subst else k for k in self.keys]

    def _stats(self, query_rows, group: str) -> dict:
        """group -> key values -> (distinct witnesses, capped at 2; one of them), from rows
        grouped by the query keys (a type standing for each of its superclasses)."""
        acc: dict = {}
        for s in query_rows:
            choices = []
            for k, qk in zip(self.keys, self._qkeys()):
                v = s[qk]
                choices.append(self._subst[k][1].get(v, ()) if k in self._subst else (v,))
            for kv in itertools.product(*choices):
                a = acc.setdefault(s[group], {}).setdefault(kv, [False, set()])
                if int(s["n"].value) >= 2:
                    a[0] = True
                else:
                    a[1].add(s["w"])
        return {g: {kv: (2 if big or len(ws) >= 2 else len(ws), next(iter(ws), None))
                    for kv, (big, ws) in d.items()} for g, d in acc.items()}

    def _direct_region_stats(self, store, o: str) -> dict:
        """direct region (``?o ami:region ?r``) -> key values -> (distinct witnesses, one of them):
        one query, grouped in the store."""
        _, or_, _, _ = self.actors[0]
        keys = " ".join("?" + k for k in self._qkeys())
        q = (f"{self.prefixes}SELECT ?{or_} {keys} (COUNT(DISTINCT ?{o}) AS ?n) "
             f"(SAMPLE(?{o}) AS ?w) WHERE {{ ?{o} <{AMI}region> ?{or_} . {self._rest_q} }} "
             f"GROUP BY ?{or_} {keys}")
        return self._stats(store.query(q), or_)

    def _member_stats(self, store, o: str) -> dict:
        """node with members -> key values -> (distinct member witnesses, one of them): one query,
        grouped in the store (the memberships made distinct first: 6x faster in Oxigraph)."""
        keys = " ".join("?" + k for k in self._qkeys())
        c, m = "_amikg_c", "_amikg_m"
        q = (f"{self.prefixes}SELECT ?{c} {keys} (COUNT(DISTINCT ?{o}) AS ?n) (SAMPLE(?{o}) AS ?w) "
             f"WHERE {{ {{ SELECT DISTINCT ?{c} ?{o} WHERE {{ {{ ?{c} <{ORG}hasMember> ?{o} }} "
             f"UNION {{ ?{o} <{ORG}memberOf> ?{c} }} "
             f"UNION {{ ?{m} <{ORG}organization> ?{c} ; <{ORG}member> ?{o} }} }} }} "
             f"{self._rest_q} }} GROUP BY ?{c} {keys}")
        return self._stats(store.query(q), c)

    def _witness_tuples(self, store, avars: list[str]) -> list:
        """Distinct (actor values, key values) solutions of REST (one scan)."""
        sel = " ".join("?" + v for v in avars + self.keys)
        q = f"{self.prefixes}SELECT DISTINCT {sel} WHERE {{ {self.rest} }}"
        out = {(tuple(s[v] for v in avars), tuple(s[k] for k in self.keys))
               for s in store.query(q)}
        return list(out)


def _merge(a: tuple | None, b: tuple) -> tuple:
    """Two (distinct witnesses capped at 2, one of them) of one group, merged."""
    if a is None:
        return b
    if a[0] >= 2 or b[0] >= 2 or (a[0] and b[0] and a[1] != b[1]):
        return 2, a[1] if a[0] else b[1]
    return (a if a[0] else b)


class NoPlan(Exception):
    """The plan does not apply after all (the caller runs the constraint per focus node)."""


def _ox(t):
    return t if isinstance(t, (ox.NamedNode, ox.BlankNode, ox.Literal)) else to_ox(t)


def _chunked_pairs(store, query_for, terms, a: str, b: str) -> dict:
    out: dict = {}
    for i in range(0, len(terms), CHUNK):
        for s in store.query(query_for(terms[i:i + CHUNK])):
            if s[a] is not None and s[b] is not None:
                out.setdefault(s[a], set()).add(s[b])
    return out


def _focus_regions(store, fx, ctx) -> dict:
    """focus node -> its regions (``ami:region``), cached per run."""
    if "regions" not in ctx:
        ctx["regions"] = _chunked_pairs(
            store, lambda ch: f"SELECT ?this ?cr WHERE {{ {values('this', ch)} "
                              f"?this <{AMI}region> ?cr }}", fx, "this", "cr")
    return ctx["regions"]


def _memberships(store, ctx) -> dict:
    """member -> the nodes it is a member of (the three membership patterns), once per run."""
    if "memberships" not in ctx:
        out: dict = {}
        for r in store.query(f"SELECT ?c ?x WHERE {{ {{ ?c <{ORG}hasMember> ?x }} UNION "
                             f"{{ ?x <{ORG}memberOf> ?c }} UNION "
                             f"{{ ?m <{ORG}organization> ?c ; <{ORG}member> ?x }} }}"):
            out.setdefault(r["x"], set()).add(r["c"])
        ctx["memberships"] = out
    return ctx["memberships"]


def _org_regions(store, ctx) -> dict:
    """node -> the regions ?cr with ``?x ami:region ?or . ?or skos:broader* ?cr``: one scan of
    ``ami:region`` and the region hierarchy walked once per run."""
    if "org_regions" not in ctx:
        direct: dict = {}
        for r in store.query(f"SELECT ?x ?or WHERE {{ ?x <{AMI}region> ?or }}"):
            direct.setdefault(r["x"], set()).add(r["or"])
        up = _region_ancestors(store, ctx)
        ctx["org_regions"] = {x: (up[next(iter(rs))] if len(rs) == 1
                                  else frozenset().union(*(up[r] for r in rs)))
                              for x, rs in direct.items()}
    return ctx["org_regions"]


def _region_ancestors(store, ctx) -> dict:
    """region used by ``ami:region`` -> the regions at or above it (``skos:broader*``), once
    per run."""
    if "region_ancestors" not in ctx:
        used = sorted((s["or"] for s in store.query(
            f"SELECT DISTINCT ?or WHERE {{ ?x <{AMI}region> ?or }}")), key=str)
        found = _chunked_pairs(
            store, lambda ch: f"SELECT ?or ?cr WHERE {{ {values('or', ch)} "
                              f"?or <{SKOS}broader>* ?cr }}", used, "or", "cr")
        ctx["region_ancestors"] = {r: frozenset(found.get(r, {r})) for r in used}
    return ctx["region_ancestors"]


def _by_region(ctx: dict, regions: dict, r) -> list:
    """The focus nodes whose regions include ``r``."""
    if "region_index" not in ctx:
        idx: dict = {}
        for c, rs in regions.items():
            for x in rs:
                idx.setdefault(x, []).append(c)
        ctx["region_index"] = idx
    return ctx["region_index"].get(r, [])


_TYPE_PATH = re.compile(r"(\?\w+)\s+(?:rdf:type|a)\s*/\s*rdfs:subClassOf\*\s+(\?\w+|<[^>\s]*>|[\w-]*:[\w-]+)")
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"


def _expand_type_paths(store, prefixes: str, rest: str, ctx: dict, keys=()) -> tuple:
    """``?o rdf:type/rdfs:subClassOf* X`` in REST as ``?o rdf:type ?_tN`` plus a VALUES block of
    the types in use whose ``rdfs:subClassOf*`` reaches X (pairs when X is a variable): the same
    solutions, but the class hierarchy is walked once per run, not once per organisation.
    (Only for the DISTINCT / COUNT(DISTINCT) queries of this module.) A key variable X used
    nowhere else is left to Python: the text groups by the type, and the returned
    ``{X: (type variable, type -> its superclasses)}`` maps back."""
    subst: dict = {}
    decl = dict(re.findall(r"PREFIX\s+(\w*):\s*<([^>]*)>", prefixes))
    if decl.get("rdf") != RDF or decl.get("rdfs") != RDFS or not _TYPE_PATH.search(rest):
        return rest, subst
    if "types" not in ctx:
        ctx["types"] = [s["t"] for s in store.query(
            f"SELECT DISTINCT ?t WHERE {{ ?x <{RDF}type> ?t }}")]
    types = ctx["types"]
    n = [0]

    def sub(m):
        x, sup = m.group(1), m.group(2)
        n[0] += 1
        t = f"?_amikg_t{n[0]}"
        if sup.startswith("?"):
            key = ("pairs",)
            if key not in ctx:
                ctx[key] = sorted({(s["t"], s["sup"]) for s in store.query(
                    f"SELECT ?t ?sup WHERE {{ {values('t', types)} "
                    f"?t <{RDFS}subClassOf>* ?sup }}")}, key=str)
            if len(re.findall(re.escape(sup) + r"\b", rest)) == 1 and sup[1:] in keys:
                ups: dict = {}
                for a, b in ctx[key]:
                    ups.setdefault(a, []).append(b)
                subst[sup[1:]] = (t[1:], ups)  # grouped by the type, mapped in Python
                return f"{x} <{RDF}type> {t}"
            return f"{x} <{RDF}type> {t} . {values_block([t[1:], sup[1:]], ctx[key])}"
        key = ("sub", sup)
        if key not in ctx:
            ctx[key] = sorted({s["t"] for s in store.query(
                f"{prefixes}SELECT ?t WHERE {{ {values('t', types)} "
                f"?t <{RDFS}subClassOf>* {sup} }}")}, key=str)
        return f"{x} <{RDF}type> {t} . {values_block([t[1:]], [(c,) for c in ctx[key]])}"

    return _TYPE_PATH.sub(sub, rest), subst
