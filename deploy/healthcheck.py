"""The container's HEALTHCHECK: GET /healthz on the local web server (no curl in the image).

Sends the first ALLOWED_HOSTS name as Host, so Django's host validation lets it through.
"""

import os
import sys
import urllib.request

host = next((h.strip().lstrip(".") for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()), "")
if not host or "*" in host:
    host = "localhost"
request = urllib.request.Request(
    f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz", headers={"Host": host}
)
try:
    with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310 — a fixed local URL
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:
    print(f"healthz: {exc}", file=sys.stderr)
    sys.exit(1)
