"""Publishing: see :mod:`amikg.publish.views` (being split into modules)."""

from .views import *  # noqa: F401,F403
from .views import (AUTHORITY_LABELS, LABEL_PROPERTIES, REPORT_PERIOD, THEMES,  # noqa: F401
                    dataset_for_graph, graph_modified, graph_state, resource_exists)
from .views import __all__  # noqa: F401
