"""The ``amikg`` command line. Every command takes ``--store`` (or ``AMIKG_STORE``).

Exit codes: 0 success (for ``validate``: conforms), 1 data does not pass (violations, rejected
import), 2 error (bad input, unreachable store, wrong usage).

The group is here; the commands are in one module per group (:mod:`.data`, :mod:`.queries`,
:mod:`.search`, :mod:`.validation`, :mod:`.imports`, :mod:`.operations`), which share :mod:`.common` and never
import this module.
"""

from __future__ import annotations

import click

from .. import __version__
from . import data, imports, operations, queries, search, users, validation
from .common import AmikgGroup


@click.group(cls=AmikgGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="amikg")
def main():
    """amikg: the knowledge graph of Advanced Medical Imaging clusters (AMI-4Europe D2.2)."""


for _group in (data, queries, search, validation, imports, operations, users):
    for _command in _group.COMMANDS:
        main.add_command(_command)

