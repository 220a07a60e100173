"""HTML tables for notebooks: the ``_repr_html_`` of simkit's result objects.

Every value is escaped (strings come from policies, scenarios and logs). Numbers are shown
with four significant digits, large ones with thousands separators; None and NaN as "—".
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import Any

MAX_ROWS = 60
"""Rows shown of a long table (the object itself holds them all)."""


def cell(value: Any) -> str:
    """One value as escaped HTML text."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        text = "—"
    elif isinstance(value, bool):
        text = str(value)
    elif isinstance(value, int):
        text = f"{value:,}"
    elif isinstance(value, float):
        text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    elif isinstance(value, (list, tuple)):
        text = ", ".join(str(v) for v in value) or "—"
    else:
        text = str(value)
    return html.escape(text)


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], caption: str = "") -> str:
    """A ``<table>`` with a header row; at most `MAX_ROWS` rows, then a line saying how many more."""
    rows = list(rows)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in rows[:MAX_ROWS])
    more = len(rows) - MAX_ROWS
    if more > 0:
        body += f'<tr><td colspan="{len(columns)}">… and {more:,} more row(s)</td></tr>'
    title = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f'<table class="simkit">{title}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def fields(pairs: Iterable[tuple[str, Any]], caption: str = "") -> str:
    """A two-column table: field, value."""
    return table(("field", "value"), pairs, caption)


def frame(data: Any, columns: Sequence[str], caption: str = "") -> str:
    """The `columns` of a DataFrame (those it has) as a table."""
    shown = [c for c in columns if c in data.columns]
    return table(shown, data[shown].itertuples(index=False, name=None), caption)
