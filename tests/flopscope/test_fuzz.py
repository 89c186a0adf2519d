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


HOSTILE = pathlib.Path(__file__).with_name("fuzz_hostile.py")


def _run_hostile(first, last):
    """Runs cases [first, last) in one interpreter; on a crash restarts after the case that died."""
    crashes, failures, done = [], [], 0
    while first < last:
        r = subprocess.run([sys.executable, str(HOSTILE), "run", str(first), str(last)], capture_output=True,
                           text=True, timeout=120)
        started = [int(m) for m in re.findall(r"^START (\d+)", r.stdout, re.M)]
        finished = re.findall(r"^DONE (\d+) (.*)$", r.stdout, re.M)
        done += len(finished)
        failures += [f"case {i}: {outcome}" for i, outcome in finished if outcome.startswith("FAIL")]
        if r.returncode == 0:
            break
        dead = started[-1] if started else first
        line = re.search(rf"^START {dead} (.*)$", r.stdout, re.M)
        crashes.append(f"case {dead} ({line.group(1) if line else '?'}) killed the interpreter with "
                       f"{r.returncode}: {r.stderr[-500:]}")
        first = dead + 1
    return done, crashes, failures


@pytest.mark.parametrize("part", [0, 1])
def test_hostile_objects_at_every_c_entry_point_never_crash_and_never_charge_a_refused_call(part):
    n = int(subprocess.run([sys.executable, str(HOSTILE), "list"], capture_output=True, text=True,
                           timeout=60).stdout)
    half = (n + 1) // 2
    first, last = part * half, min(n, (part + 1) * half)
    done, crashes, failures = _run_hostile(first, last)
    assert not crashes, "\n".join(crashes[:20])
    assert not failures, "\n".join(failures[:20])
    assert done == last - first
