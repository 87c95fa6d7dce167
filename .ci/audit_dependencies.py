#!/usr/bin/env python3
"""Audit the installed dependencies for known vulnerabilities with pip-audit.

Fails on any known vulnerability. When no vulnerability service can be reached, it
prints "could not audit: service unreachable" and passes, so that CI on a machine
without access to them still runs; it never passes silently.

Why this wrapper rather than a bare `pip-audit` step: pip-audit's own exit code
cannot be trusted either way here.
- When the PyPI JSON API answers 404 for every package (as behind a mirror that
  only serves the simple index), pip-audit skips every dependency ("not found on
  PyPI and could not be audited"), prints "No known vulnerabilities found" and
  exits 0: an audit of nothing that looks like a clean one.
- When the service does not resolve (OSV here), it crashes with exit code 1, the
  same code as for "vulnerabilities found".

So the verdict is read from what pip-audit reports, in this order:
1. any vulnerability listed for any dependency fails the step, whatever else went
   wrong in the same run (a partial outage can never hide a finding);
2. a run that audited at least one dependency, with none vulnerable, passes (the
   dependencies it skipped are listed as a warning);
3. a run that audited nothing, or could not reach its service (a connection error,
   recognised by its message), is "unreachable": the next service is tried (PyPI's,
   then OSV's), and if none answers the step warns and passes (a crash for a 5xx or
   a connection error reports nothing, so it cannot hide a finding either);
4. anything else (pip-audit failing for another reason, output that is not its
   JSON) fails the step: an unexplained failure is never taken for "unreachable".
"""

import argparse
import http.server
import json
import re
import subprocess
import sys
import threading
from pathlib import Path

SERVICES = ("pypi", "osv")
UNREACHABLE = re.compile(
    r"ConnectionError|NameResolutionError|Failed to resolve|Name or service not known|"
    r"Temporary failure in name resolution|Max retries exceeded|timed out|"
    r"Connection refused|Network is unreachable|SSLError|ProxyError|5\d\d Server Error")


class Unreachable(Exception):
    """The service answered nothing usable: try the next one."""


def verdict(report):
    """(vulnerable, audited, skipped) from pip-audit's JSON report (a dict).

    ``vulnerable`` lists "name version: ids (fixed in ...)" for every dependency with
    a known vulnerability. Raises ValueError if the report is not pip-audit's JSON.
    """
    if not isinstance(report, dict) or not isinstance(report.get("dependencies"), list):
        raise ValueError("not a pip-audit JSON report")
    vulnerable, audited, skipped = [], [], []
    for dependency in report["dependencies"]:
        name = dependency.get("name", "?")
        vulns = dependency.get("vulns") or []
        if vulns:
            ids = ", ".join(v.get("id", "?") for v in vulns)
            fixes = sorted({f for v in vulns for f in v.get("fix_versions") or []})
            vulnerable.append(f"{name} {dependency.get('version', '?')}: {ids}"
                              + (f" (fixed in {', '.join(fixes)})" if fixes else ""))
        if "skip_reason" in dependency:
            if "editable" not in dependency["skip_reason"]:  # Consulta itself (--skip-editable)
                skipped.append(f"{name}: {dependency['skip_reason']}")
        elif "version" in dependency:
            audited.append(name)
    return vulnerable, audited, skipped


def run(service, osv_url=None):
    """pip-audit against ``service``: its verdict, or Unreachable."""
    pip_audit = Path(sys.executable).parent / "pip-audit"
    command = [str(pip_audit), "--vulnerability-service", service, "--skip-editable",
               "--format", "json", "--progress-spinner", "off", "--desc", "off"]
    if osv_url:
        command += ["--osv-url", osv_url]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        report = json.loads(result.stdout)
        return verdict(report)
    except ValueError:  # no JSON report: why?
        if result.returncode != 0 and UNREACHABLE.search(result.stderr):
            last = result.stderr.strip().splitlines()[-1:] or [""]
            raise Unreachable(last[0][:300]) from None
        raise SystemExit(f"pip-audit failed (exit {result.returncode}):\n"
                         f"{result.stderr.strip()[-3000:]}\n{result.stdout[:1000]}") from None


def audit(services, osv_url=None):
    """(exit code, lines to print), by the rules in this module's docstring."""
    reasons = []
    for service in services:
        try:
            vulnerable, audited, skipped = run(service, osv_url)
        except Unreachable as error:
            reasons.append(f"{service}: {error}")
            continue
        if vulnerable:  # rule 1: whatever else happened
            return 1, [f"pip-audit ({service}): {len(vulnerable)} vulnerable dependencies:",
                       *(f"  {line}" for line in vulnerable)]
        if audited:
            lines = [f"pip-audit ({service}): no known vulnerability in {len(audited)} "
                     "dependencies."]
            if skipped:
                lines.append(f"warning: {len(skipped)} could not be audited: "
                             + "; ".join(skipped[:10]))
            return 0, lines
        reasons.append(f"{service}: none of {len(skipped)} dependencies could be audited "
                       f"({skipped[0] if skipped else 'nothing installed?'})")
    return 0, ["warning: could not audit: service unreachable (" + "; ".join(reasons) + ")"]


class FakeOsv(http.server.BaseHTTPRequestHandler):
    """An OSV service that knows one vulnerability, in Werkzeug."""

    def do_POST(self):  # the name http.server calls
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        answer = {}
        if query["package"]["name"] == "werkzeug":
            answer = {"vulns": [{"id": "GHSA-self-test", "summary": "self-test",
                                 "affected": [{"package": {"name": "werkzeug",
                                                           "ecosystem": "PyPI"},
                                               "ranges": [{"type": "ECOSYSTEM", "events": [
                                                   {"introduced": "0"},
                                                   {"fixed": "999.0"}]}]}]}]}
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def self_test():
    """The two verdicts that matter, against a fake OSV service: a known vulnerability
    fails the step; a service that cannot be reached only warns."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeOsv)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        code, lines = audit(["osv"], f"http://127.0.0.1:{server.server_port}/v1/query")
    finally:
        server.shutdown()
    if code != 1 or not any("werkzeug" in line and "GHSA-self-test" in line
                            for line in lines):
        raise SystemExit(f"self-test: a known vulnerability did not fail: {code} {lines}")
    code, lines = audit(["osv"], f"http://127.0.0.1:{server.server_port}/v1/query")
    if code != 0 or "could not audit: service unreachable" not in lines[0]:
        raise SystemExit(f"self-test: an unreachable service did not warn: {code} {lines}")
    print("self-test: a finding fails the step, an unreachable service warns.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--service", action="append", choices=SERVICES,
                        help="vulnerability service (repeatable; default: pypi, then osv)")
    parser.add_argument("--osv-url", help="another OSV endpoint")
    parser.add_argument("--self-test", action="store_true",
                        help="check this script's verdicts against a fake OSV service")
    args = parser.parse_args()
    if args.self_test:
        self_test()
        return 0
    code, lines = audit(args.service or SERVICES, args.osv_url)
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main())
