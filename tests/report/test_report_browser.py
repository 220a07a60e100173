"""The HTML report in headless Chromium: no console errors, every figure loaded, a screenshot kept.

Needs Debian's ``chromium`` (``.ci/run`` installs it). The screenshots are kept as test
artefacts in ``build/test-artifacts/``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from simkit.compliance.audit import audit_log
from simkit.compliance.check import check_scenario
from simkit.policy.loader import load_policy
from simkit.report import Figure, Report, Section, audit_report, check_report, write_report
from simkit.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "build" / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)"
)


def _chromium(page: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=5000",
        *flags,
        page.resolve().as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


def load(page: Path) -> tuple[str, list[str], str]:
    """The page's DOM after load, its console messages, and the figures it reports loaded ("n/m")."""
    done = _chromium(page, "--dump-dom")
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    match = re.search(r'data-figures="(\d+/\d+)"', done.stdout)
    return done.stdout, console, match.group(1) if match else ""


def screenshot(page: Path, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / name
    target.unlink(missing_ok=True)
    _chromium(page, f"--screenshot={target}", "--window-size=1280,3000", "--hide-scrollbars")
    return target


def _check(report: Report, tmp_path: Path, name: str) -> None:
    paths = write_report(report, tmp_path / name)
    dom, console, figures = load(paths["html"])
    assert console == []
    expected = len(report.figures())
    assert expected >= 3
    assert figures == f"{expected}/{expected}"
    assert dom.count("(figure failed to load)") == 1, "only in the page's own script, never added for a figure"
    assert f"<title>{report.title} — {report.verdict}</title>" in dom
    shot = screenshot(paths["html"], f"{name}.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000


def test_audit_report_in_chromium(tmp_path):
    result = audit_log(
        ROOT / "scenarios" / "examples" / "tmall_shop_log.csv", load_policy(ROOT / "policies" / "tmall.yaml")
    )
    _check(audit_report(result), tmp_path, "audit_report")


def test_check_report_in_chromium(tmp_path):
    scenario = load_scenario(ROOT / "scenarios" / "channels_baseline.yaml", ["orders.count=1500"])
    _check(check_report([check_scenario(scenario, reps=2)]), tmp_path, "check_report")


def test_the_harness_sees_console_errors_and_broken_figures(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text('<html><body><script>console.error("boom")</script></body></html>', encoding="utf-8")
    _, console, _ = load(page)
    assert len(console) == 1 and '"boom"' in console[0]
    broken = Report("broken", "check", None, sections=[Section("figures", "Figures", figures=[Figure("bad", "AAAA")])])
    paths = write_report(broken, tmp_path / "broken_report")
    dom, console, figures = load(paths["html"])
    assert figures == "0/1"
    assert dom.count("(figure failed to load)") == 2
