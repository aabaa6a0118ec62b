"""Personal contact data in the public outputs: what it is, and leaving it out.

Members' e-mail addresses and telephone numbers, and the names of natural persons, are personal
data. The store keeps them (SPARQL users see them; access rights per graph are another matter),
but the public outputs (the dumps listed in the DCAT catalogue, the ``/doc`` pages) leave them
out unless the operator publishes them (``AMIKG_PUBLISH_CONTACTS``). Left out are:

- every triple whose predicate is a contact property (:data:`CONTACT_PROPERTIES`: ``vcard:hasEmail``,
  ``vcard:hasTelephone``, ``foaf:mbox``, ``schema:email``, ...), and every triple whose object is a
  ``mailto:`` or ``tel:`` IRI or literal (a vCard ``hasValue`` behind a blank node);
- the names (:data:`NAME_PROPERTIES`: labels, ``foaf:name``, ``foaf:givenName``, ...) of natural
  persons: resources typed ``foaf:Person`` or a subclass (``ami:Researcher``, ...) that are not
  also organisations (a hospital is an ``ami:EndUser`` and an ``org:Organization``: its name is an
  organisation's name and stays).

Everything else is kept, so a dump still loads as the same graph minus those triples.
"""

from __future__ import annotations

from typing import Iterable, Iterator

import pyoxigraph as ox

from ..namespaces import DCTERMS, FOAF, ORG, RDFS, SCHEMA, SH, SKOS, VCARD
from ..sparql.binder import values_block
from ..store import Store, nn

#: Properties whose values are contact data.
CONTACT_PROPERTIES = frozenset(str(p) for p in (
    VCARD.hasEmail, VCARD.email, VCARD.hasTelephone, VCARD.tel, VCARD.hasFax, FOAF.mbox,
    FOAF.mbox_sha1sum, FOAF.phone, SCHEMA.email, SCHEMA.telephone, SCHEMA.faxNumber))
#: Properties that name a resource: left out for natural persons.
NAME_PROPERTIES = frozenset(str(p) for p in (
    RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, DCTERMS.title, SH.name,
    FOAF.name, FOAF.givenName, FOAF.familyName, FOAF.firstName, FOAF.lastName, FOAF.surname,
    FOAF.nick, SCHEMA.name, SCHEMA.givenName, SCHEMA.familyName, SCHEMA.alternateName,
    VCARD.fn, VCARD["given-name"], VCARD["family-name"], VCARD.nickname, VCARD.hasName))
#: Objects that are contact data whatever the property.
CONTACT_SCHEMES = ("mailto:", "tel:")

_PERSONS = f"""SELECT DISTINCT ?p WHERE {{ %s
  ?p a ?t . ?t <{RDFS.subClassOf}>* <{FOAF.Person}>
  FILTER NOT EXISTS {{ ?p a ?t2 . ?t2 <{RDFS.subClassOf}>* <{ORG.Organization}> }} }}"""


def natural_persons(store: Store, graph: str | None = None,
                    among: Iterable[ox.NamedNode | ox.BlankNode] | None = None) -> set[str]:
    """The natural persons (as N-Triples terms, ``<iri>`` or ``_:id``) described in ``graph``
    (any graph when None), or only those ``among`` the given resources. Their types may come
    from any graph (the class hierarchy is the ontology's)."""
    head = ""
    subs = {}
    if among is not None:
        terms = [(t,) for t in among if isinstance(t, ox.NamedNode)]
        if not terms:
            return set()
        head += values_block(["p"], terms) + " "
    if graph is not None:
        head += "GRAPH ?g { ?p ?anyp ?anyo } "
        subs["g"] = nn(graph)
    return {str(s["p"]) for s in store.query(_PERSONS % head, substitutions=subs or None)}


def is_contact(predicate: ox.NamedNode, obj) -> bool:
    """Whether a triple with this predicate and object is contact data."""
    if predicate.value in CONTACT_PROPERTIES:
        return True
    return isinstance(obj, (ox.NamedNode, ox.Literal)) and \
        obj.value[:7].lower().startswith(CONTACT_SCHEMES)


def keep(triple: ox.Triple, persons: set[str]) -> bool:
    """Whether ``triple`` may be published: no contact data, no natural person's name."""
    if is_contact(triple.predicate, triple.object):
        return False
    return not (triple.predicate.value in NAME_PROPERTIES and str(triple.subject) in persons)


def redact(items: Iterable, persons: set[str]) -> Iterator:
    """``items`` (triples or quads) without contact data and natural persons' names."""
    for t in items:
        if keep(t.triple if isinstance(t, ox.Quad) else t, persons):
            yield t


def has_personal_data(store: Store, graph: str) -> bool:
    """Whether the graph holds anything :func:`redact` leaves out."""
    contact = " ".join(f"<{p}>" for p in sorted(CONTACT_PROPERTIES))
    q = ("ASK { GRAPH ?g { ?s ?p ?o FILTER(?p IN (%s) || ((isIRI(?o) || isLiteral(?o)) && "
         "(STRSTARTS(LCASE(STR(?o)), \"mailto:\") || STRSTARTS(LCASE(STR(?o)), \"tel:\")))) } }"
         % ", ".join(contact.split()))
    if store.query(q, substitutions={"g": nn(graph)}):
        return True
    return bool(natural_persons(store, graph))
