"""Supply chain: the lock check (scripts/check_lock.py), the vulnerability audit (scripts/audit.sh,
pip-audit) and the SBOM (`make sbom`, CycloneDX).

The advisory database is the outside world: here it is a fake OSV API on loopback, which the
real pip-audit queries for every locked pin.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.receiver import serve_in_background

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import check_lock  # noqa: E402

LOCK = ROOT / "requirements.lock"
PYPROJECT = ROOT / "pyproject.toml"


def locked_version(name: str) -> str:
    return check_lock.lock_pins(LOCK)[0][name]


def run_check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_lock.py"), *args],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


@pytest.fixture
def copies(tmp_path) -> tuple[Path, Path]:
    pyproject, lock = tmp_path / "pyproject.toml", tmp_path / "requirements.lock"
    shutil.copy(PYPROJECT, pyproject)
    shutil.copy(LOCK, lock)
    return pyproject, lock


def test_the_repository_lock_agrees_with_pyproject(copies):
    pyproject, lock = copies
    result = run_check("--pyproject", str(pyproject), "--lock", str(lock), "--no-env")
    assert result.returncode == 0, result.stderr
    assert f"lock check: ok ({len(check_lock.lock_pins(LOCK)[0])} pins in requirements.lock)" in result.stdout


def test_a_lock_pin_that_differs_from_pyproject_fails_the_check(copies):
    pyproject, lock = copies
    django = locked_version("django")
    lock.write_text(re.sub(r"(?im)^django==\S+$", "Django==5.2.0", lock.read_text()))
    result = run_check("--pyproject", str(pyproject), "--lock", str(lock), "--no-env")
    assert result.returncode == 1
    assert f"pyproject.toml: django=={django} but requirements.lock has django==5.2.0" in result.stderr
    assert "1 problem(s)" in result.stderr


def test_a_pin_missing_from_the_lock_and_a_loose_requirement_fail_the_check(copies):
    pyproject, lock = copies
    httpx = locked_version("httpx")
    lock.write_text(re.sub(r"(?im)^httpx==\S+\n", "", lock.read_text()))
    pyproject.write_text(pyproject.read_text().replace('"qrcode==8.2"', '"qrcode>=8"'))
    result = run_check("--pyproject", str(pyproject), "--lock", str(lock), "--no-env")
    assert result.returncode == 1
    assert "django" not in result.stderr
    assert f"httpx=={httpx} is missing from requirements.lock" in result.stderr
    assert "'qrcode>=8' is not pinned with ==" in result.stderr
    assert "2 problem(s)" in result.stderr


def test_an_environment_that_drifted_from_the_lock_fails_the_check():
    installed = check_lock.lock_pins(LOCK)[0]  # the environment the lock describes
    assert check_lock.check(pyproject=PYPROJECT, lock=LOCK, environment=dict(installed)) == []
    drifted = {**installed, "django": "5.2.0", "left-pad": "1.0"}
    del drifted["httpx"]
    problems = check_lock.check(pyproject=PYPROJECT, lock=LOCK, environment=drifted)
    assert problems == [
        f"environment: django 5.2.0 is installed, requirements.lock has {locked_version('django')}",
        f"environment: httpx=={locked_version('httpx')} is locked but not installed",
        "environment: left-pad==1.0 is installed but not in requirements.lock",
    ]


# --- pip-audit through scripts/audit.sh --------------------------------------------------------


class FakeOsv(BaseHTTPRequestHandler):
    """OSV's /v1/query: one advisory against the locked Django, nothing against anything else."""

    vulnerable = ("django", "")
    queried: list[str] = []

    def do_POST(self):
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        name, version = query["package"]["name"], query["version"]
        type(self).queried.append(name)
        body: dict = {}
        if (name, version) == self.vulnerable:
            body = {
                "vulns": [
                    {
                        "id": "PYSEC-0000-TEST",
                        "summary": "A test advisory",
                        "affected": [
                            {
                                "package": {"name": "django", "ecosystem": "PyPI"},
                                "ranges": [
                                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "99.0"}]}
                                ],
                            }
                        ],
                    }
                ]
            }
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_osv():
    FakeOsv.vulnerable = ("django", locked_version("django"))
    FakeOsv.queried = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOsv)
    serve_in_background(server)
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    server.shutdown()
    server.server_close()


def audit(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"), **env}
    return subprocess.run(
        [str(ROOT / "scripts" / "audit.sh")],
        env=environment, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_audit_fails_on_a_vulnerable_pin_and_accepts_it_once_ignored_with_a_reason(tmp_path, fake_osv):
    result = audit(tmp_path, AUDIT_SERVICE="osv", AUDIT_OSV_URL=fake_osv)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "pip-audit: requirements.lock against the osv advisory database" in result.stdout
    assert re.search(
        rf"django\s+{re.escape(locked_version('django'))}\s+PYSEC-0000-TEST\s+99.0", result.stdout
    )
    # every locked pin was asked about (the probe asked about Django once more)
    assert set(FakeOsv.queried) == {check_lock.canonical(n) for n in check_lock.lock_pins(LOCK)[0]}

    ignore = tmp_path / "audit-ignore.txt"
    ignore.write_text("# accepted\nPYSEC-0000-TEST  test advisory, no fixed release yet\n")
    result = audit(tmp_path, AUDIT_SERVICE="osv", AUDIT_OSV_URL=fake_osv, AUDIT_IGNORE_FILE=str(ignore))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No known vulnerabilities found, 1 ignored" in result.stdout + result.stderr


def test_audit_skips_with_a_clear_message_when_the_advisory_source_is_unreachable(tmp_path):
    from tests.processes import free_port

    url = f"http://127.0.0.1:{free_port()}/v1/query"  # nothing listens there
    result = audit(tmp_path, AUDIT_SERVICE="osv", AUDIT_OSV_URL=url)
    assert result.returncode == 0
    assert result.stdout.startswith(f"skip: advisory source unreachable ({url}: ")
    assert "pip-audit:" not in result.stdout
    # …unless the caller requires the audit
    assert audit(tmp_path, AUDIT_SERVICE="osv", AUDIT_OSV_URL=url, AUDIT_REQUIRED="1").returncode == 1


# --- the SBOM --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_make_sbom_writes_valid_cyclonedx_listing_the_locked_django(tmp_path):
    output = tmp_path / "sbom.cdx.json"
    # -o: take the installed environment as it is (no reinstall inside the test)
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "sbom", f"SBOM={output}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    # cyclonedx-py validates the BOM against the CycloneDX 1.6 JSON schema before it writes it,
    # and fails (so does `make sbom`) otherwise: ~10 s of CPU, not spent a second time here.
    assert result.returncode == 0, result.stdout + result.stderr
    assert "--no-validate" not in result.stdout
    bom = json.loads(output.read_text())
    assert bom["bomFormat"] == "CycloneDX" and bom["specVersion"] == "1.6"
    assert bom["metadata"]["component"]["name"] == "merchant-portal"
    django = [c for c in bom["components"] if c["name"].lower() == "django"]
    version = locked_version("django")
    assert [(c["version"], c["purl"]) for c in django] == [(version, f"pkg:pypi/django@{version}")]
    assert len(bom["components"]) == len(check_lock.lock_pins(LOCK)[0])
