"""`make audit`: the known-vulnerabilities gate (bin/audit.py) decides rightly.

It must fail on a known vulnerability that has a fixed version (a pin to bump),
report one with no fix yet without failing, and never pass in silence when
nothing could be checked. Real pip-audit runs against local stand-ins for the
vulnerability services (OSV's query API, PyPI's project records): no test
leaves this machine.
"""

import json
import os
import subprocess
import sys
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GATE = ROOT / "bin" / "audit.py"


def osv_vuln(vuln_id, package, fixed=None):
    events = [{"introduced": "0"}] + ([{"fixed": fixed}] if fixed else [])
    return {
        "id": vuln_id,
        "summary": f"A flaw in {package}",
        "affected": [
            {
                "package": {"name": package, "ecosystem": "PyPI"},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
            }
        ],
    }


def pypi_record(newest, vulns=()):
    return {"info": {"version": newest}, "releases": {}, "vulnerabilities": list(vulns)}


@contextmanager
def stand_in(answers):
    """An HTTP server on loopback: OSV queries by package name, PyPI records by path."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # OSV: {"package": {"name": ...}, "version": ...}
            query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            name = query["package"]["name"]
            # OSV answers {} for a package it knows no vulnerability of.
            self.answer(200, {"vulns": answers[name]} if name in answers else {})

        def do_GET(self):  # PyPI: /pypi/NAME/json
            record = answers.get(self.path)
            self.answer(200, record) if record else self.answer(404, {})

        def answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def gate(*args, pypi_url="http://127.0.0.1:9/pypi"):
    done = subprocess.run(
        [sys.executable, str(GATE), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "AUDIT_PYPI_URL": pypi_url},
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


@pytest.fixture
def pins(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("Django==5.2.19\nsix==1.17.0\n")
    return path


def audit_pins(pins, tmp_path, osv_url, *extra):
    # --no-deps --disable-pip: the pins are the whole list, so pip resolves
    # nothing and no package index is asked.
    return gate(
        *("-r", str(pins), "--no-deps", "--disable-pip", "--strict"),
        *("--vulnerability-service", "osv", "--osv-url", f"{osv_url}/v1/query"),
        *("--cache-dir", str(tmp_path / "cache"), *extra),
    )


def test_a_vulnerability_with_a_fixed_version_fails_the_audit(pins, tmp_path):
    answers = {"django": [osv_vuln("GHSA-test-0001", "django", fixed="5.2.20")]}
    with stand_in(answers) as url:
        code, output = audit_pins(pins, tmp_path, url)

    assert code == 1, output
    assert "django 5.2.19: GHSA-test-0001, fixed in 5.2.20" in output
    assert "Updating pins" in output


def test_a_vulnerability_with_no_fix_yet_is_reported_without_failing(pins, tmp_path):
    answers = {"six": [osv_vuln("GHSA-test-0002", "six")]}
    with stand_in(answers) as url:
        code, output = audit_pins(pins, tmp_path, url)

    assert code == 0, output
    assert "no fixed version yet (not failing): six 1.17.0: GHSA-test-0002" in output
    assert "2 pins checked, 0 not checked" in output


def test_an_ignored_vulnerability_does_not_fail_the_audit(pins, tmp_path):
    answers = {"django": [osv_vuln("GHSA-test-0001", "django", fixed="5.2.20")]}
    with stand_in(answers) as url:
        code, output = audit_pins(
            pins, tmp_path, url, "--ignore-vuln", "GHSA-test-0001"
        )

    assert code == 0, output


def test_an_audit_that_cannot_reach_its_service_fails(pins, tmp_path):
    code, output = audit_pins(pins, tmp_path, "http://127.0.0.1:9")

    assert code == 2, output
    assert "Nothing was checked" in output


# What pip-audit 2.10.1 writes where PyPI answers 404 for each release's record
# (a proxy that serves only project records): every pin skipped, exit 0.
def skipped(name, version):
    reason = "Dependency not found on PyPI and could not be audited"
    reason += f": {name} ({version})"
    return {"name": name, "skip_reason": reason}


@pytest.fixture
def skipped_report(tmp_path):
    path = tmp_path / "report.json"
    deps = [skipped("celery", "5.7.0"), skipped("django", "5.2.19")]
    path.write_text(json.dumps({"dependencies": deps, "fixes": []}))
    return path


def test_a_skipped_pin_that_is_the_newest_release_is_checked_in_its_record(
    skipped_report,
):
    flaw = {"id": "PYSEC-test-3", "fixed_in": ["5.7.1"], "withdrawn": None}
    answers = {
        "/pypi/celery/json": pypi_record("5.7.0", [flaw]),
        "/pypi/django/json": pypi_record("6.1.3"),
    }
    with stand_in(answers) as url:
        code, output = gate("--report", str(skipped_report), pypi_url=f"{url}/pypi")

    assert code == 1, output
    assert "celery 5.7.0: PYSEC-test-3, fixed in 5.7.1" in output


def test_a_skipped_older_pin_is_reported_as_not_checked(skipped_report):
    withdrawn = {"id": "PYSEC-test-4", "fixed_in": ["5.7.1"], "withdrawn": "2026-01"}
    answers = {
        "/pypi/celery/json": pypi_record("5.7.0", [withdrawn]),
        "/pypi/django/json": pypi_record("6.1.3"),
    }
    with stand_in(answers) as url:
        code, output = gate("--report", str(skipped_report), pypi_url=f"{url}/pypi")

    assert code == 0, output
    assert "not checked: django 5.2.19: PyPI gave no record of this release" in output
    assert "newest, 6.1.3" in output
    assert "1 pins checked, 1 not checked" in output


def test_skipped_pins_with_no_record_to_be_had_fail_the_audit(skipped_report):
    code, output = gate("--report", str(skipped_report))  # nothing listens there

    assert code == 2, output
    assert "Nothing was checked" in output


def test_make_audit_runs_the_gate_on_both_requirement_files():
    makefile = (ROOT / "Makefile").read_text()
    assert "bin/audit.py -r requirements.txt -r requirements-dev.txt" in makefile
    ci = (ROOT / ".ci" / "run").read_text()
    assert ci.index("make audit") < ci.index("make test")
