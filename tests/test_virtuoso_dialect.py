"""Virtuoso's SPARQL dialect quirks that :class:`amikg.store.VirtuosoStore` works around (issue 10),
checked on every backend: the answers must be the same everywhere."""

from __future__ import annotations

import pyoxigraph as ox

from amikg.store import _split_lang_values

LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def _fill(store) -> None:
    g, label = ox.NamedNode("urn:x-test:g"), ox.NamedNode(LABEL)
    a, b = ox.NamedNode("urn:x-test:a"), ox.NamedNode("urn:x-test:b")
    store.add([ox.Quad(a, label, ox.Literal("PET", language="en"), g),
               ox.Quad(a, label, ox.Literal("PET"), g),
               ox.Quad(b, label, ox.Literal("x", language="en"), g)])


def _rows(store, q):
    return sorted(tuple(str(s[v]) for v in ("k", "x")) for s in store.query(
        f"PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n{q}"))


def test_values_of_several_variables_and_rows_with_language_tags(any_store):
    """Virtuoso 7 drops such rows (``VALUES (?k ?w) { ("1" "PET"@en) ("2" "x"@en) }`` matched
    nothing); the store sends them as a UNION of blocks."""
    _fill(any_store)
    q = ('SELECT ?k ?x WHERE { VALUES (?k ?w) { ("1" "PET"@en) ("2" "x"@en) ("3" "PET") ("4" "y") }'
         " ?x rdfs:label ?w }")
    assert _rows(any_store, q) == [('"1"', "<urn:x-test:a>"), ('"2"', "<urn:x-test:b>"),
                                   ('"3"', "<urn:x-test:a>")]


def test_the_rewrite_leaves_other_text_alone():
    q = ('SELECT * { # VALUES (?a ?b) { ("a"@en) ("b"@en) }\n'
         '?s ?p "VALUES (?a ?b) { (\\"x\\"@en) (1 2) }" .\n'
         'VALUES (?k ?w) { (UNDEF "a b}) "@en) ("2" "x") } }')
    out = _split_lang_values(q)
    assert out == ('SELECT * { # VALUES (?a ?b) { ("a"@en) ("b"@en) }\n'
                   '?s ?p "VALUES (?a ?b) { (\\"x\\"@en) (1 2) }" .\n'
                   '{ VALUES (?k ?w) { ("2" "x") } } UNION '
                   '{ VALUES (?k ?w) { (UNDEF "a b}) "@en) } } }')
    for same in ['SELECT * { VALUES ?w { "a"@en "b"@en } }',  # one variable
                 'SELECT * { VALUES (?k ?w) { (1 "a"@en) } }',  # one row
                 'SELECT * { VALUES (?k ?w) { (1 "a") (2 "b") } }',  # no language tags
                 'SELECT * { ?s ?p ?o } VALUES (?k ?w) { (1 "a"@en) (2 "b"@en) }']:  # trailing
        assert _split_lang_values(same) == same
