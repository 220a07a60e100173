"""The log audit: read a log in chunks, group it by order, check every order against the policy.

Memory stays bounded whatever the log's size: the log is read in chunks of canonical rows
and, when large, spilled to temporary Parquet partitions by a hash of the order id, so that
each partition holds whole orders; partitions are then audited one at a time. A small log
(or a simulated run) is audited in memory.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from simkit.compliance.calls import RuleCalls, iso, to_micros
from simkit.compliance.conformance import Context, OrderChecks
from simkit.compliance.coverage import Coverage
from simkit.compliance.findings import Finding, Step
from simkit.compliance.logformat import SIMKIT, resolve_columns
from simkit.compliance.normalise import CANONICAL, Normaliser
from simkit.compliance.orderlog import build_order
from simkit.compliance.reader import LogReader
from simkit.errors import Problem
from simkit.policy.model import Policy

DEFAULT_TOLERANCE = dt.timedelta(minutes=5)
"""How far a platform timer may be off before it counts (processing delays)."""

_SORT = [(name, "ascending", "at_start") for name in ("run_id", "order_id", "case_id", "time", "_line")]


@dataclass
class AuditResult:
    """What an audit found.

    Attributes:
        source: The log file, or a description of the simulated runs.
        policy: The policy the log was checked against.
        fmt: The log shape (``simkit``, ``taobao``, ``wechat``).
        rows: Rows read.
        orders: Orders audited.
        cases: After-sale cases audited.
        problems: Malformed rows (each with its line), in line order.
        findings: Violations and warnings, in the order found.
        coverage: Clause coverage.
        timelines: Case id → steps, for the cases with findings (the first `max_dossiers`).
        per_run: Run id → number of violations.
        as_of: The log's end (ISO 8601).
        seconds: Time taken.
    """

    source: str
    policy: Policy
    fmt: str
    rows: int = 0
    orders: int = 0
    cases: int = 0
    problems: list[Problem] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    coverage: Coverage = field(default_factory=Coverage)
    timelines: dict[str, list[Step]] = field(default_factory=dict)
    per_run: Counter[str] = field(default_factory=Counter)
    as_of: str = ""
    seconds: float = 0.0

    @property
    def violations(self) -> list[Finding]:
        """The findings that fail the audit."""
        return [f for f in self.findings if f.severity == "violation"]

    @property
    def warnings(self) -> list[Finding]:
        """The findings reported without failing."""
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def passed(self) -> bool:
        """No violation and no malformed row."""
        return not self.violations and not self.problems

    def by_clause(self) -> dict[str, int]:
        """Violations per clause, most first."""
        counts = Counter(f.clause for f in self.violations)
        return dict(counts.most_common())

    def _repr_html_(self) -> str:
        """The verdict, counts, violations by clause and the first findings as HTML tables (notebooks)."""
        from simkit._html import fields, table

        verdict = "PASS" if self.passed else "FAIL"
        facts = fields(
            [
                ("verdict", verdict),
                ("log", self.source),
                ("policy", self.policy.id),
                ("rows", self.rows),
                ("orders", self.orders),
                ("after-sale cases", self.cases),
                ("violations", len(self.violations)),
                ("warnings", len(self.warnings)),
                ("malformed rows", len(self.problems)),
            ],
            f"audit {self.source}: {verdict}",
        )
        clauses = table(("clause", "violations"), self.by_clause().items(), "violations by clause")
        found = table(
            ("case", "severity", "clause", "expected", "found"),
            ((f.case_id or f.where, f.severity, f.clause, f.expected, f.actual) for f in self.findings),
            "findings",
        )
        return facts + clauses + found

    def to_dict(self, limit: int = 1000) -> dict[str, Any]:
        """JSON-ready form (at most `limit` findings and problems listed; counts are exact)."""
        return {
            "source": self.source,
            "policy": self.policy.id,
            "format": self.fmt,
            "rows": self.rows,
            "orders": self.orders,
            "cases": self.cases,
            "as_of": self.as_of,
            "seconds": round(self.seconds, 3),
            "passed": self.passed,
            "violations": len(self.violations),
            "warnings": len(self.warnings),
            "malformed_rows": len(self.problems),
            "by_clause": self.by_clause(),
            "findings": [f.to_dict() for f in self.findings[:limit]],
            "problems": [str(p) for p in self.problems[:limit]],
            "timelines": {case: [s.to_dict() for s in steps] for case, steps in self.timelines.items()},
            "coverage": self.coverage.to_dict(self.policy),
        }


def audit_log(
    path: str | Path,
    policy: Policy,
    *,
    fmt: str = "simkit",
    maps: Mapping[str, str] | None = None,
    tolerance: dt.timedelta = DEFAULT_TOLERANCE,
    max_dossiers: int = 50,
    partition_rows: int = 250_000,
    batch_rows: int = 100_000,
) -> AuditResult:
    """Audit a log file against a policy, in bounded memory.

    Args:
        path: The log (``.csv``, ``.csv.gz``, ``.parquet``, ``.jsonl``).
        policy: The policy in force (variants applied).
        fmt: The shape: ``simkit``, ``taobao`` or ``wechat`` (docs/log-format.md).
        maps: Raw column → field mappings beyond the preset's (``--map``).
        tolerance: How far a timer may be off.
        max_dossiers: Case timelines kept for the report.
        partition_rows: About how many rows one partition holds (spilled to disk beyond it).
        batch_rows: Rows read per chunk.

    Raises:
        LogError: When the log cannot be read at all or lacks a required column.
    """
    started = time.perf_counter()
    reader = LogReader(path, fmt, maps, batch_rows=batch_rows)
    parts = max(1, -(-reader.estimated_rows // partition_rows))
    result = AuditResult(str(path), policy, fmt)
    with tempfile.TemporaryDirectory(prefix="simkit-audit-") as tmp:
        tables, as_of = _spill(reader.chunks(), parts, Path(tmp))
        ctx = Context(policy, RuleCalls(policy), _us(tolerance), as_of, max_dossiers=max_dossiers)
        for table in tables:
            orders, cases = _audit_table(table() if callable(table) else table, ctx, fmt)
            result.orders += orders
            result.cases += cases
    return _finish(result, ctx, reader.rows, reader.problems, as_of, started)


def audit_events(
    events: pd.DataFrame | pa.Table,
    policy: Policy,
    *,
    facts: pd.DataFrame | None = None,
    as_of: dt.datetime | None = None,
    source: str = "<events>",
    tolerance: dt.timedelta = DEFAULT_TOLERANCE,
    max_dossiers: int = 50,
) -> AuditResult:
    """Audit an event log held in memory (``simkit`` shape), e.g. `simkit.run(...).events`.

    Args:
        events: One row per event, with the simkit log columns.
        policy: The policy in force.
        facts: Order facts (``order_id`` and any of category, price, free_shipping, channel,
            paid_at, presale_ship_by), joined onto the events by order id.
        as_of: The log's end (naive China local time): timers due before it must have fired
            (default: the last event).
        source: Named in the result.
        tolerance: How far a timer may be off.
        max_dossiers: Case timelines kept.
    """
    started = time.perf_counter()
    table = events if isinstance(events, pa.Table) else pa.Table.from_pandas(events, preserve_index=False)
    if facts is not None and len(facts):
        table = _join_facts(table, facts)
    normalise = Normaliser(source, SIMKIT, resolve_columns(SIMKIT, table.column_names, {}))
    canonical, problems = normalise(table, np.arange(1, table.num_rows + 1, dtype=np.int64))
    end = to_micros(as_of) if as_of is not None else _max_time(canonical)
    ctx = Context(policy, RuleCalls(policy), _us(tolerance), end, max_dossiers=max_dossiers)
    result = AuditResult(source, policy, "simkit")
    result.orders, result.cases = _audit_table(canonical, ctx, "simkit")
    return _finish(result, ctx, table.num_rows, problems, end, started)


def _finish(
    result: AuditResult, ctx: Context, rows: int, problems: list[Problem], as_of: int | None, started: float
) -> AuditResult:
    result.rows = rows
    result.problems = sorted(problems, key=lambda p: (p.line, p.path))
    result.findings = sorted(ctx.findings, key=_finding_order)
    result.coverage = ctx.coverage
    result.timelines = ctx.timelines
    result.per_run = ctx.per_run
    result.as_of = iso(as_of)
    result.seconds = time.perf_counter() - started
    return result


def _finding_order(f: Finding) -> tuple[Any, ...]:
    """Findings by run, order (numerically when the ids are numbers), case and line."""
    order: tuple[int, int | str] = (0, int(f.order_id)) if f.order_id.isdigit() else (1, f.order_id)
    line = f.evidence[0].line if f.evidence else 0
    return (f.run_id, order, f.case_id, line, f.clause)


def _us(delta: dt.timedelta) -> int:
    return delta // dt.timedelta(microseconds=1)


def _max_time(table: pa.Table) -> int | None:
    if table.num_rows == 0:
        return None
    value = pc.max(table.column("time")).as_py()
    return int(value) if value is not None else None


def _join_facts(table: pa.Table, facts: pd.DataFrame) -> pa.Table:
    """Add the fact columns to every event of each order."""
    known = [c for c in ("category", "price", "free_shipping", "channel", "paid_at", "presale_ship_by") if c in facts]
    keyed = facts.set_index(facts["order_id"].astype("int64"))[known]
    order_ids = pd.Index(table.column("order_id").to_numpy(zero_copy_only=False).astype("int64"))
    rows = keyed.reindex(order_ids)
    for name in known:
        if name in table.column_names:
            continue
        table = table.append_column(name, pa.array(rows[name].to_numpy(), from_pandas=True))
    return table


def _spill(chunks: Iterable[pa.Table], parts: int, tmp: Path) -> tuple[list[Any], int | None]:
    """Partitions of whole orders: in memory when one, else Parquet files read back one at a time."""
    as_of: int | None = None
    if parts == 1:
        kept = []
        for chunk in chunks:
            as_of = _later(as_of, _max_time(chunk))
            kept.append(chunk)
        return [pa.concat_tables(kept) if kept else CANONICAL.empty_table()], as_of
    writers: dict[int, pq.ParquetWriter] = {}
    try:
        for chunk in chunks:
            as_of = _later(as_of, _max_time(chunk))
            if chunk.num_rows == 0:
                continue
            ids = chunk.column("order_id").to_numpy(zero_copy_only=False)
            part = (pd.util.hash_array(np.asarray(ids, dtype=object)) % np.uint64(parts)).astype(np.int64)
            for p in np.unique(part):
                writer = writers.get(int(p))
                if writer is None:
                    writer = writers[int(p)] = pq.ParquetWriter(tmp / f"part-{int(p):04d}.parquet", CANONICAL)
                writer.write_table(chunk.filter(pa.array(part == p)))
    finally:
        for writer in writers.values():
            writer.close()
    files = sorted(tmp.glob("part-*.parquet"))
    return [_loader(file) for file in files], as_of


def _loader(file: Path) -> Any:
    return lambda: pq.read_table(file)


def _later(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    return a if b is None else max(a, b)


_COLUMNS = [f.name for f in CANONICAL]


def _column(table: pa.Table, name: str) -> list[Any]:
    """A column as a Python list; repeated strings share one object."""
    array = table.column(name).combine_chunks()
    if pa.types.is_string(array.type):
        encoded = pc.dictionary_encode(array)
        words = encoded.dictionary.to_pylist()
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        if encoded.indices.null_count:
            valid = pc.is_valid(encoded.indices).to_numpy(zero_copy_only=False)
            return [words[int(c)] if ok else None for c, ok in zip(codes, valid, strict=True)]
        return [words[c] for c in codes.tolist()]
    values: list[Any] = array.to_pylist()
    return values


def _audit_table(table: pa.Table, ctx: Context, shape: str) -> tuple[int, int]:
    """Audit every order in a table of whole orders; returns (orders, cases)."""
    if table.num_rows == 0:
        return 0, 0
    table = table.take(pc.sort_indices(table, sort_keys=_SORT))
    cols = {name: _column(table, name) for name in _COLUMNS}
    runs, orders_col = cols["run_id"], cols["order_id"]
    n = table.num_rows
    del table
    orders = cases = 0
    for start, stop in _groups(runs, orders_col, n):
        order = build_order(cols, start, stop, shape)
        OrderChecks(ctx, order).run()
        orders += 1
        cases += len(order.cases)
    return orders, cases


def _groups(runs: list[Any], orders: list[Any], n: int) -> Iterator[tuple[int, int]]:
    start = 0
    for i in range(1, n + 1):
        if i == n or orders[i] != orders[start] or runs[i] != runs[start]:
            yield start, i
            start = i
