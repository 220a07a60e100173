"""Shop twins: fit a shop's behaviour from its after-sales log (``simkit calibrate``).

`observe` turns a log's orders into observations (reply times with their censoring, decisions,
escalations, returns, rulings), `split` divides the log in time and joins an order file's facts,
`families` fits censored duration distributions and picks a family by AIC, `shifts` infers the
working pattern, `estimates` holds one fitted figure with its CI, n and method, and `fit` maps every
estimate to a scenario parameter (the orders' side; `merchant_fits` and `buyer_fits` the merchants',
buyers' and arbiters'). `twin` writes the scenario and `api` ties them together (`simkit.calibrate`).
The validation of a twin on held-out data lives in `validate` (with `kpis`, `distances`, `simlog`).
"""
