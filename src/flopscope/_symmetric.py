"""Symmetric tensors (spec section 5.4): SymmetryGroup, SymmetricTensor, as_symmetric,
is_symmetric, symmetrize and random.symmetric.

Group theory (permutations, closure, orbits) is plain Python here; it is not a cost.
A group is interned in the core (``_core.sym_intern``) as the permutations of a
tensor's axes it is made of; the tag a SymmetricTensor carries is that id, read by
the counted calls without running Python. Every price (orbit counts, validation,
projection) is the core's (cpp/include/flopscope/symmetry.hpp).
"""

from __future__ import annotations

import itertools
import operator
import warnings
from typing import Any, Iterable, Sequence

import numpy as _np

from . import _core
from .errors import SymmetryError, SymmetryLossWarning

__all__ = [
    "SymmetryGroup",
    "SymmetricTensor",
    "as_symmetric",
    "is_symmetric",
    "symmetrize",
]

_ATOL = 1e-6
_RTOL = 1e-5
_MODES = ("reynolds-projection", "canonical-copy")
# Largest group a SymmetryGroup enumerates (upstream's dimino_budget, spec 4.9).
_settings = {"symmetry_warnings": True, "dimino_budget": 50_000}


# ---------------------------------------------------------------------------
# Permutations and groups
# ---------------------------------------------------------------------------


class Permutation:
    """A permutation of ``0..size-1`` in array form: ``p(i) = array_form[i]``."""

    __slots__ = ("_a",)

    def __init__(self, array_form: Iterable[int]):
        a = tuple(operator.index(i) for i in array_form)
        if sorted(a) != list(range(len(a))):
            raise ValueError(f"not a permutation of 0..{len(a) - 1}: {list(a)}")
        self._a = a

    @classmethod
    def identity(cls, size: int) -> "Permutation":
        return cls(range(size))

    @property
    def array_form(self) -> list[int]:
        return list(self._a)

    @property
    def size(self) -> int:
        return len(self._a)

    @property
    def is_identity(self) -> bool:
        return all(i == v for i, v in enumerate(self._a))

    def __call__(self, i: int) -> int:
        return self._a[i]

    def __mul__(self, other: "Permutation") -> "Permutation":
        """(self * other)(i) = self(other(i))."""
        return Permutation(self._a[j] for j in other._a)

    def __invert__(self) -> "Permutation":
        inv = [0] * len(self._a)
        for i, v in enumerate(self._a):
            inv[v] = i
        return Permutation(inv)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Permutation) and self._a == other._a

    def __hash__(self) -> int:
        return hash(self._a)

    def __repr__(self) -> str:
        return f"Permutation({list(self._a)})"

    @property
    def cyclic_form(self) -> list[tuple[int, ...]]:
        seen, out = set(), []
        for i in range(len(self._a)):
            if i in seen or self._a[i] == i:
                continue
            cycle, j = [], i
            while j not in seen:
                seen.add(j)
                cycle.append(j)
                j = self._a[j]
            out.append(tuple(cycle))
        return out


def _closure(generators: Sequence[Permutation], degree: int, budget: int) -> list[Permutation]:
    """Every element of the group the generators generate (breadth-first), identity first."""
    identity = Permutation.identity(degree)
    seen = {identity}
    order = [identity]
    frontier = [identity]
    while frontier:
        nxt = []
        for g in frontier:
            for h in generators:
                p = h * g
                if p not in seen:
                    seen.add(p)
                    order.append(p)
                    nxt.append(p)
                    if len(order) > budget:
                        raise ValueError(
                            f"the symmetry group has more than dimino_budget={budget} elements; "
                            "raise it with flopscope.configure(dimino_budget=...)"
                        )
        frontier = nxt
    return order


class SymmetryGroup:
    """A finite permutation group acting on tensor axes (spec 5.4).

    ``SymmetryGroup(*generators, axes=None)``: generators are permutations of
    ``0..degree-1`` (``Permutation`` or sequences of ints); point ``i`` is the
    tensor axis ``axes[i]`` (``axes`` defaults to ``0..degree-1``).
    """

    __slots__ = ("_generators", "_axes", "_elements", "__weakref__")

    def __init__(self, *generators: Any, axes: Sequence[int] | None = None):
        if not generators:
            raise ValueError("At least one generator required (use Permutation.identity(n) for the trivial group)")
        gens = tuple(g if isinstance(g, Permutation) else Permutation(g) for g in generators)
        degrees = {g.size for g in gens}
        if len(degrees) != 1:
            raise ValueError(f"All generators must have the same size, got {sorted(degrees)}")
        degree = gens[0].size
        if axes is not None:
            axes = tuple(operator.index(a) for a in axes)
            if len(axes) != degree:
                raise ValueError(f"axes has length {len(axes)}, expected {degree}")
            if len(set(axes)) != len(axes):
                raise ValueError(f"axes repeat an axis: {axes}")
        self._generators = gens
        self._axes = axes
        self._elements: list[Permutation] | None = None

    # -- constructors --
    @classmethod
    def from_generators(cls, generators: Sequence[Sequence[int]], *, axes: Sequence[int]) -> "SymmetryGroup":
        if not generators:
            raise ValueError("At least one generator literal is required")
        return cls(*[Permutation(g) for g in generators], axes=tuple(axes))

    @classmethod
    def symmetric(cls, *, axes: Sequence[int]) -> "SymmetryGroup":
        k = len(axes)
        if k <= 1:
            return cls(Permutation.identity(max(k, 1)), axes=tuple(axes) if k else None)
        gens = []
        for i in range(k - 1):
            arr = list(range(k))
            arr[i], arr[i + 1] = arr[i + 1], arr[i]
            gens.append(Permutation(arr))
        return cls(*gens, axes=tuple(axes))

    @classmethod
    def cyclic(cls, *, axes: Sequence[int]) -> "SymmetryGroup":
        k = len(axes)
        if k <= 1:
            return cls(Permutation.identity(max(k, 1)), axes=tuple(axes) if k else None)
        return cls(Permutation(list(range(1, k)) + [0]), axes=tuple(axes))

    @classmethod
    def dihedral(cls, *, axes: Sequence[int]) -> "SymmetryGroup":
        k = len(axes)
        if k <= 2:
            return cls.symmetric(axes=axes)
        rotation = Permutation(list(range(1, k)) + [0])
        reflection = Permutation([0] + list(range(k - 1, 0, -1)))
        return cls(rotation, reflection, axes=tuple(axes))

    @classmethod
    def young(cls, blocks: Sequence[Sequence[int]]) -> "SymmetryGroup":
        if not blocks:
            raise ValueError("young() requires at least one block")
        return cls.direct_product(*[cls.symmetric(axes=tuple(b)) for b in blocks])

    @classmethod
    def direct_product(cls, *groups: "SymmetryGroup") -> "SymmetryGroup":
        if not groups:
            raise ValueError("direct_product() requires at least one group")
        seen: set[int] = set()
        for g in groups:
            if seen & set(g.axes):
                raise ValueError("SymmetryGroup.direct_product() requires disjoint supports")
            seen |= set(g.axes)
        total = sum(g.degree for g in groups)
        gens, axes, offset = [], [], 0
        for g in groups:
            axes.extend(g.axes)
            for gen in g.generators:
                arr = list(range(total))
                for i, j in enumerate(gen.array_form):
                    arr[offset + i] = offset + j
                gens.append(Permutation(arr))
            offset += g.degree
        return cls(*gens, axes=tuple(axes))

    # -- properties --
    @property
    def degree(self) -> int:
        return self._generators[0].size

    @property
    def generators(self) -> list[Permutation]:
        return list(self._generators)

    @property
    def axes(self) -> tuple[int, ...]:
        return self._axes if self._axes is not None else tuple(range(self.degree))

    def elements(self) -> list[Permutation]:
        if self._elements is None:
            self._elements = _closure(self._generators, self.degree, _settings["dimino_budget"])
        return list(self._elements)

    def order(self) -> int:
        return len(self.elements())

    def orbits(self) -> list[frozenset[int]]:
        """The orbits of the points 0..degree-1 under the group."""
        parent = list(range(self.degree))

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for g in self._generators:
            for i, v in enumerate(g.array_form):
                parent[find(i)] = find(v)
        groups: dict[int, set[int]] = {}
        for i in range(self.degree):
            groups.setdefault(find(i), set()).add(i)
        return [frozenset(s) for s in groups.values()]

    def contains(self, perm: Permutation | Sequence[int]) -> bool:
        p = perm if isinstance(perm, Permutation) else Permutation(perm)
        return p in set(self.elements())

    def nonidentity_generator_count(self) -> int:
        return sum(1 for g in self._generators if not g.is_identity)

    # -- action on a tensor's axes --
    def axis_permutations(self, ndim: int) -> list[list[int]]:
        """Every element as a permutation of a tensor's ``ndim`` axes (identity elsewhere)."""
        axes = self.axes
        if any(not 0 <= a < ndim for a in axes):
            raise ValueError(f"the group acts on axes {axes}, outside a tensor of {ndim} dimensions")
        out = []
        for e in self.elements():
            p = list(range(ndim))
            for i, v in enumerate(e.array_form):
                p[axes[i]] = axes[v]
            out.append(p)
        return out

    def _generator_axis_permutations(self, ndim: int) -> list[list[int]]:
        axes = self.axes
        out = []
        for g in self._generators:
            if g.is_identity:
                continue
            p = list(range(ndim))
            for i, v in enumerate(g.array_form):
                p[axes[i]] = axes[v]
            out.append(p)
        return out

    def _id(self, ndim: int) -> int:
        """The core's id of this group acting on a tensor of ``ndim`` axes."""
        gid = _core.sym_intern(ndim, self.axis_permutations(ndim))
        _KNOWN.setdefault((gid, ndim), self)
        return gid

    def _key(self) -> tuple:
        axes = self.axes
        acting = frozenset(
            tuple(sorted((axes[i], axes[v]) for i, v in enumerate(e.array_form))) for e in self.elements()
        )
        return (frozenset(axes), acting)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SymmetryGroup) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        gens = ", ".join(str(g.array_form) for g in self._generators)
        return f"SymmetryGroup({gens}, axes={self.axes})"


# (group id, ndim) -> the SymmetryGroup it was made from (for .symmetry), or one rebuilt from the core's elements.
_KNOWN: dict[tuple[int, int], SymmetryGroup] = {}


def _group_of(gid: int, ndim: int) -> SymmetryGroup | None:
    if gid == 0:
        return None
    known = _KNOWN.get((gid, ndim))
    if known is not None:
        return known
    elements = [tuple(e) for e in _core.sym_elements(gid)]
    support = sorted({i for e in elements for i, v in enumerate(e) if v != i})
    pos = {a: k for k, a in enumerate(support)}
    restricted = [Permutation([pos[e[a]] for a in support]) for e in elements]
    # A small generating set: add an element while the closure misses some.
    gens: list[Permutation] = []
    have = {Permutation.identity(len(support))}
    for p in restricted:
        if p not in have:
            gens.append(p)
            have = set(_closure(gens, len(support), len(restricted) + 1))
    group = SymmetryGroup(*(gens or [Permutation.identity(max(len(support), 1))]), axes=tuple(support))
    _KNOWN[(gid, ndim)] = group
    return group


def _resolve(symmetry: Any, ndim: int) -> SymmetryGroup:
    """The group a ``symmetry=`` argument names: a SymmetryGroup, a tuple of axes (the full
    symmetric group on them) or a sequence of such tuples (their direct product)."""
    if isinstance(symmetry, SymmetryGroup):
        group = symmetry
    elif isinstance(symmetry, (tuple, list)) and symmetry and all(isinstance(b, (tuple, list)) for b in symmetry):
        group = SymmetryGroup.young(blocks=[tuple(b) for b in symmetry])
    elif isinstance(symmetry, (tuple, list)) and all(isinstance(a, (int, _np.integer)) for a in symmetry):
        group = SymmetryGroup.symmetric(axes=tuple(int(a) for a in symmetry))
    else:
        raise TypeError(
            "symmetry must be a SymmetryGroup, a tuple of axes such as (0, 1), or a list of such tuples; "
            f"got {symmetry!r}"
        )
    axes = tuple(a + ndim if a < 0 else a for a in group.axes)
    if any(not 0 <= a < ndim for a in axes):
        raise SymmetryError(axes=group.axes, max_deviation=float("inf"))
    if axes != group.axes:
        group = SymmetryGroup(*group.generators, axes=axes)
    return group


def _shape_fits(group: SymmetryGroup, shape: tuple[int, ...]) -> bool:
    return all(
        shape[p[a]] == shape[a] for p in group._generator_axis_permutations(len(shape)) for a in range(len(shape))
    )


# ---------------------------------------------------------------------------
# The counted implementations (bound to op-table rows; priced by the core)
# ---------------------------------------------------------------------------


def _deviation(array: _np.ndarray, group: SymmetryGroup, atol: float, rtol: float) -> float:
    """0 when the data is invariant under every generator within tolerance, else the largest deviation."""
    worst = 0.0
    for p in group._generator_axis_permutations(array.ndim):
        moved = array.transpose(p)
        if not _np.allclose(array, moved, atol=atol, rtol=rtol):
            worst = max(worst, float(_np.max(_np.abs(array - moved))))
    return worst


def _canonical(array: _np.ndarray, group: SymmetryGroup) -> _np.ndarray:
    """Each orbit takes the value at its lexicographically smallest index."""
    if array.size == 0:
        return array.copy()
    index = _np.indices(array.shape).reshape(array.ndim, -1)
    best = None
    for p in group.axis_permutations(array.ndim):
        # The index tuple the element maps each position to, as a flat (C-order = lexicographic) index.
        moved = _np.empty_like(index)
        moved[p] = index
        flat = _np.ravel_multi_index(tuple(moved), array.shape)
        best = flat if best is None else _np.minimum(best, flat)
    return array.reshape(-1)[best].reshape(array.shape)


_CONTEXT: dict[str, Any] = {}


def _as_symmetric_impl(data: _np.ndarray, generators: int) -> _np.ndarray:
    group = _CONTEXT["group"]
    array = _np.asarray(data)
    if not _shape_fits(group, array.shape):
        raise SymmetryError(axes=group.axes, max_deviation=float("inf"))
    deviation = _deviation(array, group, _ATOL, _RTOL)
    if deviation:
        raise SymmetryError(axes=group.axes, max_deviation=deviation)
    exact = all(_np.array_equal(array, array.transpose(p)) for p in group._generator_axis_permutations(array.ndim))
    # A private buffer: writes through the caller's array can never make the tag stale.
    return _np.array(array, copy=True) if exact else _canonical(array, group)


def _is_symmetric_impl(data: _np.ndarray, generators: int) -> bool:
    group = _CONTEXT["group"]
    array = _np.asarray(data)
    if not _shape_fits(group, array.shape):
        return False
    atol, rtol = _CONTEXT["tolerances"]
    return _deviation(array, group, atol, rtol) == 0.0


def _symmetrize_impl(data: _np.ndarray, order: int, mode: str, promote: Any = None) -> _np.ndarray:
    group = _CONTEXT["group"]
    array = _np.asarray(data)
    if mode == "canonical-copy":
        return _canonical(array, group)
    acc = _np.zeros(array.shape, dtype=_np.result_type(array, _np.float64))
    for p in group.axis_permutations(array.ndim):
        acc += array.transpose(p)
    return acc / len(group.elements())


def _random_symmetric_impl(n: int, order: int, mode: str) -> _np.ndarray:
    return _symmetrize_impl(_CONTEXT["sample"], order, mode)


_as_symmetric_op = _core.bind_op("as_symmetric", _as_symmetric_impl)
_is_symmetric_op = _core.bind_op("is_symmetric", _is_symmetric_impl)
_symmetrize_op = _core.bind_op("symmetrize", _symmetrize_impl)
_random_symmetric_op = _core.bind_op("random.symmetric", _random_symmetric_impl)


def _call(
    op: Any, group: SymmetryGroup, *args: Any, tolerances: tuple[float, float] | None = None, sample: Any = None
) -> Any:
    saved = dict(_CONTEXT)
    _CONTEXT["group"] = group
    _CONTEXT["tolerances"] = tolerances
    _CONTEXT["sample"] = sample
    try:
        return op(*args)
    finally:
        _CONTEXT.clear()
        _CONTEXT.update(saved)


def _data(data: Any) -> Any:
    return data if isinstance(data, _np.ndarray) else _np.asarray(data)


# ---------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------


def as_symmetric(data: Any, *, symmetry: Any) -> "SymmetricTensor":
    """``data`` as a SymmetricTensor carrying ``symmetry`` (a SymmetryGroup or a tuple of axes).

    Validates every non-identity generator with ``allclose(atol=1e-6, rtol=1e-5)``
    (SymmetryError otherwise) and bills that check (primer: k·n; flopscope-0.12:
    k·(7n − 1), as upstream 0.12.4). Data symmetric only within tolerance is
    canonicalised (each orbit takes the value at its lexicographically smallest
    index). The result owns a copy of the data, so no write through ``data`` can
    make its tag stale.
    """
    array = _data(data)
    group = _resolve(symmetry, array.ndim)
    result = _call(_as_symmetric_op, group, array, group.nonidentity_generator_count())
    return _core.sym_tag(result, group._id(result.ndim))


def is_symmetric(data: Any, *, symmetry: Any, atol: float = _ATOL, rtol: float = _RTOL) -> bool:
    """Whether ``data`` is invariant under ``symmetry`` within tolerance (billed as as_symmetric's check)."""
    if symmetry is None:
        return False
    array = _data(data)
    group = _resolve(symmetry, array.ndim)
    return bool(_call(_is_symmetric_op, group, array, group.nonidentity_generator_count(), tolerances=(atol, rtol)))


def symmetrize(data: Any, *, symmetry: Any, mode: str = "reynolds-projection") -> "SymmetricTensor":
    """Make ``data`` invariant under ``symmetry``.

    ``"reynolds-projection"`` averages each orbit, ``(1/|G|) Σ_g g·T``, in
    ``result_type(data, float64)``; ``"canonical-copy"`` copies each orbit's
    lexicographically-first entry and keeps the dtype. Costs: the core's
    (flopscope-0.12: (|G|+1)·n and n, as upstream 0.12.4; primer: |G|·n and 0).
    """
    if mode not in _MODES:
        raise ValueError(f"unknown symmetrize mode {mode!r}; expected one of {', '.join(map(repr, _MODES))}")
    array = _data(data)
    group = _resolve(symmetry, array.ndim)
    if not _shape_fits(group, array.shape):
        raise SymmetryError(axes=group.axes, max_deviation=float("inf"))
    if mode == "reynolds-projection":
        # The averaging computes in result_type(data, float64): a float64 0-d operand
        # makes the call billed at that type (NEP 50: a 0-d array is not weak).
        result = _call(_symmetrize_op, group, array, group.order(), mode, _np.float64(0).reshape(()).view(_np.ndarray))
    else:
        result = _call(_symmetrize_op, group, array, 1, mode)
    return _core.sym_tag(result, group._id(result.ndim))


def random_symmetric(
    shape: int | Sequence[int],
    symmetry: SymmetryGroup,
    distribution: Any = "randn",
    *,
    mode: str = "reynolds-projection",
    **distribution_kwargs: Any,
) -> "SymmetricTensor":
    """fnp.random.symmetric: a sample of ``distribution`` made invariant under ``symmetry``
    (as :func:`symmetrize`), billed as one op ``random.symmetric``."""
    if mode not in _MODES:
        raise ValueError(f"unknown symmetric mode {mode!r}; expected one of {', '.join(map(repr, _MODES))}")
    if isinstance(shape, (int, _np.integer)):
        shape_tuple: tuple[int, ...] = (int(shape),)
    else:
        try:
            shape_tuple = tuple(int(s) for s in shape)
        except TypeError as exc:
            raise ValueError("shape must be an int or a tuple-like of ints") from exc
    if isinstance(distribution, str):
        if not hasattr(_np.random, distribution):
            raise AttributeError(f"flopscope.numpy.random does not provide distribution '{distribution}'")
        sampler = getattr(_np.random, distribution)
        if distribution in {"rand", "randn"}:
            sample = sampler(*shape_tuple, **distribution_kwargs)
        else:
            sample = sampler(size=shape_tuple, **distribution_kwargs)
    elif callable(distribution):
        try:
            sample = distribution(*shape_tuple, **distribution_kwargs)
        except TypeError:
            sample = distribution(size=shape_tuple, **distribution_kwargs)
    else:
        raise TypeError("distribution must be a numpy random function name or a callable")
    sample = _np.asarray(sample)
    group = _resolve(symmetry, sample.ndim)
    if not _shape_fits(group, sample.shape):
        raise SymmetryError(axes=group.axes, max_deviation=float("inf"))
    order = group.order() if mode == "reynolds-projection" else 1
    result = _call(_random_symmetric_op, group, int(sample.size), order, mode, sample=sample)
    return _core.sym_tag(result, group._id(result.ndim))


# ---------------------------------------------------------------------------
# SymmetricTensor
# ---------------------------------------------------------------------------


def _moved_axes(gid: int) -> str:
    axes = sorted({a for e in _core.sym_elements(gid) for a, v in enumerate(e) if v != a})
    return "(" + ", ".join(map(str, axes)) + ("," if len(axes) == 1 else "") + ")"


def _warn_loss(what: str, reason: str) -> None:
    if _settings["symmetry_warnings"]:
        warnings.warn(
            f"Symmetry lost along dims {what}: {reason}. Use as_symmetric() to re-tag if you know the result is "
            "symmetric. "
            "Suppress with flops.configure(symmetry_warnings=False).",
            SymmetryLossWarning,
            stacklevel=3,
        )


def _selection(key: Any, shape: tuple[int, ...]) -> tuple[list[int], list[int], list[bool]] | None:
    """For a basic index: (source input axis of each output axis, -1 for None; a class per input
    axis, equal for axes selected alike, -1 for an axis indexed away; whether each input axis is
    selected whole). None for advanced indexing."""
    if not isinstance(key, tuple):
        key = (key,)
    n_real = sum(1 for k in key if k is not None and k is not Ellipsis)
    if sum(1 for k in key if k is Ellipsis) > 1:
        return None
    expanded: list[Any] = []
    for k in key:
        if k is Ellipsis:
            expanded.extend([slice(None)] * (len(shape) - n_real))
        else:
            expanded.append(k)
    source: list[int] = []
    selection = [0] * len(shape)
    whole = [True] * len(shape)
    classes: dict[tuple, int] = {}
    axis = 0
    for k in expanded:
        if k is None:
            source.append(-1)
            continue
        if axis >= len(shape):
            return None
        if isinstance(k, slice):
            r = range(*k.indices(shape[axis]))
            selection[axis] = classes.setdefault((len(r), r.start, r.step) if len(r) else (0,), len(classes))
            whole[axis] = r == range(shape[axis])
            source.append(axis)
        elif isinstance(k, (int, _np.integer)) and not isinstance(k, (bool, _np.bool_)):
            selection[axis] = -1
            whole[axis] = False
        else:
            return None
        axis += 1
    for a in range(axis, len(shape)):
        selection[a] = classes.setdefault((shape[a], 0, 1), len(classes))
        source.append(a)
    return source, selection, whole


def _profile_flag(name: str) -> bool:
    return bool(_core.sym_profile_flag(name))


class SymmetricTensor(_core.SymmetricBase):
    """A flopscope array carrying a symmetry group (spec 5.4); made by :func:`as_symmetric`.

    Every counted operation accepts it. Under the ``flopscope-0.12`` profile its
    operations bill its distinct elements (orbits), as upstream 0.12.4 does; the
    ``primer`` prices every element. Any write into its buffer (item assignment,
    in-place operators, ``out=``, ``fill_diagonal``, ``put``, ``sort``, ``shuffle``,
    ``.shape =``, ...) voids the tag.
    """

    __slots__ = ()

    def __new__(cls, data: Any, symmetry: Any = None):
        if symmetry is None:
            raise ValueError("SymmetricTensor(data, symmetry=...) needs a symmetry")
        return as_symmetric(data, symmetry=symmetry)

    @property
    def symmetry(self) -> SymmetryGroup | None:
        """The tensor's group, or None once a write has voided it."""
        return _group_of(_core.sym_tag_of(self), self.ndim)

    @property
    def symmetric_axes(self) -> list[tuple[int, ...]]:
        g = self.symmetry
        return [] if g is None else [tuple(sorted(o)) for o in _orbits_on_axes(g)]

    def is_symmetric(self, symmetry: Any = None, *, atol: float = _ATOL, rtol: float = _RTOL) -> bool:
        if symmetry is None:
            symmetry = self.symmetry
        return is_symmetric(self, symmetry=symmetry, atol=atol, rtol=rtol)

    # -- views that keep the tag --
    def __getitem__(self, key: Any) -> Any:
        result = super().__getitem__(key)
        if not isinstance(result, _core.SymmetricBase):
            return result
        gid = _core.sym_tag_of(self)
        new = 0
        if gid:
            sel = _selection(key, self.shape)
            if sel is not None:
                source, selection, whole = sel
                if not _profile_flag("slices"):
                    # flopscope-0.12: upstream 0.12.4 keeps the group only through whole-axis
                    # selections (S[:], S[None], T[..., 0]); S[:3, :3] drops it there (measured).
                    selection = [c if c < 0 or whole[a] else len(selection) + a for a, c in enumerate(selection)]
                new = _core.sym_select(gid, source, selection)
            if not new:
                _warn_loss(_moved_axes(gid), "slicing removed all symmetric dim groups")
        return _retagged(result, new)

    def transpose(self, *axes: Any) -> Any:
        result = super().transpose(*axes)
        if len(axes) == 1 and axes[0] is not None and not isinstance(axes[0], int):
            axes = tuple(axes[0])
        order = list(range(self.ndim))[::-1] if not axes or axes == (None,) else [a % self.ndim for a in axes]
        return self._permuted(result, order)

    @property
    def T(self) -> Any:
        return self.transpose()

    def swapaxes(self, axis1: int, axis2: int) -> Any:
        order = list(range(self.ndim))
        a, b = axis1 % self.ndim, axis2 % self.ndim
        order[a], order[b] = order[b], order[a]
        return self._permuted(super().swapaxes(axis1, axis2), order)

    def _permuted(self, result: Any, order: list[int]) -> Any:
        if not isinstance(result, _core.SymmetricBase):
            return result
        gid = _core.sym_tag_of(self)
        return _retagged(result, _core.sym_permute(gid, order) if gid else 0)

    def copy(self, order: str = "C") -> Any:
        gid = _core.sym_tag_of(self)
        result = super().copy(order)  # a fresh buffer: the tag carries over
        if isinstance(result, _core.SymmetricBase):
            return _retagged(result, gid)
        return _core.sym_tag(result, gid) if gid and isinstance(result, _np.ndarray) else result

    # -- writes void the tag --
    def fill(self, value: Any) -> None:
        _void_for_write(self)
        return super().fill(value)

    def put(self, *args: Any, **kwargs: Any) -> None:
        _void_for_write(self)
        return super().put(*args, **kwargs)

    def resize(self, *args: Any, **kwargs: Any) -> None:
        _void_for_write(self)
        return super().resize(*args, **kwargs)

    def itemset(self, *args: Any) -> None:  # NumPy < 2
        _void_for_write(self)
        return super().itemset(*args)

    @property
    def shape(self) -> tuple[int, ...]:
        return _np.ndarray.shape.__get__(self)

    @shape.setter
    def shape(self, value: Any) -> None:
        _void_for_write(self)
        _np.ndarray.shape.__set__(self, value)

    def __deepcopy__(self, memo: Any) -> Any:
        return self.copy()

    def __reduce__(self):
        return (_rebuild, (_np.asarray(self), None if self.symmetry is None else self.symmetry))


def _void_for_write(array: Any) -> None:
    """A write is about to happen: void the tag (unless configure(immutable=True) refuses it)."""
    from ._budget import _settings as budget_settings

    if not budget_settings.get("immutable"):
        _core.sym_void(array)


def _retagged(result: Any, gid: int) -> Any:
    """A fresh SymmetricTensor view made by NumPy (untagged): tagged with `gid`, or, when the
    symmetry did not survive, a plain flopscope array (as upstream returns)."""
    if gid:
        _core.sym_retag(result, gid)
        if _core.sym_tag_of(result):
            return result
    return result.view(_core.ndarray)


def _rebuild(array: _np.ndarray, symmetry: SymmetryGroup | None) -> Any:
    view = _core.wrap(array) if symmetry is None else _core.sym_tag(array, symmetry._id(array.ndim))
    return view


def _orbits_on_axes(group: SymmetryGroup) -> list[frozenset[int]]:
    axes = group.axes
    return [frozenset(axes[i] for i in o) for o in group.orbits() if len(o) > 1]


_core._sym_register(SymmetricTensor)
_core._sym_set_warnings(SymmetryLossWarning, True)

# The op-table rows each public function runs (the surface tests read this).
as_symmetric.__flopscope_op__ = "as_symmetric"  # type: ignore[attr-defined]
is_symmetric.__flopscope_op__ = "is_symmetric"  # type: ignore[attr-defined]
symmetrize.__flopscope_op__ = "symmetrize"  # type: ignore[attr-defined]
random_symmetric.__flopscope_op__ = "random.symmetric"  # type: ignore[attr-defined]
