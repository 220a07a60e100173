"""The simulation and the audit agree: a simulated log breaks only the rules its playbook breaks.

Both call `simkit.rules`, from opposite sides: the model decides with the rules, the audit
checks the log against them. Whatever the policy, playbook and buyers, the only violations in a
simulated log are the ones the scenario's merchants commit on purpose: late shipments (every
scenario ships some orders late), refunds beyond the legal 7 days when merchants wait for the
10-day receipt timer (``confirm_returns: late``), and bare refusals on the video channel when
the playbook refuses.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simkit.compliance.simulate import run_audited
from simkit.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scenario=st.sampled_from(["tmall_baseline", "channels_baseline", "double11_surge", "fresh_produce", "store_exit"]),
    base=st.sampled_from(["agree_all", "by_the_rules", "compensation_first", "stall", "refuse_all"]),
    extend=st.booleans(),
    reopen=st.booleans(),
    confirm=st.sampled_from(["on_time", "late"]),
    escalate=st.sampled_from([0.0, 0.4, 0.9]),
    seed=st.integers(1, 1000),
)
def test_a_simulated_log_breaks_only_what_its_playbook_breaks(scenario, base, extend, reopen, confirm, escalate, seed):
    book = f"{{base: {base}, extend: {str(extend).lower()}, reopen: {str(reopen).lower()}, confirm_returns: {confirm}}}"
    loaded = load_scenario(
        ROOT / "scenarios" / f"{scenario}.yaml",
        ["orders.count=800", f"merchants.playbook={book}", f"buyers.escalate_after_refusal={escalate}"],
    )
    runs = run_audited(loaded, seed=seed, reps=1)
    assert runs.audit is not None
    assert runs.audit.problems == []
    channel = loaded.policy.spec.channels is not None
    refuses = loaded.playbook.default == "refuse" or "refuse" in loaded.playbook.reasons.values()
    allowed = {"tmall.ship_promise", "channels.ship_promise"}
    if loaded.playbook.confirm_returns == "late":
        allowed.add("national.refund_deadline")
    if channel and refuses:
        allowed.add("channels.principle")
    unexpected = [f.line() for f in runs.audit.findings if f.clause not in allowed]
    assert unexpected == []
