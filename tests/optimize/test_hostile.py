"""Hostile input to `simkit optimize`, `simkit sweep --resume` and the files they read: one line, exit 2, no hang.

Each case here was found by a hostile corpus run outside the repository (a traceback, a value
refused only by the simulation that drew it, a store resumed over an edited policy, a FIFO read
for ever); the expected messages are written out in full.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simkit.cli.main import main
from simkit.experiment.store import Store

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = "tmall.refund_auto_agree.timeout"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """The small shop with 300 orders and its own copy of the policies (so that a test may edit them)."""
    shutil.copytree(ROOT / "policies", tmp_path / "policies")
    text = (ROOT / "scenarios" / "bench" / "small_shop.yaml").read_text(encoding="utf-8")
    text = text.replace("policy: ../../policies/tmall.yaml", "policy: policies/tmall.yaml")
    text = text.replace("count: 3000 ", "count: 300 ")
    path = tmp_path / "shop.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def optimize(shop: Path, *extra: str) -> list[str]:
    return ["optimize", str(shop), "--objective", "cost_total", "--budget", "4", "--reps", "2", "--quiet",
            "--executor", "serial", "--no-floor-warnings", *extra]  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        # "cost_total" twice made two columns of one label: a pandas traceback after the search had run.
        (
            ["--lever", f"{TIMEOUT}=24:96", "--objective", "cost_total:max"],
            "<cli>: --objective: cost_total is given twice; an objective is searched once",
        ),
        # A bound that is no number ("1.2.3", ".") was a ValueError traceback.
        (
            ["--lever", f"{TIMEOUT}=24:96", "--constraint", "cost_total<=1.2.3"],
            "<cli>: --constraint: expected METRIC<=VALUE or METRIC>=VALUE, got 'cost_total<=1.2.3'",
        ),
        (
            ["--lever", f"{TIMEOUT}=24:96", "--constraint", "cost_total<=."],
            "<cli>: --constraint: expected METRIC<=VALUE or METRIC>=VALUE, got 'cost_total<=.'",
        ),
        # Without --uncertain there are no samples: the options were silently ignored.
        (
            ["--lever", f"{TIMEOUT}=24:96", "--robust", "regret"],
            "<cli>: --robust: needs --uncertain path=lo:hi: without uncertainties there is nothing to sample",
        ),
        (
            ["--lever", f"{TIMEOUT}=24:96", "--uncertain-samples", "7"],
            "<cli>: --uncertain-samples: needs --uncertain path=lo:hi: "
            "without uncertainties there is nothing to sample",
        ),
        # The scenario schema: every merchant has at least one agent (per_merchant ge=1), the platform at
        # least one arbiter (arbiters.staff ge=1). A range reaching below was searched, and refused only by
        # the simulation that first drew such a value (after the budget was partly spent), or never.
        (
            ["--lever", "merchants.staff.per_merchant=-1:3"],
            "<cli>: merchants.staff.per_merchant: --lever value '-1': Input should be greater than or equal to 1",
        ),
        (
            ["--lever", "arbiters.staff=2,0"],
            "<cli>: arbiters.staff: --lever value '0': Input should be greater than or equal to 1",
        ),
        (
            ["--lever", f"{TIMEOUT}=24:96", "--uncertain", "merchants.staff.per_merchant=-3:-1"],
            "<cli>: merchants.staff.per_merchant: --uncertain value '-1': Input should be greater than or equal to 1",
        ),
    ],
)
def test_bad_input_is_refused_before_anything_runs(shop, tmp_path, extra, message, capsys):
    out = tmp_path / "store"
    assert main([*optimize(shop, *extra), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [message]
    assert captured.out == ""
    assert not out.exists()  # nothing simulated, nothing stored


def test_a_resume_over_an_edited_policy_file_is_refused_naming_the_file(shop, tmp_path, capsys):
    out = tmp_path / "store"
    argv = [*optimize(shop, "--lever", "arbiters.staff=1:3"), "--out", str(out)]
    assert main(argv) == 0
    policy = tmp_path / "policies" / "tmall.yaml"
    before = hashlib.sha256(policy.read_bytes()).hexdigest()
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace("merchant_confirm_within: 10 days", "merchant_confirm_within: 9 days"), "utf-8")
    after = hashlib.sha256(policy.read_bytes()).hexdigest()
    capsys.readouterr()
    assert main([*argv, "--resume"]) == 2
    name = os.path.normpath(tmp_path / "policies" / "tmall.yaml")
    assert capsys.readouterr().err.splitlines() == [
        f"<cli>: --out: {out} holds a different experiment: input file {name} was edited "
        f"(sha256 {before[:12]}… → {after[:12]}…)"
    ]


def test_a_resume_over_an_edited_scenario_names_the_first_differing_line(tmp_path):
    Store(tmp_path / "s", {"kind": "sweep", "scenario_text": "a: 1\nb: 2\nc: 3\n"})
    with pytest.raises(Exception) as caught:
        Store(tmp_path / "s", {"kind": "sweep", "scenario_text": "a: 1\nb: 5\nc: 3\n"}, resume=True)
    assert str(caught.value) == (
        f"<cli>: --out: {tmp_path / 's'} holds a different experiment: scenario_text line 2 'b: 2' → 'b: 5'"
    )


def test_a_foreign_file_in_the_search_folder_is_refused_before_the_search(shop, tmp_path, capsys):
    out = tmp_path / "store"
    (out / "search").mkdir(parents=True)
    (out / "search" / "mine.txt").write_text("keep", encoding="utf-8")
    assert main([*optimize(shop, "--lever", "arbiters.staff=1:3"), "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"<cli>: --out: {out / 'search'} holds other things than front.csv, candidates.csv, result.json, "
        "front.png, levers.png, hypervolume.png ('mine.txt'); give a new directory, or one that simkit optimize wrote"
    ]
    assert sorted(os.listdir(out)) == ["search"]  # no experiment was started


@pytest.mark.parametrize("command", ["optimize", "sweep", "run"])
def test_a_fifo_given_as_the_scenario_is_refused_without_waiting_for_a_writer(tmp_path, command):
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)  # reading it would wait for a writer for ever
    extra = {
        "optimize": ["--objective", "cost_total", "--lever", f"{TIMEOUT}=24:96"],
        "sweep": ["--grid", "merchants.misjudge=0.1,0.2"],
        "run": [],
    }[command]
    done = subprocess.run(
        [sys.executable, "-m", "simkit", command, str(fifo), *extra],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.DEVNULL,
    )
    assert (done.returncode, done.stderr) == (
        2,
        f"{fifo}: <root>: cannot read file: not a regular file (a pipe, a socket or a device): "
        "save the data to a file and give that\n",
    )


def test_a_variant_that_is_a_directory_or_a_fifo_and_a_policy_that_is_a_device_are_named(shop, tmp_path, capsys):
    (tmp_path / "variant.yaml").mkdir()
    assert main([*optimize(shop, "--lever", "arbiters.staff=1:3"), "--variant", str(tmp_path / "variant.yaml")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"<cli>: --variant: variant file '{tmp_path / 'variant.yaml'}' is a directory, not a file"
    ]
    os.mkfifo(tmp_path / "variant.fifo")  # was looked for beside the scenario, and "not found"
    assert main([*optimize(shop, "--lever", "arbiters.staff=1:3"), "--variant", str(tmp_path / "variant.fifo")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"<cli>: --variant: variant file '{tmp_path / 'variant.fifo'}' is not a regular file (a pipe, a socket or a "
        "device): save the data to a file and give that"
    ]
    text = shop.read_text(encoding="utf-8").replace("policy: policies/tmall.yaml", "policy: /dev/null")
    shop.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "policy: /dev/null" in row)
    assert main(optimize(shop, "--lever", "arbiters.staff=1:3")) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{shop}:{line}: scenario.policy: policy file '/dev/null' is not a regular file (a pipe, a socket or a "
        "device): save the data to a file and give that"
    ]


def test_the_highest_seed_is_a_valid_seed_for_every_stored_experiment(shop, tmp_path, capsys):
    # `--seed` takes 0 … 2**64 - 1 ("must be between 0 and 18446744073709551615"); the re-check
    # (seed + 1,000,003) and compare's independent arms (seed + 7,919,000,003) went past it, and
    # storing their tasks was an OverflowError traceback. They wrap around: 2**64 - 1 + 1,000,003
    # is 1,000,002 modulo 2**64.
    top = str(2**64 - 1)
    out = tmp_path / "search"
    assert main([*optimize(shop, "--lever", "arbiters.staff=1:3"), "--seed", top, "--out", str(out)]) == 0
    seeds = {name.split("-s")[1].split("-")[0] for name in os.listdir(out / "tasks")}
    assert seeds == {top, "1000002"}
    out = tmp_path / "compare"
    variant = str(ROOT / "policies" / "variants" / "tmall_ship_48h.yaml")
    argv = ["compare", str(shop), "--variant", variant, "--reps", "2", "--seed", top, "--out", str(out)]
    assert main([*argv, "--quiet", "--executor", "serial", "--no-floor-warnings"]) == 0
    seeds = {name.split("-s")[1].split("-")[0] for name in os.listdir(out / "tasks")}
    assert seeds == {top, "7919000002"}
    assert "Traceback" not in capsys.readouterr().err


def test_a_store_of_another_command_is_named_by_its_kind(tmp_path):
    Store(tmp_path / "s", {"kind": "sweep", "design": {"grid": {"merchants.misjudge": ["0.1"]}}, "seed": 1})
    with pytest.raises(Exception) as caught:
        Store(tmp_path / "s", {"kind": "optimize", "levers": [], "seed": 1}, resume=True)
    assert str(caught.value) == (
        f"<cli>: --out: {tmp_path / 's'} holds an experiment of simkit sweep, not of simkit optimize; use another --out"
    )


@pytest.mark.parametrize(
    ("old", "new", "change"),
    [
        (
            {"a.yaml": "0" * 64},
            {"a.yaml": "1" * 64},
            f"input file a.yaml was edited (sha256 {'0' * 12}… → {'1' * 12}…)",
        ),
        ({}, {"v.yaml": "1" * 64}, "input file v.yaml is new"),
        ({"v.yaml": "1" * 64}, {}, "input file v.yaml is no longer read"),
        (None, {"v.yaml": "1" * 64}, "input file v.yaml is new"),  # a store written before inputs were recorded
    ],
)
def test_a_changed_input_file_is_named(tmp_path, old, new, change):
    first = {"kind": "sweep", "seed": 1} | ({"inputs": old} if old is not None else {})
    Store(tmp_path / "s", first)
    with pytest.raises(Exception) as caught:
        Store(tmp_path / "s", {"kind": "sweep", "seed": 1, "inputs": new}, resume=True)
    assert str(caught.value) == f"<cli>: --out: {tmp_path / 's'} holds a different experiment: {change}"


@pytest.mark.parametrize(
    ("command", "value", "message"),
    [
        # "1.2.3" and "." matched the number pattern and were a float() traceback.
        ("sweep", "merchants.misjudge=1.2.3:5", "merchants.misjudge: --range expects numbers lo:hi with an optional "
         "unit, got '1.2.3:5'"),
        ("optimize", "merchants.misjudge=.:0.5", "merchants.misjudge: --lever expects numbers lo:hi with an optional "
         "unit, got '.:0.5'"),
        # 1e400 and 10**400 are no finite float: the message said "needs lo < hi".
        ("sweep", "merchants.misjudge=0:1e400", "merchants.misjudge: --range: an end is too large to be a number, "
         "got '0:1e400'"),
        ("optimize", f"arbiters.staff=1:{10**400}", "arbiters.staff: --lever: an end is too large to be a number, "
         f"got '1:1{'0' * 51}…000'"),  # cut to 60 characters
        # The merchants' playbook is a name (offer_first): each end was refused only once it was loaded.
        ("optimize", "merchants.playbook=1:3", "merchants.playbook: --lever needs a numeric parameter; its value is "
         "'offer_first'"),
    ],
)  # fmt: skip
def test_a_range_that_is_not_two_finite_numbers_of_a_numeric_parameter_is_named(shop, command, value, message, capsys):
    if command == "sweep":
        argv = ["sweep", str(shop), "--range", value, "--lhs", "2", "--quiet"]
    else:
        argv = optimize(shop, "--lever", value)
    assert main(argv) == 2
    assert capsys.readouterr().err.splitlines() == [f"<cli>: {message}"]


@pytest.mark.parametrize(
    ("command", "option", "value"),
    [("sweep", "--grid", "scenario.seed=1,2"), ("optimize", "--lever", "scenario.replications=2:5"),
     ("optimize", "--uncertain", "scenario.seed=1:5")],
)  # fmt: skip
def test_the_seed_and_the_replications_are_not_parameters_to_vary(shop, command, option, value, capsys):
    # Every point (candidate) runs on the experiment's own seed and replications (common random
    # numbers), so `--grid scenario.seed=1,2,3` gave three identical points: a lever that moves nothing.
    path = value.partition("=")[0]
    by = {"scenario.seed": "--seed", "scenario.replications": "--reps"}[path]
    if command == "sweep":
        argv = ["sweep", str(shop), option, value, "--quiet"]
    else:
        argv = optimize(shop, *(["--lever", "arbiters.staff=1:3"] if option != "--lever" else []), option, value)
    assert main(argv) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"<cli>: {path}: {option}: set by {by}, not varied (every point runs on the same seeds and replications, "
        "so varying it would change nothing)"
    ]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        # optimize needs two replications (a paired interval); --reps 0 was told "between 1 and 10000".
        (["--reps", "0"], "<cli>: --reps: must be between 2 and 10000, got 0"),
        (["--budget", "9" * 400], f"<cli>: --budget: must be between 1 and 1000000, got {'9' * 95}…9999"),
        (
            ["--constraint", f"orders:max<={'9' * 400}"],
            f"<cli>: --constraint: expected METRIC<=VALUE or METRIC>=VALUE, got 'orders:max<={'9' * 42}…999'",
        ),
    ],
)
def test_counts_and_bounds_are_refused_in_one_readable_line(shop, extra, message, capsys):
    assert main([*optimize(shop, "--lever", "arbiters.staff=1:3"), *extra]) == 2
    assert capsys.readouterr().err.splitlines() == [message]


def test_an_out_that_is_a_file_is_named_as_one(shop, tmp_path, capsys):
    (tmp_path / "taken").write_text("mine", encoding="utf-8")
    assert main([*optimize(shop, "--lever", "arbiters.staff=1:3"), "--out", str(tmp_path / "taken")]) == 2
    assert capsys.readouterr().err.splitlines() == [f"<cli>: --out: {tmp_path / 'taken'} exists and is not a directory"]
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "mine"
    assert main([*optimize(shop, "--lever", "arbiters.staff=1:3"), "--out", str(tmp_path / "taken" / "store")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"<cli>: --out: cannot create {tmp_path / 'taken' / 'store'}: a part of {tmp_path / 'taken'} is not a directory"
    ]


@pytest.mark.parametrize(
    ("command", "report"), [("optimize", "store/search"), ("optimize", "store"), ("sweep", "store/r.html")]
)
def test_a_report_inside_the_store_is_refused_before_anything_runs(shop, tmp_path, command, report, capsys):
    # `--out store --report store/search` ran the whole search, then the report replaced the
    # search's own files (front.csv …) in store/search.
    out, folder = tmp_path / "store", tmp_path / report
    if command == "sweep":
        argv = ["sweep", str(shop), "--grid", "merchants.misjudge=0.1,0.2", "--quiet"]
    else:
        argv = optimize(shop, "--lever", "arbiters.staff=1:3")
    assert main([*argv, "--out", str(out), "--report", str(folder)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"<cli>: --report: {folder} overlaps --out {out}; give the report a folder of its own"
    ]
    assert not out.exists()


def test_a_resume_with_another_lever_names_the_levers(shop, tmp_path, capsys):
    out = tmp_path / "store"
    argv = [*optimize(shop, "--lever", "arbiters.staff=1:3"), "--out", str(out)]
    assert main(argv) == 0
    capsys.readouterr()
    assert main([*argv, "--resume", "--lever", "merchants.misjudge=0.1:0.3"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"<cli>: --out: {out} holds a different experiment: "
        "levers [arbiters.staff] → [arbiters.staff, merchants.misjudge]"
    ]
