# kfd-tagger — every target sets itself up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
MODEL  := models/current/manifest.json
DATA   := $(shell find training_data -type f 2>/dev/null | sort)
# The code that defines what a model artifact holds: a change there needs a new model.
MODEL_CODE := $(wildcard nlp/model/*.py) nlp/codebook.yaml

.PHONY: install test lint train run bench clean screenshots browser-deps

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

test: install
	$(BIN)/python -m pytest -q

# The browser tests (tests/browser) drive Debian's chromium through Playwright; Playwright never
# downloads a browser of its own. Installed with apt when missing (as root, or through sudo -n).
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
		SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO="sudo -n"; \
		echo "installing Debian's chromium (for the browser tests)"; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium > /dev/null; \
	fi

# The README's screenshots of the workspace, taken by the browser tests in Debian's chromium.
screenshots: install
	KFD_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/browser

lint: install
	$(BIN)/ruff check nlp service cli tests bench
	$(BIN)/ruff format --check nlp service cli tests bench
	$(BIN)/mypy

# A model is rebuilt when the training data, the codebook or the model code changes.
$(MODEL): $(STAMP) $(DATA) $(MODEL_CODE)
	$(BIN)/kfd train --data training_data --out models

train: install
	$(BIN)/kfd train --data training_data --out models

run: install $(MODEL)
	$(BIN)/kfd serve

bench: install $(MODEL)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) models data .pytest_cache .hypothesis
