"""A seeded generator of synthetic cluster graphs, for benchmarks and scale tests.

The enumerations (stakeholder categories, technologies, scientific fields, value-chain steps) are
read from the ontology, so the synthetic data uses exactly the ontology's terms. Everything is
marked synthetic (``dcterms:source`` "synthetic"), and the same seed gives the same bytes.
"""

from __future__ import annotations

import random
from typing import BinaryIO

import pyoxigraph as ox

from .config import data_root
from .namespaces import AMI, AMID
from .store import Store, nn, scratch_store

#: NUTS 2 regions the generator spreads organisations over (real codes, 2021 classification).
REGIONS = ["ES30", "ES51", "ES61", "ITI4", "ITC4", "ITH5", "HU32", "HU11", "RO21", "RO32", "RO11",
           "DE91", "DE92", "DE30", "DE21", "DE71", "FR10", "FRK2", "NL32", "BE10", "AT13", "PL91",
           "CZ01", "SE11", "DK01", "FI1B", "PT17", "IE06", "EL30", "SI04"]
COUNTRY = {"ES": "ESP", "IT": "ITA", "HU": "HUN", "RO": "ROU", "DE": "DEU", "FR": "FRA",
           "NL": "NLD", "BE": "BEL", "AT": "AUT", "PL": "POL", "CZ": "CZE", "SE": "SWE",
           "DK": "DNK", "FI": "FIN", "PT": "PRT", "IE": "IRL", "EL": "GRC", "SI": "SVN"}

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
MEMBER_OF = "<http://www.w3.org/ns/org#memberOf>"
HAS_MEMBER = "<http://www.w3.org/ns/org#hasMember>"
SOURCE = "<http://purl.org/dc/terms/source>"


def _instances(store: Store, cls: str) -> list[str]:
    q = ("SELECT DISTINCT ?x WHERE { ?x a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?cls } "
         "ORDER BY ?x")
    return [s["x"].value for s in store.query(q, substitutions={"cls": nn(cls)})
            if isinstance(s["x"], ox.NamedNode)]


def _subclasses(store: Store, cls: str) -> list[str]:
    q = ("SELECT DISTINCT ?x WHERE { ?x <http://www.w3.org/2000/01/rdf-schema#subClassOf>+ ?cls "
         "FILTER(isIRI(?x)) } ORDER BY ?x")
    return [s["x"].value for s in store.query(q, substitutions={"cls": nn(cls)})]


def vocabulary() -> dict[str, list[str]]:
    """The ontology's enumerations the generator draws from."""
    store = scratch_store()  # queries see the union of its graphs
    for f in sorted((data_root() / "ontology").glob("*.ttl")):
        store.add(ox.parse(path=str(f), format=ox.RdfFormat.TURTLE))
    vocab = {
        "categories": _subclasses(store, str(AMI.ScientificStakeholder))
        + _subclasses(store, str(AMI.NonScientificStakeholder)),
        "technologies": _instances(store, str(AMI.Technology)),
        "fields": _instances(store, str(AMI.ScientificField)),
        "steps": _instances(store, str(AMI.ValueChainStep)),
    }
    empty = [k for k, v in vocab.items() if not v]
    if empty:
        raise RuntimeError(f"the ontology has no {', '.join(empty)} to generate from")
    return vocab


def write_synthetic(out: BinaryIO, orgs: int, seed: int = 42) -> int:
    """Write ``orgs`` organisations and ``max(1, orgs // 100)`` clusters as N-Triples; returns the
    number of triples written."""
    rnd = random.Random(seed)
    v = vocabulary()
    competencies = v["technologies"] + v["fields"]
    n_clusters = max(1, orgs // 100)
    syn = '"synthetic"'
    count = 0
    buf: list[str] = []

    def t(s, p, o):
        nonlocal count
        buf.append(f"{s} {p} {o} .\n")
        count += 1

    def iri(x):
        return f"<{x}>"

    for c in range(n_clusters):
        region = REGIONS[c % len(REGIONS)]
        ci = iri(AMID[f"cluster/syn-{c}"])
        t(ci, RDF_TYPE, iri(AMI.Cluster))
        t(ci, RDF_TYPE, "<http://www.w3.org/ns/org#Organization>")
        t(ci, LABEL, f'"Synthetic cluster {c} ({region})"@en')
        t(ci, iri(AMI.region), f"<http://data.europa.eu/nuts/code/{region}>")
        t(ci, iri(AMI.country),
          f"<http://publications.europa.eu/resource/authority/country/{COUNTRY[region[:2]]}>")
        t(ci, SOURCE, syn)
    for i in range(orgs):
        oi = iri(AMID[f"org/syn-{i}"])
        region = rnd.choice(REGIONS)
        t(oi, RDF_TYPE, "<http://www.w3.org/ns/org#Organization>")
        t(oi, RDF_TYPE, iri(rnd.choice(v["categories"])))
        if rnd.random() < 0.4:
            t(oi, RDF_TYPE, iri(AMI.SME if rnd.random() < 0.8 else AMI.LargeCompany))
        t(oi, LABEL, f'"Organisation {i}"@en')
        t(oi, iri(AMI.region), f"<http://data.europa.eu/nuts/code/{region}>")
        t(oi, iri(AMI.country),
          f"<http://publications.europa.eu/resource/authority/country/{COUNTRY[region[:2]]}>")
        for comp in rnd.sample(competencies, rnd.randint(1, 4)):
            t(oi, iri(AMI.hasCompetency), iri(comp))
        for step in rnd.sample(v["steps"], rnd.randint(1, 2)):
            t(oi, iri(AMI.actsAtStep), iri(step))
        if rnd.random() < 0.7:
            ci = iri(AMID[f"cluster/syn-{rnd.randrange(n_clusters)}"])
            t(oi, MEMBER_OF, ci)
            t(ci, HAS_MEMBER, oi)
        if i and rnd.random() < 0.3:
            t(oi, iri(AMI.connectedWith), iri(AMID[f"org/syn-{rnd.randrange(i)}"]))
        t(oi, SOURCE, syn)
        if len(buf) > 20_000:
            out.write("".join(buf).encode())
            buf.clear()
    out.write("".join(buf).encode())
    return count
