"""flops.configure(immutable=True) (spec 5.3): flopscope arrays refuse in-place
updates, as upstream flopscope (the grader) does; the default stays mutable."""

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp


@pytest.fixture
def immutable():
    flops.configure(immutable=True)
    yield
    flops.configure(immutable=False)


def test_default_is_mutable_and_in_place_work_is_billed():
    a = fnp.arange(6.0)
    with flops.BudgetContext(10**6, quiet=True) as ctx:
        a[0] = 5.0
        a += 1.0
        a.sort()
    assert a.tolist() == [2.0, 3.0, 4.0, 5.0, 6.0, 6.0]
    assert ctx.flops_used > 0


UPDATES = {
    "item assignment": (lambda a: a.__setitem__(0, 1.0), TypeError),
    "indexed in-place add": (lambda a: a.__setitem__(slice(1, 3), a[1:3].__iadd__(1.0)), TypeError),
    "in-place add": (lambda a: a.__iadd__(1.0), TypeError),
    "in-place matmul": (lambda a: a.reshape(2, 3).__imatmul__(np.eye(3)), TypeError),
    "in-place power": (lambda a: a.__ipow__(2), TypeError),
    "sort": (lambda a: a.sort(), ValueError),
    "partition": (lambda a: a.partition(2), ValueError),
    "fill": (lambda a: a.fill(0.0), ValueError),
    "put": (lambda a: a.put([0], [1.0]), ValueError),
    "resize": (lambda a: a.resize(3), ValueError),
}


@pytest.mark.parametrize("name", list(UPDATES))
def test_immutable_arrays_refuse_in_place_updates_and_charge_nothing(immutable, name):
    update, error = UPDATES[name]
    a = fnp.asarray(np.array([5.0, 3.0, 4.0, 1.0, 2.0, 0.0]))
    with flops.BudgetContext(10**6, quiet=True) as ctx:
        with pytest.raises(error, match="immutable"):
            update(a)
    assert a.tolist() == [5.0, 3.0, 4.0, 1.0, 2.0, 0.0]
    assert ctx.flops_used == 0


def test_functional_forms_still_work_when_immutable(immutable):
    a = fnp.asarray(np.array([3.0, 1.0, 2.0]))
    with flops.BudgetContext(10**6, quiet=True):
        b = a + 1.0
        c = fnp.sort(a)
        d = fnp.where(fnp.arange(3) == 0, 9.0, a)
    assert b.tolist() == [4.0, 2.0, 3.0] and c.tolist() == [1.0, 2.0, 3.0] and d.tolist() == [9.0, 1.0, 2.0]
    plain = np.zeros(3)
    plain[0] = 1.0  # NumPy's own arrays are not ours to refuse
    assert plain[0] == 1.0


def test_the_setting_is_validated():
    with pytest.raises(TypeError, match="immutable"):
        flops.configure(immutable="yes")
