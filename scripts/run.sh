#!/usr/bin/env bash
# Quick start, main job: set up a virtual environment, extract corpus/, evaluate against gold/.
# Outputs: out/facts.csv (the facts table) and out/report/ (report.json, report.md, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
.venv/bin/extractor extract corpus --out out/facts.csv
.venv/bin/extractor evaluate --facts out/facts.csv --gold gold --report out/report
