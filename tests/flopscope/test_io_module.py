"""Pickle-free save / load and flops.Module (spec section 10)."""

import io

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp


def _free(fn, *args, **kw):
    with flops.BudgetContext(10**9, quiet=True) as ctx:
        out = fn(*args, **kw)
    assert ctx.flops_used == 0
    return out


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int8, np.uint64, np.bool_, np.complex64])
def test_save_load_round_trip_gives_flopscope_arrays(dtype):
    a = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    buf = io.BytesIO()
    _free(fnp.save, buf, fnp.asarray(a))
    buf.seek(0)
    got = _free(fnp.load, buf)
    assert isinstance(got, fnp.ndarray)
    np.testing.assert_array_equal(np.asarray(got), a, strict=True)
    # Later work on loaded data is counted.
    with flops.BudgetContext(10**9, quiet=True) as ctx:
        got + got
    assert ctx.flops_used == (24 if np.dtype(dtype).kind == "c" else 12)  # primer: a complex add is 2


@pytest.mark.parametrize("saver", [fnp.savez, fnp.savez_compressed])
def test_savez_names_members_and_keeps_meta(saver):
    buf = io.BytesIO()
    _free(saver, buf, fnp.ones(3), fnp.zeros(2), w=fnp.eye(2), __meta__={"width": 8, "name": "x"})
    buf.seek(0)
    got = _free(fnp.load, buf)
    assert sorted(got) == ["__meta__", "arr_0", "arr_1", "w"]
    assert got["__meta__"] == {"width": 8, "name": "x"}
    for key, want in [("arr_0", np.ones(3)), ("arr_1", np.zeros(2)), ("w", np.eye(2))]:
        assert isinstance(got[key], fnp.ndarray)
        np.testing.assert_array_equal(np.asarray(got[key]), want, strict=True)
    # The file is an ordinary .npz that NumPy reads without pickle.
    buf.seek(0)
    with np.load(buf, allow_pickle=False) as raw:
        np.testing.assert_array_equal(raw["w"], np.eye(2))


@pytest.mark.parametrize("call", [
    lambda: fnp.save(io.BytesIO(), np.array([1, "a"], dtype=object)),
    lambda: fnp.save(io.BytesIO(), np.array(["a", "b"])),
    lambda: fnp.savez(io.BytesIO(), s=np.array([None], dtype=object)),
    lambda: fnp.savez(io.BytesIO(), fnp.ones(2), arr_0=fnp.ones(1)),
    lambda: fnp.save(io.BytesIO(), fnp.ones(2), allow_pickle=True),
    lambda: fnp.load(io.BytesIO(b"x"), allow_pickle=True),
], ids=["object", "str", "object-kw", "arr_0-collision", "save-pickle", "load-pickle"])
def test_refusals_are_value_errors_and_free(call):
    with flops.BudgetContext(10**9, quiet=True) as ctx:
        with pytest.raises(ValueError):
            call()
    assert ctx.flops_used == 0


def test_load_refuses_pickled_files():
    buf = io.BytesIO()
    np.save(buf, np.array([1, "a"], dtype=object), allow_pickle=True)
    buf.seek(0)
    with pytest.raises(ValueError, match="allow_pickle"):
        fnp.load(buf)


class Layer(flops.Module):
    def __init__(self, n=2):
        self.n = n
        self.w = fnp.ones((n, n))
        self._private = fnp.ones(1)  # not state

    def config(self):
        return {"n": self.n}


class Net(flops.Module):
    def __init__(self, n=2, depth=2):
        self.n, self.depth = n, depth
        self.layers = [Layer(n) for _ in range(depth)]
        self.extras = {"bias": fnp.zeros(n), "pair": (fnp.ones(1), fnp.ones(2))}

    def config(self):
        return {"n": self.n, "depth": self.depth}


def test_module_state_dict_names():
    net = Net()
    assert sorted(net.state_dict()) == ["extras.bias", "extras.pair.0", "extras.pair.1", "layers.0.w", "layers.1.w"]
    assert sorted(Layer().state_dict(prefix="p.")) == ["p.w"]


def test_module_save_from_file_round_trip(tmp_path):
    net = Net(n=3, depth=2)
    net.layers[1].w = fnp.full((3, 3), 7.0)
    net.extras["pair"] = (fnp.asarray([5.0]), fnp.asarray([1.0, 2.0]))
    path = tmp_path / "net.npz"
    net.save(path)
    back = Net.from_file(path)
    assert (back.n, back.depth) == (3, 2)
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(np.asarray(back.state_dict()[key]), np.asarray(value))
        assert isinstance(back.state_dict()[key], fnp.ndarray)
    assert isinstance(back.extras["pair"], tuple)
    assert fnp.load(path)["__meta__"] == {"n": 3, "depth": 2}
    net.save(path, meta={"depth": 5})  # meta adds to (and overrides) config()
    assert fnp.load(path)["__meta__"] == {"n": 3, "depth": 5}
    assert Net.from_file(path, depth=2).depth == 2
    fresh = Net(n=3).load(path)
    np.testing.assert_array_equal(np.asarray(fresh.layers[1].w), np.full((3, 3), 7.0))


def test_module_strict_mismatch_changes_nothing():
    net = Net()
    before = np.asarray(net.layers[0].w).copy()
    with pytest.raises(ValueError, match=r"missing=\['extras.bias'.*unexpected=\['zzz'\]"):
        net.load_state_dict({"layers.0.w": fnp.zeros((2, 2)), "zzz": fnp.ones(1)})
    np.testing.assert_array_equal(np.asarray(net.layers[0].w), before)
    net.load_state_dict({"layers.0.w": fnp.zeros((2, 2)), "zzz": fnp.ones(1)}, strict=False)
    np.testing.assert_array_equal(np.asarray(net.layers[0].w), np.zeros((2, 2)))
