#!/usr/bin/env bash
# Installs flopscope + whestbench, runs the primer's example (its budget summary), then scores
# the bundled example estimator with `whest run` and prints the report.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
"$PYTHON" -m pip install --quiet .
"$PYTHON" examples/primer_demo.py
echo
# `whest` is the same command; `python -m whestbench` works whether or not the scripts dir is on PATH.
"$PYTHON" -m whestbench run --estimator examples/monte_carlo_estimator.py \
  --width 256 --depth 8 --n-mlps 5 --n-samples 200000 --seed 1 --format "${WHEST_FORMAT:-rich}"
