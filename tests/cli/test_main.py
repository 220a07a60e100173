"""The `simkit` entry point: usage without a command, help text, a closed output pipe."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simkit.cli.main import EXAMPLES, build_parser, main

ROOT = Path(__file__).resolve().parents[2]
EXIT_CODES = """exit codes:
  0    ok
  1    a check or expectation failed
  2    bad input: one line per problem, FILE:LINE: dotted.path: message (never a traceback)
  130  interrupted (Ctrl-C)
  141  the output was closed early (e.g. piped into head)
"""
COMMANDS = ["validate", "explain", "policy", "policy diff", "params", "run", "optimize"]


def _script() -> str:
    script = shutil.which("simkit", path=str(Path(sys.executable).parent)) or shutil.which("simkit")
    assert script is not None
    return script


def test_bare_simkit_prints_the_usage_and_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("usage: simkit [-h] [--version] COMMAND ...\n")
    for line in (
        "    validate  check policy, variant, scenario and case files",
        "    explain   decide one case and cite the rules",
        "    policy    inspect and compare policies",
        "    params    list every parameter --set can change",
        "    run       run a scenario and print its metrics",
    ):
        assert line in err.splitlines()
    assert err.endswith(EXIT_CODES)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_help_ends_with_an_example_and_the_exit_codes(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([*command.split(), "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.endswith(EXIT_CODES)
    example = out[out.rindex("\nexample") :]
    assert f"\n  simkit {command.split()[0]} " in example


@pytest.mark.parametrize("example", sorted({e for examples in EXAMPLES.values() for e in examples}))
def test_the_examples_in_the_help_work(
    example: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    argv = shlex.split(example.replace("\\\n", " "))[1:]
    if argv[0] == "run":  # long runs: check that they parse and that the scenario loads
        args = build_parser().parse_args(argv)
        argv = ["params", args.scenario, *(f"--set={o}" for o in args.overrides)]
    assert main(argv) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_output_closed_early_exits_141_without_a_traceback() -> None:
    """`simkit params … | head`: the reader goes away before simkit writes."""
    process = subprocess.Popen(
        [_script(), "params", "scenarios/tmall_baseline.yaml"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # like `head` exiting: writes now fail with EPIPE
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert err == ""


def test_output_closed_after_the_first_line() -> None:
    done = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {_script()} params scenarios/tmall_baseline.yaml | head -n 1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout.startswith("scenario.")
    assert len(done.stdout.splitlines()) == 1
    assert done.stderr == ""
    assert done.returncode in (0, 141)  # 0 only when all of it fit in the pipe before head exited


def test_python_dash_m_simkit_is_the_same_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "simkit", "validate", "policies/tmall.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    script = subprocess.run([_script(), "validate", "policies/tmall.yaml"], cwd=ROOT, capture_output=True, text=True)
    assert (out.returncode, out.stdout, out.stderr) == (script.returncode, script.stdout, script.stderr)
    assert out.returncode == 0
    assert out.stdout == "ok: 1 file valid\n"
