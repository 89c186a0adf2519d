"""flopscope.numpy.random in the sandbox: draws happen on the server (free, metered)."""

import _whest_remote as _R

globals().update(_R.make_functions("random."))
for _name, _value in _R.HANDSHAKE["constants"].items():
    if _name.startswith("random."):
        globals()[_name[7:]] = _value
for _cls, _methods in _R.HANDSHAKE["generator_methods"].items():
    _R.object_class(_cls, [*_methods, "spawn", "bit_generator"] if _cls == "Generator" else _methods)
