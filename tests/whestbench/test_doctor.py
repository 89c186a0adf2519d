"""`whest doctor`: every field in its JSON, and an exit code that follows what is missing.

bwrap is replaced by stand-in scripts on a monkeypatched PATH, so the results do not
depend on this machine's bubblewrap or kernel settings.
"""

import json
import os
import stat

import pytest

from whestbench import doctor
from whestbench.cli import main

ENV_KEYS = {"python_version", "python_executable", "numpy_version", "flopscope_version", "whestbench_version",
            "core_loaded", "core_path", "cpu_features", "blas", "openblas_coretype", "bwrap", "namespaces", "ray"}
NAMESPACES = {"mount", "user", "pid", "net", "ipc", "all"}


def fake_bwrap(bin_dir, fail_on=()):
    """A `bwrap` that prints a version and succeeds, except when asked for a flag in fail_on."""
    bin_dir.mkdir(exist_ok=True)
    cases = "".join(f'    *" {flag} "*) echo "bwrap: Creating new namespace failed: Operation not permitted" >&2; '
                    "exit 1;;\n" for flag in fail_on)
    script = bin_dir / "bwrap"
    script.write_text('#!/bin/sh\nif [ "$1" = --version ]; then echo "bubblewrap 9.9.9"; exit 0; fi\n'
                      f'case " $* " in\n{cases}esac\nexit 0\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(bin_dir)


def doctor_json(capsys, monkeypatch, path):
    monkeypatch.setenv("PATH", path)
    code = main(["doctor", "--format", "json"])
    out, err = capsys.readouterr()
    return code, json.loads(out)


def test_everything_there_exits_0(capsys, monkeypatch, tmp_path):
    code, rep = doctor_json(capsys, monkeypatch, fake_bwrap(tmp_path / "bin"))
    assert code == 0 and rep["ok"] is True and rep["failed"] == []
    assert {"ok", "failed", "checks", "environment", "whestbench_version"} <= set(rep)
    env = rep["environment"]
    assert ENV_KEYS <= set(env)
    assert env["core_loaded"] is True and env["core_path"].endswith((".so", ".pyd"))
    assert env["bwrap"] == {"path": str(tmp_path / "bin" / "bwrap"), "version": "bubblewrap 9.9.9"}
    assert set(env["namespaces"]) == NAMESPACES and all(v["ok"] for v in env["namespaces"].values())
    assert set(env["ray"]) == {"installed", "version"} and set(env["blas"]) == {"build", "loaded"}
    for c in rep["checks"]:
        assert set(c) == {"name", "status", "value", "hint"} and c["status"] in ("ok", "warn")
    names = {c["name"] for c in rep["checks"]}
    assert {"python", "numpy", "flopscope", "flopscope C++ core", "whestbench", "cpu features", "blas",
            "OPENBLAS_CORETYPE", "bwrap", "ray", "user namespace", "pid namespace", "net namespace",
            "ipc namespace", "mount namespace", "namespaces (--unshare-all)"} <= names


def test_missing_bwrap_exits_1(capsys, monkeypatch, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, rep = doctor_json(capsys, monkeypatch, str(empty))
    assert code == 1 and rep["ok"] is False and "bwrap" in rep["failed"]
    assert rep["environment"]["bwrap"] == {"path": None, "version": None}
    assert not any(v["ok"] for v in rep["environment"]["namespaces"].values())
    check = next(c for c in rep["checks"] if c["name"] == "bwrap")
    assert check["status"] == "fail" and "install bubblewrap" in check["hint"]


def test_a_namespace_bwrap_cannot_create_exits_1(capsys, monkeypatch, tmp_path):
    code, rep = doctor_json(capsys, monkeypatch, fake_bwrap(tmp_path / "bin", fail_on=("--unshare-net",
                                                                                          "--unshare-all")))
    ns = rep["environment"]["namespaces"]
    assert code == 1 and not ns["net"]["ok"] and not ns["all"]["ok"]
    assert ns["user"]["ok"] and ns["pid"]["ok"] and ns["ipc"]["ok"] and ns["mount"]["ok"]
    assert "Operation not permitted" in ns["net"]["error"]
    assert set(rep["failed"]) == {"net namespace", "namespaces (--unshare-all)"}
    check = next(c for c in rep["checks"] if c["name"] == "net namespace")
    assert check["status"] == "fail" and "unprivileged" in check["hint"]


def test_openblas_coretype_reported(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    code, rep = doctor_json(capsys, monkeypatch, fake_bwrap(tmp_path / "bin"))
    assert rep["environment"]["openblas_coretype"] == "Haswell"
    assert next(c for c in rep["checks"] if c["name"] == "OPENBLAS_CORETYPE")["value"] == "Haswell"


def test_broken_flopscope_core_exits_1(capsys, monkeypatch, tmp_path):
    import builtins

    real_import = builtins.__import__

    def no_core(name, globals=None, locals=None, fromlist=(), level=0):
        if name == "flopscope" and fromlist and "_core" in fromlist:
            raise ImportError("libflopscope.so: cannot open shared object file")
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", no_core)
    code, rep = doctor_json(capsys, monkeypatch, fake_bwrap(tmp_path / "bin"))
    assert code == 1 and rep["environment"]["core_loaded"] is False
    assert {"flopscope", "flopscope C++ core"} <= set(rep["failed"])


def test_plain_output_says_what_to_do(capsys, monkeypatch, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    code = main(["doctor", "--format", "plain"])
    out, err = capsys.readouterr()
    assert code == 1 and "fail  bwrap" in out and "install bubblewrap" in out and "NOT ready to grade" in err


@pytest.mark.parametrize("text, expected", [
    ("processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma\n\nprocessor\t: 1\nflags\t: fpu\n",
     {"avx2": True, "fma": True, "avx512f": False, "avx512dq": False, "avx512bw": False, "avx512vl": False}),
    ("flags : avx2 avx512f avx512dq avx512bw avx512vl fma\n", dict.fromkeys(doctor.CPU_FLAGS, True)),
    ("Processor : ARMv8\nFeatures : fp asimd\n", {}),
])
def test_cpu_flags_parsed(text, expected):
    assert doctor.cpu_flags(text) == expected
