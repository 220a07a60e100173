"""Every figure the log identifies, fitted with a 95 % CI and its n, mapped to the scenario parameter it sets.

`Fitter.run` returns a `FitResult`: `Estimate`s (one per parameter: the value written to the twin, or a
figure the scenario model has no knob for, marked ``in_twin=False``), the fitted distributions, the
working pattern and warnings (a parameter with too few observations keeps its base value, marked).
This module fits the orders' side (volume, mix, issues); `merchant_fits` the merchants' replies,
decisions and shipping; `buyer_fits` the buyers and the arbiters.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simkit.calibration import buyer_fits, merchant_fits
from simkit.calibration.estimates import (
    MIN_DURATIONS,
    MIN_SHARES,
    Estimate,
    FitResult,
    duration_value,
    hours_text,
    rate_ci,
    share_ci,
)
from simkit.calibration.families import FittedDistribution, Sample, fit_duration
from simkit.calibration.observe import Observations
from simkit.calibration.shifts import WEEKDAYS, local_hours, weekday_of
from simkit.scenario.schema import ISSUE_KINDS


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
        merchant_fits.merchants(self)
        merchant_fits.shipping(self)
        buyer_fits.buyers(self)
        buyer_fits.arbiters(self)
        return self.r

    # orders -----------------------------------------------------------------------------------
    def train_orders(self) -> pd.DataFrame:
        """The orders paid in the training period."""
        o = self.obs.orders
        o = o[o["paid"].notna()]
        return o[(o["paid"] >= self.start) & (o["paid"] < self.train_until)]

    def volume(self) -> None:
        days = (self.train_until - self.start) / 24.0
        if self.volume_from_orders:
            times = self.train_orders()["paid"].to_numpy(float)
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
        o = self.train_orders() if self.volume_from_orders else self.obs.orders
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
        orders = self.train_orders()
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


def _mean_ci(f: FittedDistribution) -> tuple[float, float]:
    fam = f.fits[f.family]
    from simkit.calibration.families import interval

    _, lo, hi = interval(fam, lambda t: float(math.exp(t[0])), 7)
    return lo, hi
