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


@pytest.fixture
def restore_settings():
    before = dict(flops._budget._settings)
    yield
    flops.configure(cost_model=before["cost_model"], immutable=before["immutable"])


def test_the_default_follows_the_cost_model(restore_settings):
    """flopscope-0.12 is upstream's grader: immutable unless configure(immutable=False); the
    primer keeps arrays mutable. Switching the cost model switches the default."""
    a = fnp.asarray(np.array([3.0, 1.0, 2.0]))
    flops.configure(cost_model="flopscope-0.12", immutable=None)
    # upstream flopscope 0.12.4 raises these types for these updates (spec 5.3)
    with pytest.raises(TypeError, match="immutable"):
        a += 1.0
    with pytest.raises(TypeError, match="immutable"):
        a[0] = 5.0
    with pytest.raises(ValueError, match="immutable"):
        a.sort()
    assert a.tolist() == [3.0, 1.0, 2.0]
    flops.configure(cost_model="primer")
    a[0] = 5.0
    assert a.tolist() == [5.0, 1.0, 2.0]
    flops.configure(cost_model="flopscope-0.12")
    with pytest.raises(TypeError, match="immutable"):
        a[0] = 6.0


def test_an_explicit_setting_holds_across_cost_models(restore_settings):
    a = fnp.asarray(np.array([3.0, 1.0, 2.0]))
    flops.configure(cost_model="flopscope-0.12", immutable=False)
    with flops.BudgetContext(10**6, quiet=True) as ctx:
        a += 1.0  # lifted: billed like a + 1.0 (float64 at upstream's rate 2)
    assert a.tolist() == [4.0, 2.0, 3.0] and ctx.flops_used == 6
    flops.configure(cost_model="primer")
    flops.configure(cost_model="flopscope-0.12")
    a[0] = 0.0  # still lifted
    flops.configure(immutable=True, cost_model="primer")
    with pytest.raises(TypeError, match="immutable"):
        a[0] = 1.0
    flops.configure(immutable=None)  # back to the cost model's default: the primer's mutable arrays
    a[0] = 1.0
    assert a.tolist() == [1.0, 2.0, 3.0]


def test_none_is_a_valid_setting_and_others_are_refused():
    with pytest.raises(TypeError, match="immutable must be True or False or None"):
        flops.configure(immutable=1)
