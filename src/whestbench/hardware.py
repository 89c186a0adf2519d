"""A fingerprint of the host for the report's run_meta.host (spec 6.1)."""

from __future__ import annotations

import os
import platform
import socket
import sys
from typing import Any, Dict, Optional


def _cpu_brand() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _physical_cores() -> Optional[int]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            text = fh.read()
    except OSError:
        return None
    cores, phys, core = set(), None, None
    for line in text.splitlines() + [""]:
        if line.startswith("physical id"):
            phys = line.split(":", 1)[1].strip()
        elif line.startswith("core id"):
            core = line.split(":", 1)[1].strip()
        elif not line.strip():
            if core is not None:
                cores.add((phys, core))
            phys = core = None
    return len(cores) or os.cpu_count()


def _meminfo(key: str) -> Optional[int]:
    try:
        with open("/proc/meminfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


def collect_host() -> Dict[str, Any]:
    import numpy

    import flopscope

    from whestbench import __version__

    return {
        "hostname": socket.gethostname(), "os": platform.system(), "os_release": platform.release(),
        "platform": platform.platform(), "machine": platform.machine(),
        "python_version": platform.python_version(), "cpu_brand": _cpu_brand(),
        "cpu_count_logical": os.cpu_count(), "cpu_count_physical": _physical_cores(),
        "ram_total_bytes": _meminfo("MemTotal"), "ram_available_bytes": _meminfo("MemAvailable"),
        "numpy_version": numpy.__version__, "flopscope_version": getattr(flopscope, "__version__", "unknown"),
        "whestbench_version": __version__, "python_executable": sys.executable,
    }
