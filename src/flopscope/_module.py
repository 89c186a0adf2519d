"""flops.Module: a base class whose arrays save and load as a state dict (spec section 10).

    class Estimator(flops.Module):
        def __init__(self, width=8):
            self.width = width
            self.layers = [fnp.zeros((width, width)) for _ in range(2)]
        def config(self):
            return {"width": self.width}

    est.save("est.npz")                     # the arrays, plus config() as metadata
    Estimator.from_file("est.npz")          # Estimator(width=8), arrays loaded

The state dict maps dotted names to flopscope arrays: public attributes that are
arrays, nested Modules ("name.<key>"), lists and tuples ("name.0") and dicts
("name.key"). Saving is pickle-free (flopscope.numpy.savez).
"""

from __future__ import annotations

from typing import Any

from . import _core


def _collect(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, _core.ndarray):
        out[prefix] = value
    elif isinstance(value, Module):
        value._state_into(prefix + ".", out)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _collect(item, f"{prefix}.{i}", out)
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                _collect(item, f"{prefix}.{key}", out)


def _replace(container: Any, parts: list[str], value: Any) -> Any:
    """`container` with the entry at the dotted path `parts` replaced by `value`."""
    head, rest = parts[0], parts[1:]
    if isinstance(container, Module):
        current = getattr(container, head)
        setattr(container, head, value if not rest else _replace(current, rest, value))
        return container
    if isinstance(container, (list, tuple)):
        i = int(head)
        items = list(container)
        items[i] = value if not rest else _replace(items[i], rest, value)
        return items if isinstance(container, list) else type(container)(items)
    if isinstance(container, dict):
        container[head] = value if not rest else _replace(container[head], rest, value)
        return container
    raise TypeError(f"cannot load into {type(container).__name__}")


class Module:
    """Base class: arrays reachable from public attributes form the state dict."""

    def _state_into(self, prefix: str, out: dict[str, Any]) -> None:
        for name, value in vars(self).items():
            if not name.startswith("_"):
                _collect(value, prefix + name, out)

    def state_dict(self, prefix: str = "") -> dict[str, Any]:
        """{dotted name: flopscope array} of every array this module holds."""
        out: dict[str, Any] = {}
        self._state_into(prefix, out)
        return out

    def load_state_dict(self, state_dict: dict[str, Any], *, strict: bool = True) -> None:
        """Replaces this module's arrays by those of `state_dict` (same names).

        strict: the names must match exactly, else ValueError naming the missing
        and unexpected ones (and nothing is changed)."""
        own = self.state_dict()
        missing = sorted(set(own) - set(state_dict))
        unexpected = sorted(set(state_dict) - set(own))
        if strict and (missing or unexpected):
            raise ValueError(f"state_dict mismatch. missing={missing} unexpected={unexpected}")
        from .numpy import asarray

        for key in sorted(set(own) & set(state_dict)):
            _replace(self, key.split("."), asarray(state_dict[key]))

    def config(self) -> dict[str, Any]:
        """Constructor arguments saved as metadata (from_file passes them back)."""
        return {}

    def save(self, path: Any, *, meta: dict[str, Any] | None = None) -> None:
        """Saves the state dict and {**config(), **meta} to a .npz file (pickle-free)."""
        from .numpy import savez

        savez(path, __meta__={**self.config(), **(meta or {})}, **self.state_dict())

    def load(self, path: Any) -> "Module":
        """Loads the arrays saved at `path` into this module (strict names)."""
        from .numpy import load

        loaded = dict(load(path))
        loaded.pop("__meta__", None)
        self.load_state_dict(loaded)
        return self

    @classmethod
    def from_file(cls, path: Any, **overrides: Any) -> "Module":
        """cls(**saved metadata, **overrides), then its arrays loaded from `path`."""
        from .numpy import load

        loaded = dict(load(path))
        meta = loaded.pop("__meta__", {})
        module = cls(**{**meta, **overrides})
        module.load_state_dict(loaded)
        return module
