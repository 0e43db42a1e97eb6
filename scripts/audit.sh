#!/usr/bin/env bash
# Known vulnerabilities in the pinned requirements.
#
# 1. pip-audit on requirements.txt (fully pinned, so --no-deps --disable-pip: no resolver, no venv).
#    Its default service reads PyPI's per-release JSON (/pypi/NAME/VERSION/json). On a machine
#    whose pypi.org is a mirror that serves only the project JSON (/pypi/NAME/json), every package
#    comes back "not found on PyPI": that is the service being unusable, not a clean audit.
# 2. Then the OSV service (api.osv.dev), when its host resolves.
# 3. If neither could audit, a fallback reads the project JSON, whose "vulnerabilities" list holds
#    the advisories (OSV data) that affect the project's LATEST release: a pin equal to the latest
#    release is audited by it; a pin below it cannot be, and is listed as "not audited".
#
# AUDIT_REQUIREMENTS names another pinned file (default requirements.txt).
# Exit 1 when any pinned package has a known vulnerability, or when no audit could run at all.
# Pins that no source could audit are listed and counted; AUDIT_STRICT=1 makes them a failure too.
set -euo pipefail
cd "$(dirname "$0")/.."
report=$(mktemp)
trap 'rm -f "$report"' EXIT
export AUDIT_REQUIREMENTS="${AUDIT_REQUIREMENTS:-requirements.txt}"

summarise() {  # $1 = pip-audit JSON report; prints a summary; exit 0 clean, 1 vulnerable, 3 service unusable
  .venv/bin/python - "$1" <<'PY'
import json, os, sys
try:
    data = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    print("pip-audit: no report (the advisory service could not be reached)")
    sys.exit(3)
deps = data.get("dependencies", data if isinstance(data, list) else [])
vulnerable = [(d["name"], d["version"], [v["id"] for v in d.get("vulns", [])]) for d in deps if d.get("vulns")]
skipped = sorted(d["name"] for d in deps if d.get("skip_reason"))
audited = len(deps) - len(skipped)
for name, version, ids in vulnerable:
    print(f"VULNERABLE {name}=={version}: {', '.join(ids)}")
if deps and audited == 0:
    print(f"pip-audit: the advisory service knew none of the {len(deps)} pinned packages: service unusable here")
    sys.exit(3)
print(f"pip-audit: {audited} package(s) audited, {len(vulnerable)} vulnerable, {len(skipped)} not found by the advisory service")
if skipped:
    print("  not audited: " + ", ".join(skipped))
sys.exit(1 if vulnerable or (skipped and os.environ.get("AUDIT_STRICT") == "1") else 0)
PY
}

run_pip_audit() {  # $1 = service (pypi | osv)
  rm -f "$report"
  .venv/bin/pip-audit -r "$AUDIT_REQUIREMENTS" --no-deps --disable-pip --vulnerability-service "$1" \
    --progress-spinner off --format json --output "$report" ${AUDIT_ARGS:-} >/dev/null 2>&1 || true
  summarise "$report"
}

echo "pip-audit (service: PyPI)"
status=0; run_pip_audit pypi || status=$?
if [ $status -ne 3 ]; then exit $status; fi

if .venv/bin/python -c "import socket; socket.getaddrinfo('api.osv.dev', 443)" 2>/dev/null; then
  echo "pip-audit (service: OSV)"
  status=0; run_pip_audit osv || status=$?
  if [ $status -ne 3 ]; then exit $status; fi
else
  echo "OSV: api.osv.dev does not resolve from this machine"
fi

echo "fallback: advisories of each project's latest release (PyPI project JSON)"
.venv/bin/python - <<'PY'
import concurrent.futures
import json
import os
import sys
import urllib.request

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

pins = []
for line in open(os.environ["AUDIT_REQUIREMENTS"], encoding="utf-8"):
    line = line.split("#", 1)[0].split(";", 1)[0].strip()
    if "==" in line:
        name, version = (part.strip() for part in line.split("==", 1))
        pins.append((canonicalize_name(name.split("[", 1)[0]), version))


def fetch(pin):
    name, version = pin
    try:
        with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=30) as response:
            return pin, json.load(response), None
    except Exception as exc:  # noqa: BLE001 - any failure means "not audited", reported below
        return pin, None, f"{type(exc).__name__}: {exc}"


vulnerable, not_audited, audited, errors = [], [], 0, []
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    for (name, version), data, error in pool.map(fetch, pins):
        if error:
            errors.append(f"{name} ({error})")
            continue
        latest = data["info"]["version"]
        try:
            same = Version(latest) == Version(version)
        except InvalidVersion:
            same = latest == version
        if not same:
            not_audited.append(f"{name}=={version} (latest {latest})")
            continue
        audited += 1
        ids = [v["id"] for v in data.get("vulnerabilities") or [] if not v.get("withdrawn")]
        if ids:
            vulnerable.append(f"{name}=={version}: {', '.join(ids)}")

for line in vulnerable:
    print(f"VULNERABLE {line}")
print(
    f"fallback audit: {audited} of {len(pins)} pin(s) audited (pinned at the latest release), "
    f"{len(vulnerable)} vulnerable, {len(not_audited)} below the latest release not audited, "
    f"{len(errors)} unreachable"
)
for line in not_audited:
    print(f"  not audited: {line}")
for line in errors:
    print(f"  unreachable: {line}")
if audited == 0:
    print("NOT AUDITED: no advisory source could be reached from this machine")
    sys.exit(1)
strict = os.environ.get("AUDIT_STRICT") == "1"
sys.exit(1 if vulnerable or ((not_audited or errors) and strict) else 0)
PY
