"""Shop twins: fit a shop's behaviour from its after-sales log (``simkit calibrate``).

`observe` turns a log's orders into observations (reply times with their censoring, decisions,
escalations, returns, rulings), `shifts` infers the working pattern, `families` fits censored
duration distributions and picks a family by AIC, `fit` maps every estimate to a scenario
parameter, `twin` writes the scenario, and `api` ties them together (`simkit.calibrate`).
The validation of a twin on held-out data lives in `validate` (with `kpis` and `distances`).
"""
