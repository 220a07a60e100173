"""A report: a verdict and a list of sections, each plain data, so JSON holds all of it.

Any command builds one from its results (`simkit.report.builders` for check and audit;
compare and sweep add their own sections with the same types) and writes it as HTML,
Markdown and JSON (`simkit.report.render`). ``simkit report`` re-renders from the JSON.

Section kinds and the keys they use:

* ``summary``: ``items`` (label, verdict, detail), ``lines`` (one per failure);
* ``metrics``: ``rows`` (metric, label, unit, mean, ci_low, ci_high, n, bound, passed);
* ``table``: ``columns`` (key, label) and ``rows``, for anything tabular (comparisons);
* ``compliance``: ``rows`` per clause (clause, zh, en, passed, violations, warnings,
  skipped, verdict, evidence);
* ``findings``: ``findings`` (`simkit.compliance.Finding.to_dict`);
* ``dossiers``: ``dossiers`` (case_id, order_id, run_id, findings, timeline of steps with
  the clause cited at each step);
* ``coverage``: ``rows`` (`Coverage.table`) and ``never_fired``;
* ``figures``: ``figures`` (title, caption, png as base64);
* ``problems``: ``lines`` (malformed log rows).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

SectionKind = Literal[
    "summary", "metrics", "table", "compliance", "findings", "dossiers", "coverage", "figures", "problems"
]
KINDS: tuple[str, ...] = SectionKind.__args__  # type: ignore[attr-defined]


@dataclass
class Figure:
    """A figure embedded in the report.

    Attributes:
        title: Shown above it.
        png: The PNG image, base64-encoded.
        caption: One sentence on what it shows.
    """

    title: str
    png: str
    caption: str = ""


@dataclass
class Section:
    """One section of a report (see the module docstring for the keys of each kind)."""

    kind: SectionKind
    title: str
    intro: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    columns: list[dict[str, str]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    dossiers: list[dict[str, Any]] = field(default_factory=list)
    never_fired: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """An id for links within the report."""
        return "".join(c if c.isalnum() else "-" for c in self.title.lower()).strip("-")


@dataclass
class Report:
    """A whole report.

    Attributes:
        title: The report's title.
        kind: What produced it (``check``, ``audit``, ``run``, ``compare``, ``sweep``).
        passed: The overall verdict (None when the report judges nothing).
        subtitle: One line under the title.
        facts: Short ``label: value`` facts shown under the verdict.
        sections: The sections, in order.
        data: The raw results, kept in the JSON version.
    """

    title: str
    kind: str
    passed: bool | None
    subtitle: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        """``PASS``, ``FAIL`` or ``INFO``."""
        return "INFO" if self.passed is None else "PASS" if self.passed else "FAIL"

    def figures(self) -> list[Figure]:
        """Every figure in the report."""
        return [figure for section in self.sections for figure in section.figures]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (figures included, as base64)."""
        out = asdict(self)
        out["verdict"] = self.verdict
        out["facts"] = [list(pair) for pair in self.facts]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """A report from its `to_dict` form.

        Raises:
            ValueError: When `data` is not a report.
        """
        try:
            sections = []
            for raw in data["sections"]:
                fields = dict(raw)
                fields["figures"] = [Figure(**f) for f in fields.get("figures", [])]
                if fields["kind"] not in KINDS:
                    raise ValueError(f"unknown section kind {fields['kind']!r}")
                sections.append(Section(**fields))
            return cls(
                title=str(data["title"]),
                kind=str(data["kind"]),
                passed=data["passed"],
                subtitle=str(data.get("subtitle", "")),
                facts=[(str(a), str(b)) for a, b in data.get("facts", [])],
                sections=sections,
                data=dict(data.get("data", {})),
            )
        except KeyError as exc:
            raise ValueError(f"not a simkit report (missing {exc})") from None
        except TypeError as exc:
            raise ValueError(f"not a simkit report ({exc})") from None
