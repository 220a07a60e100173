# Each target creates .venv and installs the project into it when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,dask]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/simkit validate policies/*.yaml policies/variants/*.yaml
	@# --no-floor-warnings: the shipped policies' own floor warnings are listed once, by `check` below
	@for f in policies/examples/*.yaml; do \
	  echo; echo "== $$f"; \
	  $(BIN)/simkit explain --case $$f --no-floor-warnings || exit $$?; \
	done
	@echo; echo "== base against variant: counterfeit 3x (guide) or 4x (API enum)"
	$(BIN)/simkit explain --case policies/examples/channels_compare_counterfeit_4x.yaml \
	  --variant policies/variants/channels_counterfeit_4x.yaml --compare --no-floor-warnings
	@echo; echo "== Tmall baseline: 3 replications"
	$(BIN)/simkit run scenarios/tmall_baseline.yaml --no-floor-warnings
	@echo; echo "== Tmall baseline: compliance check (floor, playbook, expectations, conformance) and report"
	@echo "   its 2 warnings are the legal floor's: where Tmall's own rules may give buyers less than the law"
	@echo "   (docs/compliance.md, 'Two facts of the Tmall rules')"
	$(BIN)/simkit check scenarios/tmall_baseline.yaml --report out/demo-report
	@echo; echo "== Shop twin: fit the planted example shop from its Taobao export, validated on its last fortnight"
	$(BIN)/simkit calibrate --policy policies/tmall.yaml scenarios/examples/planted_shop/taobao/refunds.csv \
	  --orders scenarios/examples/planted_shop/taobao/trades.csv --reps 10 \
	  --out out/demo-twin.yaml --report out/demo-twin-report --no-floor-warnings

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check simkit tests benchmarks
	$(BIN)/ruff format --check simkit tests benchmarks
	$(BIN)/mypy simkit

clean:
	rm -rf $(VENV) build *.egg-info
