"""Hand-written differential cases for what the generated corpus cannot reach:
operators, ndarray methods, indexing, and the calls (with their usual keyword
arguments) that an estimator of ReLU MLPs makes. Each is a Python expression
over the flopscope arrays `a`, `b`, `c` (built from the argument descriptions
on both sides with the same seed), `fnp` and `np`.
"""

from __future__ import annotations

# (name, expression, number of array operands, shapes to try)
M, V = [(3, 4), (8, 16)], [(7,), (64,)]
SQ = [(4, 4), (8, 8)]
EXPRESSIONS = [
    # operators
    ("a @ b.T", "a @ b.T", 2, M), ("a + 1", "a + 1", 1, M), ("a * b", "a * b", 2, M), ("a - 0.5", "a - 0.5", 1, M),
    ("a / b", "a / b", 2, M), ("-a", "-a", 1, M), ("a ** 2", "a ** 2", 1, M), ("abs(a)", "abs(a)", 1, M),
    ("a > 0", "a > 0", 1, M), ("a >= b", "a >= b", 2, M), ("2 * a", "2 * a", 1, M), ("a @ b.T @ a", "a @ b.T @ a", 2, M),
    # methods
    ("a.sum()", "a.sum()", 1, M), ("a.sum(axis=0)", "a.sum(axis=0)", 1, M),
    ("a.mean(axis=1, keepdims=True)", "a.mean(axis=1, keepdims=True)", 1, M), ("a.std()", "a.std()", 1, M),
    ("a.var(axis=0)", "a.var(axis=0)", 1, M), ("a.max(axis=1)", "a.max(axis=1)", 1, M),
    ("a.argmax(axis=0)", "a.argmax(axis=0)", 1, M), ("a.cumsum(axis=1)", "a.cumsum(axis=1)", 1, M),
    ("a.reshape(-1)", "a.reshape(-1)", 1, M), ("a.copy()", "a.copy()", 1, M),
    ("a.astype(np.float32)", "a.astype(np.float32)", 1, M), ("a.astype(np.float64)", "a.astype(np.float64)", 1, M),
    ("a.ravel()", "a.ravel()", 1, M), ("a.flatten()", "a.flatten()", 1, M), ("a.T", "a.T", 1, M),
    ("a.clip(0, 1)", "a.clip(0, 1)", 1, M), ("a.clip(min=0)", "a.clip(min=0)", 1, M), ("a.round(2)", "a.round(2)", 1, M),
    ("a.dot(b.T)", "a.dot(b.T)", 2, M), ("a.trace()", "a.trace()", 1, SQ), ("a.nonzero()", "a.nonzero()", 1, M),
    ("a.conj()", "a.conj()", 1, M), ("a.argsort(axis=1)", "a.argsort(axis=1)", 1, M),
    ("a.repeat(2, axis=0)", "a.repeat(2, axis=0)", 1, M), ("a.take([0, 1], axis=1)", "a.take([0, 1], axis=1)", 1, M),
    ("a.prod(axis=0)", "a.prod(axis=0)", 1, M), ("a.any()", "a.any()", 1, M), ("a.all(axis=0)", "a.all(axis=0)", 1, M),
    ("a.min()", "a.min()", 1, M), ("a.squeeze()", "a.squeeze()", 1, M), ("a.swapaxes(0, 1)", "a.swapaxes(0, 1)", 1, M),
    # indexing
    ("a[1]", "a[1]", 1, M), ("a[:, 1:3]", "a[:, 1:3]", 1, M), ("a[[0, 2]]", "a[[0, 2]]", 1, M),
    ("a[np.array([0, 2])]", "a[np.array([0, 2])]", 1, M), ("a[:, [1, 3]]", "a[:, [1, 3]]", 1, M),
    ("a[a > 0]", "a[a > 0]", 1, M), ("a[np.asarray(a) > 0]", "a[np.asarray(a) > 0]", 1, M),
    ("a[[0, 1], [1, 2]]", "a[[0, 1], [1, 2]]", 1, M), ("a[..., 0]", "a[..., 0]", 1, M), ("a[None]", "a[None]", 1, M),
    # calls an MLP estimator makes
    ("maximum(a, 0)", "fnp.maximum(a, 0)", 1, M), ("maximum(a, 0.0)", "fnp.maximum(a, 0.0)", 1, M),
    ("where(a > 0, a, 0)", "fnp.where(a > 0, a, 0)", 1, M), ("clip(a, 0, None)", "fnp.clip(a, 0, None)", 1, M),
    ("clip(a, -1, 1)", "fnp.clip(a, -1, 1)", 1, M), ("exp(a)", "fnp.exp(a)", 1, M), ("tanh(a)", "fnp.tanh(a)", 1, M),
    ("sqrt(abs(a))", "fnp.sqrt(fnp.abs(a))", 1, M), ("log1p(abs(a))", "fnp.log1p(fnp.abs(a))", 1, M),
    ("mean(a, axis=0)", "fnp.mean(a, axis=0)", 1, M), ("var(a, axis=0, ddof=1)", "fnp.var(a, axis=0, ddof=1)", 1, M),
    ("std(a, axis=1)", "fnp.std(a, axis=1)", 1, M), ("sum(a * b, axis=1)", "fnp.sum(a * b, axis=1)", 2, M),
    ("einsum('ij,kj->ik')", "fnp.einsum('ij,kj->ik', a, b)", 2, M), ("einsum('ij,ij->i')", "fnp.einsum('ij,ij->i', a, b)", 2, M),
    ("einsum('ij->j')", "fnp.einsum('ij->j', a)", 1, M), ("einsum('ij,jk,lk->il')", "fnp.einsum('ij,jk,lk->il', a, b.T, a)", 2, M),
    ("outer(a[0], b[0])", "fnp.outer(a[0], b[0])", 2, M), ("dot(a, b.T)", "fnp.dot(a, b.T)", 2, M),
    ("matmul(a, b.T)", "fnp.matmul(a, b.T)", 2, M), ("tensordot(a, b, axes=([1], [1]))", "fnp.tensordot(a, b, axes=([1], [1]))", 2, M),
    ("concatenate([a, b], axis=1)", "fnp.concatenate([a, b], axis=1)", 2, M), ("stack([a, b])", "fnp.stack([a, b])", 2, M),
    ("vstack([a, b])", "fnp.vstack([a, b])", 2, M), ("zeros_like(a)", "fnp.zeros_like(a)", 1, M),
    ("ones((3, 4))", "fnp.ones((3, 4))", 0, M), ("zeros(5)", "fnp.zeros(5)", 0, M), ("eye(4)", "fnp.eye(4)", 0, M),
    ("linspace(0, 1, 11)", "fnp.linspace(0, 1, 11)", 0, M), ("arange(10)", "fnp.arange(10)", 0, M),
    ("full((3, 4), 2.0)", "fnp.full((3, 4), 2.0)", 0, M), ("diag(a[0])", "fnp.diag(a[0])", 1, M),
    ("sort(a, axis=0)", "fnp.sort(a, axis=0)", 1, M), ("argsort(a, axis=1)", "fnp.argsort(a, axis=1)", 1, M),
    ("cumsum(a, axis=0)", "fnp.cumsum(a, axis=0)", 1, M), ("mean(a > 0, axis=0)", "fnp.mean(a > 0, axis=0)", 1, M),
    ("sum(maximum(a, 0) ** 2)", "fnp.sum(fnp.maximum(a, 0) ** 2)", 1, M), ("square(a)", "fnp.square(a)", 1, M),
    ("linalg.norm(a, axis=1)", "fnp.linalg.norm(a, axis=1)", 1, M), ("linalg.norm(a)", "fnp.linalg.norm(a)", 1, M),
    ("linalg.svd(a)", "fnp.linalg.svd(a, full_matrices=False)", 1, M), ("linalg.eigh(a @ a.T)", "fnp.linalg.eigh(a @ a.T)", 1, M),
    ("linalg.solve", "fnp.linalg.solve(a @ a.T + 10 * fnp.eye(a.shape[0]), a)", 1, M),
    ("linalg.inv", "fnp.linalg.inv(a @ a.T + 10 * fnp.eye(a.shape[0]))", 1, M),
    ("linalg.cholesky", "fnp.linalg.cholesky(a @ a.T + 10 * fnp.eye(a.shape[0]))", 1, M),
    ("cov(a)", "fnp.cov(a)", 1, M), ("corrcoef(a)", "fnp.corrcoef(a)", 1, M),
    ("erf-free normal cdf", "0.5 * (1 + fnp.tanh(0.79788456 * (a + 0.044715 * a ** 3)))", 1, M),
    ("vector sum", "fnp.sum(a)", 1, V), ("vector dot", "fnp.dot(a, b)", 2, V), ("vector outer", "fnp.outer(a, b)", 2, V),
    ("vector mean, var", "(fnp.mean(a), fnp.var(a))", 1, V), ("histogram", "fnp.histogram(a, bins=8)", 1, V),
    ("percentile", "fnp.percentile(a, [5, 50, 95])", 1, V), ("median", "fnp.median(a)", 1, V),
    ("vector mask mean", "fnp.mean(a[a > 0])", 1, V), ("vector sort", "fnp.sort(a)", 1, V),
]
DTYPES = ["f8", "f4"]

# What estimators call beyond the MLP's calls (issue 27 section 2): flopscope.stats,
# conversions and the indexing family, with their usual keywords, over wider shapes and
# dtypes: (name, expression, number of array operands, shapes, dtypes).
BIG, LONG = [(1000, 256)], [(1000,)]
ALL4 = ["f8", "f4", "i4", "c8"]
REAL = ["f8", "f4"]
ESTIMATOR_EXPRESSIONS = [
    (f"stats.{d}.{m}{tag}", f"flops.stats.{d}.{m}({x}{shape}{kw})", 1, BIG + LONG, REAL)
    for d, shape in (("norm", ""), ("uniform", ""), ("expon", ""), ("cauchy", ""), ("logistic", ""),
                     ("laplace", ""), ("lognorm", ", 0.7"), ("truncnorm", ", -1.0, 1.5"))
    for m, x in (("pdf", "a"), ("cdf", "a"), ("ppf", "fnp.abs(fnp.tanh(a))"))
    for tag, kw in (("", ""), (" loc/scale", ", loc=0.5, scale=2.0"))
] + [
    ("stats.norm.cdf(0.3)", "flops.stats.norm.cdf(0.3)", 0, LONG, ["f8"]),
    ("asarray(a, float64)", "fnp.asarray(a, dtype=np.float64)", 1, BIG + LONG, ALL4),
    ("asarray(a, float32)", "fnp.asarray(a, dtype=np.float32)", 1, BIG + LONG, ALL4),
    ("asarray(0.5, float32)", "fnp.asarray(0.5, dtype=np.float32)", 0, LONG, ["f8"]),
    ("asarray(list, float32)", "fnp.asarray([0.5, 1.5, 2.5], dtype=np.float32)", 0, LONG, ["f8"]),
    ("a.astype(float64)", "a.astype(np.float64)", 1, BIG + LONG, ALL4),
    ("a.astype(float32)", "a.astype(np.float32)", 1, BIG + LONG, ALL4),
    ("a.astype(int32)", "a.astype(np.int32)", 1, BIG + LONG, ALL4),
    ("a.astype(complex64)", "a.astype(np.complex64)", 1, BIG + LONG, ALL4),
    ("astype(a, complex128)", "fnp.astype(a, np.complex128)", 1, LONG, ALL4),
    ("take_along_axis(argsort)", "fnp.take_along_axis(a, fnp.argsort(b, axis=-1), axis=-1)", 2, BIG + LONG, ALL4),
    ("take_along_axis(argmax)", "fnp.take_along_axis(a, fnp.argmax(b, axis=-1, keepdims=True), axis=-1)", 2, BIG + LONG, REAL),
    ("put_along_axis", "fnp.put_along_axis(a, fnp.argmax(b, axis=-1, keepdims=True), 0, axis=-1)", 2, BIG + LONG, ALL4),
    ("put_along_axis(all)", "fnp.put_along_axis(a, fnp.argsort(b, axis=-1), 1, axis=-1)", 2, BIG + LONG, REAL),
    ("searchsorted(sort(a), b)", "fnp.searchsorted(fnp.sort(a.ravel()), b.ravel())", 2, LONG, ALL4[:3]),
    ("searchsorted(sort(a), 0.5)", "fnp.searchsorted(fnp.sort(a.ravel()), 0.5)", 1, LONG, ALL4[:3]),
    ("searchsorted(side=right)", "fnp.searchsorted(fnp.sort(a.ravel()), b.ravel(), side='right')", 2, LONG, REAL),
    ("take(a, idx)", "fnp.take(a, fnp.arange(10), axis=0)", 1, BIG + LONG, ALL4),
    ("take(a, [])", "fnp.take(a, [])", 1, LONG, ALL4),
    ("put(a, idx, v)", "fnp.put(a, fnp.arange(10), 1)", 1, LONG, ALL4),
    ("place(a, a > 0, 0)", "fnp.place(a, fnp.real(a) > 0, 0)", 1, BIG + LONG, ALL4),
    ("choose", "fnp.choose(fnp.real(a) > 0, [a, b])", 2, LONG, ALL4),
    ("compress", "fnp.compress(fnp.real(a[0]) > 0, a, axis=-1)", 1, BIG, ALL4),
    ("extract", "fnp.extract(fnp.real(a) > 0, a)", 1, BIG + LONG, ALL4),
    ("ix_", "fnp.ix_(fnp.arange(10), fnp.arange(5))", 0, LONG, ["f8"]),
    ("nonzero", "fnp.nonzero(fnp.real(a) > 0)", 1, BIG + LONG, ALL4),
    ("argwhere", "fnp.argwhere(a)", 1, BIG + LONG, ALL4),
    ("flatnonzero", "fnp.flatnonzero(a)", 1, BIG + LONG, ALL4),
    ("argpartition", "fnp.argpartition(a, 5, axis=-1)", 1, BIG + LONG, ["f8", "f4", "i4"]),
    ("bincount", "fnp.bincount(fnp.abs(a.ravel()).astype(np.int64))", 1, LONG, ["f8", "i4"]),
    ("bincount(weights)", "fnp.bincount(fnp.abs(a.ravel()).astype(np.int64), weights=b.ravel())", 2, LONG, REAL),
]


# Symmetric tensors (issue 27 section 1, spec 5.4): a tagged operand, one array passed twice,
# and upstream's symmetric creations (eye), at the shapes the issue measured.
_S = "flops.as_symmetric(a + a.T, symmetry=(0, 1))"
SQUARES = [(4, 4), (8, 8), (128, 128)]
SYMMETRIC_EXPRESSIONS = [
    ("as_symmetric(a + a.T)", _S, 1, SQUARES, REAL),
    ("is_symmetric(a)", "flops.is_symmetric(a, symmetry=(0, 1))", 1, SQUARES, REAL),
    ("symmetrize(a)", "flops.symmetrize(a, symmetry=(0, 1))", 1, SQUARES, REAL),
    ("symmetrize(a, canonical-copy)", "flops.symmetrize(a, symmetry=(0, 1), mode='canonical-copy')", 1, SQUARES, REAL),
    ("exp(S)", f"fnp.exp({_S})", 1, SQUARES, REAL),
    ("S * 1.5", f"{_S} * 1.5", 1, SQUARES, REAL),
    ("S + S", f"(lambda S: S + S)({_S})", 1, SQUARES, REAL),
    ("S * a", f"{_S} * a", 1, SQUARES, REAL),
    ("eye(n, float32) * 1.5", "fnp.eye(a.shape[0], dtype=np.float32) * 1.5", 1, SQUARES, ["f8"]),
    ("sum(S)", f"fnp.sum({_S})", 1, SQUARES, REAL),
    ("sum(S, axis=0)", f"fnp.sum({_S}, axis=0)", 1, SQUARES, REAL),
    ("mean(S)", f"fnp.mean({_S})", 1, SQUARES, REAL),
    ("std(S)", f"fnp.std({_S})", 1, SQUARES, REAL),
    ("max(S)", f"fnp.max({_S})", 1, SQUARES, REAL),
    ("S.T * 2", f"{_S}.T * 2", 1, SQUARES, REAL),
    ("S[:2, :2] * 2", f"{_S}[:2, :2] * 2", 1, SQUARES, REAL),
    ("S @ S", f"(lambda S: S @ S)({_S})", 1, SQUARES, REAL),
    ("S @ a", f"{_S} @ a", 1, SQUARES, REAL),
    ("inner(a, a)", "fnp.inner(a, a)", 1, SQUARES, REAL),
    ("a @ a.T", "a @ a.T", 1, SQUARES, REAL),
    ("outer(g, g)", "(lambda g: fnp.outer(g, g))(a[0])", 1, SQUARES, REAL),
    ("einsum('ki,kj->ij', X, X)", "fnp.einsum('ki,kj->ij', a, a)", 1, [(1000, 128)], REAL),
    ("einsum('ij,ia,jb->ab', eye, W, W)", "fnp.einsum('ij,ia,jb->ab', fnp.eye(a.shape[0]), a, a)", 1, SQUARES, REAL),
    ("einsum('ij,ia,jb->ab', S, W, W)", f"fnp.einsum('ij,ia,jb->ab', {_S}, b, b)", 2, SQUARES, REAL),
    ("einsum('ij,jk->ik', S, a)", f"fnp.einsum('ij,jk->ik', {_S}, a)", 1, SQUARES, REAL),
    ("clip(S, 0, 1)", f"fnp.clip({_S}, 0, 1)", 1, SQUARES, REAL),
    ("isclose(S, S)", f"(lambda S: fnp.isclose(S, S))({_S})", 1, SQUARES, REAL),
    ("linalg.inv(S + n eye)", f"fnp.linalg.inv({_S} + a.shape[0] * fnp.eye(a.shape[0]))", 1, SQUARES, REAL),
    ("copy(S) * 1", f"fnp.copy({_S}) * 1", 1, SQUARES, REAL),
    ("transpose(S) * 1", f"fnp.transpose({_S}) * 1", 1, SQUARES, REAL),
    ("S[None] * 1", f"{_S}[None] * 1", 1, SQUARES, REAL),
    ("asarray(S) * 1", f"fnp.asarray({_S}) * 1", 1, SQUARES, REAL),
    ("zeros_like(a) + 1", "fnp.zeros_like(a) + 1", 1, SQUARES, REAL),
    ("full((n, n), 2.0) * a", "fnp.full(a.shape, 2.0) * a", 1, SQUARES, REAL),
    ("sum(ones((n, n)))", "fnp.sum(fnp.ones(a.shape))", 1, SQUARES, ["f8"]),
]


def expression_cases(first_id, rows=None):
    """Corpus cases (the worker evaluates `code`) for every expression x shape x dtype."""
    cases = []
    if rows is None:
        rows = [(*row, DTYPES) for row in EXPRESSIONS] + ESTIMATOR_EXPRESSIONS + SYMMETRIC_EXPRESSIONS
    for i, (name, code, n_arrays, shapes, dtypes) in enumerate(rows):
        for shape in shapes:
            for dtype in dtypes:
                args = [{"kind": "array", "shape": list(shape), "dtype": dtype} for _ in range(n_arrays)]
                cases.append({"id": f"x{first_id + i}-{len(cases)}", "op": f"expr: {name}", "code": code,
                              "args": args, "kwargs": {}, "seed": len(cases)})
    return cases
