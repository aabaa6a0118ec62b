"""``python -m amikg.cli`` runs the CLI (as ``python -m amikg`` does)."""

from . import main

main()
