#!/usr/bin/env bash
# Installs flopscope + whestbench, runs the primer's example (its budget summary), then scores
# the bundled example estimator with `whest run` and prints the report, then scores it again
# under `--runner sandbox` (bubblewrap, no NumPy in the estimator's process).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
# bubblewrap for the sandboxed run at the end (Debian package).
if ! dpkg -s bubblewrap >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null
fi
"$PYTHON" -m pip install --quiet .
"$PYTHON" examples/primer_demo.py
echo
# `whest` is the same command; `python -m whestbench` works whether or not the scripts dir is on PATH.
"$PYTHON" -m whestbench run --estimator examples/monte_carlo_estimator.py \
  --width 256 --depth 8 --n-mlps 5 --n-samples 200000 --seed 1 --format "${WHEST_FORMAT:-rich}"
echo
# The same estimator in the sandbox: its own process without NumPy; every array operation runs
# on the grader's server (docs/whestbench.md, "Sandbox").
"$PYTHON" -m whestbench run --estimator examples/monte_carlo_estimator.py --runner sandbox \
  --width 256 --depth 8 --n-mlps 5 --n-samples 200000 --seed 1 --format "${WHEST_FORMAT:-rich}"
