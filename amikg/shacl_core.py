"""Temporary (issue 17): amikg/ingest still imports :class:`CoreShapes` from here until the merge;
the module is :mod:`amikg.validate.core`. Delete this file once ingest imports it from there."""

from .validate.core import CoreShapes  # noqa: F401  (temporary re-export for amikg/ingest)
