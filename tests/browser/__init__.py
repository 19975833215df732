"""Browser tests (headless Chromium): see the ``browser`` and ``artifacts`` fixtures in tests/conftest.py."""

import os

# Pages a test only checks are photographed when a check fails; ``BROWSER_SCREENSHOTS=all``
# photographs every one (test-artifacts/), which costs about half of those tests' time.
EVERY_SCREENSHOT = os.environ.get("BROWSER_SCREENSHOTS") == "all"
