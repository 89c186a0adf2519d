"""Symmetric tensors (issue 27 section 1; spec 5.4, 2.6-2.8, 8): the API, propagation,
tags that never go stale, errors, and the bills.

Under `flopscope-0.12` every pinned figure was MEASURED on upstream flopscope 0.12.4
(/tmp/up-venv, the same script run side by side; scripts/differential/expressions.py
SYMMETRIC_EXPRESSIONS re-checks them in the differential run). Under the `primer` a
symmetric operand is priced as its dense array (docs/cost-model.md, "Symmetric tensors").
"""

import contextlib
import warnings

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp

UPSTREAM = "flopscope-0.12"


@contextlib.contextmanager
def profile(name):
    before = flops._budget._settings["cost_model"]
    flops.configure(cost_model=name)
    try:
        yield
    finally:
        flops.configure(cost_model=before)


def charged(fn):
    with flops.BudgetContext(10**13, quiet=True) as ctx:
        result = fn()
    return ctx.flops_used, result


def sym_matrix(n, dtype=np.float64, seed=0):
    a = np.random.default_rng(seed).standard_normal((n, n))
    return (a + a.T).astype(dtype)


def tagged(n, dtype=np.float64, seed=0):
    """An n x n SymmetricTensor (made on the default budget, or the active one)."""
    return flops.as_symmetric(fnp.asarray(sym_matrix(n, dtype, seed)), symmetry=(0, 1))


S2 = flops.SymmetryGroup.symmetric(axes=(0, 1))


# ---------------------------------------------------------------------------- API


@pytest.mark.parametrize("model", ["primer", UPSTREAM])
def test_as_symmetric_returns_a_tagged_ndarray_subclass(model):
    data = sym_matrix(5)
    with profile(model):
        s = tagged(5)
        assert isinstance(s, fnp.ndarray) and isinstance(s, np.ndarray)
        assert type(s) is flops.SymmetricTensor
        assert s.symmetry == S2
        assert s.symmetric_axes == [(0, 1)]
        np.testing.assert_array_equal(np.asarray(s), data)
        # Every counted op accepts it.
        used, r = charged(lambda: fnp.linalg.eigh(s))
        assert used > 0 and r.eigenvalues.shape == (5,)
        assert flops.SymmetryGroup.symmetric(axes=(1, 0)) == S2


def test_as_symmetric_owns_its_data():
    data = fnp.asarray(sym_matrix(4))
    with flops.BudgetContext(10**9, quiet=True):
        s = flops.as_symmetric(data, symmetry=(0, 1))
    data[0, 1] = 99.0  # the caller's array; the tag is about s's own buffer
    assert s[0, 1] != 99.0 and s.symmetry == S2


def test_as_symmetric_canonicalises_data_symmetric_within_tolerance():
    a = sym_matrix(3)
    a[0, 1] += 1e-9
    with flops.BudgetContext(10**9, quiet=True):
        s = flops.as_symmetric(fnp.asarray(a), symmetry=(0, 1))
    assert s[0, 1] == s[1, 0] == a[0, 1]  # the orbit takes its lexicographically first value


def test_symmetry_group_constructors_and_queries():
    g = flops.SymmetryGroup
    assert g.symmetric(axes=(0, 1, 2)).order() == 6
    assert g.cyclic(axes=(0, 1, 2)).order() == 3
    assert g.dihedral(axes=(0, 1, 2, 3)).order() == 8
    young = g.young(blocks=((0, 1), (2, 3)))
    assert young.order() == 4 and young.axes == (0, 1, 2, 3) and young.degree == 4
    assert g.from_generators([[2, 3, 0, 1]], axes=(0, 1, 2, 3)).order() == 2
    product = g.direct_product(g.cyclic(axes=(0, 1, 2)), g.symmetric(axes=(3, 4)))
    assert product.order() == 6 and product.axes == (0, 1, 2, 3, 4)
    assert sorted(map(sorted, product.orbits())) == [[0, 1, 2], [3, 4]]
    c3 = g.cyclic(axes=(0, 1, 2))
    assert [p.array_form for p in c3.generators] == [[1, 2, 0]]
    assert sorted(p.array_form for p in c3.elements()) == [[0, 1, 2], [1, 2, 0], [2, 0, 1]]
    assert repr(c3) == "SymmetryGroup([1, 2, 0], axes=(0, 1, 2))"
    with pytest.raises(ValueError, match="disjoint"):
        g.direct_product(g.symmetric(axes=(0, 1)), g.symmetric(axes=(1, 2)))


def test_is_symmetric_and_the_method():
    a = fnp.asarray(np.arange(9.0).reshape(3, 3))
    with flops.BudgetContext(10**9, quiet=True):
        assert not flops.is_symmetric(a, symmetry=(0, 1))
        assert flops.is_symmetric(a + a.T, symmetry=S2)
        assert not flops.is_symmetric(fnp.ones((2, 3)), symmetry=(0, 1))  # axes of unequal length
        assert tagged(4).is_symmetric()


@pytest.mark.parametrize("model", ["primer", UPSTREAM])
def test_symmetrize_both_modes(model):
    a = np.random.default_rng(1).standard_normal((4, 4)).astype(np.float32)
    with profile(model), flops.BudgetContext(10**9, quiet=True):
        r = flops.symmetrize(fnp.asarray(a), symmetry=(0, 1))
        c = flops.symmetrize(fnp.asarray(a), symmetry=(0, 1), mode="canonical-copy")
        with pytest.raises(ValueError, match="mode"):
            flops.symmetrize(fnp.asarray(a), symmetry=(0, 1), mode="average")
    assert r.dtype == np.float64 and r.symmetry == S2  # the average computes in float64
    np.testing.assert_array_equal(np.asarray(r), (a.astype(np.float64) + a.T) / 2)
    assert c.dtype == np.float32 and c.symmetry == S2
    np.testing.assert_array_equal(np.asarray(c), np.triu(a) + np.triu(a, 1).T)


def test_random_symmetric():
    fnp.random.seed(3)
    with flops.BudgetContext(10**9, quiet=True):
        t = fnp.random.symmetric((3, 3, 3), flops.SymmetryGroup.cyclic(axes=(0, 1, 2)), distribution="normal",
                                 loc=1.0)
    assert t.symmetry == flops.SymmetryGroup.cyclic(axes=(0, 1, 2))
    np.testing.assert_allclose(np.asarray(t), np.asarray(t).transpose(1, 2, 0), atol=1e-12)


def test_errors_name_the_axes_and_charge_nothing():
    with flops.BudgetContext(10**9, quiet=True) as ctx:
        with pytest.raises(flops.SymmetryError, match=r"axes \(0, 1\): max deviation = "):
            flops.as_symmetric(fnp.asarray(np.arange(9.0).reshape(3, 3)), symmetry=(0, 1))
        with pytest.raises(flops.SymmetryError, match="max deviation = inf"):
            flops.as_symmetric(fnp.ones((3, 4)), symmetry=(0, 1))
        with pytest.raises(TypeError, match="symmetry must be"):
            flops.as_symmetric(fnp.ones((3, 3)), symmetry="upper")
        with pytest.raises(flops.SymmetryError):
            flops.as_symmetric(fnp.ones((3, 3)), symmetry=(0, 2))
    assert ctx.flops_used == 0


@pytest.mark.parametrize("lose", [
    pytest.param(lambda s: s[[0, 2]], id="advanced indexing"),
    pytest.param(lambda s: s[0], id="an integer index"),
    pytest.param(lambda s: s + fnp.arange(4.0), id="pointwise with a broadcast row"),
    pytest.param(lambda s: fnp.add(s, fnp.asarray(np.arange(16.0).reshape(4, 4))), id="pointwise with a dense array"),
    pytest.param(lambda s: fnp.sum(s, axis=0), id="reduction"),
    pytest.param(lambda s: s.max(axis=1), id="reduction method"),
    pytest.param(lambda s: fnp.add.reduce(s), id="ufunc.reduce"),
])
def test_symmetry_loss_warning_points_at_the_callers_line_and_configure_silences_it(lose):
    # Upstream 0.12.4 warns on these (measured; its messages), not on a contraction (S @ W).
    s = tagged(4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lose(s)
        s @ fnp.ones((4, 4))
        fnp.exp(s)
    assert [w.category for w in caught] == [flops.SymmetryLossWarning]
    assert caught[0].filename == __file__
    assert str(caught[0].message).startswith("Symmetry lost along dims (0, 1): ")
    assert "flops.configure(symmetry_warnings=False)" in str(caught[0].message)
    flops.configure(symmetry_warnings=False)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            lose(s)
    finally:
        flops.configure(symmetry_warnings=True)
    with pytest.raises(TypeError):
        flops.configure(symmetry_warnings="no")


# ---------------------------------------------------------------------------- propagation (primer)


def test_pointwise_propagation():
    s = tagged(4)
    with flops.BudgetContext(10**9, quiet=True):
        assert (s * 1.5).symmetry == S2  # a scalar keeps the group
        assert fnp.exp(s).symmetry == S2
        assert (s + s).symmetry == S2
        assert type(s + fnp.asarray(np.arange(16.0).reshape(4, 4))) is fnp.ndarray  # intersection with nothing
        assert type(s + fnp.arange(4.0)) is fnp.ndarray  # a row broadcast along axis 0
        assert (s + fnp.ones((1, 1))).symmetry == S2  # stretched on both axes alike
        assert type(s > 0) is flops.SymmetricTensor


def test_reduction_propagation_keeps_the_setwise_stabilizer():
    g = flops.SymmetryGroup
    with flops.BudgetContext(10**9, quiet=True):
        t3 = fnp.random.symmetric((3, 3, 3), g.symmetric(axes=(0, 1, 2)))
        assert fnp.sum(t3, axis=0).symmetry == g.symmetric(axes=(0, 1))
        c3 = fnp.random.symmetric((3, 3, 3), g.cyclic(axes=(0, 1, 2)))
        assert type(fnp.sum(c3, axis=0)) is fnp.ndarray
        c4 = fnp.random.symmetric((2, 2, 2, 2), g.cyclic(axes=(0, 1, 2, 3)))
        assert c4.sum(axis=(1, 3)).symmetry == g.symmetric(axes=(0, 1))  # C4 over (1, 3): C2
        assert fnp.add.reduce(t3, axis=2).symmetry == g.symmetric(axes=(0, 1))
        assert fnp.max(t3, axis=1, keepdims=True).symmetry == g.symmetric(axes=(0, 2))


def test_slicing_keeps_the_stabilizer_under_the_primer():
    s = tagged(5)
    assert s[:3, :3].symmetry == S2
    assert type(s[1:4, :3]) is fnp.ndarray  # same length, not the same selection
    assert type(s[:3, :2]) is fnp.ndarray
    assert type(s[0]) is fnp.ndarray
    assert s[None].symmetry == flops.SymmetryGroup.symmetric(axes=(1, 2))
    assert s[...].symmetry == S2
    assert s.T.symmetry == S2 and s.transpose(1, 0).symmetry == S2
    g = flops.SymmetryGroup.symmetric(axes=(0, 1))
    with flops.BudgetContext(10**9, quiet=True):
        t = fnp.random.symmetric((3, 3, 2), g)
    assert t.transpose(2, 0, 1).symmetry == flops.SymmetryGroup.symmetric(axes=(1, 2))
    assert t.swapaxes(0, 2).symmetry == flops.SymmetryGroup.symmetric(axes=(1, 2))
    with profile(UPSTREAM):
        assert type(s[:3, :3]) is fnp.ndarray  # upstream 0.12.4 drops the tag on slices (measured)


def test_contractions_detect_one_array_passed_twice():
    rng = np.random.default_rng(2)
    g, x = fnp.asarray(rng.standard_normal(6)), fnp.asarray(rng.standard_normal((10, 6)))
    a = fnp.asarray(rng.standard_normal((6, 6)))
    with flops.BudgetContext(10**9, quiet=True):
        assert fnp.outer(g, g).symmetry == S2
        assert fnp.einsum("ki,kj->ij", x, x).symmetry == S2
        assert fnp.inner(a, a).symmetry == S2
        assert fnp.dot(a, a.T).symmetry == S2  # improvement over upstream (documented)
        assert (a @ a.T).symmetry == S2
        assert (a.T @ a).symmetry == S2
        assert type(fnp.outer(g, g.copy())) is fnp.ndarray
        assert type(a @ a) is fnp.ndarray
        s = tagged(6)
        assert (s @ s).symmetry == S2
        assert type(s @ a) is fnp.ndarray
        assert fnp.einsum("ij,ia,jb->ab", s, a, a).symmetry == S2
        np.testing.assert_allclose(np.asarray(fnp.einsum("ki,kj->ij", x, x)), np.asarray(x).T @ np.asarray(x))
    with profile(UPSTREAM), flops.BudgetContext(10**9, quiet=True):
        assert type(a @ a.T) is fnp.ndarray  # off under flopscope-0.12: it would change the bill


# ---------------------------------------------------------------------------- tags never go stale


def _rng_shuffle(s):
    fnp.random.default_rng(0).shuffle(s)


@pytest.mark.parametrize("write", [
    pytest.param(lambda s: s.__iadd__(1.0), id="in-place operator"),
    pytest.param(lambda s: s.__imul__(s), id="in-place multiply by itself"),
    pytest.param(lambda s: fnp.add(s, 1.0, out=s), id="out="),
    pytest.param(lambda s: fnp.exp(fnp.ones((4, 4)), s), id="positional out"),
    pytest.param(lambda s: fnp.matmul(fnp.ones((4, 4)), fnp.ones((4, 4)), out=s), id="matmul out="),
    pytest.param(lambda s: fnp.sum(fnp.ones((3, 4, 4)), axis=0, out=s), id="reduction out="),
    pytest.param(lambda s: fnp.add.reduce(fnp.ones((3, 4, 4)), axis=0, out=s), id="ufunc.reduce out="),
    pytest.param(lambda s: fnp.add.at(s, (0, 1), 1.0), id="ufunc.at"),
    pytest.param(lambda s: np.add.at(s, (0, 1), 1.0), id="np ufunc.at"),
    pytest.param(lambda s: s.__setitem__((0, 1), 5.0), id="item assignment"),
    pytest.param(lambda s: s.__setitem__(slice(None), 1.0), id="slice assignment"),
    pytest.param(lambda s: fnp.fill_diagonal(s, 0.0), id="fill_diagonal"),
    pytest.param(lambda s: np.fill_diagonal(s, 0.0), id="np.fill_diagonal"),
    pytest.param(lambda s: fnp.put(s, [1], [5.0]), id="put"),
    pytest.param(lambda s: s.put([1], [5.0]), id="put method"),
    pytest.param(lambda s: fnp.putmask(s, fnp.ones((4, 4), dtype=bool), 2.0), id="putmask"),
    pytest.param(lambda s: fnp.copyto(s, fnp.ones((4, 4))), id="copyto"),
    pytest.param(lambda s: fnp.place(s, fnp.ones((4, 4), dtype=bool), [3.0]), id="place"),
    pytest.param(lambda s: s.sort(), id="sort"),
    pytest.param(lambda s: s.partition(1), id="partition"),
    pytest.param(lambda s: fnp.random.shuffle(s), id="shuffle"),
    pytest.param(_rng_shuffle, id="Generator.shuffle"),
    pytest.param(lambda s: s.fill(1.0), id="fill"),
    pytest.param(lambda s: setattr(s, "shape", (2, 8)), id=".shape ="),
])
def test_any_write_into_a_tagged_buffer_voids_the_tag(write):
    s = tagged(4)
    view = s[:2, :2]  # a tagged view of the same buffer (primer)
    assert s.symmetry == S2 and view.symmetry == S2
    with flops.BudgetContext(10**9, quiet=True):
        write(s)
    assert s.symmetry is None and view.symmetry is None
    # And the bill is dense again under the orbit-pricing profile.
    if s.shape == (4, 4):
        with profile(UPSTREAM):
            used, r = charged(lambda: fnp.exp(s))
        assert used == 16 * 16 * 2 and type(r) is fnp.ndarray


def test_a_refused_write_keeps_the_tag():
    s = tagged(4)
    flops.configure(immutable=True)
    try:
        with pytest.raises(TypeError):
            s[0, 1] = 5.0
        with pytest.raises(ValueError):
            s.fill(0.0)
        with pytest.raises(ValueError):
            s.sort()
    finally:
        flops.configure(immutable=False)
    assert s.symmetry == S2


def test_copies_keep_the_tag():
    import copy

    s = tagged(4)
    assert s.copy().symmetry == S2 and copy.deepcopy(s).symmetry == S2
    assert s.copy() is not s


def test_a_write_through_a_tagged_view_voids_the_base_too():
    s = tagged(4)
    view = s[:2, :2]
    view[0, 1] = 7.0
    assert view.symmetry is None and s.symmetry is None


def test_reading_never_voids():
    s = tagged(4)
    with flops.BudgetContext(10**9, quiet=True):
        fnp.exp(s)
        fnp.sum(s)
        s @ s
        fnp.sort(s)
        fnp.copy(s)
        s[0, 1]
    assert s.symmetry == S2


# ---------------------------------------------------------------------------- bills, flopscope-0.12 (upstream measured)

N = 128


@pytest.fixture
def upstream():
    with profile(UPSTREAM):
        yield


def test_upstream_pointwise_bills_the_orbits(upstream):
    s = tagged(N)
    assert charged(lambda: fnp.exp(s))[0] == 264_192  # 8,256 x weight 16 x float64 2
    assert charged(lambda: s + s)[0] == 16_512
    assert charged(lambda: s * 1.5)[0] == 16_512
    used, r = charged(lambda: fnp.eye(N, dtype=np.float32) * 1.5)
    assert used == 8_384 and r.symmetry == S2  # eye 128 + n(n+1)/2 = 8,256
    assert charged(lambda: fnp.eye(N) * 1.5)[0] == 16_768
    assert charged(lambda: fnp.eye(N))[0] == 256
    assert charged(lambda: s + fnp.asarray(sym_matrix(N)))[0] == 32_768  # the other operand is dense


def test_upstream_contractions_bill_the_orbits(upstream):
    rng = np.random.default_rng(0)
    g = fnp.asarray(rng.standard_normal(N))
    x = fnp.asarray(rng.standard_normal((1000, N)).astype(np.float32))
    w = fnp.asarray(rng.standard_normal((N, N)))
    w32 = fnp.asarray(np.asarray(w).astype(np.float32))
    c = fnp.asarray(sym_matrix(N))
    s = tagged(N)
    assert charged(lambda: fnp.outer(g, g))[0] == 16_512
    assert charged(lambda: fnp.einsum("ki,kj->ij", x, x))[0] == 16_503_744
    assert charged(lambda: fnp.einsum("ij,ia,jb->ab", fnp.eye(N), w, w))[0] == 12_566_400 + 256
    eye32 = fnp.eye(N, dtype=np.float32)
    assert charged(lambda: fnp.einsum("ij,ia,jb->ab", eye32, w32, w32))[0] == 6_283_200
    assert charged(lambda: fnp.einsum("ij,ia,jb->ab", s, w, w))[0] == 12_566_400
    assert charged(lambda: fnp.einsum("ij,ia,jb->ab", c, w, w))[0] == 16_711_680  # untagged: dense
    assert charged(lambda: fnp.inner(c, c))[0] == 4_210_560
    assert charged(lambda: s @ s)[0] == 4_210_560
    assert charged(lambda: c @ c.T)[0] == 8_355_840  # upstream does not detect A @ A.T
    assert charged(lambda: fnp.matmul(w.T, s))[0] == 8_355_840
    assert charged(lambda: fnp.einsum("ij,jk->ik", s, w))[0] == 8_355_840


def test_upstream_reductions_bill_the_orbits(upstream):
    s = tagged(N)
    assert charged(lambda: fnp.sum(s))[0] == 16_510
    assert charged(lambda: fnp.sum(s, axis=0))[0] == 32_512  # no element of S2 keeps axis 0: dense
    assert charged(lambda: fnp.mean(s))[0] == 16_512
    assert charged(lambda: fnp.max(s))[0] == 16_510
    assert charged(lambda: fnp.std(s))[0] == 66_050
    with flops.BudgetContext(10**9, quiet=True):
        s3 = flops.as_symmetric(fnp.zeros((4, 4, 4), dtype=np.float32), symmetry=(0, 1, 2))
        s6 = tagged(6, np.float32)
    assert charged(lambda: fnp.sum(s3))[0] == 19
    assert charged(lambda: fnp.sum(s3, axis=0))[0] == 30
    assert charged(lambda: fnp.exp(s3))[0] == 320
    assert charged(lambda: fnp.sum(s6, axis=0, keepdims=True))[0] == 30
    assert charged(lambda: fnp.var(s6))[0] == 84
    assert charged(lambda: s6.T * 2)[0] == 21
    assert charged(lambda: s6[:3, :3] * 2)[0] == 9
    assert charged(lambda: fnp.einsum("ij->", s6))[0] == 20
    # Creations upstream tags (measured): constant square ones, the main-diagonal eye and diag.
    assert fnp.full((3, 3), 2.0).symmetry == S2 and fnp.zeros_like(s6).symmetry == S2
    assert fnp.zeros((3, 3, 3)).symmetry == flops.SymmetryGroup.symmetric(axes=(0, 1, 2))
    for untagged in (fnp.full((3, 3), [1.0, 2.0, 3.0]), fnp.eye(3, k=1), fnp.eye(3, 4), fnp.diag(fnp.ones(3), 1),
                     fnp.zeros((3, 4)), fnp.empty((3, 3)), fnp.tri(3)):
        assert type(untagged) is fnp.ndarray
    # fnp.ones((n, n)) is symmetric there too.
    ones = fnp.ones((256, 256))
    assert charged(lambda: fnp.sum(ones))[0] == 65_790
    m = fnp.ones((8, 8), dtype=np.float32)
    assert charged(lambda: fnp.matmul(m, m))[0] == 540


def test_upstream_scans_read_the_inputs_own_orbits(upstream):
    """A pointwise pass inside a reduction (var's centring and squaring, a nan* op's isnan test,
    count_nonzero's test) reads the input's own orbits; the reductions read those of the
    stabilizer of the reduced axes. Each figure measured on upstream flopscope 0.12.4."""
    with flops.BudgetContext(10**9, quiet=True):
        s64, s32, i64 = tagged(16), tagged(16, np.float32), tagged(4, np.int64)
        c3 = flops.as_symmetric(fnp.ones((5, 5, 5), dtype=np.float32), symmetry=(0, 1, 2))
    cases = [
        (lambda: fnp.var(s64, axis=0), 1_568), (lambda: fnp.std(s64, axis=1), 1_600),
        (lambda: fnp.var(s64, axis=0, keepdims=True), 1_568), (lambda: fnp.var(s64), 1_088),
        (lambda: fnp.nanvar(s64, axis=0), 1_840), (lambda: fnp.nanstd(s64, axis=-1), 1_872),
        (lambda: fnp.nanmean(s64, axis=0), 784), (lambda: fnp.average(s64), 272), (lambda: fnp.average(s64, axis=0), 512),
        (lambda: fnp.nansum(s32, axis=0), 376), (lambda: fnp.nancumsum(s32, axis=1), 376),
        (lambda: fnp.nanargmax(s32, axis=0), 376), (lambda: fnp.count_nonzero(s32, axis=0), 136),
        (lambda: fnp.nanmedian(s32), 392), (lambda: fnp.nanmedian(s32, axis=0), 392), (lambda: fnp.median(s32), 256),
        (lambda: fnp.nanvar(i64, axis=0), 104),  # integers: no isnan scan
        (lambda: fnp.var(c3, axis=0), 220), (lambda: fnp.std(c3, axis=(0, 1)), 225),
        (lambda: fnp.nansum(c3, axis=(0, 1)), 105), (lambda: fnp.average(c3, axis=0), 75),
        (lambda: fnp.count_nonzero(c3, axis=2, keepdims=True), 35), (lambda: fnp.average(c3), 35),
    ]
    assert [charged(f)[0] for f, _ in cases] == [want for _, want in cases]


def test_dense_reductions_keep_their_prices(upstream):
    d = fnp.asarray(sym_matrix(16))  # the same values, untagged
    assert [charged(f)[0] for f in (lambda: fnp.var(d, axis=0), lambda: fnp.nanvar(d), lambda: fnp.nansum(d, axis=0),
                                    lambda: fnp.count_nonzero(d), lambda: fnp.average(d))] == [2_048, 2_560, 992, 512, 512]


def test_upstream_elementwise_functions_and_inv(upstream):
    a = np.random.default_rng(0).standard_normal((16, 16))
    s = flops.as_symmetric(fnp.asarray(a @ a.T + 16 * np.eye(16)), symmetry=(0, 1))
    used, r = charged(lambda: fnp.clip(s, 0, 1))
    assert used == 544 and r.symmetry == S2  # 136 orbits x 2 bounds x float64 2
    used, r = charged(lambda: fnp.isclose(s, s))
    assert used == 1_632 and r.symmetry == S2
    used, r = charged(lambda: fnp.linalg.inv(s))
    assert used == 10_922 and r.symmetry == S2  # n^3/3 + n^3 (Cholesky), x 2
    assert charged(lambda: fnp.linalg.inv(fnp.asarray(np.asarray(s))))[0] == 16_384  # 2n^3 x 2
    assert charged(lambda: fnp.where(s > 0, s, 0))[0] == 2_320  # dense there too
    assert charged(lambda: fnp.copy(s) * 1)[0] == 512 + 272  # the copy writes 256, keeps the group


def test_upstream_views_keep_the_group_and_partial_slices_drop_it(upstream):
    s = tagged(4)
    with flops.BudgetContext(10**9, quiet=True):
        t = flops.as_symmetric(fnp.zeros((3, 3, 2)), symmetry=(0, 1))
    for view in (s[:], s[:, :], s[...], s[:4, :4], fnp.transpose(s), fnp.swapaxes(s, 0, 1), fnp.copy(s), s.copy(),
                 -s, s.T, fnp.squeeze(s[None])):
        assert view.symmetry == S2
    assert s[None].symmetry == flops.SymmetryGroup.symmetric(axes=(1, 2))
    assert fnp.expand_dims(s, 0).symmetry == flops.SymmetryGroup.symmetric(axes=(1, 2))
    assert s[:, None, :].symmetry == flops.SymmetryGroup.symmetric(axes=(0, 2))
    assert t[..., 0].symmetry == S2 and t[:, :, 1].symmetry == S2 and t[:, :, :1].symmetry == S2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", flops.SymmetryLossWarning)
        for dropped in (s[:3, :3], s[::2, ::2], t[:2, :2], fnp.asarray(s), fnp.array(s), s.astype(np.float32),
                        s.reshape(16)):
            assert type(dropped) is fnp.ndarray


def test_upstream_symmetric_functions_bill_as_upstream(upstream):
    a = sym_matrix(N)
    assert charged(lambda: flops.as_symmetric(fnp.asarray(a), symmetry=(0, 1)))[0] == 229_374  # k(7n - 1) x 2
    assert charged(lambda: flops.as_symmetric(fnp.asarray(a.astype(np.float32)), symmetry=(0, 1)))[0] == 114_687
    assert charged(lambda: flops.is_symmetric(fnp.asarray(a), symmetry=(0, 1)))[0] == 229_374
    assert charged(lambda: flops.as_symmetric(fnp.asarray(np.eye(4, dtype=np.int32)), symmetry=(0, 1)))[0] == 222
    s3 = fnp.zeros((4, 4, 4), dtype=np.float32)
    assert charged(lambda: flops.as_symmetric(s3, symmetry=(0, 1, 2)))[0] == 894  # 2 generators
    w = np.random.default_rng(0).standard_normal((6, 6))
    assert charged(lambda: flops.symmetrize(fnp.asarray(w), symmetry=(0, 1)))[0] == 216
    w32 = fnp.asarray(w.astype(np.float32))
    assert charged(lambda: flops.symmetrize(w32, symmetry=(0, 1)))[0] == 216  # averaged in float64
    assert charged(lambda: flops.symmetrize(w32, symmetry=(0, 1), mode="canonical-copy"))[0] == 36
    assert charged(lambda: fnp.random.symmetric((4, 4), S2))[0] == 64


def test_accumulation_inspectors_equal_upstreams():
    rng = np.random.default_rng(0)
    with flops.BudgetContext(10**9, quiet=True):
        s = tagged(6)
        x = fnp.asarray(rng.standard_normal((10, 6)))
        w = fnp.asarray(rng.standard_normal((6, 6)))
    cases = [("ij,jk->ik", (w, w), 396), ("ki,kj->ij", (x, x), 399), ("ij,jk->ik", (s, w), 396),
             ("ij,jk->ik", (s, s), 231), ("ij,ia,jb->ab", (s, w, w), 627), ("ij->", (s,), 20),
             ("ij->i", (s,), 30)]
    for subscripts, operands, want in cases:
        assert flops.einsum_accumulation_cost(subscripts, *operands).total == want, subscripts
    assert flops.einsum_accumulation_cost("ij,ia,jb->ab", s, w, w).dense_baseline == 1296
    assert flops.reduction_accumulation_cost(s).total == 20
    assert flops.reduction_accumulation_cost(s, 0).total == 30
    assert flops.reduction_accumulation_cost(w).total == 35
    assert flops.reduction_accumulation_cost(w, 1).total == 30
    with profile(UPSTREAM), flops.BudgetContext(10**9, quiet=True):
        zeros = fnp.zeros((256, 256))
    assert flops.reduction_accumulation_cost(zeros).total == 32_895


# ---------------------------------------------------------------------------- primer: dense prices, tags work


def test_primer_prices_every_element():
    s = tagged(N)
    rng = np.random.default_rng(0)
    x = fnp.asarray(rng.standard_normal((1000, N)).astype(np.float32))
    assert charged(lambda: s + s)[0] == N * N
    assert charged(lambda: fnp.exp(s))[0] == N * N
    assert charged(lambda: fnp.sum(s))[0] == N * N
    used, r = charged(lambda: fnp.einsum("ki,kj->ij", x, x))
    assert used == 1000 * N * N and r.symmetry == S2
    assert charged(lambda: flops.as_symmetric(fnp.asarray(sym_matrix(N)), symmetry=(0, 1)))[0] == N * N  # k n
    assert charged(lambda: flops.symmetrize(fnp.asarray(sym_matrix(N)), symmetry=(0, 1)))[0] == 2 * N * N
    assert charged(lambda: fnp.random.symmetric((N, N), S2, mode="canonical-copy"))[0] == 0
    assert type(fnp.eye(4)) is fnp.ndarray  # creation stays untagged and fast under the primer


# ---------------------------------------------------------------------------- an estimator, as participants write it


def covariance_propagation(weights, d):
    """Mean/covariance propagation through a ReLU MLP (a Gaussian closure), the way
    participants' estimators use as_symmetric."""
    mu = fnp.zeros(d, dtype=np.float32)
    cov = flops.as_symmetric(fnp.eye(d, dtype=np.float32), symmetry=(0, 1))
    for w in weights:
        mu = fnp.matmul(mu, w)
        cov = fnp.einsum("ij,ia,jb->ab", cov, w, w)
        var = fnp.diagonal(cov)
        sd = fnp.sqrt(fnp.maximum(var, 1e-12))
        z = mu / sd
        pdf = fnp.exp(-0.5 * z * z) * 0.3989422804014327
        cdf = 0.5 * (1.0 + fnp.tanh(0.7978845608 * (z + 0.044715 * z * z * z)))
        mu = mu * cdf + sd * pdf
        gain = fnp.outer(cdf, cdf)
        cov = flops.as_symmetric(cov * gain, symmetry=(0, 1))
    return mu, cov


def test_covariance_propagation_estimator_bills_what_upstream_bills(upstream):
    rng = np.random.default_rng(7)
    d, depth = 32, 4
    weights = [fnp.asarray((rng.standard_normal((d, d)) / np.sqrt(d)).astype(np.float32)) for _ in range(depth)]
    used, (mu, cov) = charged(lambda: covariance_propagation(weights, d))
    assert used == 445_403  # upstream 0.12.4, the same function and weights (measured)
    assert cov.symmetry == S2
    assert float(np.asarray(mu).sum()) == pytest.approx(3.755354642868042, rel=1e-6)
