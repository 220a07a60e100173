"""The merchants' side of a shop twin: reply times (censored by the platform's timers), working shifts,
decisions per reason with their offers, and the time to ship."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simkit.calibration.estimates import (
    BACKLOG_H,
    DURATION_FAMILIES,
    MIN_DURATIONS,
    MIN_SHARES,
    Estimate,
    duration_value,
    share_ci,
)
from simkit.calibration.families import FittedDistribution, Sample, fit_duration
from simkit.calibration.shifts import MIN_REPLIES, WEEKDAYS, WorkPattern, infer_pattern
from simkit.scenario.schema import REASONS

if TYPE_CHECKING:
    from simkit.calibration.fit import Fitter


def merchants(fitter: Fitter) -> None:
    """Reply times (family by AIC, slow stores as a mixture) and the working shifts they show."""
    req = fitter.obs.requests
    merchant = req[req["answer"].isin(["agree", "refuse", "offer"])]
    if len(merchant) >= MIN_REPLIES:
        fitter.r.pattern = infer_pattern(merchant["answered"].to_numpy(float))
        p = fitter.r.pattern
        fitter.r.add(
            Estimate(
                "merchants.shifts",
                math.nan,
                n=p.n,
                method="hour-of-week pattern of reply times",
                value=None if p.always else p.shifts(),
                note="no closed hours seen" if p.always else _shift_text(p),
            )
        )
    else:
        fitter.too_few("merchants.shifts", len(merchant), MIN_REPLIES)
    sample = reply_sample(fitter, req)
    if sample.n >= MIN_DURATIONS:
        f = fit_duration("merchants.response_time", sample, seed=fitter.seed)
        fitter.r.fits.append(f)
        cens = f"{sample.censored} censored: timer, case left or log cut"
        method = f"censored MLE, {f.family} by AIC ({cens})"
        fitter.r.add(
            Estimate(
                "merchants.response_time",
                typical_reply(f),
                math.nan,
                math.nan,
                sample.n,
                method,
                value=duration_value(f.family, f.params),
                note=f.note,
            )
        )
        fitter.r.add(
            Estimate(
                "merchants.reply.median",
                f.median[0],
                f.median[1],
                f.median[2],
                sample.n,
                method,
                in_twin=False,
                note="reply time of all stores, fast and slow",
            )
        )
        fitter.r.add(Estimate("merchants.reply.p90", f.p90[0], f.p90[1], f.p90[2], sample.n, method, in_twin=False))
        if f.family == "mixture":
            fam = f.fits["mixture"]
            from simkit.calibration.families import interval, scenario_params

            share = interval(fam, lambda t: scenario_params("mixture", t)["slow_share"], fitter.seed + 3)
            fitter.r.add(
                Estimate(
                    "merchants.slow_share",
                    *share,
                    sample.n,
                    "weight of the slow group of the mixture",
                    value=round(share[0], 4),
                    note="share of requests met by slow stores (slow stores are drawn independently of size)",
                )
            )
            slow = {"median": f.params["slow_median"], "sigma": f.params["slow_sigma"]}
            fitter.r.add(
                Estimate(
                    "merchants.slow_response_time",
                    slow["median"],
                    n=sample.n,
                    method=method,
                    value=duration_value("lognormal", slow),
                    note="the slow group's reply time",
                )
            )
        else:
            fitter.r.add(
                Estimate(
                    "merchants.slow_share",
                    0.0,
                    n=sample.n,
                    method=f"{f.family} beat the mixture by AIC",
                    value=0.0,
                    note="no slow group of stores in evidence",
                )
            )
    else:
        fitter.too_few("merchants.response_time", sample.n, MIN_DURATIONS)
    decisions(fitter, merchant)


def typical_reply(f: FittedDistribution) -> float:
    """The reply time a fit of `merchants.response_time` shows (hours): the lognormal's median, the mixture's
    fast group's median, or the median of the family chosen (gamma and exponential have no median parameter)."""
    return float(f.params["median"]) if "median" in f.params else float(f.median[0])


def reply_sample(fitter: Fitter, req: pd.DataFrame) -> Sample:
    """Reply times net of handling: exact in shift, intervals after a closed spell, right-censored otherwise."""
    pattern = fitter.r.pattern or WorkPattern(((0, 24),), tuple(range(7)))
    exact: list[float] = []
    right: list[float] = []
    low: list[float] = []
    high: list[float] = []
    cutoff = fitter.obs.cutoff
    for row in req.to_dict(orient="records"):
        t0 = float(row["requested"])
        if row["answer"] in ("agree", "refuse", "offer"):
            t1 = float(row["answered"])
            close = pattern.next_change(t0, to_open=False)
            opens = pattern.next_change(close, to_open=True)
            if close <= t1 <= opens + BACKLOG_H + fitter.handling:
                low.append(close - t0)
                high.append(opens - t0 + BACKLOG_H)
            else:
                exact.append(max(t1 - t0 - fitter.handling, 0.01))
            continue
        if row["answer"] == "auto":
            end = float(row["answer_by"])
        elif not math.isnan(row["left"]):
            end = float(row["left"])
        else:
            end = min(cutoff, float(row["answer_by"]))
        limit = pattern.last_open_before(end - fitter.handling) - t0
        if limit > 0:
            right.append(limit)
    return Sample(np.array(exact), np.array(right), np.array(low), np.array(high))


def decisions(fitter: Fitter, merchant: pd.DataFrame) -> None:
    """Agree / refuse / offer shares per reason, and the offers' sizes."""
    n = len(merchant)
    for verb in ("agree", "refuse", "offer"):
        if n >= MIN_SHARES:
            s, a, b = share_ci(int((merchant["answer"] == verb).sum()), n)
            fitter.r.add(
                Estimate(
                    f"merchants.decisions.{verb}",
                    s,
                    a,
                    b,
                    n,
                    "share of merchant answers (Wilson CI)",
                    in_twin=False,
                )
            )
    reasons: dict[str, str] = {}
    for reason, group in merchant.groupby("reason", sort=True):
        m = len(group)
        if m < MIN_SHARES:
            continue
        shares = {}
        for verb in ("agree", "refuse", "offer"):
            s, a, b = share_ci(int((group["answer"] == verb).sum()), m)
            shares[verb] = s
            fitter.r.add(
                Estimate(
                    f"merchants.decisions.{reason}.{verb}",
                    s,
                    a,
                    b,
                    m,
                    "share of merchant answers (Wilson CI)",
                    in_twin=False,
                    note="mapped to the playbook when one answer dominates",
                )
            )
        top = max(shares, key=lambda v: shares[v])
        if shares[top] >= 0.9 and top in ("refuse", "offer") and reason in REASONS:
            reasons[str(reason)] = top
    offers = merchant[(merchant["answer"] == "offer") & merchant["offer_amount"].notna() & (merchant["price"] > 0)]
    pct = (100.0 * offers["offer_amount"] / offers["price"]).to_numpy(float)
    if len(pct) >= MIN_SHARES:
        med = float(np.median(pct))
        boot = np.random.default_rng(fitter.seed).choice(pct, size=(200, len(pct))).astype(float)
        lo, hi = np.quantile(np.median(boot, axis=1), [0.025, 0.975])
        fitter.r.add(
            Estimate(
                "merchants.offer_size_percent",
                med,
                float(lo),
                float(hi),
                len(pct),
                "median offer as % of price (bootstrap CI)",
                in_twin=False,
            )
        )
    else:
        med = math.nan
    base_book = (fitter.base.get("merchants", {}) or {}).get("playbook", "by_the_rules")
    if reasons:
        book: dict[str, Any] = {"base": base_book} if isinstance(base_book, str) else dict(base_book)
        book["reasons"] = {**(book.get("reasons") or {}), **reasons}
        if not math.isnan(med):
            book["compensation"] = f"{med:.3g}%"
        fitter.r.add(
            Estimate(
                "merchants.playbook",
                math.nan,
                n=n,
                method="dominant answer per reason (≥ 90 %)",
                value=book,
                note=", ".join(f"{k}: {v}" for k, v in sorted(reasons.items())),
            )
        )


def shipping(fitter: Fitter) -> None:
    """The merchant's time to ship (payment to shipment), censored where a refund before shipment stopped it."""
    if not fitter.volume_from_orders:
        return
    o = fitter.train_orders()
    o = o[o["channel"].fillna("normal") != "presale"]
    shipped = o[o["shipped"].notna()]
    exact = (shipped["shipped"] - shipped["paid"]).to_numpy(float)
    req = fitter.obs.requests
    stopped = req[req["unshipped"].astype(bool) & req["order_id"].isin(set(o["order_id"]) - set(shipped["order_id"]))]
    right = (stopped["requested"] - stopped["paid"]).to_numpy(float)
    sample = Sample(exact[exact > 0], right[right > 0])
    if len(sample.exact) < MIN_DURATIONS:
        fitter.too_few("merchants.ship_time", len(sample.exact), MIN_DURATIONS)
        return
    f = fit_duration("merchants.ship_time", sample, DURATION_FAMILIES, seed=fitter.seed)
    fitter.r.fits.append(f)
    fitter.r.add(Estimate("merchants.ship_time", f.median[0], f.median[1], f.median[2], sample.n,
                        f"censored MLE, {f.family} by AIC (median shown; {sample.censored} stopped by a refund "
                        "before shipment); late shipments of the late_shipment issue are in its tail",
                        value=duration_value(f.family, f.params), note=f.note))  # fmt: skip


def _opened(pattern: WorkPattern, t: float) -> float:
    """When the open spell containing `t` began (hours since the epoch)."""
    if pattern.always:
        return -math.inf
    h = math.floor(t + 8.0) - 8.0
    while pattern.is_open(h - 0.5) and h > t - 170:
        h -= 1.0
    return h


def _shift_text(p: WorkPattern) -> str:
    """The shifts as a person reads them."""
    hours = ", ".join(f"{a:02d}:00–{b:02d}:00" for a, b in p.hours)
    days = "every day" if len(p.days) == 7 else ", ".join(WEEKDAYS[d] for d in p.days)
    return f"{hours}, {days}"
