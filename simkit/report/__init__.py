"""Reports: HTML (self-contained), Markdown and JSON from any command's results.

Build a `Report` from sections (`simkit.report.builders` has the check, audit and run
reports), then `write_report(report, out)` writes all three versions.
"""

from simkit.report.builders import audit_report, check_report, run_report
from simkit.report.model import Figure, Report, Section
from simkit.report.render import render_html, render_json, render_markdown, write_report

__all__ = [
    "Figure",
    "Report",
    "Section",
    "audit_report",
    "check_report",
    "render_html",
    "render_json",
    "render_markdown",
    "run_report",
    "write_report",
]
