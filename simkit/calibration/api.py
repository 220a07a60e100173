"""`simkit.calibrate`: a shop's after-sales log in, a fitted twin scenario out (with its validation).

The log is read through `simkit.logs.LogOrders` (the same `OrderLog`s the audit reads), split in
time by payment (training part first), observed (`observe`), fitted (`fit`), written as a scenario
(`twin`) and, unless ``validate=False``, simulated over the held-out period against the held-out
orders (`simkit.calibration.validate.validate_twin`).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simkit.calibration.estimates import NOT_IDENTIFIED, Estimate, FitResult
from simkit.calibration.families import FittedDistribution
from simkit.calibration.fit import Fitter
from simkit.calibration.observe import hours, moment, observe
from simkit.calibration.split import facts_frame, hours_of, midnight, order_time, order_times, with_facts
from simkit.calibration.twin import KEPT, build_tree, to_yaml
from simkit.errors import Problem, SimkitError
from simkit.logs.orderlog import OrderLog
from simkit.policy.model import Policy

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from simkit.scenario.loader import Scenario

BASELINES = {"tmall": "tmall_baseline.yaml", "video_channel": "channels_baseline.yaml"}
"""The shipped baseline scenario of each platform (the default `base`)."""
DEFAULT_HOLDOUT = 0.25
TIMER_MISMATCH_H = 0.5
"""An automatic approval further than this from the policy's deadline did not run on this policy's timer."""

PARAMETER_COLUMNS = ["parameter", "estimate", "ci_low", "ci_high", "n", "method", "identified", "note", "in_twin"]


@dataclass
class Calibration:
    """A fitted twin and the evidence behind it.

    Attributes:
        scenario: The twin (a loaded `Scenario`); `to_yaml` gives its text.
        parameters: One row per fitted figure (see `PARAMETER_COLUMNS`).
        fits: The fitted duration distributions (data, censoring, AIC table).
        validation: The held-out validation (`simkit.calibration.validate.Validation`), or None.
        train: The training period (payments from, until).
        holdout_period: The held-out period, or None.
        warnings: Parameters kept from the base for want of data, and the like.
        problems: Malformed log rows (left out; the rest was used).
        volume_from: ``orders`` (order facts) or ``requests`` (no order facts: volume not identified).
        shape: The log's shape (``simkit``, ``taobao``, ``wechat``).
        detected: Why the shape was chosen when it was recognised from the header, else "".
    """

    scenario: Scenario
    parameters: pd.DataFrame
    fits: list[FittedDistribution]
    validation: Any
    train: tuple[dt.datetime, dt.datetime]
    holdout_period: tuple[dt.datetime, dt.datetime] | None
    yaml_text: str
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    volume_from: str = "orders"
    policy_path: str = ""
    result: FitResult | None = field(default=None, repr=False)
    variant_paths: list[str] = field(default_factory=list)
    shape: str = ""
    detected: str = ""

    def to_yaml(self, out: str | Path | None = None) -> str:
        """The twin's YAML text (its ``policy:`` relative to `out` when given)."""
        if out is None:
            return self.yaml_text
        here = Path(out).resolve().parent
        text = self.yaml_text.replace(
            f"policy: {self.policy_path}", f"policy: {os.path.relpath(self.policy_path, here)}", 1
        )
        for path in self.variant_paths:
            text = text.replace(path, os.path.relpath(path, here), 1)
        return text

    def write(self, out: str | Path) -> None:
        """Write the twin (atomically)."""
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(self.to_yaml(out))
        os.replace(tmp, out)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready)."""
        params = self.parameters.replace({np.nan: None}).to_dict(orient="records")
        return {
            "scenario": self.scenario.id,
            "train": [self.train[0].isoformat(), self.train[1].isoformat()],
            "holdout": None if self.holdout_period is None else [t.isoformat() for t in self.holdout_period],
            "volume_from": self.volume_from,
            "parameters": params,
            "fits": [f.to_dict() for f in self.fits],
            "shifts": None if self.result is None or self.result.pattern is None else self.result.pattern.shifts(),
            "warnings": list(self.warnings),
            "problems": [str(p) for p in self.problems],
            "validation": None if self.validation is None else self.validation.to_dict(),
        }

    def figures(self) -> dict[str, Figure]:
        """For each fitted distribution, its data (censored observations marked) against the fit."""
        from simkit.calibration.figures import fit_figure

        return {f.name: fit_figure(f) for f in self.fits}


def calibrate(
    policy: str | Path | Policy,
    log: str | Path,
    *,
    fmt: str | None = None,
    orders: str | Path | None = None,
    maps: Mapping[str, str] | None = None,
    base: str | Path | None = None,
    train_until: dt.datetime | None = None,
    holdout: float | None = None,
    variants: Sequence[str | Path] = (),
    validate: bool = True,
    reps: int = 20,
    seed: int = 0,
    quiet: bool = True,
) -> Calibration:
    """Fit a twin of the shop behind `log`.

    Args:
        policy: The policy the shop traded under (a file or a loaded `Policy`).
        log: The after-sales log (simkit, Taobao or WeChat shape; docs/log-format.md).
        fmt: The log's shape (``simkit``, ``taobao``, ``wechat``); None recognises it from the header.
        orders: An order file (export15's `simkit.logs.facts.read_order_facts`), for volume and mix.
        maps: ``COLUMN -> FIELD`` renames for the log.
        base: The scenario whose unidentified values are kept (default: the platform's baseline).
        train_until: Fit on orders paid before this moment (China time when naive).
        holdout: Hold out this last share of the period instead (default 0.25).
        variants: Policy variants (dated values say when a rule changed inside the log).
        validate: Simulate the twin over the held-out period and compare.
        reps: Replications of the validation.
        seed: Seeds the validation and the intervals' draws.
        quiet: No progress output.

    Raises:
        SimkitError: Bad input (one problem per line: the file, the path, what is wrong).
    """
    from simkit.logs import LogOrders
    from simkit.policy.loader import load_policy

    if train_until is not None and holdout is not None:
        raise SimkitError.at("<args>", 0, "train_until", "give --train-until or --holdout, not both")
    if holdout is not None and not 0.0 < holdout < 1.0:
        raise SimkitError.at("<args>", 0, "holdout", f"the held-out share must be between 0 and 1, not {holdout}")
    if isinstance(policy, Policy):
        pol = policy
        policy_path = str(Path(pol.files[-1]).resolve())  # its own file (the files run from the base it extends)
        variant_paths = [str(Path(v).resolve()) for v in pol.variants]
    else:
        pol = load_policy(policy, list(variants))
        policy_path = str(Path(policy).resolve())
        variant_paths = [str(Path(v).resolve()) for v in variants]
    base_path = Path(base) if base is not None else _baseline(pol)
    base_tree = _read_base(base_path)
    log = Path(log)
    with LogOrders(log, fmt, maps) as reader:
        fmt, detected = reader.fmt, reader.detected  # recognised from the header when not given, as the audit does
        all_orders = list(reader)
        problems = list(reader.problems)
        as_of = reader.as_of
        problems += _unknown_categories(pol, all_orders, str(log), reader.column_of("category"))
    facts = _order_file(orders, fmt, problems, pol) if orders is not None else None
    result = calibrate_orders(
        pol, all_orders, source=str(log), as_of=as_of, problems=problems, facts=facts, base_tree=base_tree,
        base_path=base_path, policy_path=policy_path, variant_paths=variant_paths, train_until=train_until,
        holdout=holdout, fmt=fmt, validate=validate, reps=reps, seed=seed, quiet=quiet,
    )  # fmt: skip
    result.shape, result.detected = fmt, detected
    return result


def calibrate_orders(
    policy: Policy,
    all_orders: list[OrderLog],
    *,
    source: str,
    as_of: int | None,
    problems: list[Problem],
    facts: pd.DataFrame | None,
    base_tree: dict[str, Any],
    base_path: Path,
    policy_path: str,
    train_until: dt.datetime | None,
    variant_paths: Sequence[str] = (),
    holdout: float | None,
    fmt: str,
    validate: bool,
    reps: int,
    seed: int,
    quiet: bool,
) -> Calibration:
    """`calibrate` on orders already read (the log's `OrderLog`s)."""
    with_lifecycle = any(o.lifecycle and o.facts.paid is not None for o in all_orders)
    volume_from_orders = facts is not None or with_lifecycle
    times = order_times(all_orders, facts)
    if not len(times):
        raise SimkitError.at(source, 0, "orders", "no order facts (payment times) and no requests: the order volume "
                             "cannot be estimated; give the orders with --orders")  # fmt: skip
    first, last = float(times.min()), float(times.max())
    start = midnight(first)
    if train_until is not None:
        cut = hours_of(train_until)
        if not first < cut <= last:
            raise SimkitError.at(
                source, 0, "train_until",
                f"--train-until {moment(cut).isoformat()} is outside the log ({moment(first).isoformat()} … "
                f"{moment(last).isoformat()})",
            )  # fmt: skip
    else:
        share = DEFAULT_HOLDOUT if holdout is None else holdout
        cut = start + (1.0 - share) * (last - start)
        if last - start >= 4 * 24:
            cut = midnight(cut + 12.0)
    _check_timer(policy, all_orders, source)
    train = [o for o in all_orders if order_time(o) < cut]
    held = [o for o in all_orders if order_time(o) >= cut]
    cutoff_us = as_of if as_of is not None else None
    obs = observe(train, policy, cutoff_us)
    if facts is not None:
        obs.orders = facts_frame(facts)
        obs.requests = with_facts(obs.requests, obs.orders)
    handling = _handling_mean(base_tree)
    fitter = Fitter(
        obs, base_tree, start=start, train_until=cut, handling_mean_h=handling,
        volume_from_orders=volume_from_orders, seed=seed,
    )  # fmt: skip
    result = fitter.run()
    if not volume_from_orders:
        result.warnings.append(
            "orders.count: the log has no order facts: order volume and issue probabilities are not identified; "
            "request volume is fitted instead"
        )
    estimates = _with_kept(result.estimates, base_tree)
    tail = _tail_hours(base_tree)
    window = cut - start
    base_header = base_tree["scenario"]
    header = {
        "id": f"{base_header.get('id', 'shop')}_twin",
        "name": {"zh": "店铺孪生", "en": f"Twin fitted from {Path(source).name}"},
        "description": f"Fitted by simkit calibrate from {Path(source).name} (orders paid "
        f"{moment(start).date()} to {moment(cut).date()}); values not identified from this log are "
        f"kept from {base_path.name}.",
        "source": f"fitted from {Path(source).name}",
        "policy": policy_path,
        "variants": list(variant_paths),
        "start": moment(start).replace(tzinfo=None),
        "horizon": f"{(window + tail) / 24:.6g} days",
    }
    tree, comments = build_tree(base_tree, estimates, header=header)
    if not volume_from_orders:
        tree["orders"]["window"] = f"{window / 24:.6g} days"
    comments["scenario.policy"] = "the policy given to simkit calibrate"
    if variant_paths:
        comments["scenario.variants"] = "the policy variants given to simkit calibrate"
    else:
        tree["scenario"].pop("variants", None)
    preamble = [
        f"Shop twin fitted by `simkit calibrate` from {Path(source).name} against {policy.id}.",
        f"Training period: orders paid {moment(start).isoformat()} to {moment(cut).isoformat()}.",
        "Every fitted value carries its 95% CI, its n and its method; values the log cannot show are kept",
        f"from {base_path.name} and marked '{NOT_IDENTIFIED}'.",
        "",
    ]
    text = to_yaml(tree, comments, preamble)
    scenario = _load_twin(text, policy)
    train_period = (moment(start), moment(cut))
    held_period = (moment(cut), moment(last)) if held else None
    validation = None
    if validate and held and held_period is not None:
        validation = _validate(scenario, held, policy, fmt, held_period, facts, cut, reps, seed, quiet, result.warnings)
    params = pd.DataFrame([_row(e) for e in estimates], columns=PARAMETER_COLUMNS)
    return Calibration(
        scenario, params, result.fits, validation, train_period, held_period, text, result.warnings, problems,
        result.volume_from, policy_path, result, list(variant_paths),
    )  # fmt: skip


def _validate(
    scenario: Scenario,
    held: list[OrderLog],
    policy: Policy,
    fmt: str,
    period: tuple[dt.datetime, dt.datetime],
    facts: pd.DataFrame | None,
    cut: float,
    reps: int,
    seed: int,
    quiet: bool,
    warnings: list[str],
) -> Any:
    """The twin simulated over the held-out period against the held-out orders (validate15's `validate_twin`)."""
    import importlib
    import inspect

    try:
        validate_twin = importlib.import_module("simkit.calibration.validate").validate_twin
    except ImportError:
        warnings.append("validation: simkit.calibration.validate is not installed; the twin is not validated")
        return None
    extra: dict[str, Any] = {}
    if facts is not None and "facts" in inspect.signature(validate_twin).parameters:
        held_ids = {o.order_id for o in held}
        paid = pd.to_datetime(facts["paid_at"])
        extra["facts"] = facts[(paid >= pd.Timestamp(moment(cut))) | facts["order_id"].astype(str).isin(held_ids)]
    return validate_twin(
        scenario, held, policy=policy, shape=fmt, period=period, reps=reps, seed=seed, quiet=quiet, **extra
    )


def _row(e: Estimate) -> dict[str, Any]:
    return {
        "parameter": e.parameter, "estimate": e.estimate, "ci_low": e.ci_low, "ci_high": e.ci_high, "n": e.n,
        "method": e.method, "identified": e.identified, "note": e.note, "in_twin": e.in_twin,
    }  # fmt: skip


def _with_kept(estimates: list[Estimate], base: Mapping[str, Any]) -> list[Estimate]:
    """The estimates plus a row for every parameter kept from the base."""
    seen = {e.parameter for e in estimates}
    out = list(estimates)
    for path, why in KEPT.items():
        if path not in seen and path in _flat(base):
            out.append(Estimate(path, math.nan, identified=False, note=f"kept from the base ({why})"))
    return out


def _flat(tree: Mapping[str, Any], prefix: str = "") -> set[str]:
    """Every dotted path in a nested mapping."""
    out: set[str] = set()
    for key, value in tree.items():
        path = f"{prefix}{key}"
        out.add(path)
        if isinstance(value, Mapping):
            out |= _flat(value, f"{path}.")
    return out


def _baseline(policy: Policy) -> Path:
    name = BASELINES.get(policy.platform)
    if name is None:
        raise SimkitError.at("<args>", 0, "base", f"no shipped baseline for platform {policy.platform!r}: give --base")
    return Path(__file__).resolve().parents[2] / "scenarios" / name


def _read_base(path: Path) -> dict[str, Any]:
    from simkit.scenario.loader import load_scenario
    from simkit.yamlio import load_yaml

    load_scenario(path)  # a base must itself be a valid scenario
    data, _ = load_yaml(path)
    return dict(data)


def _load_twin(text: str, policy: Policy) -> Scenario:
    from simkit.scenario.loader import load_scenario

    with tempfile.TemporaryDirectory(prefix="simkit-twin-") as tmp:
        path = Path(tmp) / "twin.yaml"
        path.write_text(text, encoding="utf-8")
        return load_scenario(path)


def _order_file(orders: str | Path, fmt: str, problems: list[Problem], policy: Policy) -> pd.DataFrame:
    from simkit.logs.facts import read_order_facts

    facts = read_order_facts(orders, fmt, problems=problems, categories=policy.spec.categories)
    if facts.empty:  # the volume would be fitted as none at all
        raise SimkitError.at(orders, 1, "", "no order in the file (a header only, or every row malformed)")
    return facts


def _unknown_categories(policy: Policy, orders: list[OrderLog], source: str, column: str) -> list[Problem]:
    """Orders whose category the policy does not know: reported on the category's line and read as unknown
    (a twin cannot hold a category its policy lacks)."""
    from simkit.logs.facts import unknown_category

    known = policy.spec.categories
    out = []
    for order in orders:
        category = order.facts.category
        if category is not None and category not in known:
            message = unknown_category(category, ", ".join(sorted(known)))
            out.append(Problem(source, order.facts.category_line, column, message))
            order.facts.category = None
    return out


def _handling_mean(base: Mapping[str, Any]) -> float:
    from simkit.scenario.schema import Merchants

    merchants = Merchants.model_validate(base.get("merchants") or {"count": 1})
    d = merchants.handling_time
    if d.dist == "fixed":
        return float(d.value or 0.0)
    if d.dist in ("exponential", "gamma"):
        return float(d.mean or 0.0)
    if d.dist == "lognormal":
        return float((d.median or 0.0) * math.exp((d.sigma or 0.0) ** 2 / 2))
    return float(((d.low or 0.0) + (d.high or 0.0)) / 2)


def _tail_hours(base: Mapping[str, Any]) -> float:
    from simkit.scenario.schema import Header, Orders

    header = Header.model_validate(base["scenario"])
    orders = Orders.model_validate(base["orders"])
    window = orders.window if orders.window is not None else header.horizon
    return max(header.horizon - window, 24.0)


def _check_timer(policy: Policy, orders: list[OrderLog], source: str) -> None:
    """Refuse a log whose automatic approvals ran on another timer than the policy's (a rule change)."""
    from simkit.calibration.observe import _Terms

    terms = _Terms(policy)
    rows = []
    for o in orders:
        paid = hours(o.facts.paid)
        for case in o.cases:
            req = next((ev for ev in case.events if ev.activity == "request" and ev.time is not None), None)
            auto = next((ev for ev in case.events if ev.activity == "auto_agree" and ev.time is not None), None)
            if req is None or auto is None:
                continue
            t0 = hours(req.time)
            rows.append((t0, hours(auto.time) - t0, terms.answer_by(case.kind, t0, paid) - t0))
    if not rows:
        return
    off = [r for r in rows if abs(r[1] - r[2]) > TIMER_MISMATCH_H]
    if len(off) >= 5 and len(off) >= 0.2 * len(rows):
        off.sort()
        seen = np.median([r[1] for r in off])
        allowed = np.median([r[2] for r in off])
        raise SimkitError.at(
            source, 0, "merchants.response_time",
            f"{len(off)} of {len(rows)} automatic approvals came {seen:.0f} h after the request where "
            f"{policy.id} allows {allowed:.0f} h (first on {moment(off[0][0]).date()}): the log spans a policy "
            f"change; give --variant with dated values (e.g. {moment(off[0][0]).date()}: {seen:.0f} hours) to say when "
            "it changed",
        )  # fmt: skip
