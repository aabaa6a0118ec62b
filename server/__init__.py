"""The amikg web service: a thin Flask adapter over the ``amikg`` library (see app.py)."""

from .app import create_app, current_executor, current_settings, current_store

__all__ = ["create_app", "current_store", "current_executor", "current_settings"]
