# nzc-review — every target creates .venv and installs what it needs if missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SYSDEPS_BIN := /usr/bin/chromium
SYSDEPS_PKGS := chromium fonts-noto-cjk poppler-utils libreoffice-calc-nogui
# Python's bytecode cache on, whatever the shell says: the tests start hundreds of Python
# processes (commands, kernels, servers), and pytest keeps its rewritten test modules there.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: demo test test-fast lint bench sysdeps venv clean serve

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# System packages: Debian's Chromium (browser tests, PDF), CJK fonts, poppler-utils (pdftotext),
# LibreOffice Calc (a filled Excel template saved by LibreOffice must still read).
sysdeps:
	@missing=""; \
	for p in $(SYSDEPS_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "missing system packages:$$missing"; \
	    echo "install them with: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

demo: venv sysdeps
	$(BIN)/nzc-review batch examples/applications/*.yaml --out out
	$(BIN)/nzc-review accept examples/lifecycle/acceptance/*.yaml --report --out out/accept
	$(BIN)/nzc-review disclose examples/lifecycle/monitoring --year 2027 --out out/disclose
	$(BIN)/nzc-review monitor examples/lifecycle/monitoring --report --out out/monitor
	@echo "evaluation reports: out/<id>/evaluation.html and .pdf; summary: out/summary.html, out/summary.xlsx"
	@echo "lifecycle: out/accept/<id>-acceptance/, out/disclose/<id>-disclosure-2027/, out/monitor/monitor/monitor.html"

# Everything: notebooks, kernels, servers, browsers, PDFs and the wheel installed on its own,
# on every core (TEST_WORKERS=0 runs it in this one process).
TEST_WORKERS ?= auto
test: venv sysdeps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup

# The pure part, in under a minute: tests marked slow (notebooks, kernels, servers, browsers,
# LibreOffice, fuzzing, the wheel build) are left out, the rest runs on every core
# (pytest-xdist, test by test; tests sharing a module fixture together); no system packages needed.
# FAST_WORKERS=0 runs it in this one process.
FAST_WORKERS ?= auto
test-fast: venv
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -m "not slow" -n $(FAST_WORKERS) --dist loadgroup

lint: venv
	$(BIN)/ruff check .

bench: venv
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

serve: venv sysdeps
	$(BIN)/nzc-review serve --demo

clean:
	rm -rf $(VENV) out
