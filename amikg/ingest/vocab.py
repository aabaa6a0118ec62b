"""The enumerations a mapping's cells may name, read from the bundled ontology: stakeholder
categories, company sizes, value-chain steps, competencies, member kinds, and the countries (with
their NUTS codes) of ``amikg/mappings/countries.csv``. A cell may hold a value's label, notation or
code; "did you mean" suggestions come from here."""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache

import pyoxigraph as ox

from ..config import data_root
from ..namespaces import COUNTRY
from ..store import scratch_store
from .mapping import MAPPINGS_DIR, match_key


@dataclass
class Enumeration:
    """Allowed values of one column: what a cell may say -> the token the mapping uses."""

    key: str
    what: str  # "a stakeholder category"
    values: list[tuple[str, str, str]] = field(default_factory=list)  # (display, iri, token)
    index: dict[str, int] = field(default_factory=dict)

    def add(self, display: str, iri: str, token: str, *names: str) -> None:
        i = len(self.values)
        self.values.append((display, iri, token))
        for n in (display, *names):
            if n:
                self.index.setdefault(match_key(n), i)

    def lookup(self, text: str) -> tuple[str, str, str] | None:
        n = match_key(text)
        i = self.index.get(n)
        if i is None and n.endswith("s"):
            i = self.index.get(n[:-1])
        return self.values[i] if i is not None else None

    def suggest(self, text: str) -> str | None:
        hit = difflib.get_close_matches(match_key(text), list(self.index), n=1, cutoff=0.6)
        return self.values[self.index[hit[0]]][0] if hit else None

    @property
    def displays(self) -> list[str]:
        return [d for d, _, _ in self.values]


def _cap(label: str) -> str:
    return label[:1].upper() + label[1:]


def _camel_words(local: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", local)


@lru_cache(maxsize=1)
def ontology_enumerations() -> dict[str, Enumeration]:
    """The enumerations the default mapping refers to, read from the bundled ontology."""
    root = data_root()
    g = scratch_store()
    for f in sorted((root / "ontology").glob("*.ttl")):
        with open(f, "rb") as fh:
            g.add(ox.parse(fh, format=ox.RdfFormat.TURTLE))
    pre = ("PREFIX ami: <https://w3id.org/amikg/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
           "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX foaf: <http://xmlns.com/foaf/0.1/> ")

    def rows(q: str):
        return [[(t.value if t is not None else "") for t in s] for s in g.query(pre + q)]

    labels = ("OPTIONAL { ?c rdfs:label ?l FILTER(lang(?l) = 'en' || lang(?l) = '') } "
              "OPTIONAL { ?c skos:notation ?n } "
              "OPTIONAL { ?c skos:altLabel ?alt } } GROUP BY ?c ?l ?n ORDER BY ?o ?l")
    sel = "SELECT ?c ?l ?n (GROUP_CONCAT(?alt; separator='|') AS ?alts) (SAMPLE(?ord) AS ?o) WHERE { "
    out: dict[str, Enumeration] = {}

    def fill(key, what, q, token=lambda iri, n: iri, display=_cap):
        e = Enumeration(key, what)
        for iri, label, notation, alts, _ in rows(sel + q + labels):
            local = iri.rsplit("#", 1)[-1]
            e.add(display(label or local), iri, token(iri, notation), notation, local,
                  _camel_words(local), *alts.split("|"))
        out[key] = e

    fill("category", "a stakeholder category",
         "{ ?c rdfs:subClassOf+ ami:Stakeholder } UNION "
         "{ VALUES ?c { ami:Company ami:ResearchInstitution ami:University } } "
         "FILTER NOT EXISTS { ?c rdfs:subClassOf+ foaf:Person } "
         "FILTER (?c NOT IN (ami:ScientificStakeholder, ami:NonScientificStakeholder)) ")
    fill("size", "a company size", "VALUES ?c { ami:SME ami:LargeCompany } ",
         display=lambda s: s if s.isupper() else _cap(s))
    fill("step", "a value-chain step", "?c a ami:ValueChainStep OPTIONAL { ?c ami:stepOrder ?ord } ")
    fill("competency", "a technology or scientific field",
         "VALUES ?t { ami:Technology ami:ScientificField } ?c a ?t ")
    fill("fee-level", "a member kind for fee levels", "?c a ami:MemberKind ",
         token=lambda iri, n: iri.rsplit("#kind-", 1)[-1])
    countries = Enumeration("country", "a European country (ISO 3166 code or English name)")
    with open(MAPPINGS_DIR / "countries.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            countries.add(r["name"], str(COUNTRY[r["alpha3"]]), str(COUNTRY[r["alpha3"]]),
                          r["alpha2"], r["alpha3"], r["nuts"])
    out["country"] = countries
    return out


@dataclass(frozen=True)
class NutsRegion:
    """A NUTS region of the bundled reference data."""

    code: str
    label: str
    names: tuple[str, ...]  # every label, in the form of :func:`match_key`


@lru_cache(maxsize=1)
def nuts_regions() -> dict[str, NutsRegion]:
    """The NUTS regions of the bundled reference data by code (``ES30``: Community of Madrid)."""
    g = scratch_store()
    with open(data_root() / "ontology" / "reference.ttl", "rb") as fh:
        g.add(ox.parse(fh, format=ox.RdfFormat.TURTLE))
    q = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
         "SELECT ?code (SAMPLE(?pref) AS ?label) (GROUP_CONCAT(?l; separator='|') AS ?names) "
         "WHERE { ?r skos:inScheme <http://data.europa.eu/nuts> ; skos:notation ?code ; "
         "skos:prefLabel ?pref . { ?r skos:prefLabel ?l } UNION { ?r skos:altLabel ?l } } "
         "GROUP BY ?code")
    return {s["code"].value: NutsRegion(s["code"].value, s["label"].value,
                                        tuple(match_key(n) for n in s["names"].value.split("|")))
            for s in g.query(q)}


def nuts_example(country_nuts: str) -> str | None:
    """A code of the country (its NUTS code, ``ES``) to show as an example: the deepest of the
    reference data (``ES30``), or ``None``."""
    codes = [c for c in nuts_regions() if c.startswith(country_nuts)]
    return max(codes, key=lambda c: (len(c), c)) if codes else None


def nuts_by_name(text: str, country_nuts: str | None) -> NutsRegion | None:
    """The region a name such as "Madrid" means (a label, or words of one), in the member's
    country when it is known: the deepest one (ES30 rather than ES3)."""
    key = match_key(text)
    if not key:
        return None
    regions = [r for c, r in nuts_regions().items()
               if not country_nuts or c.startswith(country_nuts)]
    for fits in (lambda n: n == key, lambda n: f" {key} " in f" {n} "):
        hits = [r for r in regions if any(fits(n) for n in r.names)]
        if hits:
            return max(hits, key=lambda r: (len(r.code), r.code))
    return None


@lru_cache(maxsize=1)
def country_name_of_nuts() -> dict[str, str]:
    """NUTS country code -> the country's English name (``EL`` -> Greece)."""
    with open(MAPPINGS_DIR / "countries.csv", encoding="utf-8", newline="") as f:
        return {r["nuts"]: r["name"] for r in csv.DictReader(f)}


@lru_cache(maxsize=1)
def nuts_of_country() -> dict[str, str]:
    """Country authority IRI -> NUTS country code (``EL`` for Greece, ``UK``)."""
    with open(MAPPINGS_DIR / "countries.csv", encoding="utf-8", newline="") as f:
        return {str(COUNTRY[r["alpha3"]]): r["nuts"] for r in csv.DictReader(f)}

