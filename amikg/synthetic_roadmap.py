"""Roadmap data for the synthetic clusters of :mod:`amikg.generate` (benchmarks and the scale
tests): a seeded mix of offices, strategies, fees, assessments, surveys, marketing and
consultation, so every roadmap shape has clusters that pass and clusters that fail.

The same seed gives the same triples (one ``random.Random``, drawn in a fixed order: the functions
below run in turn for each cluster); only the survey dates follow today's date.
"""

from __future__ import annotations

import datetime
import random

import pyoxigraph as ox

A = "https://w3id.org/amikg/ontology#"
D = "https://w3id.org/amikg/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"
N, L = ox.NamedNode, ox.Literal
RDF_TYPE = N("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = N("http://www.w3.org/2000/01/rdf-schema#label")
DATE = N("http://purl.org/dc/terms/date")

#: Checkpoints and activities that get a recorded assessment now and then.
ASSESSED = ["cp-market-barriers", "cp-technologies", "cp-patents", "act-know-members"]
OFFICE_AREAS = ["technology", "economics", "administration", "marketing"]
PROCESSES = ["administration", "finances", "human-resources", "controlling"]
FEE_KINDS = ["research-institutions", "smes", "large-companies"]
NETWORKING = ["scientific-conferences", "small-workshops", "get-together", "company-missions",
              "publications"]
MARKETING_GROUPS = ["internal", "specialized-community", "regional-society"]
CONSULTATION = ["access-to-funding", "partner-search", "applications", "business-plans"]


class _Triples(list):
    """The triples so far; :meth:`add` takes an ontology term's local name as predicate."""

    def add(self, s, p, o) -> None:
        self.append(ox.Triple(s, N(A + p) if isinstance(p, str) else p, o))


def synthetic_roadmap_triples(clusters: int, seed: int = 7) -> list[ox.Triple]:
    """Roadmap data for the synthetic clusters ``amid:cluster/syn-<n>``, ``n < clusters``."""
    rnd = random.Random(seed)
    today = datetime.date.today()
    out = _Triples()
    for i in range(clusters):
        c = N(f"{D}cluster/syn-{i}")
        _office(out, rnd, c, i)
        _strategy(out, rnd, c, i)
        _finances(out, rnd, c, i, clusters)
        _assessments(out, rnd, c, i)
        _survey(out, rnd, c, i, today)
        _services(out, rnd, c, i)
    return list(out)


def _office(t: _Triples, rnd: random.Random, c, i: int) -> None:
    """A management office with staff covering two to four areas, sometimes a chief executive."""
    if rnd.random() < 0.6:
        mo = N(f"{D}cluster/syn-{i}/office")
        t.add(c, "managementOffice", mo)
        t.add(mo, RDF_TYPE, N(A + "ManagementOffice"))
        for area in rnd.sample(OFFICE_AREAS, rnd.randint(2, 4)):
            p = N(f"{D}person/syn-{i}-{area}")
            t.add(mo, "staffMember", p)
            t.add(p, LABEL, L(f"Staff {i} {area}", language="en"))
            t.add(p, "coversArea", N(A + "area-" + area))
        if rnd.random() < 0.5:
            t.add(mo, "chiefExecutive", N(f"{D}person/syn-{i}-technology"))


def _strategy(t: _Triples, rnd: random.Random, c, i: int) -> None:
    """Mission, values, a goal, the thematic alignment, internal processes, a legal form."""
    if rnd.random() < 0.5:
        t.add(c, "missionStatement", L(f"Mission of cluster {i}", language="en"))
    if rnd.random() < 0.5:
        t.add(c, "clusterValue", N(A + "value-excellence"))
    if rnd.random() < 0.7:
        g = N(f"{D}cluster/syn-{i}/goal/1")
        t.add(c, "goal", g)
        t.add(g, RDF_TYPE, N(A + "Goal"))
    if rnd.random() < 0.7:
        t.add(c, "thematicAlignment", L("Advanced Medical Imaging", language="en"))
    for proc in PROCESSES:
        if rnd.random() < 0.6:
            t.add(c, "internalProcess", N(A + "process-" + proc))
    if rnd.random() < 0.7:
        t.add(c, "legalForm", N(A + "legal-non-profit-organization"))


def _finances(t: _Triples, rnd: random.Random, c, i: int, clusters: int) -> None:
    """Member fees (and their levels) or not, a funding source, a regional key player, an
    identified barrier, an analysed technology."""
    fees = rnd.random() < 0.5
    t.add(c, "chargesMemberFees", L("true" if fees else "false", datatype=N(XSD + "boolean")))
    if rnd.random() < 0.8:
        t.add(c, "fundingSource", N(A + ("funding-member-fees" if fees or rnd.random() < 0.2
                                         else "funding-public-funds")))
    if fees:
        for kind in rnd.sample(FEE_KINDS, rnd.randint(1, 3)):
            fl = N(f"{D}cluster/syn-{i}/fee/{kind}")
            t.add(c, "feeLevel", fl)
            t.add(fl, "appliesToKind", N(A + "kind-" + kind))
            t.add(fl, "feeAmount", L(str(rnd.choice([500, 1000])), datatype=N(XSD + "decimal")))
    if rnd.random() < 0.3:
        t.add(c, "regionalKeyPlayer", N(f"{D}org/syn-{rnd.randrange(clusters * 100)}"))
    if rnd.random() < 0.3:
        t.add(c, "identifiedBarrier", N(A + "barrier-admission-restrictions"))
    if rnd.random() < 0.3:
        t.add(c, "analysedTechnology", N(A + "tech-mri"))


def _assessments(t: _Triples, rnd: random.Random, c, i: int) -> None:
    """Recorded assessments of some :data:`ASSESSED` items (done or in progress)."""
    for item in ASSESSED:
        if rnd.random() < 0.3:
            a = N(f"{D}cluster/syn-{i}/assessment/{item}")
            t.add(a, RDF_TYPE, N(A + "CheckpointAssessment"))
            t.add(a, "assessedCluster", c)
            t.add(a, "assessedItem", N(A + item))
            t.add(a, "status", N(A + rnd.choice(["status-done", "status-done",
                                                 "status-in-progress"])))
            t.add(a, DATE, L("2024-05-02", datatype=N(XSD + "date")))
            if rnd.random() < 0.8:
                t.add(a, "evidence", N(f"https://example.org/syn-{i}/{item}.pdf"))
            t.add(a, "responsible", N(f"{D}person/syn-{i}-administration"))


def _survey(t: _Triples, rnd: random.Random, c, i: int, today: datetime.date) -> None:
    """A member survey, 30, 200 or 800 days old."""
    if rnd.random() < 0.4:
        s = N(f"{D}cluster/syn-{i}/survey/1")
        t.add(s, RDF_TYPE, N(A + "MemberSurvey"))
        t.add(s, "surveyOf", c)
        days = rnd.choice([30, 200, 800])
        t.add(s, DATE, L((today - datetime.timedelta(days=days)).isoformat(),
                         datatype=N(XSD + "date")))


def _services(t: _Triples, rnd: random.Random, c, i: int) -> None:
    """Networking measures, an R&D field, marketing actions per target group, communication,
    consultation areas, and now and then a member category marked not applicable."""
    for nm in rnd.sample(NETWORKING, rnd.randint(0, 2)):
        t.add(c, "networkingMeasure", N(A + "networking-" + nm))
    if rnd.random() < 0.4:
        t.add(c, "rdField", N(A + "tech-molecular-imaging"))
    for grp in MARKETING_GROUPS:
        if rnd.random() < 0.6:
            ma = N(f"{D}cluster/syn-{i}/marketing/{grp}")
            t.add(c, "marketingAction", ma)
            t.add(ma, "measure", N(A + "marketing-homepage"))
            t.add(ma, "targetGroup", N(A + "group-" + grp))
    if rnd.random() < 0.5:
        t.add(c, "communicationMeasure", N(A + "communication-intranet"))
    for area in CONSULTATION:
        if rnd.random() < 0.7:
            t.add(c, "offersConsultation", N(A + "consultation-" + area))
    if rnd.random() < 0.2:
        t.add(c, "categoryNotApplicable", N(A + "PatientAdvocate"))
