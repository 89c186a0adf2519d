"""The wire codec, loaded from the sandbox client's own file (src/sandbox_client/_whest_wire.py):
one definition for both ends of the channel."""

from __future__ import annotations

import importlib.util
import os
import sys

import whestbench


def client_root() -> str:
    """The numpy-free client tree: installed as whestbench/_sandbox_client, or src/sandbox_client in a checkout."""
    here = os.path.dirname(os.path.abspath(whestbench.__file__))
    for path in (os.path.join(here, "_sandbox_client"), os.path.join(os.path.dirname(here), "sandbox_client")):
        if os.path.isfile(os.path.join(path, "_whest_wire.py")):
            return path
    raise FileNotFoundError("the sandbox client (whestbench/_sandbox_client) is not installed; reinstall flopscope")


def _load():
    name = "whestbench.sandbox._wire_impl"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, os.path.join(client_root(), "_whest_wire.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_impl = _load()
globals().update({k: v for k, v in vars(_impl).items() if not k.startswith("__")})
