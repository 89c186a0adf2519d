"""Seeded crash fuzzing of the whole counted surface, each batch in its own interpreter."""

import os
import pathlib
import re
import subprocess
import sys

import pytest

FUZZER = pathlib.Path(__file__).with_name("fuzz_surface.py")


@pytest.mark.parametrize("cost_model", ["primer", "flopscope-0.12"])
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_junk_and_hostile_arguments_never_crash_and_never_charge_a_refused_call(seed, cost_model):
    env = {**os.environ, "FLOPSCOPE_COST_MODEL": cost_model}
    r = subprocess.run([sys.executable, str(FUZZER), str(seed), "1500"], capture_output=True, text=True,
                       timeout=300, env=env)
    assert r.returncode == 0, f"interpreter died with {r.returncode}:\n{r.stderr[-3000:]}"
    m = re.search(r"calls=(\d+) errors=(\d+) charged_after_error=(\d+)", r.stdout)
    assert m, r.stdout + r.stderr[-2000:]
    calls, errors, charged = map(int, m.groups())
    assert calls == 1500 and errors > 0
    assert charged == 0, r.stderr[-3000:]
