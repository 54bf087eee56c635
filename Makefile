# hato: the two commands a newcomer needs are `make serve` and `make test`.
# The interpreter the venv is made from: the system's own Python 3.11+ when it has venv (a
# distribution's build, optimised with a profile and at link time: about 15% less CPU a
# command and a delivery than a plain build such as pyenv's: README, "Performance"), else the
# python3 on PATH. PYTHON=... chooses another.
SYSTEM_PYTHON := /usr/bin/python3
ifeq ($(origin PYTHON),undefined)  # looked for once a run, not at every use
PYTHON := $(shell $(SYSTEM_PYTHON) -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && echo $(SYSTEM_PYTHON) || echo python3)
endif
VENV   := .venv
BIN    := $(VENV)/bin
# What is installed, per version of pyproject.toml and interpreter: the runtime alone (`make
# serve`), or with the test tools and the optional PostgreSQL driver (`make test`, which also
# runs on PostgreSQL). A venv made from another interpreter is made again.
BASE    := $(shell $(PYTHON) -c 'import os, sys; print(os.path.realpath(sys.executable))' 2>/dev/null)
HASH    := $(shell { cat pyproject.toml; echo '$(BASE)'; } | cksum | cut -d' ' -f1)
RUNTIME := $(VENV)/.installed-runtime-$(HASH)
STAMP   := $(VENV)/.installed-test-$(HASH)
TESTING := [test,postgresql]

# python3-venv, for the venv made from the system's Python (PYTHON above); Debian packages the
# tests drive as real peers (fetchmail, mbsync from isync, offlineimap3, swaks and Postfix talk
# to hato), and Dovecot, the reference the lecture's sessions are
# compared against (and `make bench` measures against), and chromium with its WebDriver, the
# real browser the web console's tests drive. policy-rc.d keeps the packages'
# own services from starting; Postfix is installed unconfigured and run from test dirs.
APT_PACKAGES := python3-venv postgresql fetchmail dovecot-pop3d dovecot-imapd dovecot-lmtpd isync offlineimap3 swaks postfix chromium chromium-driver
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: serve test lint typecheck unit fuzz bench clean system-deps

# Bytecode for hato's modules, made before a run: where PYTHONDONTWRITEBYTECODE is set (as on
# our CI machines), every `hato` process would otherwise compile them all from source at its
# start, about 0.2 s of every command, test subprocess and benchmarked import. Up-to-date
# files are left as they are; a module edited since is compiled in memory as before.
BYTECODE := $(BIN)/python -m compileall -q -j 0 hato bench

# $(call install,EXTRAS): a venv with hato installed editable, with those extras.
define install
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "hato needs Python 3.11 or newer")'
	@[ ! -x $(BIN)/python ] || [ "$$($(BIN)/python -c 'import os, sys; print(os.path.realpath(sys._base_executable))')" = '$(BASE)' ] \
	  || { echo "making $(VENV) again from $(BASE)"; rm -rf $(VENV); }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.$(1)'
endef

$(RUNTIME): pyproject.toml
	$(call install,)
	rm -f $(VENV)/.installed-runtime-*
	touch $@

$(STAMP): pyproject.toml
	$(call install,$(TESTING))
	rm -f $(VENV)/.installed-*
	touch $@ $(RUNTIME)

serve: $(RUNTIME)
	$(BYTECODE)
	$(BIN)/hato serve --demo $(HATO_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check hato tests bench
	$(BIN)/ruff format --check hato tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BYTECODE)
	$(BIN)/pytest -q

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing"; \
	  echo "postfix postfix/main_mailer_type select No configuration" | $(SUDO) debconf-set-selections; \
	  [ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' | $(SUDO) tee /usr/sbin/policy-rc.d >/dev/null; $(SUDO) chmod 755 /usr/sbin/policy-rc.d; }; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null \
	  || { $(SUDO) apt-get update -q >/dev/null && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null; }; \
	fi

test: system-deps lint typecheck unit

# The wire fuzzer (tests/fuzz) for longer than `make test` runs it: FUZZ_SECONDS shared by the
# listeners, a random seed per listener, printed (FUZZ_SEED=n repeats a run).
FUZZ_SECONDS ?= 600
fuzz: $(STAMP)
	$(BYTECODE)
	HATO_FUZZ_SECONDS=$(FUZZ_SECONDS) HATO_FUZZ_SEED=$(FUZZ_SEED) $(BIN)/pytest -q -s tests/fuzz

# hato next to Dovecot on one generated mailbox (bench/, needs root for Dovecot):
#   make bench BENCH_ARGS="--messages 2000"      make bench BENCH_ARGS=--write
bench: $(STAMP) system-deps
	$(BYTECODE)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
