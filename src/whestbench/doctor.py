"""`whest doctor`: is this machine ready to grade submissions?

Each check has a status: "ok", "warn" (worth knowing, not needed to grade) or "fail"
(a grader needs it). The command exits 1 when any check fails, 0 otherwise.
What a grader needs: a supported Python and NumPy, flopscope with its C++ core, and
bubblewrap (`bwrap`) able to create new user, PID, network, IPC and mount namespaces
(the sandbox runner isolates submissions with them). CPU features, the BLAS, Ray and
OPENBLAS_CORETYPE are reported for the record.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from typing import Any, Dict, List, Optional

OK, WARN, FAIL = "ok", "warn", "fail"
MIN_PYTHON = (3, 10)
MIN_NUMPY = (2, 0)
#: Namespaces the sandbox needs, and the bwrap flag that asks for each. A mount namespace is
#: what bwrap always creates; the probe without --unshare-* flags checks that one.
NAMESPACES = (("mount", ()), ("user", ("--unshare-user",)), ("pid", ("--unshare-pid",)),
              ("net", ("--unshare-net",)), ("ipc", ("--unshare-ipc",)))
PROBE_TIMEOUT_S = 10.0
CPU_FLAGS = ("avx2", "fma", "avx512f", "avx512dq", "avx512bw", "avx512vl")


def _check(name: str, status: str, value: Any, hint: Optional[str] = None) -> Dict[str, Any]:
    return {"name": name, "status": status, "value": value, "hint": hint}


def cpu_flags(cpuinfo_text: str) -> Dict[str, bool]:
    """Which of CPU_FLAGS the first `flags` line of /proc/cpuinfo lists."""
    for line in cpuinfo_text.splitlines():
        if line.startswith("flags") and ":" in line:
            have = set(line.split(":", 1)[1].split())
            return {f: f in have for f in CPU_FLAGS}
    return {}


def _read_cpuinfo() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return ""


def _version_tuple(text: str):
    out = []
    for part in text.split(".")[:2]:
        digits = "".join(c for c in part if c.isdigit())
        out.append(int(digits) if digits else 0)
    return tuple(out)


def blas_info() -> Dict[str, Any]:
    """The BLAS NumPy was built with (numpy.show_config) and, with threadpoolctl, the one loaded."""
    info: Dict[str, Any] = {"build": None, "loaded": None}
    try:
        import numpy

        cfg = numpy.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        info["build"] = {k: blas.get(k) for k in ("name", "version", "openblas configuration") if k in blas}
    except Exception:  # noqa: BLE001 - older NumPy: no mode="dicts"
        pass
    try:
        from threadpoolctl import threadpool_info

        info["loaded"] = [{k: p.get(k) for k in ("internal_api", "version", "architecture", "num_threads",
                                                 "threading_layer")}
                          for p in threadpool_info() if p.get("user_api") == "blas"]
    except Exception:  # noqa: BLE001 - not installed
        pass
    return info


def probe_bwrap(bwrap: str) -> Dict[str, Dict[str, Any]]:
    """Runs `bwrap [--unshare-X] --die-with-parent --ro-bind / / true` per namespace, and once
    with --unshare-all; each result is {"ok", "error"}."""
    out = {}
    for name, flags in NAMESPACES + (("all", ("--unshare-all",)),):
        cmd = [bwrap, *flags, "--die-with-parent", "--ro-bind", "/", "/", "true"]
        try:
            r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=PROBE_TIMEOUT_S)
            err = (r.stderr or b"").decode(errors="replace").strip()
            out[name] = {"ok": r.returncode == 0,
                         "error": None if r.returncode == 0 else (err.splitlines()[-1] if err else
                                                                  f"exit code {r.returncode}")}
        except subprocess.TimeoutExpired:
            out[name] = {"ok": False, "error": f"timed out after {PROBE_TIMEOUT_S:g}s"}
        except OSError as exc:
            out[name] = {"ok": False, "error": str(exc)}
    return out


def collect() -> Dict[str, Any]:
    """Every figure `whest doctor` reports, and the checks made of them."""
    from whestbench import __version__

    env: Dict[str, Any] = {"python_version": platform.python_version(), "python_executable": sys.executable,
                           "whestbench_version": __version__}
    checks: List[Dict[str, Any]] = []

    py_ok = sys.version_info[:2] >= MIN_PYTHON
    checks.append(_check("python", OK if py_ok else FAIL, env["python_version"],
                         None if py_ok else f"install Python >= {'.'.join(map(str, MIN_PYTHON))}"))
    try:
        import numpy

        env["numpy_version"] = numpy.__version__
        np_ok = _version_tuple(numpy.__version__) >= MIN_NUMPY
        checks.append(_check("numpy", OK if np_ok else FAIL, numpy.__version__,
                             None if np_ok else f"pip install 'numpy>={'.'.join(map(str, MIN_NUMPY))}'"))
    except Exception as exc:  # noqa: BLE001
        env["numpy_version"] = None
        checks.append(_check("numpy", FAIL, None, f"numpy does not import ({exc}); pip install numpy"))

    env["flopscope_version"], env["core_loaded"], env["core_path"] = None, False, None
    try:
        import flopscope
        from flopscope import _core

        env["flopscope_version"] = getattr(flopscope, "__version__", "unknown")
        env["core_loaded"] = True
        env["core_path"] = getattr(_core, "__file__", None)
        checks.append(_check("flopscope", OK, env["flopscope_version"]))
        checks.append(_check("flopscope C++ core", OK, env["core_path"]))
    except Exception as exc:  # noqa: BLE001
        checks.append(_check("flopscope", FAIL, None, f"flopscope does not import ({type(exc).__name__}: {exc}); "
                             "reinstall the package (pip install .) so its C++ core is built"))
        checks.append(_check("flopscope C++ core", FAIL, None, "the flopscope._core extension is not loaded"))
    checks.append(_check("whestbench", OK, __version__))

    flags = cpu_flags(_read_cpuinfo())
    env["cpu_features"] = flags
    if not flags:
        checks.append(_check("cpu features", WARN, None, "/proc/cpuinfo has no flags line (not Linux x86?)"))
    else:
        have = [f for f in CPU_FLAGS if flags.get(f)]
        checks.append(_check("cpu features", OK if flags.get("avx2") else WARN, " ".join(have) or "none",
                             None if flags.get("avx2") else "no AVX2: NumPy and BLAS run slower here, so wall "
                             "times are not comparable with a grader's"))

    blas = blas_info()
    env["blas"] = blas
    build = blas.get("build") or {}
    loaded = blas.get("loaded") or []
    desc = build.get("name") or "unknown"
    if build.get("version"):
        desc += f" {build['version']}"
    if loaded:
        desc += " (loaded: " + ", ".join(f"{p.get('internal_api')} {p.get('version')} {p.get('architecture')}, "
                                         f"{p.get('num_threads')} threads" for p in loaded) + ")"
    checks.append(_check("blas", OK, desc))
    env["openblas_coretype"] = os.environ.get("OPENBLAS_CORETYPE")
    checks.append(_check("OPENBLAS_CORETYPE", OK, env["openblas_coretype"] or "(unset: OpenBLAS picks the kernel "
                         "for this CPU)"))

    bwrap = shutil.which("bwrap")
    env["bwrap"] = {"path": bwrap, "version": None}
    if bwrap is None:
        env["namespaces"] = {name: {"ok": False, "error": "bwrap not installed"} for name, _ in NAMESPACES}
        env["namespaces"]["all"] = {"ok": False, "error": "bwrap not installed"}
        checks.append(_check("bwrap", FAIL, None, "install bubblewrap (apt-get install bubblewrap, dnf install "
                             "bubblewrap); the sandbox runner isolates submissions with it"))
    else:
        try:
            r = subprocess.run([bwrap, "--version"], stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=PROBE_TIMEOUT_S)
            env["bwrap"]["version"] = r.stdout.decode(errors="replace").strip() or None
        except (OSError, subprocess.TimeoutExpired):
            pass
        checks.append(_check("bwrap", OK, f"{bwrap} ({env['bwrap']['version'] or 'version unknown'})"))
        env["namespaces"] = probe_bwrap(bwrap)
    for name, _ in NAMESPACES + (("all", ()),):
        res = env["namespaces"][name]
        hint = None
        if not res["ok"]:
            hint = (f"bwrap cannot create a {name} namespace here ({res['error']}). Allow unprivileged user "
                    "namespaces (sysctl kernel.unprivileged_userns_clone=1, or on Ubuntu 24.04+ "
                    "kernel.apparmor_restrict_unprivileged_userns=0), or run the container with "
                    "--security-opt seccomp=unconfined / --privileged" if bwrap else
                    "install bubblewrap first")
        label = "namespaces (--unshare-all)" if name == "all" else f"{name} namespace"
        checks.append(_check(label, OK if res["ok"] else FAIL, "yes" if res["ok"] else "no", hint))

    try:
        import importlib.metadata as md

        env["ray"] = {"installed": True, "version": md.version("ray")}
    except Exception:  # noqa: BLE001 - PackageNotFoundError
        env["ray"] = {"installed": False, "version": None}
    checks.append(_check("ray", OK if env["ray"]["installed"] else WARN, env["ray"]["version"] or "not installed",
                         None if env["ray"]["installed"] else "optional: pip install 'ray>=2.9' for "
                         "`whest dataset bake --ray`"))

    failed = [c["name"] for c in checks if c["status"] == FAIL]
    return {"ok": not failed, "failed": failed, "checks": checks, "environment": env,
            "whestbench_version": __version__}
