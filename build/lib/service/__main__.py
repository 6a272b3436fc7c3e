"""`python -m service`: serve with the settings from the KFD_* environment."""

import sys

from nlp.errors import KfdError

from .main import serve

try:
    serve()
except KfdError as e:
    print(f"error: {e}", file=sys.stderr)
    sys.exit(2)
