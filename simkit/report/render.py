"""Render a `Report` as self-contained HTML, Markdown and JSON, and write the three as a set.

HTML comes from a Jinja2 template with autoescaping on, so every string from a policy, a
scenario or a log is escaped; figures are embedded as ``data:`` URIs and the page needs no
network. Markdown escapes the same strings (``<``, ``>``, ``&`` and table pipes).
"""

from __future__ import annotations

import html
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import jinja2

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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def report_paths(out: str | Path) -> dict[str, Path]:
    """Where a report goes: in a directory ``report.html/.md/.json``; for a file, its stem."""
    out = Path(out)
    if out.suffix.lower() in (".html", ".htm"):
        return {"html": out, "md": out.with_suffix(".md"), "json": out.with_suffix(".json")}
    return {"html": out / "report.html", "md": out / "report.md", "json": out / "report.json"}


def write_report(report: Report, out: str | Path) -> dict[str, Path]:
    """Write the HTML, Markdown and JSON versions, all or none replacing older ones.

    Args:
        report: The report.
        out: A directory, or the HTML file (the others go beside it with the same stem).

    Returns:
        The paths written, by format.
    """
    paths = report_paths(out)
    texts = {"html": render_html(report), "md": render_markdown(report), "json": render_json(report)}
    staged: list[tuple[str, Path]] = []
    try:
        for key, path in paths.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(texts[key])
                handle.flush()
                os.fsync(handle.fileno())
            staged.append((tmp, path))
        mode = 0o666 & ~_umask()
        for tmp, path in staged:
            os.chmod(tmp, mode)
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    return paths
