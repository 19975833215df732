#!/usr/bin/env bash
# `make audit` (and `make test`): known vulnerabilities in the pins of requirements.lock,
# with pip-audit against PyPI's advisory data (OSV's when PyPI's cannot be read).
# The advisory source is probed first (3 s); unreachable, this says so and skips (exit 0):
# a network outage never fails the suite. AUDIT_REQUIRED=1 makes that a failure instead.
# Accepted advisories live in scripts/audit-ignore.txt, one ID per line with its reason.
# AUDIT_SERVICE=pypi|osv picks one source; AUDIT_OSV_URL points at another OSV API (a mirror).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export AUDIT_SERVICE=${AUDIT_SERVICE:-} AUDIT_OSV_URL=${AUDIT_OSV_URL:-https://api.osv.dev/v1/query}
ignore_file=${AUDIT_IGNORE_FILE:-scripts/audit-ignore.txt}

# What pip-audit asks: a release's JSON (with its "vulnerabilities") from PyPI, or OSV's query API.
service=$($PY - <<'PY'
import json, os, re, urllib.request
# The question pip-audit will ask first-hand: Django's locked release.
version = re.search(r"^django==(\S+)", open("requirements.lock").read(), re.I | re.M)[1]
probes = (
    ("pypi", urllib.request.Request(f"https://pypi.org/pypi/django/{version}/json")),
    ("osv", urllib.request.Request(
        os.environ["AUDIT_OSV_URL"], method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"package": {"name": "django", "ecosystem": "PyPI"}, "version": version}).encode(),
    )),
)
reasons = []
for name, request in probes:
    if os.environ["AUDIT_SERVICE"] not in ("", name):
        continue
    try:
        with urllib.request.urlopen(request, timeout=3) as response:
            body = json.load(response)
            # PyPI's release JSON always has "vulnerabilities"; OSV answers {} for a clean release.
            if isinstance(body, dict) and (name == "osv" or "vulnerabilities" in body):
                print(name)
                raise SystemExit(0)
            reasons.append(f"{request.full_url}: no advisory data in the answer")
    except SystemExit:
        raise
    except Exception as exc:
        reasons.append(f"{request.full_url}: {exc}")
print("unreachable: " + "; ".join(reasons))
PY
)
if [[ "$service" == unreachable:* ]]; then
  echo "skip: advisory source unreachable (${service#unreachable: })"
  [[ "${AUDIT_REQUIRED:-0}" == 1 ]] && exit 1
  exit 0
fi

ignores=()
while read -r id _; do
  [[ -z "$id" || "$id" == \#* ]] && continue
  ignores+=(--ignore-vuln "$id")
done < "$ignore_file"

echo "pip-audit: requirements.lock against the $service advisory database"
exec .venv/bin/pip-audit -r requirements.lock --no-deps --disable-pip --strict \
  --vulnerability-service "$service" --osv-url "$AUDIT_OSV_URL" --timeout 15 --progress-spinner off "${ignores[@]}"
