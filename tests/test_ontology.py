"""The AMI ontology and the report's bundled data (issue 2).

Expected values are quoted from the AMI-4Europe D2.2 report; ``test_quotes_are_the_reports_own_text``
checks the quotes against the report itself (shared/seeds/000_38ea3894b2ee1e7c.txt).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from rdflib import BNode, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from amikg import reasoning
from amikg.reasoning import check_consistency, prepare_for_hermit
from conftest import SHARED, need

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology" / "ami.ttl"
REFERENCE = ROOT / "ontology" / "reference.ttl"
#: The report's facts: those of no single cluster, and each cluster's profile (its own graph).
REPORT_DATA = [ROOT / "ontology" / "data" / "report-clusters.ttl",
               *sorted((ROOT / "ontology" / "data").glob("cluster-*.ttl"))]
FILES = [ONTOLOGY, REFERENCE, *REPORT_DATA]
REPORT_TEXT = SHARED / "seeds" / "000_38ea3894b2ee1e7c.txt"

AMI = Namespace("https://w3id.org/amikg/ontology#")
AMID = Namespace("https://w3id.org/amikg/id/")
PROV = Namespace("http://www.w3.org/ns/prov#")
ONTOLOGY_IRI = URIRef("https://w3id.org/amikg/ontology")
SOURCE = AMID["source/ami-4europe-d2.2"]


@pytest.fixture(scope="module")
def tbox() -> rdflib.Graph:
    """The ontology graph: ami.ttl plus reference.ttl."""
    g = rdflib.Graph()
    g.parse(ONTOLOGY)
    g.parse(REFERENCE)
    return g


@pytest.fixture(scope="module")
def everything(tbox) -> rdflib.Graph:
    g = rdflib.Graph()
    for t in tbox:
        g.add(t)
    for path in REPORT_DATA:
        g.parse(path)
    return g


def one(g: rdflib.Graph, s, p):
    values = list(g.objects(s, p))
    assert len(values) == 1, f"{s} {p}: {values}"
    return values[0]


def java_or_skip():
    need(reasoning.java_path() is not None, "HermiT needs Java and no `java` is on PATH")


# -- parsing and header --

@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_bundled_file_parses_with_rdflib_and_oxigraph(path):
    assert len(rdflib.Graph().parse(path)) > 0
    store = pyoxigraph.Store()
    store.load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)
    assert len(store) > 0


def test_ontology_header_names_version_licence_source_and_prefix(tbox):
    assert one(tbox, ONTOLOGY_IRI, OWL.versionIRI) == URIRef("https://w3id.org/amikg/ontology/0.1.0")
    assert str(one(tbox, ONTOLOGY_IRI, OWL.versionInfo)) == "0.1.0"
    dct = Namespace("http://purl.org/dc/terms/")
    assert one(tbox, ONTOLOGY_IRI, dct.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert one(tbox, ONTOLOGY_IRI, dct.source) == SOURCE
    for p in (dct.title, dct.description, dct.creator, dct.created, dct.modified):
        one(tbox, ONTOLOGY_IRI, p)
    vann = Namespace("http://purl.org/vocab/vann/")
    assert str(one(tbox, ONTOLOGY_IRI, vann.preferredNamespacePrefix)) == "ami"
    assert str(one(tbox, ONTOLOGY_IRI, vann.preferredNamespaceUri)) == str(AMI)


def test_report_source_names_project_number_deliverable_and_date(tbox):
    dct = Namespace("http://purl.org/dc/terms/")
    assert str(one(tbox, SOURCE, AMI.projectNumber)) == "265435"
    assert str(one(tbox, SOURCE, dct.identifier)) == "D2.2"
    assert one(tbox, SOURCE, dct.date) == Literal("2013-05", datatype=XSD.gYearMonth)
    assert "Roadmap and Recommendations" in str(one(tbox, SOURCE, dct.title))


def test_no_property_has_an_xsd_date_range(tbox):
    assert not list(tbox.subjects(RDFS.range, XSD.date))


# -- reasoning --

def test_hermit_finds_ontology_and_report_data_consistent():
    java_or_skip()
    result = check_consistency(FILES)
    assert result.consistent, result.message
    assert result.coherent, result.message
    assert result.dropped == ()


def test_hermit_catches_an_individual_that_is_both_scientific_and_non_scientific(everything):
    java_or_skip()
    g = rdflib.Graph()
    for t in everything:
        g.add(t)
    odd = AMID["org/hospital-and-authority"]
    g.add((odd, RDF.type, AMI.Hospital))
    g.add((odd, RDF.type, AMI.RegionalAuthority))
    result = check_consistency(g)
    assert not result.consistent
    assert not result
    assert any(str(odd) in h for h in result.hints), result.hints
    with pytest.raises(reasoning.InconsistentOntology):
        result.raise_if_inconsistent()


def test_raw_xsd_date_literal_stops_hermit_but_prepared_graph_passes(tbox):
    """HermiT only accepts the OWL 2 datatype map; prepare_for_hermit converts dates first."""
    java_or_skip()
    import io

    import owlready2

    g = rdflib.Graph()
    m = AMID["membership/example"]
    g.add((AMI.membershipStart, RDF.type, OWL.DatatypeProperty))
    g.add((m, AMI.membershipStart, Literal("2013-05-01", datatype=XSD.date)))
    world = owlready2.World()
    try:
        world.get_ontology("https://example.org/raw").load(
            fileobj=io.BytesIO(g.serialize(format="nt", encoding="utf-8")), format="ntriples")
        with pytest.raises(owlready2.OwlReadyJavaError, match="UnsupportedDatatype"):
            owlready2.sync_reasoner_hermit(world, debug=0)
    finally:
        world.close()
    result = check_consistency(g)
    assert result.consistent and result.converted == 1


def test_prepare_for_hermit_converts_dates_drops_other_datatypes_and_keeps_annotations():
    g = rdflib.Graph()
    m = AMID["membership/example"]
    g.add((AMI.membershipStart, RDF.type, OWL.DatatypeProperty))
    g.add((AMI.note, RDF.type, OWL.AnnotationProperty))
    g.add((m, AMI.membershipStart, Literal("2013-05-01+02:00", datatype=XSD.date, normalize=False)))
    g.add((m, AMI.founded, Literal("2010", datatype=XSD.gYear)))
    g.add((m, AMI.note, Literal("2010", datatype=XSD.gYear)))
    g.add((AMI.someDate, RDFS.range, XSD.date))
    g.add((AMI.someYear, RDFS.range, XSD.gYear))
    out, converted, dropped = prepare_for_hermit(g)
    assert (m, AMI.membershipStart, Literal("2013-05-01T00:00:00+02:00", datatype=XSD.dateTime)) in out
    assert (AMI.someDate, RDFS.range, XSD.dateTime) in out
    assert (m, AMI.note, Literal("2010", datatype=XSD.gYear)) in out
    assert converted == 2
    assert len(dropped) == 2 and all("gYear" in d for d in dropped)


def test_check_consistency_without_java_says_what_is_missing(monkeypatch):
    monkeypatch.setattr(reasoning, "java_path", lambda: None)
    with pytest.raises(reasoning.ReasonerUnavailable, match="java"):
        check_consistency(FILES)


def test_sub_category_members_are_found_by_property_path_over_the_union_graph():
    """The modelling decision: no materialisation; queries use rdf:type/rdfs:subClassOf*."""
    store = pyoxigraph.Store()
    for path in (ONTOLOGY, REFERENCE):
        store.load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE,
                   to_graph=pyoxigraph.NamedNode("https://w3id.org/amikg/graph/ontology"))
    store.load(input=f"<{AMID['org/example-hospital']}> <{RDF.type}> <{AMI.Hospital}> .",
               format=pyoxigraph.RdfFormat.N_TRIPLES,
               to_graph=pyoxigraph.NamedNode("https://w3id.org/amikg/graph/demo"))
    query = f"""SELECT ?o WHERE {{ ?o a/<{RDFS.subClassOf}>* <{AMI.ScientificStakeholder}> }}"""
    found = {row["o"].value for row in store.query(query, use_default_graph_as_union=True)}
    assert found == {str(AMID["org/example-hospital"])}
    query = f"""SELECT ?o WHERE {{ ?o a/<{RDFS.subClassOf}>* <{AMI.NonScientificStakeholder}> }}"""
    assert not list(store.query(query, use_default_graph_as_union=True))


# -- roadmap --

# iri, phase, order, page (as the conclusion prints it), wording (exact)
ROADMAP = [
    ("cp-value-chain", "market", 1, 4, "Defining a value chain of the market in the region"),
    ("cp-key-players", "market", 2, 4, "Identification of key players in the respective field (in their region and on the world market)"),
    ("cp-smes", "market", 3, 4, "Identification of SMEs engaged in the topic"),
    ("cp-research-institutions", "market", 4, 4, "Identification of research institutions related to the topic"),
    ("cp-connections", "market", 5, 4, "Identification of the connections between them"),
    ("cp-market-barriers", "market", 6, 4, "Analysis of market barriers and challenges"),
    ("cp-technologies", "market", 7, 4, "Analysis of relevant technologies and future niches"),
    ("cp-patents", "market", 8, 4, "Analysis of the patent situation of a (regional) market"),
    ("cp-scientific-stakeholders", "stakeholders", 9, 9, "Identification of regional scientific stakeholders"),
    ("cp-non-scientific-stakeholders", "stakeholders", 10, 9, "Identification of regional non-scientific stakeholders"),
    ("cp-management-office", "stakeholders", 11, 9, "Recruitment of staff for the cluster's management office that is able to cover the wide range of services that the cluster is offering"),
    ("cp-mission-values-goals", "strategy", 12, 15, "Identification of a common mission statement, values and goals"),
    ("cp-thematic-alignment", "strategy", 13, 15, "Definition of the cluster's thematic alignment"),
    ("cp-internal-processes", "strategy", 14, 15, "Definition and establishment of internal processes of the management institution"),
    ("cp-legal-form", "legal-funding", 15, 20, "Definition of the legal form of the cluster"),
    ("cp-financing", "legal-funding", 16, 20, "Identification of financing possibilities in relation to the cluster's legal status"),
    ("act-know-members", "meeting-members", 17, 23, "Getting to know each member and build up a strong relationship"),
    ("act-survey-needs", "meeting-members", 18, 23, "Routinely survey of needs and requirements"),
    ("act-share-expertise", "networking", 19, 24, "Continuous sharing of expertise for the members and"),
    ("act-networking", "networking", 20, 24, "Providing an efficient networking"),
    ("act-rd-fields", "networking", 21, 24, "Evaluation, progression and initialization of current and new R&D fields"),
    ("act-marketing-strategy", "marketing", 22, 25, "Development of a marketing strategy relative to the respective target group(s)"),
    ("act-internal-communication", "marketing", 23, 25, "Development of internal communication processes for group 1"),
    ("act-consultation", "consultation", 24, 28, "Being the contact point for the cluster's members and offer them consultation"),
]
PHASES = [("market", 4), ("stakeholders", 9), ("strategy", 15), ("legal-funding", 20),
          ("meeting-members", 23), ("networking", 24), ("marketing", 25), ("consultation", 28)]


@pytest.mark.parametrize("name,phase,order,page,wording", ROADMAP, ids=[r[0] for r in ROADMAP])
def test_roadmap_item_has_phase_order_page_and_exact_wording(tbox, name, phase, order, page, wording):
    item = AMI[name]
    kind = AMI.Checkpoint if name.startswith("cp-") else AMI.Activity
    assert (item, RDF.type, kind) in tbox
    assert one(tbox, item, AMI.inPhase) == AMI[f"phase-{phase}"]
    assert one(tbox, item, AMI.roadmapOrder).toPython() == order
    assert one(tbox, item, AMI.reportPage).toPython() == page
    assert str(one(tbox, item, AMI.wording)) == wording
    assert one(tbox, item, AMI.reportSection)


def test_there_are_exactly_16_checkpoints_and_8_activities_with_distinct_orders(tbox):
    checkpoints = set(tbox.subjects(RDF.type, AMI.Checkpoint))
    activities = set(tbox.subjects(RDF.type, AMI.Activity))
    assert len(checkpoints) == 16 and len(activities) == 8
    assert checkpoints | activities == {AMI[r[0]] for r in ROADMAP}
    orders = [one(tbox, i, AMI.roadmapOrder).toPython() for i in checkpoints | activities]
    assert sorted(orders) == list(range(1, 25))


@pytest.mark.parametrize("n,phase,page", [(i, p, pg) for i, (p, pg) in enumerate(PHASES, 1)],
                         ids=[p for p, _ in PHASES])
def test_phase_has_order_and_the_page_the_conclusion_prints(tbox, n, phase, page):
    p = AMI[f"phase-{phase}"]
    assert (p, RDF.type, AMI.Phase) in tbox
    assert one(tbox, p, AMI.roadmapOrder).toPython() == n
    assert one(tbox, p, AMI.reportPage).toPython() == page
    assert len(set(tbox.subjects(RDF.type, AMI.Phase))) == 8


def test_assessment_vocabulary_has_four_statuses(tbox):
    statuses = set(tbox.subjects(RDF.type, AMI.AssessmentStatus))
    assert statuses == {AMI[f"status-{s}"] for s in ("done", "in-progress", "open", "not-applicable")}
    for p in (AMI.assessedCluster, AMI.assessedItem, AMI.status, AMI.evidence, AMI.responsible):
        assert (p, RDFS.domain, AMI.CheckpointAssessment) in tbox


def test_value_chain_has_seven_ordered_linked_steps(tbox):
    steps = sorted(tbox.subjects(RDF.type, AMI.ValueChainStep),
                   key=lambda s: one(tbox, s, AMI.stepOrder).toPython())
    assert [one(tbox, s, AMI.stepOrder).toPython() for s in steps] == list(range(1, 8))
    assert steps[0] == AMI["step-basic-research"] and steps[-1] == AMI["step-clinical-use"]
    for a, b in zip(steps, steps[1:]):
        assert one(tbox, a, AMI.nextStep) == b
    assert not list(tbox.objects(steps[-1], AMI.nextStep))


# -- enumerations --

SCIENTIFIC = ["EndUser", "IntermediateUser", "OpinionLeader", "Hospital", "Researcher", "ResearchCenter",
              "AcademicCenter", "ServiceProvider", "Manufacturer", "ScientificSociety", "TechnologyPlatform",
              "TechnologyJointInitiative", "TechnologyAssessmentAgency"]
NON_SCIENTIFIC = ["RegionalAuthority", "FinancialActor", "PublicPrivatePartnership", "Association",
                  "HealthDeliverySystemManager", "PatientAdvocate"]


def test_19_stakeholder_categories_are_classes_under_disjoint_parents(tbox):
    assert (AMI.ScientificStakeholder, OWL.disjointWith, AMI.NonScientificStakeholder) in tbox
    assert set(tbox.subjects(RDFS.subClassOf, AMI.ScientificStakeholder)) == {AMI[c] for c in SCIENTIFIC}
    assert set(tbox.subjects(RDFS.subClassOf, AMI.NonScientificStakeholder)) == {AMI[c] for c in NON_SCIENTIFIC}
    for c in SCIENTIFIC + NON_SCIENTIFIC:
        assert (AMI[c], RDF.type, OWL.Class) in tbox
        assert one(tbox, AMI[c], RDFS.label) and one(tbox, AMI[c], SKOS.definition)


# class, number of concepts, one label that must be among them (as the report prints it)
ENUMERATIONS = [
    ("ScientificField", 9, "Imaging storage (PACS) Companies"),
    ("MarketBarrier", 8, "Trade policies"),
    ("NetworkingMeasure", 10, "\"Get together\"- Events for a non-formal exchange"),
    ("MarketingMeasure", 11, "Online Database with members"),
    ("TargetGroup", 3, "The specialized community"),
    ("CommunicationMeasure", 4, "Intranet"),
    ("ConsultationArea", 4, "Business plans"),
    ("CompetenceArea", 4, "economics"),
    ("InternalProcess", 4, "Human Resources"),
    ("ValueChainStep", 7, "clinical validation"),
    ("Phase", 8, "Networking and Building a Knowledge Pool"),
    ("Profession", 11, "Surgeons (ENT, OBGYN, general surgery and all the specialties)"),
    ("ClusterValue", 6, "Legal standards"),
    ("FundingSource", 6, "Public service contracts"),
]


@pytest.mark.parametrize("cls,count,label", ENUMERATIONS, ids=[e[0] for e in ENUMERATIONS])
def test_enumeration_has_its_concepts_with_labels_definitions_and_scheme(tbox, cls, count, label):
    members = set(tbox.subjects(RDF.type, AMI[cls]))
    assert len(members) == count
    labels = set()
    for m in members:
        assert (m, RDF.type, SKOS.Concept) in tbox
        labels.add(str(one(tbox, m, RDFS.label)))
        assert one(tbox, m, SKOS.prefLabel) == one(tbox, m, RDFS.label)
        assert one(tbox, m, SKOS.definition)
        assert one(tbox, m, SKOS.notation)
        assert (one(tbox, m, SKOS.inScheme), RDF.type, SKOS.ConceptScheme) in tbox
    assert label in labels


def test_technologies_form_a_broader_hierarchy(tbox):
    tech = lambda n: AMI[f"tech-{n}"]  # noqa: E731
    for narrow, broad in [("tracers-markers", "molecular-imaging"), ("pet-ct", "hybrid-imaging"),
                          ("spect-ct", "hybrid-imaging"), ("pet-mri", "hybrid-imaging"),
                          ("molecular-imaging", "medical-imaging")]:
        assert (tech(narrow), SKOS.broader, tech(broad)) in tbox
    assert {tech("pet"), tech("mri")} == set(tbox.objects(tech("pet-mri"), AMI.combinesModality))
    names = {str(one(tbox, t, RDFS.label)) for t in tbox.subjects(RDF.type, AMI.Technology)}
    assert {"molecular imaging", "PET-CT", "SPECT-CT", "PET-MRI", "MRI", "PET", "CT", "SPECT",
            "ultrasound", "optical imaging", "nuclear medicine", "radiology", "ICT",
            "nanotechnology", "biotechnology", "hybrid imaging", "tracers and markers"} <= names
    assert (AMI.Technology, RDFS.subClassOf, AMI.Competency) in tbox
    assert (AMI.ScientificField, RDFS.subClassOf, AMI.Competency) in tbox


def test_professions_are_linked_to_their_stakeholder_category(tbox):
    end = {str(one(tbox, p, RDFS.label)) for p in tbox.subjects(AMI.stakeholderCategory, AMI.EndUser)}
    inter = {str(one(tbox, p, RDFS.label)) for p in tbox.subjects(AMI.stakeholderCategory, AMI.IntermediateUser)}
    assert end == {"Physicians", "Interventional radiologists and endoscopists",
                   "Surgeons (ENT, OBGYN, general surgery and all the specialties)", "Dermatologists",
                   "Ophthalmologists"}
    assert inter == {"Radiologists", "Nuclear medicine physicians", "Endoscopists", "Pathologists",
                     "Microbiologists", "Immunologists"}


# -- Figure 4, quoted from the report --

FIGURE_4 = """\
Measure	Target Group 1	Target Group 2	Target Group 3
Presentation of the cluster on special fairs	+++	+++	+
Publications in scientific magazines	+++	+++	
Logo Placement	++	+++	+
Media coverage with advertisement and articles in scientific magazines	+++	+++	+
Media coverage with advertisement and articles in regional newspapers	+++	++	+++
Social Media coverage	++	++	++
Sponsoring	+	++	++
Homepage	+++	+++	+++
Newsletter	+++	+++	+
Promotional material (leaflets, pins, notepads, pens)	+++	++	+++
Online Database with members	+++	+++	+
"""
GROUPS = ["group-internal", "group-specialized-community", "group-regional-society"]


def figure_4_cells():
    rows = FIGURE_4.splitlines()[1:]
    for row in rows:
        measure, *cells = row.split("\t")
        cells += [""] * (3 - len(cells))
        for group, cell in zip(GROUPS, cells):
            yield measure, group, cell


CELLS = list(figure_4_cells())


def test_figure_4_quote_has_33_cells():
    assert len(CELLS) == 33
    assert sum(1 for *_, c in CELLS if not c) == 1


@pytest.mark.parametrize("measure,group,cell", CELLS, ids=[f"{m[:20]}-{g}" for m, g, _ in CELLS])
def test_figure_4_rating_reads_back_as_printed(tbox, measure, group, cell):
    measures = [m for m in tbox.subjects(RDF.type, AMI.MarketingMeasure)
                if str(one(tbox, m, RDFS.label)) == measure]
    assert len(measures) == 1, measure
    ratings = [r for r in tbox.subjects(AMI.measure, measures[0])
               if (r, RDF.type, AMI.MeasureRating) in tbox and one(tbox, r, AMI.targetGroup) == AMI[group]]
    if not cell:
        assert ratings == []
        return
    assert len(ratings) == 1
    assert str(one(tbox, ratings[0], AMI.rating)) == cell
    assert one(tbox, ratings[0], AMI.importance).toPython() == len(cell)
    assert one(tbox, ratings[0], PROV.wasDerivedFrom) == SOURCE


def test_there_is_no_rating_beyond_the_printed_cells(tbox):
    assert len(set(tbox.subjects(RDF.type, AMI.MeasureRating))) == 32


# -- member counts, quoted from the report --

MEMBER_TABLES = {
    "madrid-network": """\
Companies	25
Research Institutions	8
Patient Associations	5
Do the members pay a fee?	yes""",
    "filas": """\
Companies	1986
Research Institutions	13
Universities	8
Do the members pay a fee?	no""",
    "pharmapolis": """\
Companies	23
Research Institutions	2
Universities	1
Others, namely: Chamber of Commerce	
and Industry	1
Do the members pay a fee?	yes""",
    "imago-mol": """\
Companies	1
Research Institutions	
Universities	3
Others, namely: Regional Development	
Agency, Science and technological park,	
hospitals, county council	5
Do the members pay a fee?	no""",
    "bioregion": """\
Companies	206
Research Institutions	34
Universities	21
Others, namely*	
Do the members pay a fee?	no""",
}


def parse_member_table(text: str) -> tuple[list[tuple[str, int | None]], bool]:
    """(printed rows with their number or None, fee) from a quoted table; wrapped rows joined."""
    rows, pending, fee = [], "", None
    for line in text.splitlines():
        label, _, value = line.partition("\t")
        if label == "Do the members pay a fee?":
            fee = value == "yes"
            continue
        label = f"{pending} {label}".strip() if pending else label
        if label.startswith("Others") and not value and not label.endswith("*"):
            pending = label  # the row continues on the next line
            continue
        pending = ""
        rows.append((label, int(value) if value else None))
    return rows, fee


MEMBER_ROWS = [(slug, label, n) for slug, text in MEMBER_TABLES.items()
               for label, n in parse_member_table(text)[0]]


@pytest.mark.parametrize("slug,label,number", MEMBER_ROWS, ids=[f"{s}-{l[:20]}" for s, l, _ in MEMBER_ROWS])
def test_member_count_reads_back_as_printed(everything, slug, label, number):
    cluster = AMID[f"cluster/{slug}"]
    counts = [c for c in everything.objects(cluster, AMI.memberCount)
              if str(one(everything, c, RDFS.label)) == label]
    if number is None:
        assert counts == [], f"{slug}: the report prints no number for {label!r}"
        return
    assert len(counts) == 1, f"{slug}: {label!r}"
    c = counts[0]
    assert (c, RDF.type, AMI.MemberCount) in everything
    assert one(everything, c, AMI["count"]) == Literal(number, datatype=XSD.integer)
    assert (one(everything, c, AMI.countedKind), RDF.type, AMI.MemberKind) in everything
    assert one(everything, c, PROV.wasDerivedFrom) == SOURCE
    if label.startswith("Others"):
        assert str(one(everything, c, SKOS.note)) == label.split(": ", 1)[1]


@pytest.mark.parametrize("slug", MEMBER_TABLES)
def test_cluster_has_no_count_the_report_does_not_print_and_its_fee_answer(everything, slug):
    rows, fee = parse_member_table(MEMBER_TABLES[slug])
    cluster = AMID[f"cluster/{slug}"]
    assert len(list(everything.objects(cluster, AMI.memberCount))) == sum(1 for _, n in rows if n is not None)
    assert one(everything, cluster, AMI.chargesMemberFees).toPython() is fee


def test_quotes_are_the_reports_own_text():
    need(REPORT_TEXT.exists(), f"the report is not at {REPORT_TEXT}")
    report = REPORT_TEXT.read_text(encoding="utf-8")
    assert FIGURE_4.strip() in report
    for text in MEMBER_TABLES.values():
        assert text in report
    for _, _, _, _, wording in ROADMAP:
        assert wording in report
    for g in GOALS.values():
        for goal in g:
            assert f"- {goal}\n" in report


# -- other cluster facts --

GOALS = {
    "madrid-network": [
        "Be representative of the health and welfare sector collecting actors along the entire value chain, companies of various sizes, public and private organizations and other relevant organizations, such as universities, research centers, associations, end users associations, etc.",
        "Be an engine of economic development and innovation generation, helping to improve the competitiveness of health and welfare sector.",
        "Be a permanent forum for exchange of ideas, experiences and knowledge for those who offer products and services as well as support agencies.",
        "Be the connecting link between all partners to reduce the need for paperwork, share administrative burdens and costs, streamline projects and facilitate access to grants and financial tools for development of R+D+I",
        "Cooperate in the development of new technology-based companies and support them in their first steps and projects.",
    ],
    "imago-mol": [
        "The development of the structural, functional and molecular imaging sector in the North-East Region of Romania.",
        "Supporting the growth of scientific competitiveness of its members through better cooperation.",
    ],
    "bioregion": [
        "Strengthening the network structures in the markets.",
        "Enhancing the competitive market position of companies.",
        "Establishment of networks across technologies and markets.",
        "Mobilization of existing innovation potentials and the development of new potential.",
        "Increasing the focus on markets and applications in the field of research.",
    ],
    "pharmapolis": [
        "Strengthen the less developed elements in the innovative chain of the Hungarian pharmaceutical industry as it is required by the export interests of economic stakeholders.",
        "Contribute to the improvement of European innovative capacities",
        "Establishing an outstanding pharmaceutical cluster that considerably contributes to the intensification of economic achievements as well as to the further improvement in the field of employment.",
    ],
    "filas": [
        "Strengthen the competitiveness and visibility of the bioscience sector at the international level and spur the qualitative and quantitative growth of enterprises and know-how",
        "Promote technical and scientific collaboration between industry and research",
        "Facilitate members' cooperation through European, national and regional opportunities",
        "Facilitate collaborative enterprising by integrating bioscience value chain from R&D to market",
        "Facilitate the access to public and private funds for R&D, from the European Commission National programs, and private financial funds (seed and venture capital).",
    ],
}


@pytest.mark.parametrize("slug", GOALS)
def test_cluster_goals_are_separate_ordered_statements_with_the_reports_text(everything, slug):
    goals = list(everything.objects(AMID[f"cluster/{slug}"], AMI.goal))
    ordered = sorted(goals, key=lambda g: one(everything, g, AMI.goalOrder).toPython())
    assert [str(one(everything, g, RDFS.label)) for g in ordered] == GOALS[slug]
    for g in goals:
        assert (g, RDF.type, AMI.Goal) in everything
        assert one(everything, g, PROV.wasDerivedFrom) == SOURCE
        assert str(one(everything, g, AMI.reportSection)) == "III.3"


CLUSTERS = [
    # slug, legal form, NUTS region, country, thematic focus
    ("madrid-network", "non-profit-organization", "ES30", "ESP", AMI["sector-health-and-welfare"]),
    ("filas", "non-profit-organization", "ITI4", "ITA", AMI["sector-bioscience"]),
    ("pharmapolis", "limited-company", "HU321", "HUN", AMI["sector-pharmaceutical"]),
    ("imago-mol", "non-profit-organization", "RO21", "ROU", AMI["tech-molecular-imaging"]),
    ("bioregion", "state-initiative", "DE9", "DEU", AMI["sector-life-sciences"]),
]


@pytest.mark.parametrize("slug,legal,nuts,country,focus", CLUSTERS, ids=[c[0] for c in CLUSTERS])
def test_cluster_has_legal_form_region_country_and_thematic_alignment(everything, slug, legal, nuts, country, focus):
    c = AMID[f"cluster/{slug}"]
    assert (c, RDF.type, AMI.Cluster) in everything
    assert one(everything, c, AMI.legalForm) == AMI[f"legal-{legal}"]
    region = one(everything, c, AMI.region)
    assert region == URIRef(f"http://data.europa.eu/nuts/code/{nuts}")
    assert str(one(everything, region, SKOS.notation)) == nuts
    assert (region, RDF.type, AMI.Region) in everything
    country_iri = URIRef(f"http://publications.europa.eu/resource/authority/country/{country}")
    assert one(everything, c, AMI.country) == country_iri
    assert one(everything, region, AMI.country) == country_iri
    assert one(everything, c, AMI.thematicFocus) == focus
    assert one(everything, c, AMI.thematicAlignment)
    assert one(everything, c, PROV.wasDerivedFrom) == SOURCE


def test_nuts_regions_reach_a_country_level_code_through_broader(everything):
    for region in everything.subjects(RDF.type, AMI.Region):
        if not str(region).startswith("http://data.europa.eu/nuts/code/"):
            continue
        node = region
        while (up := list(everything.objects(node, SKOS.broader))):
            node = up[0]
        assert len(str(one(everything, node, SKOS.notation))) == 2, region


def test_bioregion_is_a_state_initiative_run_by_biometi_and_funded_by_the_ministry(everything):
    c = AMID["cluster/bioregion"]
    assert str(one(everything, one(everything, c, AMI.runBy), RDFS.label)) == "BiomeTI e.V."
    assert str(one(everything, one(everything, c, AMI.fundedBy), RDFS.label)) == "Ministry of Economy, Labor and Transport"


@pytest.mark.parametrize("slug", ["madrid-network", "pharmapolis"])
def test_fee_charging_clusters_get_no_regional_government_funding(everything, slug):
    c = AMID[f"cluster/{slug}"]
    assert one(everything, c, AMI.fundingSource) == AMI["funding-member-fees"]
    assert one(everything, c, AMI.fundingSourceNotReceived) == AMI["funding-regional-government"]
    statement = one(everything, c, AMI.fundingStatement)
    assert "don't get any funding by the government of the respective regions" in str(one(everything, statement, AMI.wording))


@pytest.mark.parametrize("slug,region", [("north-east-romania", "http://data.europa.eu/nuts/code/RO21"),
                                         ("republika-srpska", str(AMID["region/republika-srpska"]))])
def test_the_two_clusters_to_be_built_are_at_the_start_of_their_roadmap(everything, slug, region):
    c = AMID[f"cluster/{slug}"]
    assert (c, RDF.type, AMI.Cluster) in everything
    assert one(everything, c, AMI.roadmapStage) == AMI["stage-setting-up"]
    assert one(everything, c, AMI.region) == URIRef(region)
    assert not list(everything.objects(c, AMI.memberCount))


def test_suggested_values_are_examples_in_the_ontology_not_facts_about_a_cluster(everything):
    values = {str(one(everything, v, RDFS.label)) for v in everything.subjects(RDF.type, AMI.ClusterValue)}
    assert values == {"Performance", "Integrity", "Responsibility", "Transparency", "Excellence", "Legal standards"}
    assert not list(everything.subject_objects(AMI.clusterValue))


# -- declarations: every ami: term used is declared, labelled and defined --

DECLARATION_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}


def ami_terms(g: rdflib.Graph) -> set[URIRef]:
    return {t for triple in g for t in triple if isinstance(t, URIRef) and str(t).startswith(str(AMI))}


def test_every_ami_term_used_in_ontology_and_data_is_declared_labelled_and_defined(tbox, everything):
    problems = []
    for term in sorted(ami_terms(everything)):
        types = set(tbox.objects(term, RDF.type))
        if not types:
            problems.append(f"{term}: not declared in the ontology graph")
            continue
        if not (types & DECLARATION_TYPES or SKOS.Concept in types or SKOS.ConceptScheme in types):
            problems.append(f"{term}: typed {types} but neither an OWL entity nor a SKOS concept/scheme")
        for p in (RDFS.label, SKOS.definition):
            if not [o for o in tbox.objects(term, p) if isinstance(o, Literal) and o.language == "en"]:
                problems.append(f"{term}: no English {p.n3()}")
        if (term, RDFS.isDefinedBy, ONTOLOGY_IRI) not in tbox:
            problems.append(f"{term}: no rdfs:isDefinedBy the ontology")
        if not list(tbox.objects(term, AMI.reportSection)):
            problems.append(f"{term}: no ami:reportSection")
    assert problems == []


def test_every_property_used_is_declared_as_an_owl_property(tbox, everything):
    """OWL 2 DL hygiene: HermiT and owlready2 must know each predicate's kind."""
    builtin = {RDF.type, RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy, RDFS.subClassOf,
               RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.versionIRI, OWL.versionInfo,
               OWL.disjointWith, OWL.inverseOf}
    kinds = DECLARATION_TYPES - {OWL.Class}
    undeclared = {p for p in everything.predicates() if p not in builtin
                  and not set(tbox.objects(p, RDF.type)) & kinds}
    assert undeclared == set()


def test_every_typed_resource_uses_declared_classes(tbox, everything):
    undeclared = {t for t in everything.objects(None, RDF.type)
                  if t not in DECLARATION_TYPES | {OWL.Ontology, OWL.NamedIndividual, OWL.FunctionalProperty,
                                                   OWL.SymmetricProperty}
                  and (t, RDF.type, OWL.Class) not in tbox}
    assert undeclared == set()


def test_no_blank_nodes_in_bundled_data(everything):
    assert not any(isinstance(t, BNode) for triple in everything for t in triple)


def test_every_fact_in_the_report_data_is_derived_from_the_report(everything):
    data = rdflib.Graph()
    for path in REPORT_DATA:
        data.parse(path)
    missing = {s for s in data.subjects() if (s, PROV.wasDerivedFrom, SOURCE) not in everything}
    assert missing == set()
    no_section = {s for s in data.subjects(RDF.type, None) if not list(everything.objects(s, AMI.reportSection))}
    assert no_section == set()


def test_every_ami_term_named_in_docs_modelling_is_declared(tbox):
    """docs/modelling.md is the map; it must not name a term the ontology lacks."""
    import re

    text = (ROOT / "docs" / "modelling.md").read_text(encoding="utf-8")
    named = {m.group(1) for m in re.finditer(r"\bami:([A-Za-z][\w-]*\w)(?![\w*|-])", text)}
    missing = sorted(n for n in named if not list(tbox.objects(AMI[n], RDF.type)))
    assert missing == []
