"""The tantivy side of search: the schema, documents in, one query out (hits, highlights,
facet counts).

Words match whole, case-insensitively, in any language (tantivy's simple tokenizer and lower-case
filter: "PET-CT" is the words "pet" and "ct"); every word asked for must be found (in a name or
among the words of :mod:`.documents`); a word in a name counts twice. Facet filters are conditions:
several values of one facet are alternatives, different facets all apply. Hits come best first
(tantivy's BM25), equal scores in IRI order.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii
from pathlib import Path
from typing import Iterable

import tantivy

from .documents import FACETS, Doc

#: The name of the analyzer of the word fields.
WORDS = "amikg_words"
#: Bump when the schema or the analyzer changes: an index of another version is rebuilt.
SCHEMA_VERSION = "4"
#: Snowball stemmers for the languages the data speaks: a stemmed match ranks higher, it never
#: decides whether a document is found (so that the answer while stale is the same).
STEMMED = {"en": "english", "de": "german", "es": "spanish", "it": "italian", "ro": "romanian",
           "hu": "hungarian", "fr": "french", "nl": "dutch", "pt": "portuguese"}
NAME_BOOST = 2.0
#: Fields of a document's own values (its facets hold the terms above them too).
EXACT = ("type", "place")
#: Facets whose values a document holds several of (a class and those above it, a region and
#: those above it, its steps) are counted through one value per document, the *signature*
#: ``sig_<facet>``: all its values joined by :data:`SEP`. Documents share a few dozen signatures,
#: so counting the signatures and adding each one's count to every value in it gives the same
#: counts as counting the values, for a fraction of the work (at 100k organisations: 0.2 ms
#: instead of 3 ms for the categories; a test compares the two). Competencies are counted
#: directly: their combinations are too many (8,756 at 100k: counting them costs more). Should a
#: search find more signatures than :data:`SIGNATURES`, that facet's values are counted directly.
SIGNED = ("category", "step", "region")
SEP = "\x1f"
SIGNATURES = 50_000
#: A signature longer than this (tantivy keeps terms of up to 64 KiB) is stored as UNSIGNED,
#: and a search that finds one counts that facet's values directly.
LONGEST = 16_384
UNSIGNED = "\x1e"


def analyzer(stem: str | None = None) -> tantivy.TextAnalyzer:
    b = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(
        tantivy.Filter.remove_long(40)).filter(tantivy.Filter.lowercase())
    if stem:
        b = b.filter(tantivy.Filter.stemmer(stem))
    return b.build()


def words_of(text: str) -> list[str]:
    """The words of ``text`` as the index cuts them."""
    return analyzer().analyze(text or "")


def schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("iri", stored=True, tokenizer_name="raw", fast=True)
    sb.add_text_field("name", stored=True, tokenizer_name=WORDS)
    sb.add_text_field("text", stored=True, tokenizer_name=WORDS)
    for code in STEMMED:
        sb.add_text_field("stem_" + code, stored=False, tokenizer_name=WORDS + "_" + code)
    for f in FACETS:  # a document's values joined by spaces (see _add)
        sb.add_text_field(f, stored=False, tokenizer_name="whitespace", fast=True)
    for f in EXACT:  # for the partner search: its own classes and regions, without closures
        sb.add_text_field(f, stored=False, tokenizer_name="whitespace")
    for f in SIGNED:
        sb.add_text_field("sig_" + f, stored=False, tokenizer_name="raw", fast=True)
    sb.add_bytes_field("data", stored=True)
    return sb.build()


def register(index: tantivy.Index) -> tantivy.Index:
    """Register the analyzers an index of :func:`schema` needs (after every open)."""
    index.register_tokenizer(WORDS, analyzer())
    for code, language in STEMMED.items():
        index.register_tokenizer(WORDS + "_" + code, analyzer(language))
    return index


def new_index(path: Path | None) -> tantivy.Index:
    return register(tantivy.Index(schema(), str(path) if path else None, reuse=False))


def open_index(path: Path) -> tantivy.Index:
    return register(tantivy.Index.open(str(path)))


#: How often (in documents) :func:`write` says how far it got.
PROGRESS_EVERY = 10_000


def write(index: tantivy.Index, docs: Iterable[Doc], progress=None) -> int:
    """Add ``docs`` (in their order) and commit; returns how many. ``progress``, if given, is
    called with the number added so far, every :data:`PROGRESS_EVERY` and once at the end."""
    writer = index.writer(heap_size=100_000_000, num_threads=1)
    count = _add(writer, docs, progress)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return count


def replace(index: tantivy.Index, iris, docs: list[Doc]) -> None:
    """Remove the documents of ``iris`` and add ``docs`` (their new state), in one commit."""
    writer = index.writer(heap_size=15_000_000, num_threads=1)
    for iri in sorted(iris):
        writer.delete_documents_by_term("iri", iri)
    _add(writer, docs)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()


class _Made:
    """What :func:`_add` makes of the values documents share, made once each: a set of values
    joined by spaces, a facet's signature, the stored data's tail, a language's stemmed field."""

    def __init__(self):
        self.joined: dict[frozenset, str] = {}
        self.signed: dict[frozenset, str] = {}
        self.tails: dict[tuple, str] = {}
        self.stem_of: dict[str, str] = {}

    def join(self, values: frozenset) -> str:
        got = self.joined[values] = " ".join(sorted(values))
        return got

    def sign(self, values: frozenset) -> str:
        sig = SEP.join(sorted(values))
        got = self.signed[values] = sig if len(sig) <= LONGEST else UNSIGNED
        return got

    def tail(self, key: tuple) -> str:
        """The rest of the document's data after its names, as json.dumps writes it."""
        got = self.tails[key] = json.dumps(dict(zip(
            ("kind", "region", "country"), (sorted(values) for values in key))))[1:]
        return got

    def stem_field(self, tag: str) -> str:
        code = tag.split("-")[0].lower()
        got = self.stem_of[tag] = "stem_" + (code if code in STEMMED else "en")
        return got


def _add(writer, docs: Iterable[Doc], progress=None) -> int:
    """Each document built value by value (three times cheaper than from one dict of lists) and
    handed to tantivy.

    Documents share their sets of facet values and their groups of linked names (see
    :func:`.documents._assemble`): what is made of such a set is made once (:class:`_Made`),
    and a facet is one value per document, its values joined by spaces (the fields'
    whitespace tokenizer cuts them apart again: an IRI holds no space).

    The stemmed fields hold what a document says of itself, its names and descriptions, each
    text in the field of its language (descriptions, and texts of no language or of a language
    without a stemmer, in English's): a stemmed match there ranks it higher. The names of what
    it links to, shared by thousands, are matched as words only (half of tantivy's work)."""
    made = _Made()
    joined, signed, tails, stem_of = made.joined, made.signed, made.tails, made.stem_of
    join, sign, stem_field, quote = made.join, made.sign, made.stem_field, encode_basestring_ascii
    signed_facets = tuple((f, "sig_" + f) for f in SIGNED)
    count = 0
    for count, d in enumerate(docs, 1):
        doc = tantivy.Document()
        add = doc.add_text
        add("iri", d.iri)
        names, linked, described = d.names, d.linked, d.descriptions
        stems: dict[str, list[str]] = {"stem_en": list(described)} if described else {}
        for text, tag in names:
            add("name", text)
            stems.setdefault(stem_of.get(tag) or stem_field(tag), []).append(text)
        for field, texts in stems.items():
            add(field, " ".join(texts))
        if described or linked:
            add("text", " · ".join([*described, *linked]))
        facets, where = d.facets, d.where
        for f in FACETS:
            values = facets[f]
            if values:
                add(f, joined.get(values) or join(values))
        if d.types:
            add("type", joined.get(d.types) or join(d.types))
        if where["region"]:
            add("place", joined.get(where["region"]) or join(where["region"]))
        for f, field in signed_facets:
            values = facets[f]
            if values:
                add(field, signed.get(values) or sign(values))
        key = (facets["kind"], where["region"], where["country"])
        doc.add_bytes("data", ('{"names": [' + ", ".join(  # json.dumps' own string encoder
            [f"[{quote(t)}, {quote(g)}]" for t, g in names]) + "], "
            + (tails.get(key) or made.tail(key))).encode())
        writer.add_document(doc)
        if progress is not None and not count % PROGRESS_EVERY:
            progress(count)
    if progress is not None:
        progress(count)
    return count


def build_query(index: tantivy.Index, words: list[str], filters: dict[str, list[str]]):
    """Every word must match (in a name, doubled, or in the text; a stemmed match adds to the
    score); every facet of ``filters`` must have one of its values."""
    sch = index.schema
    must = []
    for w in words:
        must.append((tantivy.Occur.Must, tantivy.Query.boolean_query([
            (tantivy.Occur.Should, tantivy.Query.boost_query(
                tantivy.Query.term_query(sch, "name", w), NAME_BOOST)),
            (tantivy.Occur.Should, tantivy.Query.term_query(sch, "text", w))])))
    for code, language in STEMMED.items():
        for s in analyzer(language).analyze(" ".join(words)):
            must.append((tantivy.Occur.Should, tantivy.Query.term_query(sch, "stem_" + code, s)))
    for f, vals in filters.items():
        must.append((tantivy.Occur.Must, tantivy.Query.const_score_query(  # a condition only
            tantivy.Query.term_set_query(sch, f, list(vals)), 0.0)))
    if not words:
        must.append((tantivy.Occur.Must, tantivy.Query.all_query()))
    return tantivy.Query.boolean_query(must)


def run(index: tantivy.Index, words: list[str], filters: dict[str, list[str]], limit: int,
        offset: int, facet_size: int = 200) -> dict:
    """One page of hits (``iri``, ``score``, ``names``, ``facets``, ``highlight``), the total
    and the facet counts (``{facet: {value: count}}``) of the query."""
    searcher = index.searcher()
    query = build_query(index, words, filters)
    if words:
        result = searcher.search(query, limit=limit, offset=offset, count=True)
    else:  # every hit scores the same: IRI order (re-indexed documents come last otherwise)
        result = searcher.search(query, limit=limit, offset=offset, count=True,
                                 order_by_field="iri", order=tantivy.Order.Asc)
    snippets = {f: tantivy.SnippetGenerator.create(searcher, query, index.schema, f)
                for f in ("name", "text")} if words else {}
    for g in snippets.values():
        g.set_max_num_chars(200)
    hits = []
    for score, address in result.hits:
        doc = searcher.doc(address)
        data = json.loads(bytes(doc.get_first("data")))
        light = {}
        for f, g in snippets.items():
            s = g.snippet_from_doc(doc)
            if s.highlighted():
                light[f] = s.to_html()
        hits.append({"iri": doc.get_first("iri"), "score": round(score, 4) if words else 1.0,
                     "names": [tuple(n) for n in data["names"]], "kind": data["kind"],
                     "region": data["region"], "country": data["country"],
                     "highlight": light})
    facets = facet_counts(searcher, query, facet_size) if result.count else \
        {f: {} for f in FACETS}
    return {"total": result.count, "hits": hits, "facets": facets}


def facet_counts(searcher, query, size: int = 200, signatures: bool = True) -> dict:
    """``{facet: {value: documents}}`` of the hits of ``query``, the ``size`` largest counts of
    each facet (ties by value), the :data:`SIGNED` ones through their signatures."""
    plain = [f for f in FACETS if not (signatures and f in SIGNED)]
    asked = {f: {"terms": {"field": f, "size": size}} for f in plain}
    if signatures:
        asked |= {f"sig_{f}": {"terms": {"field": f"sig_{f}", "size": SIGNATURES}}
                  for f in SIGNED}
    aggs = searcher.aggregate(query, asked)
    counts = {f: {b["key"]: b["doc_count"] for b in aggs.get(f, {}).get("buckets", [])}
              for f in plain}
    for f in SIGNED if signatures else ():
        buckets = aggs.get(f"sig_{f}", {}).get("buckets", [])
        if aggs.get(f"sig_{f}", {}).get("sum_other_doc_count") or any(
                b["key"] == UNSIGNED for b in buckets):   # cannot add up: count the values
            again = searcher.aggregate(query, {f: {"terms": {"field": f, "size": size}}})
            counts[f] = {b["key"]: b["doc_count"] for b in again.get(f, {}).get("buckets", [])}
            continue
        one: dict[str, int] = {}
        for b in buckets:
            for v in b["key"].split(SEP):
                one[v] = one.get(v, 0) + b["doc_count"]
        counts[f] = one
    return {f: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:size])
            for f, c in counts.items()}
