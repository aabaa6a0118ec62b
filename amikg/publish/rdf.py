"""RDF out of the store for the published views: the output formats, graphs serialised
(Turtle, N-Triples, RDF/XML, JSON-LD), rdflib graphs as pyoxigraph triples, IRIs as prefixed or
local names, the rows of a SELECT as plain dicts, and the JSON-LD context of the ontology.

**Turtle** is written by one writer (:func:`write_turtle`) for every Turtle the project serves:
the catalogue, VoID, ``/doc`` and the ontology and shapes documents, CONSTRUCT and DESCRIBE
answers, the dumps. Statements are sorted by subject (IRIs, then blank nodes), predicate
(``rdf:type`` first, as ``a``) and object; only the prefixes used are declared; an IRI is written
as a prefixed name only when its local part needs no escape (``amid:dataset/demo`` would need
``amid:dataset\\/demo``, so it is written ``<https://w3id.org/amikg/id/dataset/demo>``). A blank
node used once as an object is written inline (``[ ... ]``) when the graph is small enough to be
held (``inline``); the dumps, sorted on disk, keep blank node labels.
"""

from __future__ import annotations

import heapq
import re
import tempfile
from itertools import islice
from typing import BinaryIO, Iterable, Iterator

import pyoxigraph as ox
import rdflib

from ..errors import FormatError
from ..namespaces import (AMI, DCATAP, GRAPH_ONTOLOGY, OWL, PREFIXES, RDF, RDFS, SCHEMA, SKOS,
                          XSD)
from ..store import Store, nn

#: RDF output formats: short name -> (media type, pyoxigraph format or None for JSON-LD via rdflib).
RDF_MEDIA = {
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
    "xml": "application/rdf+xml",
    "ntriples": "application/n-triples",
}
#: ``?format=`` spellings.
FORMAT_ALIASES = {
    "ttl": "turtle", "turtle": "turtle", "jsonld": "jsonld", "json-ld": "jsonld", "json": "jsonld",
    "rdf": "xml", "xml": "xml", "rdfxml": "xml", "rdf+xml": "xml", "nt": "ntriples",
    "ntriples": "ntriples", "n-triples": "ntriples", "html": "html",
}


def local_name(iri: str) -> str:
    """The last segment of an IRI (after its last ``#`` or ``/``)."""
    return re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri


def compact_iri(iri: str) -> str:
    """``ami:Cluster`` for an IRI under one of the PREFIXES, else the IRI itself."""
    for p, ns in PREFIXES.items():
        if iri.startswith(ns) and iri != ns:
            return f"{p}:{iri[len(ns):]}"
    return iri


def select_rows(store: Store, sparql: str, **subs) -> list[dict]:
    """The solutions of a SELECT as dicts of plain strings (``None`` where unbound); ``subs`` are
    bound as the store's substitutions."""
    res = store.query(sparql, substitutions={k: v for k, v in subs.items()} or None)
    names = [v.value for v in res.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in res]


# -- serialising small graphs (descriptions, catalogue, VoID) -------------------------------------

def serialize(triples: Iterable[ox.Triple], fmt: str, context: dict | None = None) -> bytes:
    """Small graphs in ``turtle`` (:func:`write_turtle`), ``ntriples``, ``xml`` or ``jsonld``
    (compacted with ``context`` when given, so the JSON reads like the ontology's terms)."""
    triples = list(triples)
    if fmt == "turtle":
        out = _Bytes()
        write_turtle(triples, out)
        return out.getvalue()
    if fmt == "ntriples":
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    if fmt == "xml":
        return ox.serialize(triples, format=ox.RdfFormat.RDF_XML, prefixes=_xml_prefixes(triples))
    if fmt == "jsonld":
        g = rdflib.Graph()
        g.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8"),
                format="nt")
        ctx = context if context is not None else {"@context": dict(PREFIXES)}
        return g.serialize(format="json-ld", context=ctx.get("@context", ctx),
                           auto_compact=True, indent=2).encode("utf-8")
    raise FormatError(f"unknown RDF format {fmt!r}; use one of {', '.join(RDF_MEDIA)}", format=fmt)


class _Bytes(bytearray):
    def write(self, b) -> int:
        self.extend(b)
        return len(b)

    def getvalue(self) -> bytes:
        return bytes(self)


def _xml_prefixes(triples) -> dict:
    # RDF/XML needs every predicate split into namespace + local name; prefixes help readability
    return {p: ns for p, ns in PREFIXES.items()}


# -- Turtle ---------------------------------------------------------------------------------------

#: The prefixes Turtle may use (declared only when used): amikg's, and DCAT-AP's and schema.org's.
TURTLE_PREFIXES = {**PREFIXES, "dcatap": str(DCATAP), "schema": str(SCHEMA)}
_NAMESPACES = sorted(((ns, p) for p, ns in TURTLE_PREFIXES.items()), key=lambda x: -len(x[0]))
#: A local name that Turtle reads without escapes (ASCII; no "." at the end, no "-" or "." first).
_LOCAL = re.compile(r"(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)?")
_LITERAL = re.compile(r'^(".*")\^\^<([^>]*)>$', re.S)
_BARE = {str(XSD.integer): re.compile(r"[+-]?[0-9]+"), str(XSD.boolean): re.compile("true|false"),
         str(XSD.decimal): re.compile(r"[+-]?[0-9]*\.[0-9]+")}
_TYPE = f"<{RDF.type}>"
#: N-Triples lines sorted in memory at a time before they go to a run on disk.
SORT_CHUNK = 200_000


def _split(line: str) -> tuple[str, str, str]:
    """An N-Triples line as its subject, predicate and object terms."""
    s, p, o = line.rstrip("\n").split(" ", 2)
    return s, p, o[:-2] if o.endswith(" .") else o


def _term_key(t: str) -> tuple:
    """IRIs by the IRI (``.../HU32`` before ``.../HU321``), then blank nodes, then literals."""
    return (0, t[1:-1]) if t[0] == "<" else (1, t) if t[0] == "_" else (2, t)


def _key(row: tuple[str, str, str]) -> tuple:
    s, p, o = row
    return _term_key(s), p != _TYPE, p[1:-1], _term_key(o)


class _Names:
    """Terms as Turtle, remembering the prefixes used."""

    def __init__(self):
        self.used: set[str] = set()

    def iri(self, iri: str) -> str:
        for ns, p in _NAMESPACES:
            if iri.startswith(ns) and _LOCAL.fullmatch(iri[len(ns):]):
                self.used.add(p)
                return f"{p}:{iri[len(ns):]}"
        return f"<{iri}>"

    def term(self, t: str) -> str:
        """An N-Triples term (``<iri>``, ``_:b``, a literal) as Turtle."""
        if t[0] == "<":
            return self.iri(t[1:-1])
        if t[0] == "_":
            return t
        m = _LITERAL.match(t)
        if m is None:
            return t
        lex, dt = m.group(1), m.group(2)
        bare = _BARE.get(dt)
        if bare is not None and bare.fullmatch(lex[1:-1]):
            return lex[1:-1]
        return f"{lex}^^{self.iri(dt)}"

    def predicate(self, p: str) -> str:
        return "a" if p == _TYPE else self.term(p)

    def header(self) -> bytes:
        return "".join(f"@prefix {p}: <{TURTLE_PREFIXES[p]}> .\n"
                       for p in sorted(self.used)).encode()


def _lines(triples: Iterable[ox.Triple], batch: int = 4096) -> Iterator[str]:
    """The triples as N-Triples lines (escaped as Turtle reads them; split at ``\n`` only, since
    a literal may hold U+2028 and the like unescaped).

    :raise FormatError: for a quoted triple (RDF-star), which this writer does not write."""
    it = iter(triples)
    while chunk := list(islice(it, batch)):
        if any(isinstance(t.subject, ox.Triple) or isinstance(t.object, ox.Triple) for t in chunk):
            raise FormatError("quoted triples (RDF-star) cannot be written as Turtle here; ask "
                              "for N-Triples", format="turtle")
        text = ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
        yield from text.rstrip("\n").split("\n")


def _statements(rows: Iterable[tuple[str, str, str]], names: _Names,
                inline: dict[str, list] | None = None) -> Iterator[str]:
    """Sorted rows as Turtle statements, one subject each; ``inline`` maps the blank nodes that
    are written in place to their rows."""
    subject, preds = None, []
    skip = set(inline or ())  # written in place (``_object`` pops them as it goes)
    for s, p, o in rows:
        if s in skip:
            continue
        if s != subject:
            if subject is not None:
                yield _statement(subject, preds, names, inline)
            subject, preds = s, []
        preds.append((p, o))
    if subject is not None:
        yield _statement(subject, preds, names, inline)


def _statement(subject: str, preds: list, names: _Names, inline, depth: int = 1) -> str:
    return f"{names.term(subject)} {_predicates(preds, names, inline, depth)} .\n\n"


def _predicates(preds: list, names: _Names, inline, depth: int) -> str:
    parts, pad = [], "    " * depth
    for i, (p, o) in enumerate(preds):
        obj = _object(o, names, inline, depth)
        if i and preds[i - 1][0] == p:
            parts[-1] += f" ,\n{pad}    {obj}" if "\n" in obj else f" , {obj}"
        else:
            parts.append(f"{names.predicate(p)} {obj}")
    return f" ;\n{pad}".join(parts)


def _object(o: str, names: _Names, inline, depth: int) -> str:
    if inline and o in inline:
        rows = inline.pop(o)  # written once
        if not rows:
            return "[]"
        inner = _predicates([(p, x) for _, p, x in rows], names, inline, depth + 1)
        if "\n" not in inner and len(inner) <= 72:
            return f"[ {inner} ]"
        return f"[\n{'    ' * (depth + 1)}{inner}\n{'    ' * depth}]"
    return names.term(o)


def _inlinable(rows: list[tuple[str, str, str]]) -> dict[str, list]:
    """Blank nodes used exactly once as an object, with their rows (written in place)."""
    uses: dict[str, int] = {}
    for _, _, o in rows:
        if o.startswith("_:"):
            uses[o] = uses.get(o, 0) + 1
    once = {b for b, n in uses.items() if n == 1}
    out: dict[str, list] = {b: [] for b in once}
    for r in rows:
        if r[0] in out:
            out[r[0]].append(r)
    # a cycle of such nodes would never be reached from a subject written at the top: keep those
    reached, todo = set(), [o for s, _, o in rows if s not in out and o in out]
    while todo:
        b = todo.pop()
        if b not in reached:
            reached.add(b)
            todo += [o for _, _, o in out[b] if o in out]
    return {b: r for b, r in out.items() if b in reached}


def write_turtle(triples: Iterable[ox.Triple], output: BinaryIO, inline: bool = True,
                 chunk: int = SORT_CHUNK) -> None:
    """Write ``triples`` to ``output`` as readable Turtle (see the module doc). With ``inline``
    the triples are held and sorted in memory; without, they are sorted on disk in runs of
    ``chunk`` lines and merged, so memory stays bounded whatever their number."""
    names = _Names()
    if inline:
        rows = sorted({_split(line) for line in _lines(triples)}, key=_key)
        body = "".join(_statements(rows, names, _inlinable(rows))).encode("utf-8")
        output.write(names.header() + (b"\n" if names.used else b"") + body.rstrip(b"\n")
                     + (b"\n" if body else b""))
        return
    runs = []
    try:
        lines = _lines(triples)
        while rows := sorted({_split(x) for x in islice(lines, chunk)}, key=_key):
            run = tempfile.TemporaryFile(mode="w+", encoding="utf-8", newline="\n")
            for s, p, o in rows:  # the prefixes used, for the header
                names.term(s), names.predicate(p), names.term(o)
                run.write(f"{s} {p} {o} .\n")
            run.seek(0)
            runs.append(run)
        output.write(names.header() + (b"\n" if names.used else b""))
        merged = heapq.merge(*((_split(x) for x in run) for run in runs), key=_key)
        pending = b""
        for stmt in _statements(_dedupe(merged), names):
            output.write(pending)
            pending = stmt.encode("utf-8")
        output.write(pending.rstrip(b"\n") + (b"\n" if pending else b""))
    finally:
        for run in runs:
            run.close()


def _dedupe(rows: Iterator[tuple]) -> Iterator[tuple]:
    last = None
    for r in rows:
        if r != last:
            yield r
        last = r


def rdflib_to_triples(graph) -> list[ox.Triple]:
    """An rdflib graph as pyoxigraph triples (via N-Triples, so terms are escaped correctly)."""
    data = graph.serialize(format="nt", encoding="utf-8")
    return [q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]


# -- JSON-LD context ------------------------------------------------------------------------------

def jsonld_context(store: Store) -> dict:
    """A JSON-LD ``@context`` for the ontology: every ``ami:`` class and property by its local
    name (object properties typed ``@id``, datatype properties with their XSD range), the
    prefixes, and ``id``/``type``/``label``."""
    ctx: dict = dict(PREFIXES)
    res = store.query(
        "SELECT ?t ?kind ?range WHERE { GRAPH ?g { ?t a ?kind "
        "VALUES ?kind { <%sClass> <%sObjectProperty> <%sDatatypeProperty> <%sAnnotationProperty> } "
        "OPTIONAL { ?t <%srange> ?range } } FILTER(STRSTARTS(STR(?t), STR(?ns))) } ORDER BY ?t"
        % (OWL, OWL, OWL, OWL, RDFS),
        substitutions={"g": nn(GRAPH_ONTOLOGY), "ns": ox.Literal(str(AMI))})
    for s in res:
        iri, kind = s["t"].value, s["kind"].value
        name = iri[len(str(AMI)):]
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", name) or name in ctx:
            continue
        if kind == str(OWL.Class):
            ctx[name] = iri
        elif kind == str(OWL.ObjectProperty):
            ctx[name] = {"@id": iri, "@type": "@id"}
        elif kind == str(OWL.DatatypeProperty) and s["range"] is not None \
                and s["range"].value.startswith(str(XSD)) and s["range"].value != str(XSD.string):
            ctx[name] = {"@id": iri, "@type": s["range"].value}
        else:
            ctx[name] = {"@id": iri}
    for alias, value in (("id", "@id"), ("type", "@type"), ("label", str(RDFS.label)),
                         ("prefLabel", str(SKOS.prefLabel)), ("definition", str(SKOS.definition)),
                         ("comment", str(RDFS.comment))):
        ctx.setdefault(alias, value)
    return {"@context": ctx}

