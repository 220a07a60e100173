"""Every figure the log identifies, fitted with a 95 % CI and its n, mapped to the scenario parameter it sets.

`fit_all` returns `Estimate`s (one per parameter: the value written to the twin, or a figure the
scenario model has no knob for, marked ``in_twin=False``), the fitted distributions, the working
pattern and warnings (a parameter with too few observations keeps its base value, marked).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simkit.calibration.families import CureFit, FittedDistribution, Sample, fit_cure, fit_duration
from simkit.calibration.observe import Observations
from simkit.calibration.shifts import MIN_REPLIES, WEEKDAYS, WorkPattern, infer_pattern, local_hours, weekday_of
from simkit.scenario.schema import ISSUE_KINDS, REASONS

MIN_DURATIONS = 30
"""Observations needed to fit a duration distribution."""
MIN_SHARES = 20
"""Observations needed to estimate a share."""
NOT_IDENTIFIED = "not identified from this log"
BACKLOG_H = 2.0
"""How long a night's backlog may take to clear after a shift opens. A request that reaches the next closed
spell unanswered is read by when its reply came: before the close, exactly; within this long after the next
opening (plus the handling), only as lying between the close and this long after the opening (the reply may
be the backlog's); later, exactly. The classes depend on the request time alone, so the coarsening is at
random and the censored likelihood stays unbiased."""
DURATION_FAMILIES = ("exponential", "gamma", "lognormal")


@dataclass
class Estimate:
    """One fitted figure.

    Attributes:
        parameter: The scenario's dotted path (or a descriptive path when ``in_twin`` is False).
        estimate, ci_low, ci_high: The value and its 95 % CI (NaN when none).
        n: Observations it rests on.
        method: How it was estimated.
        identified: False when the log cannot show it (the base value is kept).
        note: Anything a reader must know (the base kept, no knob in the scenario model, …).
        in_twin: Whether the value is written into the twin.
        value: What is written to the twin at `parameter` (a number, a duration mapping, a list).
    """

    parameter: str
    estimate: float
    ci_low: float = math.nan
    ci_high: float = math.nan
    n: int = 0
    method: str = ""
    identified: bool = True
    note: str = ""
    in_twin: bool = True
    value: Any = None

    def comment(self, unit: str = "") -> str:
        """The twin's comment for this value."""
        if not self.identified:
            return f"{NOT_IDENTIFIED}: {self.note}" if self.note else NOT_IDENTIFIED
        note = f"; {self.note}" if self.note else ""
        if math.isnan(self.estimate):
            return f"fitted: n={self.n}, {self.method}{note}"
        ci = "" if math.isnan(self.ci_low) else f" [{_fmt(self.ci_low)}, {_fmt(self.ci_high)}]{unit} 95% CI"
        return f"fitted {_fmt(self.estimate)}{unit}{ci}, n={self.n}, {self.method}{note}"


@dataclass
class FitResult:
    """What `fit_all` found."""

    estimates: list[Estimate] = field(default_factory=list)
    fits: list[FittedDistribution] = field(default_factory=list)
    cures: dict[str, CureFit] = field(default_factory=dict)
    pattern: WorkPattern | None = None
    warnings: list[str] = field(default_factory=list)
    volume_from: str = "orders"

    def add(self, e: Estimate) -> None:
        self.estimates.append(e)


def _fmt(x: float) -> str:
    if isinstance(x, float) and math.isnan(x):
        return "nan"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 1:
        return f"{x:.3g}" if abs(x) < 10 else f"{x:.1f}"
    return f"{x:.3g}"


def share_ci(k: int, n: int) -> tuple[float, float, float]:
    """A share with its Wilson 95 % interval (scipy's binomtest)."""
    if n == 0:
        return math.nan, math.nan, math.nan
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=0.95, method="wilson")
    return k / n, float(ci.low), float(ci.high)


def rate_ci(k: int, exposure: float) -> tuple[float, float, float]:
    """A Poisson rate (events per unit of exposure) with its exact 95 % interval."""
    lo = stats.chi2.ppf(0.025, 2 * k) / 2 if k else 0.0
    hi = stats.chi2.ppf(0.975, 2 * k + 2) / 2
    return k / exposure, float(lo) / exposure, float(hi) / exposure


def hours_text(h: float) -> str:
    """A duration as the scenario writes it (no exponent; under a minute is 0)."""
    text = f"{max(h, 0.0):.4f}".rstrip("0").rstrip(".")
    if h >= 100:
        text = f"{h:.1f}"
    return "0.0 hours" if text in ("0", "") or h < 1 / 60 else f"{text} hours"


def duration_value(family: str, params: Mapping[str, float]) -> dict[str, Any]:
    """A fitted family's parameters as a scenario duration mapping (the fast group for a mixture)."""
    if family in ("exponential", "gamma") and params["mean"] < 1 / 60:
        return {"dist": "fixed", "value": "0.0 hours"}
    if family in ("lognormal", "mixture"):
        return {"dist": "lognormal", "median": hours_text(params["median"]), "sigma": round(params["sigma"], 4)}
    if family == "gamma":
        return {"dist": "gamma", "mean": hours_text(params["mean"]), "shape": round(params["shape"], 4)}
    return {"dist": "exponential", "mean": hours_text(params["mean"])}


class Fitter:
    """Fits one log's observations against a base scenario (raw YAML mapping)."""

    def __init__(
        self,
        obs: Observations,
        base: Mapping[str, Any],
        *,
        start: float,
        train_until: float,
        handling_mean_h: float,
        volume_from_orders: bool,
        seed: int = 0,
    ) -> None:
        self.obs = obs
        self.base = base
        self.start = start
        self.train_until = train_until
        self.handling = handling_mean_h
        self.volume_from_orders = volume_from_orders
        self.seed = seed
        self.r = FitResult()
        self._converted: dict[str, float] = {}

    def too_few(self, parameter: str, n: int, need: int, why: str = "") -> None:
        """Keep the base value of `parameter`, marked, and warn."""
        text = f"{parameter}: too few observations to fit ({n}; needs {need}): the base value is kept"
        self.r.warnings.append(text)
        self.r.add(
            Estimate(
                parameter, math.nan, n=n, identified=False, note=f"too few observations ({n} of {need} needed){why}"
            )
        )

    def run(self) -> FitResult:
        """Fit everything the log shows."""
        self.volume()
        self.mix()
        self.issues()
        self.merchants()
        self.shipping()
        self.buyers()
        self.arbiters()
        return self.r

    # orders -----------------------------------------------------------------------------------
    def _train_orders(self) -> pd.DataFrame:
        o = self.obs.orders
        o = o[o["paid"].notna()]
        return o[(o["paid"] >= self.start) & (o["paid"] < self.train_until)]

    def volume(self) -> None:
        days = (self.train_until - self.start) / 24.0
        if self.volume_from_orders:
            times = self._train_orders()["paid"].to_numpy(float)
            method = "Poisson exact CI on paid orders"
        else:
            self.r.volume_from = "requests"
            req = self.obs.requests
            times = req["requested"].to_numpy(float)
            times = times[(times >= self.start) & (times < self.train_until)]
            method = "Poisson exact CI on requests (no order facts)"
        k = len(times)
        rate, lo, hi = rate_ci(k, days)
        if self.volume_from_orders:
            self.r.add(
                Estimate(
                    "orders.count",
                    rate * days,
                    lo * days,
                    hi * days,
                    k,
                    method,
                    value=round(rate * days),
                    note=f"{rate:.1f} orders a day over {days:.1f} days",
                )
            )
            self.r.add(
                Estimate(
                    "orders.window",
                    days * 24,
                    n=k,
                    method="the training period",
                    value=hours_text(days * 24),
                    note="the training period's length",
                )
            )
        else:
            self.r.add(
                Estimate(
                    "requests.per_day",
                    rate,
                    lo,
                    hi,
                    k,
                    method,
                    in_twin=False,
                    note="request volume; the log has no order facts, so order volume is not identified",
                )
            )
            self.r.add(
                Estimate(
                    "orders.count",
                    math.nan,
                    n=0,
                    identified=False,
                    note="the log has no order facts (payments): only request times",
                )
            )
        if k == 0:
            return
        local = local_hours(times)
        hod = np.floor(local % 24.0).astype(int)
        counts = np.bincount(hod, minlength=24)
        cycle = counts / counts.mean()
        if k >= 24 * MIN_SHARES / 4:
            for h in range(24):
                _, a, b = share_ci(int(counts[h]), k)
                self.r.add(
                    Estimate(
                        f"orders.daily_cycle.{h}",
                        float(cycle[h]),
                        a * 24,
                        b * 24,
                        k,
                        "hourly share ×24 (Wilson CI)",
                        in_twin=False,
                    )
                )
            self.r.add(
                Estimate(
                    "orders.daily_cycle",
                    float("nan"),
                    n=k,
                    method="hour-of-day counts, mean 1",
                    value=[round(float(c), 3) for c in cycle],
                    note="from " + ("payment" if self.volume_from_orders else "request") + " times",
                )
            )
        else:
            self.too_few("orders.daily_cycle", k, 24 * MIN_SHARES // 4)
        day = np.floor(local / 24.0).astype(int)
        wd = weekday_of(local)
        per_day = pd.Series(day).value_counts().sort_index()
        for d, c in per_day.items():
            date = pd.Timestamp(int(str(d)) * 86400, unit="s").date().isoformat()
            v, a, b = rate_ci(int(c), 1.0)
            self.r.add(
                Estimate(
                    f"orders.day.{date}",
                    v,
                    a,
                    b,
                    int(c),
                    "Poisson exact CI",
                    in_twin=False,
                    note="the scenario model has no per-day volume (only surges)",
                )
            )
        ndays = pd.Series(day).groupby(wd).nunique()
        for w in range(7):
            if w in ndays.index:
                c = int((wd == w).sum())
                v, a, b = rate_ci(c, float(ndays[w]))
                self.r.add(
                    Estimate(
                        f"orders.weekday.{WEEKDAYS[w]}",
                        v,
                        a,
                        b,
                        c,
                        "Poisson exact CI, per day",
                        in_twin=False,
                        note="the scenario model has no weekday knob",
                    )
                )

    def mix(self) -> None:
        o = self._train_orders() if self.volume_from_orders else self.obs.orders
        known = o[o["category"].notna()]
        n = len(known)
        if n == 0:
            self.r.add(Estimate("orders.categories", math.nan, identified=False, note="the log names no categories"))
            return
        for cat, group in known.groupby("category", sort=True):
            k = len(group)
            s, a, b = share_ci(k, n)
            self.r.add(
                Estimate(f"orders.categories.{cat}.share", s, a, b, n, "share of orders (Wilson CI)", value=round(s, 4))
            )
            prices = group["price"].dropna().to_numpy(float)
            prices = prices[prices > 0]
            if len(prices) < MIN_DURATIONS:
                self.too_few(f"orders.categories.{cat}.price", len(prices), MIN_DURATIONS)
                continue
            logs = np.log(prices)
            mu, sd, m = float(logs.mean()), float(logs.std(ddof=1)), len(logs)
            t = stats.t.ppf(0.975, m - 1) * sd / math.sqrt(m)
            lo_s = sd * math.sqrt((m - 1) / stats.chi2.ppf(0.975, m - 1))
            hi_s = sd * math.sqrt((m - 1) / stats.chi2.ppf(0.025, m - 1))
            self.r.add(
                Estimate(
                    f"orders.categories.{cat}.price.median",
                    math.exp(mu),
                    math.exp(mu - t),
                    math.exp(mu + t),
                    m,
                    "lognormal MLE (t CI on the mean log)",
                    value=round(math.exp(mu), 2),
                )
            )
            self.r.add(
                Estimate(
                    f"orders.categories.{cat}.price.sigma",
                    sd,
                    lo_s,
                    hi_s,
                    m,
                    "lognormal MLE (chi-square CI)",
                    value=round(sd, 4),
                )
            )
        free = known["free_shipping"].dropna()
        if len(free) >= MIN_SHARES:
            s, a, b = share_ci(int(free.astype(bool).sum()), len(free))
            self.r.add(Estimate("orders.free_shipping", s, a, b, len(free), "share (Wilson CI)", value=round(s, 4)))
        chan = known["channel"].dropna()
        if len(chan) >= MIN_SHARES:
            self.r.add(
                Estimate(
                    "orders.channels",
                    math.nan,
                    n=len(chan),
                    method="channel mix",
                    value={},
                    in_twin=True,
                    note="replaced by the channels seen",
                )
            )
            for name, c in chan.value_counts().sort_index().items():
                s, a, b = share_ci(int(c), len(chan))
                self.r.add(
                    Estimate(f"orders.channels.{name}", s, a, b, len(chan), "share (Wilson CI)", value=round(s, 4))
                )

    # issues -----------------------------------------------------------------------------------
    def _issue_kind(self, req: pd.DataFrame) -> pd.Series:
        changed = (req["reason"] == "changed_mind") & req["unshipped"].astype(bool)
        return req["reason"].where(~changed, "unshipped_refund")

    def issues(self) -> None:
        req = self.obs.requests
        if not len(req):
            return
        req = req.assign(issue=self._issue_kind(req))
        unknown = req[~req["issue"].isin(ISSUE_KINDS)]
        for reason, group in unknown.groupby("reason", sort=True):
            self.r.warnings.append(
                f"issues: reason {reason!r} is no simkit reason ({len(group)} requests): not fitted "
                "(docs/log-format.md lists the reasons each shape maps)"
            )
        req = req[req["issue"].isin(ISSUE_KINDS)]
        first = req.sort_values("requested").drop_duplicates(["order_id", "issue"])
        orders = self._train_orders()
        ids = set(orders["order_id"])
        first = first[first["order_id"].isin(ids)] if self.volume_from_orders else first
        per_cat = orders.groupby("category").size() if self.volume_from_orders else pd.Series(dtype=int)
        base_issues = self.base.get("issues", {}) or {}
        for cat in sorted(set(first["category"].dropna()) | set(per_cat.index)):
            seen = first[first["category"] == cat]
            kinds = sorted(set(seen["issue"]) | set((base_issues.get(cat) or {}).keys()))
            kinds.sort(key=lambda k: k != "unshipped_refund")  # its late wishes are changed-mind returns
            for kind in kinds:
                if kind == "late_shipment":
                    self.r.add(
                        Estimate(
                            f"issues.{cat}.late_shipment.p",
                            math.nan,
                            identified=False,
                            note="a late shipment shows only when the buyer claims compensation",
                        )
                    )
                    continue
                rows = seen[seen["issue"] == kind]
                path = f"issues.{cat}.{kind}"
                shipments = orders["shipped"].notna().sum() if self.volume_from_orders else 0
                if kind == "unshipped_refund" and len(rows) >= MIN_DURATIONS and shipments >= MIN_DURATIONS:
                    self._unshipped(path, rows, int(per_cat.get(cat, 0)), orders)
                    continue
                if not self.volume_from_orders:
                    self.r.add(
                        Estimate(
                            f"{path}.p",
                            math.nan,
                            n=len(rows),
                            identified=False,
                            note="no order facts: requests per order cannot be had",
                        )
                    )
                else:
                    n = int(per_cat.get(cat, 0))
                    if n < MIN_SHARES:
                        self.too_few(f"{path}.p", n, MIN_SHARES)
                    else:
                        p, a, b = share_ci(len(rows), n)
                        method = "requests per order (Wilson CI)"
                        moved = self._converted.get(str(cat), 0.0) if kind == "changed_mind" else 0.0
                        if moved:
                            p, a, b = max(p - moved, 0.0), max(a - moved, 0.0), max(b - moved, 0.0)
                            method += f", less {moved:.3g} unshipped refunds whose parcel left first"
                        self.r.add(Estimate(f"{path}.p", p, a, b, n, method, value=round(p, 5)))
                origin = rows["paid"] if kind == "unshipped_refund" else rows["delivered"]
                delays = (rows["requested"] - origin).to_numpy(float)
                delays = delays[np.isfinite(delays) & (delays >= 0)]
                if len(rows) and len(delays) >= MIN_DURATIONS:
                    f = fit_duration(f"{path}.after", Sample(delays), ("exponential",), seed=self.seed)
                    self.r.fits.append(f)
                    self.r.add(
                        Estimate(
                            f"{path}.after",
                            f.params["mean"],
                            *_mean_ci(f),
                            len(delays),
                            "exponential MLE from " + ("payment" if kind == "unshipped_refund" else "delivery"),
                            value=duration_value("exponential", f.params),
                        )
                    )

    def _unshipped(self, path: str, rows: pd.DataFrame, n: int, orders: pd.DataFrame) -> None:
        """An unshipped refund, fitted with the shipments it raced: a wish after the parcel left is a return."""
        from simkit.calibration.families import fit_truncated_exponential, interval

        shipped = (orders["shipped"] - orders["paid"]).to_numpy(float)
        delays = (rows["requested"] - rows["paid"]).to_numpy(float)
        delays = delays[np.isfinite(delays) & (delays >= 0)]
        fam, beat = fit_truncated_exponential(delays, shipped, seed=self.seed)
        mean, lo, hi = interval(fam, lambda t: float(math.exp(t[0])), self.seed + 5)
        method = "exponential MLE from payment, truncated by the shipment it raced"
        self.r.add(
            Estimate(
                f"{path}.after", mean, lo, hi, len(delays), method, value=duration_value("exponential", {"mean": mean})
            )
        )
        p, a, b = share_ci(len(rows), n)
        self._converted[path.split(".")[1]] = min(p / beat, 1.0) * (1.0 - beat)
        self.r.add(
            Estimate(
                f"{path}.p",
                min(p / beat, 1.0),
                min(a / beat, 1.0),
                min(b / beat, 1.0),
                n,
                f"requests per order (Wilson CI) / the share that beat the parcel ({beat:.3g})",
                value=round(min(p / beat, 1.0), 5),
                note="a wish after the parcel left shows as a changed-mind return",
            )
        )

    # merchants --------------------------------------------------------------------------------
    def merchants(self) -> None:
        req = self.obs.requests
        merchant = req[req["answer"].isin(["agree", "refuse", "offer"])]
        if len(merchant) >= MIN_REPLIES:
            self.r.pattern = infer_pattern(merchant["answered"].to_numpy(float))
            p = self.r.pattern
            self.r.add(
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
            self.too_few("merchants.shifts", len(merchant), MIN_REPLIES)
        sample = self.reply_sample(req)
        if sample.n >= MIN_DURATIONS:
            f = fit_duration("merchants.response_time", sample, seed=self.seed)
            self.r.fits.append(f)
            cens = f"{sample.censored} censored: timer, case left or log cut"
            method = f"censored MLE, {f.family} by AIC ({cens})"
            self.r.add(
                Estimate(
                    "merchants.response_time",
                    f.params["median"],
                    math.nan,
                    math.nan,
                    sample.n,
                    method,
                    value=duration_value(f.family, f.params),
                    note=f.note,
                )
            )
            self.r.add(
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
            self.r.add(Estimate("merchants.reply.p90", f.p90[0], f.p90[1], f.p90[2], sample.n, method, in_twin=False))
            if f.family == "mixture":
                fam = f.fits["mixture"]
                from simkit.calibration.families import interval, scenario_params

                share = interval(fam, lambda t: scenario_params("mixture", t)["slow_share"], self.seed + 3)
                self.r.add(
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
                self.r.add(
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
                self.r.add(
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
            self.too_few("merchants.response_time", sample.n, MIN_DURATIONS)
        self.decisions(merchant)

    def reply_sample(self, req: pd.DataFrame) -> Sample:
        """Reply times net of handling: exact in shift, intervals after a closed spell, right-censored otherwise."""
        pattern = self.r.pattern or WorkPattern(((0, 24),), tuple(range(7)))
        exact: list[float] = []
        right: list[float] = []
        low: list[float] = []
        high: list[float] = []
        cutoff = self.obs.cutoff
        for row in req.to_dict(orient="records"):
            t0 = float(row["requested"])
            if row["answer"] in ("agree", "refuse", "offer"):
                t1 = float(row["answered"])
                close = pattern.next_change(t0, to_open=False)
                opens = pattern.next_change(close, to_open=True)
                if close <= t1 <= opens + BACKLOG_H + self.handling:
                    low.append(close - t0)
                    high.append(opens - t0 + BACKLOG_H)
                else:
                    exact.append(max(t1 - t0 - self.handling, 0.01))
                continue
            if row["answer"] == "auto":
                end = float(row["answer_by"])
            elif not math.isnan(row["left"]):
                end = float(row["left"])
            else:
                end = min(cutoff, float(row["answer_by"]))
            limit = pattern.last_open_before(end - self.handling) - t0
            if limit > 0:
                right.append(limit)
        return Sample(np.array(exact), np.array(right), np.array(low), np.array(high))

    def decisions(self, merchant: pd.DataFrame) -> None:
        n = len(merchant)
        for verb in ("agree", "refuse", "offer"):
            if n >= MIN_SHARES:
                s, a, b = share_ci(int((merchant["answer"] == verb).sum()), n)
                self.r.add(
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
                self.r.add(
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
            boot = np.random.default_rng(self.seed).choice(pct, size=(200, len(pct))).astype(float)
            lo, hi = np.quantile(np.median(boot, axis=1), [0.025, 0.975])
            self.r.add(
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
        base_book = (self.base.get("merchants", {}) or {}).get("playbook", "by_the_rules")
        if reasons:
            book: dict[str, Any] = {"base": base_book} if isinstance(base_book, str) else dict(base_book)
            book["reasons"] = {**(book.get("reasons") or {}), **reasons}
            if not math.isnan(med):
                book["compensation"] = f"{med:.3g}%"
            self.r.add(
                Estimate(
                    "merchants.playbook",
                    math.nan,
                    n=n,
                    method="dominant answer per reason (≥ 90 %)",
                    value=book,
                    note=", ".join(f"{k}: {v}" for k, v in sorted(reasons.items())),
                )
            )

    def shipping(self) -> None:
        """The merchant's time to ship (payment to shipment), censored where a refund before shipment stopped it."""
        if not self.volume_from_orders:
            return
        o = self._train_orders()
        o = o[o["channel"].fillna("normal") != "presale"]
        shipped = o[o["shipped"].notna()]
        exact = (shipped["shipped"] - shipped["paid"]).to_numpy(float)
        req = self.obs.requests
        stopped = req[
            req["unshipped"].astype(bool) & req["order_id"].isin(set(o["order_id"]) - set(shipped["order_id"]))
        ]
        right = (stopped["requested"] - stopped["paid"]).to_numpy(float)
        sample = Sample(exact[exact > 0], right[right > 0])
        if len(sample.exact) < MIN_DURATIONS:
            self.too_few("merchants.ship_time", len(sample.exact), MIN_DURATIONS)
            return
        f = fit_duration("merchants.ship_time", sample, DURATION_FAMILIES, seed=self.seed)
        self.r.fits.append(f)
        self.r.add(Estimate("merchants.ship_time", f.median[0], f.median[1], f.median[2], sample.n,
                            f"censored MLE, {f.family} by AIC (median shown; {sample.censored} stopped by a refund "
                            "before shipment); late shipments of the late_shipment issue are in its tail",
                            value=duration_value(f.family, f.params), note=f.note))  # fmt: skip

    # buyers -----------------------------------------------------------------------------------
    def buyers(self) -> None:
        req = self.obs.requests
        cutoff = self.obs.cutoff
        offered = req[req["offer_accepted"].notna()]
        if len(offered) >= MIN_SHARES:
            k = int(offered["offer_accepted"].astype(bool).sum())
            s, a, b = share_ci(k, len(offered))
            self.r.add(
                Estimate(
                    "buyers.offer_acceptance",
                    s,
                    a,
                    b,
                    len(offered),
                    "share of offers accepted (Wilson CI)",
                    in_twin=False,
                )
            )
            slope = float((self.base.get("buyers", {}) or {}).get("accept_offer_per_percent", 0.03))
            pct = (100.0 * offered["offer_amount"] / offered["price"]).to_numpy(float)
            pct = pct[np.isfinite(pct)]
            mean_pct = float(pct.mean()) if len(pct) else 0.0
            note = "accept_offer_per_percent is kept from the base: one offer size cannot separate them"
            if slope * mean_pct > s and mean_pct > 0:
                slope = s / mean_pct
                note = (
                    f"accept_offer_base 0 and accept_offer_per_percent {slope:.4g} so that an offer of "
                    f"{mean_pct:.3g} % is accepted as often as observed (one offer size cannot separate them)"
                )
                self.r.add(
                    Estimate(
                        "buyers.accept_offer_per_percent",
                        slope,
                        a / mean_pct,
                        b / mean_pct,
                        len(offered),
                        "observed acceptance / mean offer %",
                        value=round(slope, 6),
                        note=note,
                    )
                )
            base_value = min(max(s - slope * mean_pct, 0.0), 1.0)
            self.r.add(
                Estimate(
                    "buyers.accept_offer_base",
                    base_value,
                    min(max(a - slope * mean_pct, 0), 1),
                    min(max(b - slope * mean_pct, 0), 1),
                    len(offered),
                    f"acceptance less accept_offer_per_percent × mean offer ({mean_pct:.3g} %)",
                    value=round(base_value, 4),
                    note=note,
                )
            )
        else:
            self.too_few("buyers.accept_offer_base", len(offered), MIN_SHARES)
        refused = req[req["refused"].notna()]
        if len(refused) >= MIN_SHARES:
            esc = refused[refused["escalated"].map(lambda v: isinstance(v, float) and not math.isnan(v))]
            rest = refused.drop(esc.index)
            delays = (esc["escalated"].astype(float) - esc["refused"]).to_numpy(float)
            gap = (esc["escalated"].astype(float) - esc["escalate_opens"]).abs()
            early = (gap < 1 / 60).to_numpy(bool) & (esc["escalate_opens"] > esc["refused"] + 1 / 60).to_numpy(bool)
            windows = np.where(
                rest["cancelled"].astype(bool) | rest["closed"].notna(),
                rest["escalate_by"] - rest["refused"],
                np.minimum(rest["escalate_by"], cutoff) - rest["refused"],
            ).astype(float)
            cure = fit_cure(delays, early, windows, seed=self.seed)
            self.r.cures["buyers.escalate"] = cure
            s, a, b = share_ci(len(esc), len(refused))
            self.r.add(
                Estimate(
                    "buyers.escalation_share",
                    s,
                    a,
                    b,
                    len(refused),
                    "share of refusals escalated (Wilson CI)",
                    in_twin=False,
                )
            )
            self.r.add(
                Estimate(
                    "buyers.escalate_after_refusal",
                    *cure.share,
                    cure.n,
                    f"censored MLE: share × exponential delay, cut by the intervention window ({cure.cut} cut)",
                    value=round(cure.share[0], 4),
                )
            )
            if len(esc) >= MIN_DURATIONS // 3:
                self.r.add(
                    Estimate(
                        "buyers.escalate_delay",
                        *cure.mean,
                        len(esc),
                        f"censored MLE (exponential; {int(early.sum())} at the earliest allowed moment)",
                        value={"dist": "exponential", "mean": hours_text(cure.mean[0])},
                    )
                )
            else:
                self.too_few("buyers.escalate_delay", len(esc), MIN_DURATIONS // 3)
            cancels = int(rest["cancelled"].astype(bool).sum())
            s, a, b = share_ci(cancels, len(refused))
            self.r.add(
                Estimate(
                    "buyers.cancel_after_refusal",
                    s,
                    a,
                    b,
                    len(refused),
                    "share (Wilson CI)",
                    in_twin=False,
                    note="the scenario's buyers cancel whenever they do not escalate",
                )
            )
        else:
            self.too_few("buyers.escalate_after_refusal", len(refused), MIN_SHARES)
        cancelled = int(req["cancelled"].astype(bool).sum())
        if len(req) >= MIN_SHARES:
            s, a, b = share_ci(cancelled, len(req))
            self.r.add(
                Estimate(
                    "buyers.cancellations",
                    s,
                    a,
                    b,
                    len(req),
                    "share of requests cancelled (Wilson CI)",
                    in_twin=False,
                    note="no knob: follows from refusals not escalated",
                )
            )
        agreed = req[req["agreed"].notna()]
        if len(agreed) >= MIN_SHARES:
            shipped = agreed[agreed["return_shipped"].notna()]
            rest = agreed[agreed["return_shipped"].isna()]
            delays = (shipped["return_shipped"] - shipped["agreed"]).to_numpy(float)
            closed = rest["return_closed"].notna().to_numpy(bool)
            windows = np.where(
                closed, rest["return_by"] - rest["agreed"], np.minimum(rest["return_by"], cutoff) - rest["agreed"]
            ).astype(float)
            cure = fit_cure(delays, np.zeros(len(delays), dtype=bool), windows, seed=self.seed)
            self.r.cures["buyers.return"] = cure
            self.r.add(
                Estimate(
                    "buyers.return_on_time",
                    *cure.share,
                    cure.n,
                    f"censored MLE: share × exponential delay, cut by the return deadline ({cure.cut} cut)",
                    value=round(cure.share[0], 4),
                )
            )
            self.r.add(
                Estimate(
                    "buyers.return_delay",
                    *cure.mean,
                    len(delays),
                    "censored MLE (exponential)",
                    value={"dist": "exponential", "mean": hours_text(cure.mean[0])},
                )
            )
        else:
            self.too_few("buyers.return_on_time", len(agreed), MIN_SHARES)

    # arbiters ---------------------------------------------------------------------------------
    def arbiters(self) -> None:
        req = self.obs.requests
        seen = req[req["intervened"].notna()]
        ruled = seen[seen["ruled"].notna()]
        exact = (ruled["ruled"] - ruled["intervened"]).to_numpy(float)
        open_ = seen[seen["ruled"].isna()]
        right = (self.obs.cutoff - open_["intervened"]).to_numpy(float)
        sample = Sample(exact, right[right > 0])
        if len(exact) >= MIN_DURATIONS:
            f = fit_duration("arbiters.decision_time", sample, DURATION_FAMILIES, seed=self.seed)
            self.r.fits.append(f)
            self.r.add(
                Estimate(
                    "arbiters.decision_time",
                    f.median[0],
                    f.median[1],
                    f.median[2],
                    sample.n,
                    f"censored MLE, {f.family} by AIC (median shown)",
                    value=duration_value(f.family, f.params),
                    note=f.note,
                )
            )
        else:
            self.too_few("arbiters.decision_time", len(exact), MIN_DURATIONS)
        if len(ruled) >= MIN_SHARES:
            s, a, b = share_ci(int((ruled["ruling"] == "buyer").sum()), len(ruled))
            self.r.add(
                Estimate(
                    "arbiters.buyer_share",
                    s,
                    a,
                    b,
                    len(ruled),
                    "share ruled for the buyer (Wilson CI)",
                    in_twin=False,
                    note="no knob: follows from buyers.evidence and arbiters.misjudge, which the log cannot separate",
                )
            )


def _mean_ci(f: FittedDistribution) -> tuple[float, float]:
    fam = f.fits[f.family]
    from simkit.calibration.families import interval

    _, lo, hi = interval(fam, lambda t: float(math.exp(t[0])), 7)
    return lo, hi


def _opened(pattern: WorkPattern, t: float) -> float:
    """When the open spell containing `t` began (hours since the epoch)."""
    if pattern.always:
        return -math.inf
    h = math.floor(t + 8.0) - 8.0
    while pattern.is_open(h - 0.5) and h > t - 170:
        h -= 1.0
    return h


def _shift_text(p: WorkPattern) -> str:
    hours = ", ".join(f"{a:02d}:00–{b:02d}:00" for a, b in p.hours)
    days = "every day" if len(p.days) == 7 else ", ".join(WEEKDAYS[d] for d in p.days)
    return f"{hours}, {days}"
