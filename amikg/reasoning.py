"""Consistency checking with owlready2 and HermiT.

``check_consistency(source)`` runs HermiT (bundled with owlready2, needs ``java`` on PATH) over an
rdflib graph, a Turtle/N-Triples file, or several files, in a private owlready2 ``World`` (no global
state), and returns a :class:`Result`.

HermiT only accepts the OWL 2 datatype map. A data value with another datatype (``xsd:date``,
``xsd:gYear``, ...) in a logical axiom makes it stop with ``UnsupportedDatatypeException``. So the
input is prepared first (:func:`prepare_for_hermit`), on a copy:

* ``xsd:date`` literals of non-annotation properties become ``xsd:dateTime`` at midnight (same
  order, same time zone), and an ``rdfs:range xsd:date`` becomes ``rdfs:range xsd:dateTime``;
* other literals outside the datatype map (``xsd:gYear``, ``xsd:duration``, custom datatypes) of
  non-annotation properties are dropped, and so are ``rdfs:range`` axioms naming such a datatype;
* annotation values are kept as they are: HermiT does not reason with them.

The result reports how many literals were converted and which triples were dropped. Dates are
checked by SHACL, not by the reasoner (docs/modelling.md).
"""

from __future__ import annotations

import io
import re
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Union

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from .errors import AmikgError, LoadError, ValidationFailed

Source = Union[Graph, str, Path, Iterable[Union[str, Path]]]

#: Datatypes of the OWL 2 datatype map (OWL 2 Structural Specification, section 4), which HermiT
#: supports. Anything else in a logical axiom stops HermiT.
OWL2_DATATYPES = frozenset(
    [RDF.PlainLiteral, RDF.XMLLiteral, RDF.langString, RDFS.Literal, OWL.real, OWL.rational]
    + [XSD[n] for n in (
        "decimal", "integer", "nonNegativeInteger", "nonPositiveInteger", "positiveInteger",
        "negativeInteger", "long", "int", "short", "byte", "unsignedLong", "unsignedInt",
        "unsignedShort", "unsignedByte", "double", "float", "string", "normalizedString", "token",
        "language", "Name", "NCName", "NMTOKEN", "boolean", "hexBinary", "base64Binary", "anyURI",
        "dateTime", "dateTimeStamp")]
)

#: Annotation properties known without a declaration in the input (OWL 2 built-ins).
BUILTIN_ANNOTATION_PROPERTIES = frozenset([
    RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy, OWL.versionInfo, OWL.deprecated,
    OWL.priorVersion, OWL.backwardCompatibleWith, OWL.incompatibleWith,
])

_DATE = re.compile(r"^(-?\d{4,}-\d{2}-\d{2})(Z|[+-]\d{2}:\d{2})?$")


class ReasonerError(AmikgError):
    """HermiT could not be run or refused the input (the Java message is included)."""

    http_status = 500


class ReasonerUnavailable(ReasonerError):
    """Java is not installed, so HermiT cannot run."""

    http_status = 503


class InconsistentOntology(ValidationFailed):
    """The ontology plus data is inconsistent under HermiT."""


@dataclass(frozen=True)
class Result:
    """What HermiT said about the input.

    ``consistent`` is False when HermiT found a contradiction. ``unsatisfiable`` lists classes that
    can have no instances (the input is then consistent but incoherent). ``hints`` names individuals
    typed with two disjoint classes, a cheap first explanation of an inconsistency.
    """

    consistent: bool
    unsatisfiable: tuple[str, ...] = ()
    triples: int = 0
    converted: int = 0
    dropped: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def coherent(self) -> bool:
        """Consistent and without unsatisfiable classes."""
        return self.consistent and not self.unsatisfiable

    @property
    def message(self) -> str:
        if not self.consistent:
            text = "HermiT: the ontology and data are inconsistent"
            return text + (": " + "; ".join(self.hints) if self.hints else "")
        if self.unsatisfiable:
            return "HermiT: consistent, but unsatisfiable classes: " + ", ".join(self.unsatisfiable)
        return f"HermiT: consistent ({self.triples} triples)"

    def __bool__(self) -> bool:
        return self.consistent

    def raise_if_inconsistent(self) -> "Result":
        """Return self, or raise :class:`InconsistentOntology` naming the hints."""
        if not self.consistent:
            raise InconsistentOntology(self.message, hints=list(self.hints) or None)
        return self


def java_path() -> str | None:
    """The ``java`` executable on PATH, or None."""
    return shutil.which("java")


def read_source(source: Source) -> Graph:
    """An rdflib graph of the input: a graph (used as is), one file, or several files.

    :raise amikg.errors.LoadError: a file is missing or does not parse.
    """
    if isinstance(source, Graph):
        return source
    paths = [source] if isinstance(source, (str, Path)) else list(source)
    graph = Graph()
    for p in paths:
        p = Path(p)
        fmt = "nt" if p.suffix == ".nt" else "turtle"
        try:
            graph.parse(p, format=fmt)
        except FileNotFoundError:
            raise LoadError(f"no such file: {p}", source=str(p)) from None
        except Exception as e:  # rdflib raises several parser exception types
            raise LoadError(f"{p} does not parse: {e}", source=str(p)) from None
    return graph


def _annotation_properties(graph: Graph) -> set:
    declared = set(graph.subjects(RDF.type, OWL.AnnotationProperty))
    return declared | BUILTIN_ANNOTATION_PROPERTIES


def prepare_for_hermit(graph: Graph) -> tuple[Graph, int, list[str]]:
    """A copy of ``graph`` that HermiT accepts: (copy, literals converted, triples dropped).

    See the module docstring for the rules.
    """
    annotation = _annotation_properties(graph)
    out = Graph()
    converted, dropped = 0, []
    for s, p, o in graph:
        if p == RDFS.range and isinstance(o, URIRef) and o.startswith(str(XSD)) and o not in OWL2_DATATYPES:
            if o == XSD.date:
                out.add((s, p, XSD.dateTime))
                converted += 1
            else:
                dropped.append(f"{s} rdfs:range {o}")
            continue
        if isinstance(o, Literal) and o.datatype is not None and o.datatype not in OWL2_DATATYPES \
                and p not in annotation:
            m = _DATE.match(str(o)) if o.datatype == XSD.date else None
            if m:
                out.add((s, p, Literal(f"{m.group(1)}T00:00:00{m.group(2) or ''}", datatype=XSD.dateTime)))
                converted += 1
            else:
                dropped.append(f"{s} {p} {o.n3()}")
            continue
        out.add((s, p, o))
    return out, converted, dropped


def disjointness_hints(graph: Graph, limit: int = 10) -> list[str]:
    """Individuals asserted (directly or via rdfs:subClassOf) to be in two disjoint classes."""
    disjoint = {(a, b) for a, b in graph.subject_objects(OWL.disjointWith)}
    if not disjoint:
        return []

    def supers(c, seen=None):
        seen = seen if seen is not None else set()
        if c in seen:
            return seen
        seen.add(c)
        for sup in graph.objects(c, RDFS.subClassOf):
            if isinstance(sup, URIRef):
                supers(sup, seen)
        return seen

    hints = []
    individuals = {s for s, t in graph.subject_objects(RDF.type)
                   if t not in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty,
                                OWL.AnnotationProperty, OWL.Ontology, RDFS.Class)}
    for ind in sorted(individuals):
        closure = set()
        for t in graph.objects(ind, RDF.type):
            closure |= supers(t)
        for a, b in disjoint:
            if a in closure and b in closure:
                hints.append(f"{ind} is both {a} and {b}, which are disjoint")
                break
        if len(hints) >= limit:
            break
    return hints


def check_consistency(source: Source, *, java: str | None = None) -> Result:
    """Run HermiT over ``source`` (an rdflib graph, a file, or several files).

    :param java: path of the java executable; default ``java`` on PATH.
    :return: a :class:`Result`; ``bool(result)`` is ``result.consistent``.
    :raise ReasonerUnavailable: Java is not installed.
    :raise ReasonerError: HermiT stopped with an error other than an inconsistency.
    :raise amikg.errors.LoadError: an input file is missing or does not parse.
    """
    java = java or java_path()
    if not java:
        raise ReasonerUnavailable(
            "HermiT needs Java, and no `java` is on PATH (install a JRE, e.g. "
            "`apt-get install default-jre-headless`)")
    graph = read_source(source)
    prepared, converted, dropped = prepare_for_hermit(graph)
    data = prepared.serialize(format="nt", encoding="utf-8")

    import owlready2

    world = owlready2.World()
    saved_java = owlready2.JAVA_EXE
    caught: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            onto = world.get_ontology("https://w3id.org/amikg/reasoning-input")
            onto.load(fileobj=io.BytesIO(data), format="ntriples")
            owlready2.JAVA_EXE = java  # read by sync_reasoner_hermit; restored below
            try:
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
                consistent = True
            except owlready2.OwlReadyInconsistentOntologyError:
                consistent = False
            except owlready2.OwlReadyJavaError as e:
                raise ReasonerError(f"HermiT stopped: {e}") from None
            unsat = () if not consistent else tuple(sorted(c.iri for c in world.inconsistent_classes()))
        caught = [str(x.message) for x in w]
    finally:
        owlready2.JAVA_EXE = saved_java
        world.close()
    return Result(
        consistent=consistent,
        unsatisfiable=unsat,
        triples=len(prepared),
        converted=converted,
        dropped=tuple(dropped),
        hints=tuple(disjointness_hints(graph)) if not consistent else (),
        warnings=tuple(caught),
    )
