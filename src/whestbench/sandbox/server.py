"""The sandbox server: `python -m whestbench.sandbox.server HOST_FD`.

It holds the arrays, the MLP weights, the meter and the profile; the participant's
interpreter (started here, under bubblewrap) holds only handles. Every request runs the
same flopscope.numpy call an in-process estimator would make: same bills, same results.
The host talks to this process on its own socketpair (HOST_FD), which the sandbox never
sees: only the host opens and closes budgets.
"""

from __future__ import annotations

import operator
import os
import signal
import socket
import sys
import traceback
import warnings
from typing import Any, Dict, Optional

import numpy as np

import flopscope as flops
import flopscope.numpy as fnp
from flopscope import BudgetExhaustedError, TimeExhaustedError
from flopscope import _core
from flopscope import _symmetric

from whestbench.mlp import MLP, as_counted
from whestbench.runners.integrity import IntegrityGuard
from whestbench.runners.metering import current_cost_model, metered_predict
from whestbench.sandbox import weights as WT
from whestbench.sandbox import wire as W
from whestbench.sandbox.launch import CLIENT_MOUNT, SUBMISSION_MOUNT, Sandbox, SandboxUnavailable, current_cpu, pin_process, pin_to_cpu

ARRAY_CAP = 4 << 30  # one array (upstream's cap)
MAX_WARNINGS_PER_REQUEST = 16  # forwarded to the sandbox; more from one call are dropped
#: attributes no sandbox request may reach (files, raw memory, pickles)
DENIED = frozenset({"tofile", "dump", "dumps", "ctypes", "data", "base", "setflags", "getfield", "setfield",
                    "cffi", "capsule", "lock", "flat", "__array_interface__", "__array_struct__"})
#: Python-level names of the flopscope.numpy modules that cannot cross (callbacks, files)
NOT_REMOTE = frozenset({"load", "save", "savez", "savez_compressed", "apply_along_axis", "apply_over_axes",
                        "fromfunction", "piecewise", "frompyfunc", "vectorize", "fromiter", "histogramdd"})
#: functions that read or write files by name: never run for the sandbox with the server's view of
#: the filesystem; `load` is replaced by one confined to the submission's files (_submission_load)
FILE_IO = frozenset({"save", "savez", "savez_compressed", "load", "loadtxt", "genfromtxt", "fromfile",
                     "fromregex", "memmap", "tofile"})
FNDARRAY = fnp.ndarray
#: the server-held classes of the symmetric tensors (flopscope._symmetric): a SymmetryGroup (and the
#: Permutations it is made of) is a remote object whose public methods and properties the sandbox
#: may use; a SymmetricTensor is an array that travels as a symmetric array reference
SYMMETRIC_CLASSES = (_symmetric.SymmetryGroup, _symmetric.Permutation)
SYMMETRIC_BASE = _core.SymmetricBase
#: the submission folder on the host (set by Server.start): what the sandbox sees at SUBMISSION_MOUNT
_SUBMISSION_ROOT: Optional[str] = None
_DTYPE_NAMES: Dict[Any, bytes] = {}


def _resolve(name: str):
    root: Any = flops if name.startswith(("stats.", "accounting.")) else fnp
    try:
        for part in name.split("."):
            root = getattr(root, part)
    except AttributeError:
        return None
    return root if callable(root) else None


def _submission_load(file, mmap_mode=None, allow_pickle=False, **kwargs):
    """fnp.load of a data file shipped in the submission, named by its path in the sandbox
    (SUBMISSION_MOUNT/...): the server opens the real file, pickle-free, and nothing outside it."""
    if not isinstance(file, str):
        raise TypeError(f"load: in the sandbox, name a file of the submission by its path ({SUBMISSION_MOUNT}/...)")
    if mmap_mode is not None:
        raise ValueError("load: mmap_mode is not available in the sandbox")
    if allow_pickle:
        raise ValueError("flopscope.numpy.load: allow_pickle=True is not supported (pickle-free files only)")
    root = os.path.realpath(_SUBMISSION_ROOT) if _SUBMISSION_ROOT else None
    norm = os.path.normpath(file)
    prefix = SUBMISSION_MOUNT.rstrip("/") + "/"
    real = os.path.realpath(os.path.join(root, norm[len(prefix):])) if root and norm.startswith(prefix) else None
    if real is None or os.path.commonpath([real, root]) != root:
        raise FileNotFoundError(f"load: only the submission's own files ({SUBMISSION_MOUNT}/...) can be loaded, "
                                f"not {file!r}")
    return fnp.load(real, allow_pickle=False, **kwargs)


def _make_scalar(name: str, value):
    dt = np.dtype(name)
    if dt.kind in "OV":
        raise TypeError(f"dtype {name!r} is not available in the sandbox")
    return dt.type(value)


def build_surface():
    """The functions the sandbox may call, by id: every op-table row the Python surface has, then
    the same modules' other public callables (default_rng, finfo, ...). Never a hand-kept list."""
    names, funcs, seen = [], [], set()
    generator_methods: Dict[str, list] = {"Generator": [], "RandomState": []}
    for row in _core.op_rows():
        name = row["name"]
        if row["method"]:
            continue
        parts = name.split(".")
        if parts[0] == "random" and len(parts) == 3 and parts[1] in generator_methods:
            generator_methods[parts[1]].append(parts[2])
            continue
        f = _resolve(name)
        if f is not None and name not in seen:
            seen.add(name)
            names.append(name)
            funcs.append(f)
    modules = (("", fnp), ("linalg.", fnp.linalg), ("fft.", fnp.fft), ("random.", fnp.random),
               ("testing.", fnp.testing), ("accounting.", flops.accounting))
    constants: Dict[str, Any] = {}
    for prefix, module in modules:
        for short in getattr(module, "__all__", ()):
            full = prefix + short
            if full in seen or short in NOT_REMOTE:
                continue
            obj = getattr(module, short, None)
            if isinstance(obj, type) and issubclass(obj, np.generic):
                try:
                    constants[full] = W.DTypeName(np.dtype(obj).name)
                except TypeError:  # the abstract ones (number, floating, ...)
                    pass
            elif isinstance(obj, (float, int)) or obj is None:
                constants[full] = obj
            elif callable(obj) and not isinstance(obj, type(np)):
                seen.add(full)
                names.append(full)
                funcs.append(obj)
    classes = _symmetric_surface(names, funcs, seen)
    keep = [i for i, n in enumerate(names) if n.split(".")[-1] not in FILE_IO]
    names, funcs = [names[i] for i in keep], [funcs[i] for i in keep]
    names.append("load")
    funcs.append(_submission_load)
    names.append("_scalar")
    funcs.append(_make_scalar)
    methods, props = [], []
    for attr in dir(FNDARRAY):
        if attr.startswith("_") or attr in DENIED:
            continue
        (methods if callable(getattr(FNDARRAY, attr, None)) else props).append(attr)
    errors = []
    for short in flops.errors.__all__:
        cls = getattr(flops.errors, short)
        if isinstance(cls, type) and issubclass(cls, BaseException):
            errors.append((_qual(cls), [_qual(b) for b in cls.__bases__], cls.__doc__ or ""))
    handshake = {"functions": names, "constants": constants, "ndarray_methods": methods,
                 "ndarray_properties": props, "generator_methods": generator_methods, "errors": errors,
                 "stats": sorted({n.split(".")[1] for n in names if n.startswith("stats.")}),
                 "classes": classes, "toplevel": _toplevel(names, funcs)}
    return funcs, handshake


def _public_members(cls, base=object):
    """(methods, properties, class methods) of `cls` a sandbox may reach: public names not on `base`."""
    methods, props, ctors = [], [], []
    for attr in dir(cls):
        if attr.startswith("_") or attr in DENIED or (base is not object and hasattr(base, attr)):
            continue
        raw = next((vars(k)[attr] for k in cls.__mro__ if attr in vars(k)), None)
        if isinstance(raw, classmethod):
            ctors.append(attr)
        elif isinstance(raw, property):
            props.append(attr)
        elif callable(raw):
            methods.append(attr)
    return methods, props, ctors


def _symmetric_surface(names, funcs, seen) -> dict:
    """The symmetric tensors' classes (flopscope._symmetric): each class's constructor and class
    methods become server functions (`SymmetryGroup`, `SymmetryGroup.symmetric`, ...); what the
    client builds for each: {name: {methods, properties, constructors, array}}."""
    classes = {}
    for cls in (*SYMMETRIC_CLASSES, _symmetric.SymmetricTensor):
        is_array = issubclass(cls, np.ndarray)
        methods, props, ctors = _public_members(cls, FNDARRAY if is_array else object)
        for full, f in [(cls.__name__, cls)] + [(f"{cls.__name__}.{c}", getattr(cls, c)) for c in ctors]:
            if full not in seen:
                seen.add(full)
                names.append(full)
                funcs.append(f)
        classes[cls.__name__] = {"methods": methods, "properties": props, "constructors": ctors,
                                 "array": is_array}
    return classes


def _toplevel(names, funcs) -> dict:
    """{flopscope name: server function name} for the top-level flopscope names that are one of the
    surface's functions (flops.as_symmetric is flopscope.numpy.as_symmetric, flops.SymmetryGroup, ...)."""
    by_id = {}
    for name, f in zip(names, funcs):
        by_id.setdefault(id(f), name)
    out = {}
    for short in flops.__all__:
        name = by_id.get(id(getattr(flops, short, None)))
        if name is not None:
            out[short] = name
    return out


def _qual(cls) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _pin_loop(cpu: Optional[int]) -> Optional[int]:
    """Pins this thread (the request loop) to the sandbox's CPU (launch.pin_to_cpu). OpenBLAS stops
    its worker threads at a fork (starting the sandbox was one) and starts them again on its next
    threaded call, with the affinity of the calling thread: that call is made here first, so that
    they keep every CPU."""
    if cpu is None:
        return None
    big = np.ones((256, 256))
    np.matmul(big, big)
    return pin_to_cpu(cpu)


def _short_name(name) -> bool:
    return type(name) is str and name.isascii() and name.isidentifier() and len(name) < 256


def _dtype_text(dt) -> str:
    """The name a dtype travels under: its name where that names it exactly, else its str."""
    return dt.name if np.dtype(dt.name) == dt else dt.str


_CONVERSIONS = (bool, float, int, operator.index, complex, repr, str, len, hash)
_OPERATORS = tuple(divmod if n == "divmod" else getattr(operator, n) for n in W.OPERATORS)


class _Watchdog(BaseException):
    """Raised by the SIGALRM handler while the server waits on a sandbox that went quiet."""


def _on_alarm(signum, frame):
    raise _Watchdog()


# The grader's own handler: flopscope does not book long counted calls as residual for it.
_core._trust_signal_handler(_on_alarm)


class SandboxFault(Exception):
    """The sandbox broke the protocol, died or hung: its MLP fails with `code`."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class Server:
    def __init__(self, funcs, handshake) -> None:
        self.funcs = funcs
        self.handshake = handshake
        self.objs: Dict[int, Any] = {}
        # The request loop (cpp/bindings/sandbox_server.cpp): answers the fast requests in C and hands
        # the others to _slow; it owns the handle counter (put).
        self.loop = _core.SandboxLoop(tuple(funcs), _OPERATORS, self.objs, W.WireError, self.error_frame,
                                      self.result_frame, _dtype_text, ARRAY_CAP)
        self.loop.generic(DENIED, self._dtype, self._scalar)
        self.warned: list = []  # warnings of the request being answered (serve() records them)
        self.put = self.loop.put
        self.ns_stack: list = []
        self.exhaustion: Optional[BaseException] = None
        self.dec = W.Decoder(resolve=self._resolve_handle, scalar=self._scalar, dtype=self._dtype)
        self.handlers = (self.h_call, self.h_method, self.h_getattr, self.h_operator, self.h_getitem,
                         self.h_setitem, self.h_convert, self.h_ns_enter, self.h_ns_exit)
        self.sandbox: Optional[Sandbox] = None
        self.cpu: Optional[int] = None  # the CPU the loop and the sandbox are pinned to now, if any
        self.cpus = os.sched_getaffinity(0)  # where this thread may run when it is not pinned
        self.pin = False  # the run pins (cfg pin_cpu) and it worked at start
        self.chan = None
        self.estimator_name = None

    # -- values --------------------------------------------------------------------
    def _resolve_handle(self, hid):
        try:
            return self.objs[hid]
        except KeyError:
            raise W.WireError(f"unknown or foreign handle {hid}") from None

    @staticmethod
    def _scalar(name, raw):
        dt = np.dtype(name)
        if dt.kind in "OV" or dt.itemsize != len(raw):
            raise W.WireError(f"malformed scalar of dtype {name!r}")
        return np.frombuffer(raw, dtype=dt)[0]

    @staticmethod
    def _dtype(name):
        dt = np.dtype(name)
        if dt.kind in "OV":
            raise W.WireError(f"dtype {name!r} is not available in the sandbox")
        return dt

    def array_frame(self, v) -> bytes:
        """The framed (OK, array) reply for a flopscope array result (the hot path)."""
        if v.nbytes > ARRAY_CAP:
            raise MemoryError(f"an array of {v.nbytes} bytes is over the sandbox's 4 GiB cap per array")
        dt = v.dtype
        name = _DTYPE_NAMES.get(dt)
        if name is None:
            text = _dtype_text(dt)
            name = _DTYPE_NAMES[dt] = bytes([len(text)]) + text.encode("ascii")
        return W.array_reply(self.put(v), name, v.shape)

    def out(self, v):
        t = type(v)
        if t is FNDARRAY or isinstance(v, np.ndarray):
            if isinstance(v, SYMMETRIC_BASE):  # stays a SymmetricTensor here: later calls bill its orbits
                if v.nbytes > ARRAY_CAP:
                    raise MemoryError(f"an array of {v.nbytes} bytes is over the sandbox's 4 GiB cap per array")
                return W.ArrayRef(self.put(v), _dtype_text(v.dtype), v.shape, symmetric=True)
            if t is not FNDARRAY:
                v = v.view(FNDARRAY)  # whatever the sandbox touches is counted
            if v.nbytes > ARRAY_CAP:
                raise MemoryError(f"an array of {v.nbytes} bytes is over the sandbox's 4 GiB cap per array")
            return W.ArrayRef(self.put(v), _dtype_text(v.dtype), v.shape)
        if t in (int, float, bool, str, bytes, complex) or v is None:
            return v
        if isinstance(v, np.generic):
            return W.Scalar(_dtype_text(v.dtype), v.tobytes())
        if isinstance(v, tuple) and t is not tuple:
            fields = getattr(t, "_fields", None)  # a named tuple (SVDResult, EighResult, ...): its names travel
            if (type(fields) is tuple and len(fields) == len(v) and _short_name(t.__name__)
                    and all(_short_name(f) for f in fields)):
                return W.Named(t.__name__, fields, [self.out(x) for x in v])
        if isinstance(v, (tuple, list)):
            return (tuple if isinstance(v, tuple) else list)(self.out(x) for x in v)
        if isinstance(v, dict):
            return {self.out(k): self.out(x) for k, x in v.items()}
        if type(v) is frozenset:  # SymmetryGroup.orbits()
            return frozenset(self.out(x) for x in v)
        if isinstance(v, np.dtype):
            return W.DTypeName(_dtype_text(v))
        if isinstance(v, (slice, type(Ellipsis))):
            return v
        return W.ObjectRef(self.put(v), type(v).__name__)

    @staticmethod
    def _name(obj, name):
        if type(name) is not str or name.startswith("_") or name in DENIED:
            raise AttributeError(f"{name!r} is not available on flopscope objects in the sandbox")
        return name

    # -- handlers (msg[0] kind, msg[1] frees) ------------------------------------------
    def h_call(self, msg):
        f = self.funcs[msg[2]]
        return f(*msg[3], **msg[4]) if msg[4] else f(*msg[3])

    def h_method(self, msg):
        obj = msg[2]
        if not isinstance(obj, (np.ndarray, np.generic, np.random.Generator, np.random.RandomState,
                                np.random.SeedSequence, np.random.BitGenerator, np.finfo, np.iinfo,
                                SYMMETRIC_CLASSES)):
            raise TypeError(f"{type(obj).__name__} objects have no methods in the sandbox")
        method = getattr(obj, self._name(obj, msg[3]))
        return method(*msg[4], **msg[5]) if msg[5] else method(*msg[4])

    def h_getattr(self, msg):
        obj = msg[2]
        value = getattr(obj, self._name(obj, msg[3]))
        if callable(value) and not isinstance(value, (np.ndarray, np.generic, type)):
            raise AttributeError(f"{msg[3]!r} is a method: call it")
        return value

    def h_operator(self, msg):
        f = _OPERATORS[msg[2]]
        return f(msg[3], msg[4]) if len(msg) > 4 else f(msg[3])

    def h_getitem(self, msg):
        return msg[2][msg[3]]

    def h_setitem(self, msg):
        msg[2][msg[3]] = msg[4]

    def h_convert(self, msg):
        return _CONVERSIONS[msg[3]](msg[2])

    def h_ns_enter(self, msg):
        cm = flops.namespace(str(msg[2]))
        cm.__enter__()
        self.ns_stack.append(cm)

    def h_ns_exit(self, msg):
        if self.ns_stack:
            self.ns_stack.pop().__exit__(None, None, None)

    # -- the request loop ----------------------------------------------------------------
    def serve(self, timeout: Optional[float]):
        """Answers the sandbox's requests until it sends a protocol message (kind >= 20), which is
        returned. SandboxFault when it closes the channel, hangs past `timeout` (a SIGALRM watchdog:
        the reads themselves block, no poll per request) or breaks the framing."""
        self.chan.sock.settimeout(None)
        if timeout:
            previous = signal.signal(signal.SIGALRM, _on_alarm)
            signal.setitimer(signal.ITIMER_REAL, float(timeout))
        try:
            return self._serve()
        except _Watchdog:
            raise SandboxFault("SANDBOX_TIMEOUT", f"the sandbox sent nothing for {timeout:g}s") from None
        finally:
            if timeout:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)

    def _serve(self):
        try:
            # Every warning of a request goes to the sandbox (warn_frame). Recorded, not shown: a
            # replaced showwarning would be a Python hook inside every counted call (hooks.hpp),
            # whose time flopscope books as residual; record=True appends to a list in C.
            with warnings.catch_warnings(record=True) as self.warned:
                warnings.simplefilter("always")
                self.loop.warnings(self.warned, self.warn_frame)
                return self.loop.serve(self._slow)
        except (EOFError, OSError) as exc:
            raise SandboxFault("SANDBOX_EOF", f"the sandbox closed its channel: {self.exit_description()} "
                                              f"({exc})") from None
        except W.WireError as exc:  # an oversized message: the framing cannot be trusted any more
            raise SandboxFault("SANDBOX_PROTOCOL_ERROR", str(exc)) from None
        finally:
            self.warned.clear()  # a protocol message's own: not the next request's

    def warn_frame(self) -> bytes:
        """The WARN frame that precedes the reply of a request that warned (the sandbox's client warns
        again at the participant's line, under the participant's filters)."""
        items = [([_qual(c) for c in w.category.__mro__ if issubclass(c, Warning)], _text(w.message))
                 for w in self.warned[:MAX_WARNINGS_PER_REQUEST]]
        self.warned.clear()
        return W.frame((W.WARN, items))

    def _slow(self, payload: bytes):
        """A request the C loop does not answer itself (a protocol message, another request kind,
        a value its reader does not take): the reply frame, or the decoded protocol message
        (kind >= 20), which ends serve()."""
        objs = self.objs
        try:
            msg = self.dec.decode(payload)
            if type(msg) is not tuple or len(msg) < 2 or type(msg[1]) is not list or type(msg[0]) is not int:
                raise W.WireError("a request is (kind, frees, ...)")
            for hid in msg[1]:
                if type(hid) is int:
                    objs.pop(hid, None)
            kind = msg[0]
            if kind >= 20:
                return msg
            if kind < 0 or kind >= len(self.handlers):
                raise W.WireError(f"malformed message: unknown request kind {kind}")
            result = self.handlers[kind](msg)
            return self.array_frame(result) if type(result) is FNDARRAY else W.frame((W.OK, self.out(result)))
        except Exception as exc:  # noqa: BLE001 - every error goes back to the sandbox
            return self.error_frame(exc)

    def result_frame(self, result) -> bytes:
        """The (OK, value) reply for a result the C loop does not encode itself."""
        try:
            return W.frame((W.OK, self.out(result)))
        except Exception as exc:  # noqa: BLE001
            return self.error_frame(exc)

    def error_frame(self, exc: BaseException) -> bytes:
        """The (ERR, type names, message) reply; a budget or time exhaustion is remembered."""
        if isinstance(exc, (BudgetExhaustedError, TimeExhaustedError)):
            self.exhaustion = exc
        try:
            return W.frame((W.ERR, [_qual(c) for c in type(exc).__mro__], _text(exc)))
        except Exception as exc2:  # noqa: BLE001
            return W.frame((W.ERR, ["builtins.TypeError"], f"the result cannot be sent: {exc2}"))

    def exit_description(self) -> str:
        if self.sandbox is None:
            return "no sandbox"
        try:
            code = self.sandbox.proc.wait(timeout=1)
        except Exception:  # noqa: BLE001
            return "the sandbox is still running"
        if code < 0 or code > 128:
            sig = -code if code < 0 else code - 128
            return f"the sandbox was killed by signal {sig}" + (" (out of memory or CPU time?)" if sig in (9, 24) else "")
        return f"the sandbox exited with code {code}"

    # -- host commands -------------------------------------------------------------------
    def start(self, cfg: dict) -> dict:
        if cfg.get("cost_model"):
            flops.configure(cost_model=cfg["cost_model"])
        self.cfg = cfg
        global _SUBMISSION_ROOT
        _SUBMISSION_ROOT = cfg["submission_dir"]
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            cpu = current_cpu() if cfg.get("pin_cpu", True) else None
            self.sandbox = Sandbox(client_dir=cfg["client_dir"], submission_dir=cfg["submission_dir"],
                                   channel_fd=theirs.fileno(), argv=[f"{CLIENT_MOUNT}/_whest_boot.py"],
                                   memory_limit_mb=cfg.get("memory_limit_mb"), cpu=cpu)
            self.cpu = _pin_loop(cpu)
            self.pin = cpu is not None
        except SandboxUnavailable as exc:
            return {"status": "error", "stage": "setup", "code": "SANDBOX_UNAVAILABLE", "message": str(exc)}
        finally:
            theirs.close()
        self.chan = W.Channel(ours)
        self.loop.attach(ours.fileno())
        self.guard = IntegrityGuard(strict_threads=True, audit=False, cost_model=current_cost_model())
        try:
            ours.settimeout(30)
            self.chan.send(self.handshake)
            entry = dict(cfg["entrypoint"])
            entry["file_path"] = f"{SUBMISSION_MOUNT}/{os.path.basename(entry['file_path'])}"
            self.chan.send(("setup", entry, cfg["context"]))
            try:
                msg = self.serve(float(cfg["setup_timeout_s"]))
            finally:
                self.unpin()
        except SandboxFault as exc:
            code = "SETUP_TIMEOUT" if exc.code == "SANDBOX_TIMEOUT" else exc.code
            return {"status": "error", "stage": "setup", "code": code,
                    "message": f"setup in the sandbox failed: {exc}"}
        except OSError as exc:
            return {"status": "error", "stage": "setup", "code": "SANDBOX_EOF",
                    "message": f"the sandbox closed its channel: {self.exit_description()} ({exc})"}
        if msg[0] == W.READY:
            self.estimator_name = str(msg[2])
            return {"status": "ok", "class_name": self.estimator_name}
        if msg[0] == W.SETUP_FAILED and len(msg) >= 6:
            return {"status": "error", "stage": str(msg[2]), "code": str(msg[3]), "message": str(msg[4]),
                    "traceback": str(msg[5])}
        return {"status": "error", "stage": "setup", "code": "SANDBOX_PROTOCOL_ERROR",
                "message": f"unexpected message kind {msg[0]!r} during setup"}

    def predict(self, spec: dict, weights: np.ndarray) -> Dict[str, Any]:
        mlp = MLP(width=spec["width"], depth=spec["depth"], weights=[as_counted(w) for w in weights],
                  seed=spec["seed"], name=spec.get("name", ""))
        proxy = _Proxy(self, spec)
        self.repin()
        try:
            outcome = metered_predict(proxy, mlp, int(spec["budget"]),
                                      wall_time_limit_s=self.cfg.get("wall_time_limit_s"), guard=self.guard)
        finally:
            self.unpin()
        if proxy.fault is not None:
            outcome.status, outcome.error_code, outcome.message = "error", proxy.fault.code, str(proxy.fault)
            outcome.restart_worker = True
            outcome.traceback = f"{proxy.fault.code}: {proxy.fault}"
        elif proxy.sandbox_traceback and outcome.status == "error" and outcome.error_code == "PREDICT_ERROR":
            outcome.traceback = proxy.sandbox_traceback
        elif proxy.sandbox_traceback and outcome.status in ("budget_exhausted", "time_exhausted"):
            outcome.traceback = proxy.sandbox_traceback
        if proxy.timed_out:
            outcome.restart_worker = True
        outcome.residual_cpu_time_s = proxy.cpu_s
        outcome.exception = None
        result = outcome.to_json()
        result.pop("predictions", None)
        return result, outcome.predictions

    def repin(self) -> None:
        """Before a predict: the loop's thread and every thread of the sandbox on the CPU this
        thread was woken on (launch.pin_to_cpu says why)."""
        if not self.pin or self.sandbox is None:
            return
        cpu = pin_to_cpu(current_cpu())
        if cpu is not None and not pin_process(self.sandbox.pid, cpu):
            self.unpin()
            cpu = None
        self.cpu = cpu

    def unpin(self) -> None:
        """After setup or a predict: this thread free to run anywhere while it waits for the host."""
        if self.cpu is not None:
            try:
                os.sched_setaffinity(0, self.cpus)
            except OSError:
                pass
            self.cpu = None

    def close(self) -> None:
        if self.chan is not None and self.sandbox is not None and self.sandbox.alive():
            try:
                self.chan.send(("close",))
                self.serve(2.0)
            except (SandboxFault, OSError):
                pass
        if self.sandbox is not None:
            self.sandbox.kill()


class _SandboxRaised(Exception):
    pass


class _Proxy:
    """The estimator metered_predict sees: predict() drives the sandbox's predict and returns the
    server array its result handle names (materialised inside the budget by metered_predict)."""

    def __init__(self, server: Server, spec: dict) -> None:
        self.server = server
        self.spec = spec
        self.fault: Optional[SandboxFault] = None
        self.timed_out = False
        self.sandbox_traceback: Optional[str] = None
        self.cpu_s = 0.0

    def predict(self, mlp: MLP, budget: int):
        srv = self.server
        srv.exhaustion = None
        limit = srv.cfg.get("wall_time_limit_s")
        timeout = float(limit) + 0.5 if limit else None
        refs = [srv.out(w) for w in mlp.weights]
        sandbox = srv.sandbox
        cpu0 = sandbox.cpu_time_ns()
        try:
            srv.chan.sock.settimeout(30)
            srv.chan.send(("predict", {"width": mlp.width, "depth": mlp.depth, "seed": mlp.seed, "name": mlp.name},
                           refs, budget))
            msg = srv.serve(timeout)
        except _Watchdog:  # fired between the loop's end and the timer's reset
            self.timed_out = True
            sandbox.kill()
            raise TimeExhaustedError("predict (whestbench sandbox watchdog)", elapsed_s=timeout,
                                     limit_s=float(limit)) from None
        except SandboxFault as exc:
            if exc.code == "SANDBOX_TIMEOUT":
                self.timed_out = True
                sandbox.kill()
                raise TimeExhaustedError("predict (whestbench sandbox watchdog)", elapsed_s=timeout,
                                         limit_s=float(limit)) from None
            self.fault = exc
            raise
        except OSError as exc:
            self.fault = SandboxFault("SANDBOX_EOF", f"the sandbox closed its channel: {exc}")
            raise self.fault from None
        finally:
            self.cpu_s = max(0, sandbox.cpu_time_ns() - cpu0) / 1e9
            for w in refs:
                srv.objs.pop(w.hid, None)
        if msg[0] == W.RESULT and len(msg) >= 3:
            return msg[2]
        if msg[0] == W.RAISED and len(msg) >= 5:
            name, text, self.sandbox_traceback = str(msg[2]), str(msg[3]), str(msg[4])
            exc = srv.exhaustion
            if exc is not None and type(exc).__name__ == name:
                raise exc  # the server's own exhaustion, not the sandbox's word for it
            raise type(name, (_SandboxRaised,), {})(text)
        self.fault = SandboxFault("SANDBOX_PROTOCOL_ERROR", f"unexpected message kind {msg[0]!r} during predict")
        raise self.fault


def _text(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # noqa: BLE001
        return type(exc).__name__


def main() -> int:
    host = socket.socket(fileno=int(sys.argv[1]))
    weights_sock = socket.socket(fileno=int(sys.argv[2]))  # one sealed memfd per predict (weights.py)
    weights_sock.settimeout(30)
    chan = W.Channel(host)
    plain = W.Decoder()
    funcs, handshake = build_surface()
    server = Server(funcs, handshake)
    while True:
        try:
            msg = plain.decode(chan.recv())
        except EOFError:
            break
        cmd = msg[0]
        if cmd == "start":
            chan.send(server.start(msg[1]))
        elif cmd == "predict":
            spec = msg[1]
            try:
                weights = WT.receive(weights_sock, spec["depth"], spec["width"])
                outcome, predictions = server.predict(spec, weights)
            except BaseException as exc:  # noqa: BLE001
                outcome = {"status": "error", "error_code": "SANDBOX_SERVER_ERROR",
                           "message": f"the sandbox server failed: {type(exc).__name__}: {exc}",
                           "traceback": traceback.format_exc(), "restart_worker": True}
                predictions = None
            chan.send((outcome, None if predictions is None else predictions.astype(np.float32).tobytes()))
            if outcome.get("restart_worker"):
                server.close()
                return 3
        elif cmd == "close":
            server.close()
            chan.send({"status": "ok"})
            return 0
    server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
