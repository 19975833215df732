"""Browser tests: see the ``browser`` and ``artifacts`` fixtures in tests/conftest.py."""
