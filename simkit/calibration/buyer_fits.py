"""The buyers' and arbiters' side of a shop twin: offer acceptance, escalation after a refusal and return
shipping (each cut short by its window), cancellations, and the arbiters' time to a ruling."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from simkit.calibration.estimates import (
    DURATION_FAMILIES,
    MIN_DURATIONS,
    MIN_SHARES,
    Estimate,
    duration_value,
    hours_text,
    share_ci,
)
from simkit.calibration.families import Sample, fit_cure, fit_duration

if TYPE_CHECKING:
    from simkit.calibration.fit import Fitter


def buyers(fitter: Fitter) -> None:
    """Offer acceptance, escalation after a refusal and its delay, return shipping, cancellations."""
    req = fitter.obs.requests
    cutoff = fitter.obs.cutoff
    offered = req[req["offer_accepted"].notna()]
    if len(offered) >= MIN_SHARES:
        k = int(offered["offer_accepted"].astype(bool).sum())
        s, a, b = share_ci(k, len(offered))
        fitter.r.add(
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
        slope = float((fitter.base.get("buyers", {}) or {}).get("accept_offer_per_percent", 0.03))
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
            fitter.r.add(
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
        fitter.r.add(
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
        fitter.too_few("buyers.accept_offer_base", len(offered), MIN_SHARES)
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
        cure = fit_cure(delays, early, windows, seed=fitter.seed)
        fitter.r.cures["buyers.escalate"] = cure
        s, a, b = share_ci(len(esc), len(refused))
        fitter.r.add(
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
        fitter.r.add(
            Estimate(
                "buyers.escalate_after_refusal",
                *cure.share,
                cure.n,
                f"censored MLE: share × exponential delay, cut by the intervention window ({cure.cut} cut)",
                value=round(cure.share[0], 4),
            )
        )
        if len(esc) >= MIN_DURATIONS // 3:
            fitter.r.add(
                Estimate(
                    "buyers.escalate_delay",
                    *cure.mean,
                    len(esc),
                    f"censored MLE (exponential; {int(early.sum())} at the earliest allowed moment)",
                    value={"dist": "exponential", "mean": hours_text(cure.mean[0])},
                )
            )
        else:
            fitter.too_few("buyers.escalate_delay", len(esc), MIN_DURATIONS // 3)
        cancels = int(rest["cancelled"].astype(bool).sum())
        s, a, b = share_ci(cancels, len(refused))
        fitter.r.add(
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
        fitter.too_few("buyers.escalate_after_refusal", len(refused), MIN_SHARES)
    cancelled = int(req["cancelled"].astype(bool).sum())
    if len(req) >= MIN_SHARES:
        s, a, b = share_ci(cancelled, len(req))
        fitter.r.add(
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
        cure = fit_cure(delays, np.zeros(len(delays), dtype=bool), windows, seed=fitter.seed)
        fitter.r.cures["buyers.return"] = cure
        fitter.r.add(
            Estimate(
                "buyers.return_on_time",
                *cure.share,
                cure.n,
                f"censored MLE: share × exponential delay, cut by the return deadline ({cure.cut} cut)",
                value=round(cure.share[0], 4),
            )
        )
        fitter.r.add(
            Estimate(
                "buyers.return_delay",
                *cure.mean,
                len(delays),
                "censored MLE (exponential)",
                value={"dist": "exponential", "mean": hours_text(cure.mean[0])},
            )
        )
    else:
        fitter.too_few("buyers.return_on_time", len(agreed), MIN_SHARES)


def arbiters(fitter: Fitter) -> None:
    """The arbiters' time to a ruling and the share ruled for the buyer."""
    req = fitter.obs.requests
    seen = req[req["intervened"].notna()]
    ruled = seen[seen["ruled"].notna()]
    exact = (ruled["ruled"] - ruled["intervened"]).to_numpy(float)
    open_ = seen[seen["ruled"].isna()]
    right = (fitter.obs.cutoff - open_["intervened"]).to_numpy(float)
    sample = Sample(exact, right[right > 0])
    if len(exact) >= MIN_DURATIONS:
        f = fit_duration("arbiters.decision_time", sample, DURATION_FAMILIES, seed=fitter.seed)
        fitter.r.fits.append(f)
        fitter.r.add(
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
        fitter.too_few("arbiters.decision_time", len(exact), MIN_DURATIONS)
    if len(ruled) >= MIN_SHARES:
        s, a, b = share_ci(int((ruled["ruling"] == "buyer").sum()), len(ruled))
        fitter.r.add(
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
