"""amikg: the knowledge graph of Advanced Medical Imaging clusters in Europe.

The library below the CLI and the Flask app: stores, loading, queries, validation, publishing.
It never imports Flask.
"""

__version__ = "0.1.0"
