"""Crash fuzzer of the counted surface (run by test_fuzz.py in a subprocess).

    python fuzz_surface.py SEED N_CALLS [NAME,NAME,...]

Calls every exported callable of flopscope.numpy, its linalg and fft modules,
flopscope.stats (and the ufunc methods), or only the NAMEs given, with
seeded random junk: arrays of odd shapes and dtypes, Python scalars, None,
huge and negative integers, strings, nested lists, and hostile objects whose
__index__, __array__, __len__, __float__ or __array_ufunc__ mutate state or
raise. Checks after every call that a call which raised charged nothing.
Prints one line "calls=N errors=E charged_after_error=C"; a crash of the
interpreter shows as the subprocess dying.
"""

from __future__ import annotations

import random
import sys
import warnings

import numpy as np

import flopscope as flops
import flopscope.numpy as fnp

VICTIMS: list = []  # arrays and lists the hostile objects mutate


class HostileIndex:
    def __init__(self, mode):
        self.mode = mode

    def __index__(self):
        if self.mode == 0 and VICTIMS:
            v = VICTIMS[-1]
            if isinstance(v, list):
                v.clear()
            elif isinstance(v, np.ndarray) and v.size:
                try:
                    v.shape = (v.size,)
                except Exception:
                    pass
        if self.mode == 1:
            raise RuntimeError("hostile __index__")
        return 0


class HostileArray:
    def __init__(self, mode):
        self.mode = mode

    def __array__(self, dtype=None, copy=None):
        if self.mode == 0:
            VICTIMS.clear()
            return np.ones(3)
        raise ValueError("hostile __array__")

    def __len__(self):
        if self.mode == 1:
            raise TypeError("hostile __len__")
        return 3

    def __getitem__(self, i):
        if i >= 3:
            raise IndexError
        return 1.0


class HostileUfunc:
    def __array_ufunc__(self, *args, **kwargs):
        VICTIMS.clear()
        return "garbage"

    def __array_function__(self, *args, **kwargs):
        return "garbage"


class HostileFloat:
    def __float__(self):
        raise OverflowError("hostile __float__")


def junk(rng: random.Random):
    kind = rng.randrange(16)
    if kind == 0:
        shape = tuple(rng.choice([0, 1, 2, 3, 5]) for _ in range(rng.randrange(4)))
        dtype = rng.choice([np.float64, np.float32, np.int64, np.int8, np.bool_, np.complex128, np.float16])
        a = fnp.asarray(np.ones(shape, dtype=dtype))
        VICTIMS.append(a)
        return a
    if kind == 1:
        lst = [fnp.ones(rng.randrange(1, 4)) for _ in range(rng.randrange(1, 4))]
        VICTIMS.append(lst)
        return lst
    return [
        None, 0, 1, -1, 2, 3, 10**30, -(10**30), 0.5, float("nan"), 1j, "ij,jk->ik", "abc", b"x",
        (0, 1), [[1, 2], [3]], HostileIndex(0), HostileIndex(1), HostileArray(0), HostileArray(1),
        HostileUfunc(), HostileFloat(), np.array(["a"]), np.zeros(2, dtype=object), slice(None),
        (fnp.ones(2),) * 20, Ellipsis,
    ][rng.randrange(27)] if kind > 2 else rng.choice([fnp.ones((2, 2)), fnp.arange(6.0)])


def targets():
    out = []
    for name in sorted(fnp.__all__):
        obj = getattr(fnp, name)
        if not callable(obj) or isinstance(obj, type) or name in {"save", "savez", "savez_compressed", "savetxt",
                                                                  "load", "loadtxt"}:
            continue
        out.append((name, obj))
        for m in ("reduce", "accumulate", "reduceat", "outer", "at"):
            if isinstance(obj, flops._core.ufunc):
                out.append((f"{name}.{m}", getattr(obj, m)))
    for module, prefix in ((fnp.linalg, "linalg."), (fnp.fft, "fft.")):
        out += [(prefix + n, getattr(module, n)) for n in module.__all__
                if callable(getattr(module, n)) and not isinstance(getattr(module, n), type)]
    for dist in flops.stats.__all__:
        out += [(f"stats.{dist}.{fn}", getattr(getattr(flops.stats, dist), fn)) for fn in ("pdf", "cdf", "ppf")]
    return out


def main(seed: int, n_calls: int, only: str = "") -> None:
    rng = random.Random(seed)
    calls = errors = charged_after_error = 0
    funcs = [t for t in targets() if not only or t[0] in only.split(",")]
    warnings.simplefilter("ignore")
    with flops.BudgetContext(flop_budget=10**15, quiet=True) as ctx:
        for _ in range(n_calls):
            name, f = funcs[rng.randrange(len(funcs))]
            args = [junk(rng) for _ in range(rng.randrange(4))]
            kwargs = {k: junk(rng) for k in rng.sample(["axis", "out", "where", "dtype", "keepdims", "kth",
                                                        "axes", "optimize", "indices", "mode", "k", "bins",
                                                        "edge_order", "stat_length", "weights"], rng.randrange(3))}
            before = ctx.flops_used
            calls += 1
            try:
                with np.errstate(all="ignore"):
                    f(*args, **kwargs)
            except flops.BudgetExhaustedError:
                pass
            except Exception as e:  # noqa: BLE001 - junk input: any clean error is fine
                errors += 1
                # An operand reshaped while NumPy ran: the work ran and stays charged, by design.
                ran = isinstance(e, RuntimeError) and "changed shape during the call" in str(e)
                if ctx.flops_used != before and not ran:
                    charged_after_error += 1
                    print(f"charged after error: {name}: {type(e).__name__}: {str(e)[:200]}", file=sys.stderr)
            if len(VICTIMS) > 50:
                del VICTIMS[:25]
    print(f"calls={calls} errors={errors} charged_after_error={charged_after_error}")


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "")
