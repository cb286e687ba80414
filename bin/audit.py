"""Known vulnerabilities in the pinned requirements: pip-audit, then a decision.

Fails (exit 1) on a known vulnerability that has a fixed version: bump that pin
(README, "Updating pins"). Reports without failing one that has no fix yet
(there is nothing to bump to) and any pin no record could be had for. Exit 2:
the audit itself could not run, so nothing was checked.

pip-audit asks PyPI for each release's record (/pypi/NAME/VERSION/json). Where
that answers 404 (a mirror or proxy that serves only project records), pip-audit
skips the pin and would pass in silence; such a pin is looked up here in the
project's record (/pypi/NAME/json) instead, whose vulnerabilities are those of
the newest release: that settles a pin that is the newest release, and an older
one is reported as not checked.

    bin/audit.py [pip-audit options]   e.g. -r requirements.txt
    bin/audit.py --report FILE         decide on a saved pip-audit JSON report

AUDIT_PYPI_URL (default https://pypi.org/pypi) is where project records are read.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from packaging.version import InvalidVersion, Version

PYPI = os.environ.get("AUDIT_PYPI_URL", "https://pypi.org/pypi").rstrip("/")
# pip-audit's skip reason ends with the pin: "... audited: django (5.2.19)".
SKIPPED_PIN = re.compile(r"\(([^()\s]+)\)\s*$")


class AuditError(Exception):
    """The audit could not run, so nothing was checked."""


def main(argv: list[str]) -> int:
    ignored = {argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "--ignore-vuln"}
    try:
        if argv[:1] == ["--report"] and len(argv) == 2:
            report = json.loads(Path(argv[1]).read_text())
        else:
            report = run_pip_audit(argv)
        fixable, unfixed, unchecked, checked = decide(report, ignored)
    except AuditError as exc:
        print(f"audit: {exc} Nothing was checked.", file=sys.stderr)
        return 2

    for line in unfixed:
        print(f"known, no fixed version yet (not failing): {line}")
    for line in unchecked:
        print(f"not checked: {line}")
    for line in fixable:
        print(f"VULNERABLE, fixed version available: {line}")
    print(
        f"audit: {checked} pins checked, {len(unchecked)} not checked; "
        f"{len(fixable)} known vulnerabilities with a fixed version, "
        f"{len(unfixed)} without."
    )
    if fixable:
        print("Bump each pin named above to its fixed version (README, Updating pins).")
        return 1
    return 0


def run_pip_audit(args: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "report.json"
        command = [sys.executable, "-m", "pip_audit", *args]
        command += ["--format", "json", "--output", str(output)]
        command += ["--progress-spinner", "off"]
        # Exit 1 means vulnerabilities or an error: the report tells which.
        done = subprocess.run(command, check=False)  # noqa: S603 (our own arguments)
        if not output.exists():
            raise AuditError(f"pip-audit stopped (exit {done.returncode}).")
        return json.loads(output.read_text())


def decide(report: dict, ignored: set[str]) -> tuple[list, list, list, int]:
    """Sorts what the report found into fixable, unfixed and unchecked."""
    fixable, unfixed, unchecked = [], [], []
    deps = report["dependencies"]
    skipped = [dep for dep in deps if "skip_reason" in dep]
    with ThreadPoolExecutor(max_workers=8) as pool:
        looked_up = iter(list(pool.map(look_up, skipped)))  # in the skipped order
    for dep in deps:
        if "skip_reason" in dep:
            version, vulns, why_not = next(looked_up)
            if vulns is None:
                unchecked.append(f"{dep['name']} {version or ''}: {why_not}")
                continue
        else:
            version, vulns = dep["version"], dep["vulns"]
        for vuln in vulns:
            if vuln["id"] in ignored:
                continue
            line = f"{dep['name']} {version}: {vuln['id']}"
            if vuln["fix_versions"]:
                fixable.append(f"{line}, fixed in {', '.join(vuln['fix_versions'])}")
            else:
                unfixed.append(line)
    return fixable, unfixed, unchecked, len(deps) - len(unchecked)


def look_up(dep: dict) -> tuple[str | None, list | None, str]:
    """A skipped pin's vulnerabilities from its project's record, if it covers it."""
    found = SKIPPED_PIN.search(dep["skip_reason"])
    if not found:
        return None, None, dep["skip_reason"]
    version = found.group(1)
    url = f"{PYPI}/{dep['name']}/json"
    if not url.startswith(("https://", "http://")):
        raise AuditError(f"AUDIT_PYPI_URL must be an http(s) address, not {PYPI}.")
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (checked above)
            record = json.load(response)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return version, None, "not on PyPI"
        raise AuditError(f"{url} answered {exc.code}.") from exc
    except (OSError, ValueError) as exc:
        raise AuditError(f"could not read {url}: {exc}.") from exc
    newest = record["info"]["version"]
    if not same_version(newest, version):
        return (
            version,
            None,
            (
                "PyPI gave no record of this release, and the project's "
                f"record covers only its newest, {newest}"
            ),
        )
    vulns = [
        {"id": vuln["id"], "fix_versions": vuln.get("fixed_in") or []}
        for vuln in record.get("vulnerabilities", [])
        if not vuln.get("withdrawn")
    ]
    return version, vulns, ""


def same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
