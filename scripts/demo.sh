#!/usr/bin/env bash
# Installs flopscope and runs the primer's example, printing its budget summary.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
"$PYTHON" -m pip install --quiet .
"$PYTHON" examples/primer_demo.py
