"""The `kfd` command line: a thin edge over the library, one module per command group.

Each command parses its options, calls one library function that returns data, and prints it; library
errors become exit code 2 and one line (`_util.translate_errors`).
"""

from cli import data, db, labels, parse, results, serve, tag, train, users  # noqa: F401 — they register commands
from cli._util import main

__all__ = ["main"]
