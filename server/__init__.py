"""The amikg web service: a thin Flask adapter over the ``amikg`` library (see app.py).

Installed as ``amikg_server``; in a source checkout :func:`amikg.cli.common.service_package` loads
this folder under that name. Its own modules import each other relatively.
"""

from .app import create_app
from .context import current_executor, current_settings, current_store

__all__ = ["create_app", "current_store", "current_executor", "current_settings"]
