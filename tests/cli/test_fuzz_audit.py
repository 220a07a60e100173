"""Fuzz `simkit audit`: mutated example logs never crash it; every message names the log and a line.

The in-suite fuzz test (`test_fuzz.py`) extended to audit logs. Each example takes one of the
three example logs (scenarios/examples: simkit CSV, Taobao CSV, WeChat JSON Lines), optionally
turned into another container (JSON Lines, Parquet, ``.csv.gz``), mutates it once (deletes or
doubles a row, swaps a field for a hostile token — a huge or non-finite number, a control byte,
a deeply nested JSON value, a 5 MB string —, breaks the encoding or the compression) and runs
``simkit audit`` on it in-process, with or without ``--format``. The command must exit 0, 1 or
2, raise nothing, warn nothing at run time (numpy's overflow and invalid-value warnings), and
every line it prints on stderr must be ``FILE:LINE: path: message`` naming the log and a line
of it (a malformed row, a duplicate row, or the refusal of an unreadable log).

``make test`` runs 90 examples (derandomized); ``SIMKIT_FUZZ_EXAMPLES=N`` runs N/4 at random.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from simkit.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "scenarios" / "examples"
AUDIT_EXAMPLES = max(1, int(os.environ.get("SIMKIT_FUZZ_EXAMPLES", "360")) // 4)
RANDOM = "SIMKIT_FUZZ_EXAMPLES" in os.environ
PROBLEM = re.compile(r"^(?P<file>[^:]+):(?P<line>[1-9]\d*): (?P<path>.+?): (?P<message>\S.*)$")
LOGS = {
    "tmall_shop_log.csv": ("simkit", "policies/tmall.yaml"),
    "taobao_refunds.csv": ("taobao", "policies/tmall.yaml"),
    "wechat_aftersales.jsonl": ("wechat", "policies/video_channel.yaml"),
}
HOSTILE = st.one_of(
    st.sampled_from(
        [
            "1e400",
            "-1e400",
            "-inf",
            "inf",
            "NaN",
            "nan",
            "-5",
            "1" + "0" * 30,
            "1000000000000000000",
            "-1",
            "0",
            "",
            "livestream",
            "teleport",
            "9999-12-31T23:59:59",
            "0001-01-01T00:00:00+14:00",
            "2026-02-30",
            "true",
            "null",
            "\x00",
            "\x85",
            '"',
            ",",
            "[" * 5000 + "]" * 5000,
        ]
    ),
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
)


@dataclass(frozen=True)
class LogMutation:
    """One example log, in one container, changed once."""

    log: str
    suffix: str
    how: str
    data: bytes

    def __repr__(self) -> str:
        return f"LogMutation({self.log!r}, {self.suffix!r}, {self.how!r}, {len(self.data)} bytes)"


def _frame(log: str) -> pd.DataFrame:
    path = EXAMPLES / log
    if path.suffix == ".jsonl":
        rows = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:  # the example's planted malformed line
                continue
        return pd.json_normalize(rows).astype(object).where(lambda f: f.notna(), "").astype(str)
    return pd.read_csv(path, dtype=str, keep_default_na=False, on_bad_lines="skip")


def _encode(frame: pd.DataFrame, suffix: str) -> bytes:
    if suffix == ".parquet":
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        return buffer.getvalue()
    if suffix == ".jsonl":
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in frame.to_dict("records")).encode()
    text = frame.to_csv(index=False).encode()
    return gzip.compress(text) if suffix == ".csv.gz" else text


@st.composite
def log_mutations(draw: st.DrawFn) -> LogMutation:
    """An example log (as itself, or as JSON Lines, Parquet or .csv.gz) with one mutation."""
    log = draw(st.sampled_from(sorted(LOGS)))
    suffix = draw(st.sampled_from([Path(log).suffix, ".jsonl", ".parquet", ".csv.gz", ".csv"]))
    frame = _frame(log)
    how = draw(st.sampled_from(["field", "field", "field", "delete", "duplicate", "bytes"]))
    if how in ("delete", "duplicate"):
        index = draw(st.integers(0, len(frame) - 1))
        rows = [frame.iloc[[index]]] * (2 if how == "duplicate" else 0)
        frame = pd.concat([frame.iloc[:index], *rows, frame.iloc[index + 1 :]], ignore_index=True)
        return LogMutation(log, suffix, f"{how} row {index}", _encode(frame, suffix))
    if how == "field":
        index = draw(st.integers(0, len(frame) - 1))
        column = draw(st.sampled_from(list(frame.columns)))
        value = draw(HOSTILE) if draw(st.integers(0, 20)) else "x" * 5_000_000
        frame = frame.copy()
        frame.loc[index, column] = value
        return LogMutation(log, suffix, f"{column}@{index} = {value[:40]!r}", _encode(frame, suffix))
    data = _encode(frame, suffix)
    broken = draw(st.sampled_from(["truncate", "bad byte", "gbk", "utf-16", "gzip", "nul", "empty"]))
    at = draw(st.integers(0, len(data)))
    if broken == "truncate":
        data = data[:at]
    elif broken == "bad byte":
        data = data[:at] + bytes([draw(st.integers(0x80, 0xFF))]) + data[at:]
    elif broken == "nul":
        data = data[:at] + b"\x00" + data[at:]
    elif broken == "empty":
        data = b""
    elif broken == "gzip":
        data = gzip.compress(data)
    elif suffix in (".csv", ".jsonl"):
        data = data.decode("utf-8").encode(broken)
    return LogMutation(log, suffix, f"encoding: {broken}", data)


def _simkit(*argv: str) -> tuple[int, str, str]:
    """`simkit ARGV` in-process: (exit code, stdout, stderr); exceptions and numpy RuntimeWarnings propagate."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@settings(
    max_examples=AUDIT_EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_mutated_logs_exit_0_1_or_2_with_located_messages(tmp_path_factory: pytest.TempPathFactory, data) -> None:
    mutation = data.draw(log_mutations(), label="mutation")
    shape, policy = LOGS[mutation.log]
    target = tmp_path_factory.mktemp("log") / f"log{mutation.suffix}"
    target.write_bytes(mutation.data)
    argv = ["audit", "--no-floor-warnings", "--policy", str(ROOT / policy), str(target)]
    if data.draw(st.booleans(), label="--format"):
        argv += ["--format", shape]
    code, _, err = _simkit(*argv)
    assert code in (0, 1, 2), f"exit {code} for {mutation}\n{err}"
    assert "Traceback" not in err
    lines = err.splitlines()
    if code == 2:
        assert len(lines) == 1, f"a refusal is one line: {lines} ({mutation})"
    for line in lines:
        problem = PROBLEM.match(line)
        assert problem is not None, f"not FILE:LINE: path: message: {line!r} ({mutation})"
        assert problem["file"] == str(target), line
    event(f"audit {mutation.suffix}: exit {code}")
