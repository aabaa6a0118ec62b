"""One cluster at a glance: the one answer the cluster page, ``amikg roadmap --json`` and
``GET /api/clusters/<id>`` all give.

- **Roadmap progress** is what the roadmap shapes find (:func:`amikg.roadmap.roadmap`): done and
  open checkpoints and activities, nothing else.
- **Value-chain gaps** have the roadmap's own definition (checkpoint ``cp-value-chain``, report
  III.1.a): a step is a gap when no organisation among the cluster's members (``org:hasMember``,
  ``org:memberOf`` or an ``org:Membership``) nor in its region (sub-regions included) acts at it;
  the cluster itself is no actor. Each step carries both counts, so a reader sees which side covers
  it.
- **Members**: the counts the report printed (cluster-overview's ``member_counts``), the members
  recorded in the graph, and the members by stakeholder category (an organisation counts in every
  category it belongs to, its categories' broader ones included).
"""

from __future__ import annotations

import pyoxigraph as ox

from .namespaces import AMID, PREFIXES
from .overview import printed_counts
from .queries import run_query
from .roadmap import roadmap
from .store import Store

#: Members listed by name (the page names them; a larger cluster says how many more it has).
MEMBERS_LISTED = 200

_MEMBERS = ("".join(f"PREFIX {p}: <{PREFIXES[p]}> " for p in ("org", "rdfs")) + """
SELECT ?m (SAMPLE(?l) AS ?label) WHERE {
  { ?c org:hasMember ?m } UNION { ?m org:memberOf ?c } UNION { ?ms org:organization ?c ; org:member ?m }
  FILTER(?m != ?c)
  OPTIONAL { ?m rdfs:label ?l0 FILTER(LANG(?l0) IN ("en", "")) } BIND(COALESCE(STR(?l0), STR(?m)) AS ?l)
} GROUP BY ?m ORDER BY LCASE(SAMPLE(?l)) LIMIT """ + str(MEMBERS_LISTED))


def members(store: Store, cluster: str) -> list[dict]:
    """The cluster's members (``iri``, ``label``) by name, at most :data:`MEMBERS_LISTED`."""
    res = store.query(_MEMBERS, substitutions={"c": ox.NamedNode(cluster)})
    return [{"iri": s["m"].value, "label": s["label"].value} for s in res]


def regions(store: Store, cluster: str) -> list[str]:
    """The IRIs of the cluster's regions (``ami:region``), sorted."""
    res = store.query(f"SELECT ?r WHERE {{ ?c <{PREFIXES['ami']}region> ?r }}",
                      substitutions={"c": ox.NamedNode(cluster)})
    return sorted(s["r"].value for s in res if isinstance(s["r"], ox.NamedNode))


def value_chain(store: Store, cluster: str) -> list[dict]:
    """Every value-chain step for the cluster IRI ``cluster``: ``step``, ``order``, ``label``,
    ``members`` and ``regional`` (actors), and ``gap`` (neither has one)."""
    rows = run_query(store, "cluster-value-chain", {"cluster": [cluster]}).result()["rows"]
    return [{"step": r["step"], "order": r["step_order"], "label": r["step_label"],
             "members": r["members"], "regional": r["regional"], "gap": r["gap"]} for r in rows]


def cluster_summary(store: Store, cluster: str) -> dict:
    """The roadmap of ``cluster`` (IRI, slug or name; :func:`amikg.roadmap.roadmap`'s answer,
    whole) with its open checkpoints, its value chain and gaps, and its member counts.

    :raise NotFound: no such cluster (the message names the store)."""
    rm = roadmap(store, cluster)
    iri = rm["cluster"]
    chain = value_chain(store, iri)
    params = {"cluster": [iri]}
    overview = run_query(store, "cluster-overview", params).result()["rows"]
    row = overview[0] if overview else {}
    categories = run_query(store, "stakeholders-by-category", params).result()["rows"]
    prefix = str(AMID["cluster/"])
    return {**rm,
            "slug": iri[len(prefix):] if iri.startswith(prefix) else "",
            "open_checkpoints": [{"id": n["id"], "name": n["name"], "kind": n["kind"],
                                  "phase": n["phase"]} for n in rm["next_steps"]],
            "value_chain": chain,
            "gaps": [st["label"] for st in chain if st["gap"]],
            "member_counts": printed_counts(row.get("member_counts")),
            "members_in_graph": row.get("members_in_graph", 0),
            "members": members(store, iri),
            "regions": regions(store, iri),
            "members_by_category": [{"category": r["category"], "label": r["category_label"],
                                     "count": r["count"]} for r in categories if r["count"]]}
