"""The data amikg ships with, and ``amikg init``: ontology, shapes, report facts, demo data."""

from __future__ import annotations

from pathlib import Path

from .access import cluster_graph
from .config import data_root
from .loader import LoadReport, load_paths
from .namespaces import GRAPH_DEMO, GRAPH_ONTOLOGY, GRAPH_REPORT, GRAPH_SHAPES
from .store import Store


def bundled_graphs(root: Path | None = None) -> dict[str, list[Path]]:
    """Graph IRI -> the bundled files it is loaded from (only graphs that have files)."""
    root = root or data_root()
    data = root / "ontology" / "data"
    plan = {
        GRAPH_ONTOLOGY: sorted((root / "ontology").glob("*.ttl")),
        GRAPH_SHAPES: sorted((root / "shapes").glob("*.ttl")),
        GRAPH_REPORT: sorted(data.glob("report-*.ttl")),
        GRAPH_DEMO: sorted(data.glob("demo-*.ttl")),
    }
    # each cluster's profile in its own graph, amig:cluster/<slug> (docs/modelling.md)
    for path in sorted(data.glob("cluster-*.ttl")):
        plan[cluster_graph(path.stem[len("cluster-"):])] = [path]
    return {g: files for g, files in plan.items() if files}


def init_store(store: Store, progress=None) -> list[LoadReport]:
    """Load every bundled graph that is missing or whose files changed; idempotent."""
    return [load_paths(store, files, graph, skip_unchanged=True, label=f"amikg init: {graph}",
                       progress=progress)
            for graph, files in bundled_graphs().items()]
