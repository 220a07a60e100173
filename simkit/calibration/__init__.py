"""Shop twins: fit a shop's behaviour from its after-sales log, and validate the fit on held-out data."""
