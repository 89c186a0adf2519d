"""Hostile-object fuzzer of flopscope's C entry points (run by test_fuzz.py).

    python fuzz_hostile.py list              # prints the number of cases
    python fuzz_hostile.py run FIRST LAST    # runs cases FIRST..LAST-1

The case list is deterministic (a fixed seed): every C entry point reachable
from Python (the array type's dunders and operators, the counted ufuncs and
their methods, counted functions and array methods, every flopscope._core
function and Meter method), each called with hostile objects in each argument
position: objects whose __index__/__float__/__len__/__getitem__/__array__/
__eq__/__hash__/__bool__ raise, return the wrong type or a huge value, resize
the array they came with (a.resize(..., refcheck=False)) or empty the list that
holds them (del lst[:]); subclasses of int/float/tuple/dict/str/np.int64 with
overridden methods; wrong types in place of tuples and dicts; None.

The runner prints "START i" (flushed) before case i and "DONE i OUTCOME" after
it, so that a parent seeing the interpreter die knows the case that killed it.
A case fails (printed as "DONE i FAIL ...") when it raised something that is
not an Exception, or when a call that raised charged the active budget.
"""

from __future__ import annotations

import operator
import pickle
import random
import socket
import struct
import sys
import warnings

import numpy as np

import flopscope as flops
import flopscope.numpy as fnp

_core = flops._core
SEED = 20261207


# ---------------------------------------------------------------- hostile objects
class Env:
    """What a hostile object may attack: the case's array and the list holding it."""

    def __init__(self):
        self.array = np.ones((3, 4))  # a plain operand hostile objects resize
        self.ours = fnp.ones((3, 4))
        self.holder: list = []  # the list a hostile object sits in


class Hostile:
    """One object whose dunders all do `mode`: raise, wrong, huge, resize, empty."""

    def __init__(self, env, mode):
        self.env, self.mode = env, mode

    def _act(self, good):
        m = self.mode
        if m == "raise":
            raise RuntimeError("hostile")
        if m == "wrong":
            return "wrong type"
        if m == "huge":
            return 2**100 if isinstance(good, int) else 1e308
        if m == "resize":
            try:
                self.env.array.resize((0,), refcheck=False)
            except Exception:  # noqa: BLE001 - an already shared buffer refuses
                pass
            try:
                self.env.ours.resize((0,), refcheck=False)
            except Exception:  # noqa: BLE001
                pass
        if m == "empty":
            del self.env.holder[:]
        return good

    def __index__(self):
        return self._act(1)

    def __int__(self):
        return self._act(1)

    def __float__(self):
        return self._act(1.0)

    def __len__(self):
        return self._act(2)

    def __getitem__(self, i):
        if isinstance(i, int) and i >= 2:
            raise IndexError(i)
        return self._act(1)

    def __iter__(self):
        return iter([self._act(1), 1])

    def __array__(self, dtype=None, copy=None):
        r = self._act(0)
        return r if self.mode in ("wrong", "huge") else np.ones(2)

    def __eq__(self, other):
        return self._act(True)

    def __hash__(self):
        return self._act(7)

    def __bool__(self):
        return self._act(True)

    def __call__(self, *args, **kwargs):
        return self._act(None)

    def __repr__(self):
        return f"Hostile({self.mode})"


def subclass_values(env):
    """Subclasses of builtins and NumPy scalars with hostile overrides."""

    class Int(int):
        def __index__(self):
            del env.holder[:]
            env.array.resize((0,), refcheck=False)
            return 1

        def __eq__(self, o):
            raise RuntimeError("hostile int ==")

        __hash__ = int.__hash__

    class Float(float):
        def __float__(self):
            raise RuntimeError("hostile float")

    class Tuple(tuple):
        def __len__(self):
            return 10**6

        def __getitem__(self, i):
            del env.holder[:]
            raise RuntimeError("hostile tuple item")

        def __iter__(self):
            raise RuntimeError("hostile tuple iter")

    class Dict(dict):
        def __getitem__(self, k):
            raise RuntimeError("hostile dict item")

        def keys(self):
            raise RuntimeError("hostile dict keys")

        def __iter__(self):
            raise RuntimeError("hostile dict iter")

    class Str(str):
        def __eq__(self, o):
            raise RuntimeError("hostile str ==")

        def __hash__(self):
            raise RuntimeError("hostile str hash")

    class I64(np.int64):
        def __index__(self):
            del env.holder[:]
            return 1

    class F64(np.float64):
        def __float__(self):
            del env.holder[:]
            return 1.0

    class Sub(np.ndarray):
        def __array_finalize__(self, obj):
            del env.holder[:]

    return [Int(2), Float(1.5), Tuple((0, 1)), Dict(a=1), Str("out"), I64(2), F64(1.0),
            np.ones(3).view(Sub), Str("ij,jk->ik")]


def hostile_values(env):
    """Every hostile value, fresh for one case. Lists hold their own hostile (env.holder)."""
    values = [Hostile(env, m) for m in ("raise", "wrong", "huge", "resize", "empty")]
    values += subclass_values(env)
    values += [None, 5, "abc", "\ud800", [], (), {}, 2**100, -(2**100), float("nan"), object(), Ellipsis]
    holder = env.holder
    holder[:] = [Hostile(env, "empty"), 1, 2, subclass_values(env)[5], 3] * 4
    values.append(holder)
    values.append([holder, holder])
    values.append((env.array, Hostile(env, "resize")))
    return values


# ---------------------------------------------------------------- entry points
# Each target: (name, callable taking (env, h) and calling one entry point with h
# in one position). Cases are every (target, hostile value) pair.
def targets():
    x = "x"  # marker: the case's own flopscope array

    def ours(env):
        return env.ours

    t = []

    def add(name, fn):
        t.append((name, fn))

    # The array type: __array_function__ / __array_ufunc__ with junk in every slot.
    add("ndarray.__array_function__(func=h)", lambda e, h: ours(e).__array_function__(h, (), (ours(e),), {}))
    add("ndarray.__array_function__(types=h)", lambda e, h: ours(e).__array_function__(np.sum, h, (ours(e),), {}))
    add("ndarray.__array_function__(args=h)", lambda e, h: ours(e).__array_function__(np.sum, (), h, {}))
    add("ndarray.__array_function__(kwargs=h)", lambda e, h: ours(e).__array_function__(np.sum, (), (ours(e),), h))
    add("ndarray.__array_function__(shape, args=h)", lambda e, h: ours(e).__array_function__(np.shape, (), h, h))
    add("ndarray.__array_function__(sum, (h,))", lambda e, h: ours(e).__array_function__(np.sum, (), (h,), {}))
    add("ndarray.__array_function__(*h)", lambda e, h: ours(e).__array_function__(h))
    add("ndarray.__array_ufunc__(ufunc=h)", lambda e, h: ours(e).__array_ufunc__(h, "__call__", ours(e)))
    add("ndarray.__array_ufunc__(method=h)", lambda e, h: ours(e).__array_ufunc__(np.add, h, ours(e), ours(e)))
    add("ndarray.__array_ufunc__(add, input=h)", lambda e, h: ours(e).__array_ufunc__(np.add, "__call__", ours(e), h))
    add("ndarray.__array_ufunc__(add, out=h)",
        lambda e, h: ours(e).__array_ufunc__(np.add, "__call__", ours(e), ours(e), out=h))
    add("ndarray.__array_ufunc__(add.reduce, axis=h)",
        lambda e, h: ours(e).__array_ufunc__(np.add, "reduce", ours(e), axis=h))
    add("ndarray.__array_ufunc__(add.at, h)", lambda e, h: ours(e).__array_ufunc__(np.add, "at", ours(e), h, 1.0))
    add("ndarray.__array_ufunc__(h...)", lambda e, h: ours(e).__array_ufunc__(h, h, h))
    add("ndarray.__array_wrap__(h)", lambda e, h: ours(e).__array_wrap__(h))
    add("ndarray.__array_wrap__(arr, h, h)", lambda e, h: ours(e).__array_wrap__(np.ones(2), h, h))
    add("ndarray.__array_finalize__(h)", lambda e, h: ours(e).__array_finalize__(h))
    add("ndarray.__reduce_ex__(h)", lambda e, h: ours(e).__reduce_ex__(h))
    add("ndarray.__setstate__(h)", lambda e, h: ours(e).__setstate__(h))
    add("pickle round trip then h", lambda e, h: pickle.loads(pickle.dumps(ours(e))) + h)
    add("ndarray[h]", lambda e, h: ours(e)[h])
    add("ndarray[h, h]", lambda e, h: ours(e)[h, h])
    add("ndarray[[h]]", lambda e, h: ours(e)[[h, 0]])
    add("ndarray[h] = 1", lambda e, h: ours(e).__setitem__(h, 1.0))
    add("ndarray[0] = h", lambda e, h: ours(e).__setitem__(0, h))
    for op in ("__add__", "__radd__", "__iadd__", "__mul__", "__imul__", "__truediv__", "__ipow__", "__matmul__",
               "__imatmul__", "__lt__", "__eq__", "__ne__", "__divmod__", "__and__", "__ilshift__"):
        add(f"ndarray.{op}(h)", lambda e, h, op=op: getattr(ours(e), op)(h))
    add("pow(x, h, h)", lambda e, h: pow(ours(e), h, h))
    for meth in ("compress", "fill", "put", "resize", "sum", "mean", "sort", "argsort", "partition", "clip",
                 "reshape", "transpose", "take", "round", "cumsum", "dot", "trace", "conj", "max", "std", "var"):
        if meth not in fnp.ndarray.__dict__:
            continue  # NumPy's own method, inherited: not a flopscope entry point
        add(f"ndarray.{meth}(h)", lambda e, h, meth=meth: getattr(ours(e), meth)(h))
        add(f"ndarray.{meth}(h, h, h)", lambda e, h, meth=meth: getattr(ours(e), meth)(h, h, h))
    add("ndarray.sum(axis=h, out=h)", lambda e, h: ours(e).sum(axis=h, out=h))
    add("ndarray.compress(cond, out=h)", lambda e, h: ours(e).compress([True, False, True], axis=0, out=h))

    # Counted ufuncs and their methods.
    for name in ("add", "exp", "matmul", "divmod", "vecdot", "maximum"):
        u = getattr(fnp, name)
        nin = 1 if name == "exp" else 2
        add(f"{name}(h...)", lambda e, h, u=u, nin=nin: u(*([h] * nin)))
        add(f"{name}(x, h)", lambda e, h, u=u, nin=nin: u(ours(e), *([h] * (nin - 1))))
        add(f"{name}(x.., out=h)", lambda e, h, u=u, nin=nin: u(*([ours(e)] * nin), out=h))
        add(f"{name}(x.., out=(h,))", lambda e, h, u=u, nin=nin: u(*([ours(e)] * nin), out=(h,)))
        add(f"{name}(x.., out=(x, h))", lambda e, h, u=u, nin=nin: u(*([ours(e)] * nin), out=(ours(e), h)))
        add(f"{name}(x.., positional out h)", lambda e, h, u=u, nin=nin: u(*([ours(e)] * nin), h))
        for kw in ("where", "dtype", "signature", "axes", "axis", "casting", "order", "subok", "keepdims"):
            add(f"{name}(x.., {kw}=h)", lambda e, h, u=u, nin=nin, kw=kw: u(*([ours(e)] * nin), **{kw: h}))
        for meth in ("reduce", "accumulate", "reduceat", "outer", "at"):
            add(f"{name}.{meth}(h)", lambda e, h, u=u, meth=meth: getattr(u, meth)(h))
            add(f"{name}.{meth}(x, h)", lambda e, h, u=u, meth=meth: getattr(u, meth)(ours(e), h))
            add(f"{name}.{meth}(x, h, h, h)", lambda e, h, u=u, meth=meth: getattr(u, meth)(ours(e), h, h, h))
            add(f"{name}.{meth}(x, x, out=h)", lambda e, h, u=u, meth=meth: getattr(u, meth)(ours(e), ours(e), out=h))
            add(f"{name}.{meth}(x, axis=h, dtype=h)",
                lambda e, h, u=u, meth=meth: getattr(u, meth)(ours(e), axis=h, dtype=h))

    # Counted functions: h in each of the first positions and in common keywords.
    funcs = ["sum", "mean", "einsum", "tensordot", "dot", "pad", "reshape", "clip", "where", "sort", "partition",
             "trace", "searchsorted", "histogram", "concatenate", "stack", "array", "asarray", "zeros", "full",
             "linspace", "arange", "tile", "repeat", "take", "cumsum", "diff", "outer", "kron", "interp", "polyval",
             "array_equal", "broadcast_to", "unique", "percentile", "median", "block", "einsum_path"]
    for name in funcs:
        f = getattr(fnp, name, None)
        if f is None:
            continue
        add(f"{name}(h)", lambda e, h, f=f: f(h))
        add(f"{name}(x, h)", lambda e, h, f=f: f(ours(e), h))
        add(f"{name}(h, x)", lambda e, h, f=f: f(h, ours(e)))
        add(f"{name}(x, x, h)", lambda e, h, f=f: f(ours(e), ours(e), h))
        add(f"{name}([h, x])", lambda e, h, f=f: f([h, ours(e)]))
        for kw in ("axis", "out", "dtype", "optimize", "axes", "mode", "kth", "bins", "weights"):
            add(f"{name}(x, {kw}=h)", lambda e, h, f=f, kw=kw: f(ours(e), **{kw: h}))
    add("einsum('ij,jk->ik', x, h)", lambda e, h: fnp.einsum("ij,jk->ik", ours(e), h))
    add("einsum(h, x, x)", lambda e, h: fnp.einsum(h, ours(e), ours(e)))
    add("einsum('ij,kj->ik', x, x, optimize=h)", lambda e, h: fnp.einsum("ij,kj->ik", ours(e), ours(e), optimize=h))
    add("linalg.solve(h, x)", lambda e, h: fnp.linalg.solve(h, ours(e)))
    add("linalg.norm(x, h)", lambda e, h: fnp.linalg.norm(ours(e), h))
    add("fft.fft(x, h)", lambda e, h: fnp.fft.fft(ours(e), h))
    add("random.normal(h, h, h)", lambda e, h: fnp.random.normal(h, h, h))
    add("random.Generator.normal(h)", lambda e, h: fnp.random.default_rng(0).normal(h))
    add("random.Generator.normal unbound(h)", lambda e, h: fnp.random.Generator.normal(h))
    add("stats.norm.pdf(h)", lambda e, h: flops.stats.norm.pdf(h))

    # flopscope._core functions and the Meter.
    add("_core.wrap(h)", lambda e, h: _core.wrap(h))
    add("_core.price(add, h, {})", lambda e, h: _core.price(fnp.add, h, {}, "primer"))
    add("_core.price(add, (x, h), h)", lambda e, h: _core.price(fnp.add, (ours(e), h), h, "primer"))
    add("_core.price(h, (), {})", lambda e, h: _core.price(h, (), {}, "primer"))
    add("_core.price(sum, (h,), {}, h)", lambda e, h: _core.price(fnp.sum, (h,), {}, h))
    add("_core.price(einsum, ('ij->', h), {})", lambda e, h: _core.price(fnp.einsum, ("ij->", h), {}, "flopscope-0.12"))
    add("_core.einsum_path_cost(h, ...)", lambda e, h: _core.einsum_path_cost(h, [[2, 3]], None))
    add("_core.einsum_path_cost(s, h, h)", lambda e, h: _core.einsum_path_cost("ij,jk->ik", h, h))
    add("_core.einsum_path_cost(s, shapes, h)", lambda e, h: _core.einsum_path_cost("ij,jk->ik", [[2, 3], [3, 4]], h))
    add("_core.special_erfc(h)", lambda e, h: _core.special_erfc(h))
    add("_core.special_ndtri(h)", lambda e, h: _core.special_ndtri(h))
    add("_core.bind_op(h, h)", lambda e, h: _core.bind_op(h, h))
    add("_core.route_numpy(h, h)", lambda e, h: _core.route_numpy(h, h))
    add("_core.register_profile(h, h)", lambda e, h: _core.register_profile(h, h))
    add("_core.set_default_profile(h)", lambda e, h: _core.set_default_profile(h))
    add("_core._set_error_types(h, h, h)", lambda e, h: _core._set_error_types(h, h, h))
    add("_core._set_result_check(h) then add", lambda e, h: (_core._set_result_check(h), fnp.add(ours(e), 1.0)))
    add("_core._set_immutable(h)", lambda e, h: _core._set_immutable(h))
    add("_core.op_rows/op_table/... (h)", lambda e, h: _core.op_table(h))
    add("_core.Meter(h)", lambda e, h: _core.Meter(h))
    add("_core.Meter(1, h, h)", lambda e, h: _core.Meter(10, h, h))
    add("Meter.deduct(h, h)", lambda e, h: _core.Meter(10).deduct(h, h))
    add("Meter.push_namespace(h)", lambda e, h: _core.Meter(10).push_namespace(h))
    add("Meter.pop_namespace()", lambda e, h: _core.Meter(10).pop_namespace())
    add("Meter.recording = h", lambda e, h: setattr(_core.Meter(10), "recording", h))
    add("Meter.__init__(h) again", lambda e, h: _core.Meter(10).__init__(h))
    add("Meter.__new__ then use", lambda e, h: _core.Meter.__new__(_core.Meter).deduct("x", 1))
    add("BudgetContext(h)", lambda e, h: flops.BudgetContext(h))
    # The sandbox server's request loop: a hostile value in every argument and callback, with a
    # fast request, a generic one and the message that ends serve() waiting on its socket.
    for slot in range(12):
        add(f"_core.SandboxLoop slot {slot} = h", lambda e, h, slot=slot: _sandbox_loop(e, h, slot))
    add("configure(cost_model=h)", lambda e, h: flops.configure(cost_model=h) if hasattr(flops, "configure") else None)
    del x
    return t


def _frame(payload: bytes) -> bytes:
    return struct.pack("<I", len(payload)) + payload


def _sandbox_loop(env, h, slot):
    x = env.ours
    # free functions only (asarray of one of ours, shape): whatever the hostile value breaks, nothing ran
    args = [(fnp.shape, fnp.asarray), (operator.pos,), {1: x, 2: x}, ValueError, lambda exc: _frame(b"E"),
            lambda r: _frame(b"R"), lambda d: "float64", 1 << 32,
            frozenset({"tofile"}), lambda n: np.dtype(n), lambda n, raw: np.float64(0.0),
            lambda p: ("end",) if p[:1] == b"!" else _frame(b"S")]
    args[slot] = h
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        fast = struct.pack("<BIHH2q", 1, 1, 1, 1, 1, 99)  # asarray(handle 1), dropping handle 99
        # (0, [], 1, (handle 1, 2.5, "s"), None): a generic CALL of asarray, refused
        generic = (b"t" + struct.pack("<I", 5) + b"i" + struct.pack("<q", 0) + b"l" + struct.pack("<I", 0)
                   + b"i" + struct.pack("<q", 1) + b"t" + struct.pack("<I", 3) + b"h" + struct.pack("<q", 1)
                   + b"f" + struct.pack("<d", 2.5) + b"s" + struct.pack("<I", 1) + b"s" + b"N")
        b.sendall(_frame(fast) + _frame(generic) + _frame(b"!"))
        loop = _core.SandboxLoop(*args[:8])
        loop.generic(*args[8:11])
        loop.attach(a.fileno())
        loop.put(h)
        loop.serve(args[11])
    finally:
        a.close()
        b.close()


def cases():
    """The deterministic case list: (target index, hostile value index) pairs, shuffled by SEED."""
    n_values = len(hostile_values(Env()))
    out = [(i, j) for i in range(len(targets())) for j in range(n_values)]
    random.Random(SEED).shuffle(out)
    return out


def run_case(target, value_index):
    env = Env()
    h = hostile_values(env)[value_index]
    name, fn = target
    with flops.BudgetContext(flop_budget=10**15, quiet=True) as ctx:
        before = ctx.flops_used
        try:
            with np.errstate(all="ignore"):
                fn(env, h)
        except Exception as e:  # noqa: BLE001 - junk input: any clean error is fine
            # An operand reshaped while NumPy ran: that work ran and stays charged, by design.
            ran = isinstance(e, RuntimeError) and "changed shape during the call" in str(e)
            # A result check runs after NumPy did the work, which stays charged (by design).
            ran = ran or name.startswith("_core._set_result_check")
            if ctx.flops_used != before and not ran:
                return f"FAIL charged {ctx.flops_used - before} after {type(e).__name__}: {str(e)[:150]}"
            return "error"
        except BaseException as e:  # noqa: BLE001 - what the test is looking for
            return f"FAIL {type(e).__name__} is not an Exception: {str(e)[:150]}"
        finally:
            _core._set_result_check(False)
            _core._set_immutable(False)
    return "ok"


def main(argv):
    warnings.simplefilter("ignore")
    all_cases = cases()
    if argv[0] == "list":
        print(len(all_cases))
        return
    first, last = int(argv[1]), int(argv[2])
    tgts = targets()
    for i in range(first, min(last, len(all_cases))):
        t, v = all_cases[i]
        print(f"START {i} {tgts[t][0]} / value {v}", flush=True)
        outcome = run_case(tgts[t], v)
        print(f"DONE {i} {outcome}", flush=True)


def describe(i):
    """The reproducer of case i: its entry point and hostile value."""
    t, v = cases()[i]
    return f"case {i}: {targets()[t][0]} with hostile value #{v} ({hostile_values(Env())[v]!r:.80})"


if __name__ == "__main__":
    main(sys.argv[1:])
