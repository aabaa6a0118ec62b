"""``python -m amikg`` runs the CLI."""

from .cli import main

main()
