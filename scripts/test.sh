#!/usr/bin/env bash
# Installs what the tests need and runs every test: the C++ core (ctest) and
# the Python packages (pytest). Works on a fresh machine of this kind.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
# Tools pip installs (cmake, ninja, ctest) come first on PATH, also inside a venv.
PATH="$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_path("scripts"))'):$PATH"
export PATH

# GoogleTest for the C++ unit tests, bubblewrap for `--runner sandbox` (Debian packages).
if ! dpkg -s libgtest-dev >/dev/null 2>&1 || ! dpkg -s bubblewrap >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libgtest-dev cmake ninja-build g++ bubblewrap >/dev/null
fi

# The package itself (builds the C++ engine) and the test requirements.
"$PYTHON" -m pip install --quiet --upgrade pip
"$PYTHON" -m pip install --quiet ".[test,ray]"

# C++ unit tests of the core (no Python in them).
"$PYTHON" -m pip install --quiet nanobind scikit-build-core cmake ninja scipy-openblas32 numpy
cmake -S . -B build/cpp-tests -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DFLOPSCOPE_BUILD_TESTS=ON -DFLOPSCOPE_BUILD_PYTHON=OFF -DPython_EXECUTABLE="$(command -v "$PYTHON")" >/dev/null
cmake --build build/cpp-tests -j2
ctest --test-dir build/cpp-tests --output-on-failure -j2

# Python tests against the installed package (run from tests/ so that src/ is not imported).
cd tests
"$PYTHON" -m pytest -q -p no:cacheprovider .
