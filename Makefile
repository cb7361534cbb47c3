# Two commands for a newcomer: `make run` and `make test`. Each builds .venv by itself.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
# Debian libraries Qt's own wheels link against (the offscreen platform needs these too).
QT_DEBS := libgl1 libegl1 libfontconfig1 libxkbcommon0 libglib2.0-0 libdbus-1-3 fonts-dejavu-core
# Extra libraries for a real X11 window (make run on a desktop).
XCB_DEBS := libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 \
            libxcb-render-util0 libxcb-image0 libxcb-randr0 libxcb-xinerama0 libxcb-xkb1

.PHONY: run test bench lint clean qt-libs window-libs pg-server

# Our modules are compiled to bytecode first, as an installed copy's are: Python would write
# it on the first start, unless PYTHONDONTWRITEBYTECODE is set (then every start recompiles).
run: $(VENV)/.run-deps qt-libs window-libs
	$(PY) -m compileall -q app storage ui >/dev/null
	$(PY) -m ui

test: $(VENV)/.test-deps qt-libs pg-server
	$(VENV)/bin/ruff check app storage ui tests
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

bench: $(VENV)/.run-deps pg-server
	$(PY) -m compileall -q app storage ui >/dev/null
	$(PY) tests/bench.py

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null || { echo "Empty Chair needs $(PYTHON) (Debian: apt-get install python3 python3-venv)"; exit 1; }
	@# Debian ships venv separately; as root we install it, otherwise we say what to run.
	$(PYTHON) -m venv $(VENV) || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's python3-venv"; rm -rf $(VENV); \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null \
	      && $(PYTHON) -m venv $(VENV); \
	  else echo "Could not create $(VENV): run 'sudo apt-get install python3-venv'"; exit 1; fi; }
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.test-deps: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.run-deps

# Qt's wheels need a few system libraries. Install them when we are root, say what to run otherwise.
qt-libs:
	@if ! QT_QPA_PLATFORM=offscreen $(PY) -c "from PySide6 import QtWidgets" 2>/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing the Debian libraries Qt needs: $(QT_DEBS) $(XCB_DEBS)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(QT_DEBS) $(XCB_DEBS) >/dev/null; \
	  else \
	    echo "Qt needs Debian libraries; run: sudo apt-get install $(QT_DEBS) $(XCB_DEBS)"; exit 1; \
	  fi; \
	fi

# The team-board tests start a throwaway PostgreSQL of their own (127.0.0.1, as the postgres
# user when run as root): Debian's server package is installed when it is missing.
pg-server:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's postgresql for the team-board tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
	      || echo "postgresql could not be installed: the team-board tests will say so and skip"; \
	  else \
	    echo "No PostgreSQL here: the team-board tests will skip (sudo apt-get install postgresql)"; \
	  fi; \
	fi

# A real window needs Qt's xcb libraries too (offscreen does not): ask the real platform.
window-libs:
	@if ! $(PY) -m ui.platform_check 2>/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && [ -n "$$DISPLAY" ]; then \
	    echo "Installing the Debian libraries a Qt window needs: $(XCB_DEBS)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(XCB_DEBS) >/dev/null; \
	  fi; \
	  $(PY) -m ui.platform_check; \
	fi

clean:
	rm -rf $(VENV) build *.egg-info
	find app storage ui tests -name __pycache__ -type d -prune -exec rm -rf {} +
