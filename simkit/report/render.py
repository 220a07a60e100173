"""Render a `Report` as self-contained HTML, Markdown and JSON, and write the three as a set.

HTML comes from a Jinja2 template with autoescaping on, so every string from a policy, a
scenario or a log is escaped; figures are embedded as ``data:`` URIs and the page needs no
network. Markdown escapes the same strings (``<``, ``>``, ``&`` and table pipes).
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

from simkit.outputs import Outputs, write_file
from simkit.report.model import Report


def _number(value: Any) -> str:
    """A number for tables: four significant digits, thousands separated; "—" for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int) or (float(value).is_integer() and abs(value) >= 1):
        return f"{int(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _markdown(value: Any) -> str:
    """A string safe in a Markdown table cell."""
    text = html.escape(str(value if value is not None else ""), quote=False)
    return text.replace("|", "\\|").replace("\n", " ")


def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("simkit", "report/templates"),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = _number
    env.filters["md"] = _markdown
    return env


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page."""
    return _environment(True).get_template("report.html.j2").render(report=report)


def render_markdown(report: Report) -> str:
    """The report as Markdown (figures are listed by title; the HTML version embeds them)."""
    return _environment(False).get_template("report.md.j2").render(report=report)


def render_json(report: Report) -> str:
    """The report as JSON (everything, figures included)."""
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str) + "\n"


REPORT_FILES = ("report.html", "report.md", "report.json")
"""The files of a report written into a directory."""
FILE_SUFFIXES = (".html", ".htm", ".md", ".json")
"""An ``--out`` ending in one of these names a file: the three versions share its stem."""


def report_paths(out: str | Path) -> dict[str, Path]:
    """Where a report goes: in a directory ``report.html/.md/.json``; for a file (``r.html``, ``r.md``…), its stem."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix in FILE_SUFFIXES:
        html_file = out if suffix in (".html", ".htm") else out.with_suffix(".html")
        return {"html": html_file, "md": out.with_suffix(".md"), "json": out.with_suffix(".json")}
    return {"html": out / "report.html", "md": out / "report.md", "json": out / "report.json"}


def declare_report(outputs: Outputs, out: str | Path, option: str) -> dict[str, Path]:
    """Declare a report's files in `outputs` (a bad target is refused now); returns their paths.

    Raises:
        UsageError: When `out` cannot hold the report.
    """
    out = Path(out)
    paths = report_paths(out)
    if out.suffix.lower() in FILE_SUFFIXES:
        for path in paths.values():
            outputs.file(path, option)
    else:
        outputs.directory(out, REPORT_FILES, option, "a report")
    return paths


def stage_report(report: Report, out: str | Path, stage: Callable[[Path], Path], option: str) -> None:
    """Write the three versions of `report` into the staging places of a declared `out`."""
    out = Path(out)
    texts = {"html": render_html(report), "md": render_markdown(report), "json": render_json(report)}
    paths = report_paths(out)
    if out.suffix.lower() in FILE_SUFFIXES:
        for key, path in paths.items():
            write_file(stage(path), texts[key], option)
    else:
        folder = stage(out)
        for key, path in paths.items():
            write_file(folder / path.name, texts[key], option)


def write_report(report: Report, out: str | Path, option: str = "--out") -> dict[str, Path]:
    """Write the HTML, Markdown and JSON versions, all or none, replacing an earlier report as a whole.

    Args:
        report: The report.
        out: A directory (it then holds ``report.html/.md/.json`` and nothing else), or a file
            ending in ``.html``, ``.md`` or ``.json`` (the three versions share its stem).
        option: The command-line option named in messages.

    Returns:
        The paths written, by format.

    Raises:
        UsageError: When `out` is not a place for a report, or cannot be written.
    """
    outputs = Outputs()
    paths = declare_report(outputs, out, option)
    with outputs.staged() as stage:
        stage_report(report, out, stage, option)
    return paths
