"""Browser tests of the workspace (a package, so that its conftest does not shadow tests/conftest.py)."""
