"""The sandbox's side of the channel: arrays as handles, every operation a request to the server.

Built at handshake from what the server sends (the op table's names, the array methods, the
error types), so every counted name exists on both sides. Pure standard library.
"""

from __future__ import annotations

import builtins
import collections
import os
import socket
import struct
import sys
import warnings

import _whest_wire as W

#: the client's own files (this folder): a forwarded warning is shown at the first frame outside it
_CLIENT_ROOT = os.path.dirname(os.path.abspath(__file__)) + os.sep

_frame_head = struct.Struct("<I").pack
_OK_ARRAY = W.OK_ARRAY
_N_OK_ARRAY = len(_OK_ARRAY)
_parse_array_reply = W.parse_array_reply
_encode_into = W.encode_into
_u32_from = struct.Struct("<I").unpack_from
_q_from = struct.Struct("<q").unpack_from
#: handles the sandbox dropped (ndarray.__del__ appends), sent with the next request: one list for the
#: life of the process, emptied in place
_FREES: list = []
_MAX_FREES = 4096  # per fast request
#: pack(frame length, kind, id, nargs, nfrees, *handles) of a framed fast request, by handle count
_REQUESTS = [struct.Struct("<IBIHH%dq" % n).pack for n in range(16)]
#: (dtype, shape) of an array reply, by its bytes after the handle (dtype name, ndim, dims)
_META: dict = {}


def _request_packer(n: int):
    return _REQUESTS[n] if n < 16 else struct.Struct("<IBIHH%dq" % n).pack


_u32_pack = struct.Struct("<I").pack
_q_pack = struct.Struct("<q").pack
_NO_FREES = b"l" + _u32_pack(0)
#: the encoded start of a generic request, (kind, frees, ...): tuple of n + 1 items, then the kind
_HEADS: dict = {}


def _request_head(n: int, kind: int) -> bytes:
    head = b"t" + _u32_pack(n + 1) + b"i" + _q_pack(kind)
    if type(kind) is int and 0 <= kind < 64 and n < 16:
        _HEADS[(n, kind)] = head
    return head


class RemoteError(Exception):
    pass


class Connection:
    def __init__(self, fd: int) -> None:
        self.sock = socket.socket(fileno=fd)
        self.chan = W.Channel(self.sock)
        self.frees = _FREES
        self.dec = W.Decoder(array=_array, obj=_object, scalar=_scalar, dtype=_dtype, named=_named)
        self.errors: dict = {}
        self._sendall = self.sock.sendall
        self._recv_into = self.sock.recv_into

    def _take_frees(self, limit=None) -> list:
        frees = self.frees
        if limit is not None and len(frees) > limit:
            taken = frees[:limit]
            del frees[:limit]
            return taken
        taken = frees[:]
        frees.clear()
        return taken

    def request(self, msg: tuple):
        """msg = (kind, ...): sent as (kind, frees, ...); returns the decoded value or raises the
        server's error."""
        head = _HEADS.get((len(msg), msg[0]))
        if head is None:
            head = _request_head(len(msg), msg[0])
        if self.frees:
            frees = self._take_frees()
            out = [head, b"l" + _u32_pack(len(frees)) + b"".join([b"i" + _q_pack(h) for h in frees])]
        else:
            out = [head, _NO_FREES]
        for item in msg[1:]:
            _encode_into(item, out)
        body = b"".join(out)
        self._sendall(_frame_head(len(body)) + body)
        return self._reply()

    def _reply(self):
        """The reply to the request just sent: an array read in place when it arrived whole (its
        dtype and shape from a cache), anything else decoded; the server's error raised."""
        chan = self.chan
        if chan.end == 0:  # nothing buffered: read straight into the channel's buffer
            buf = chan.buf
            k = self._recv_into(buf)
            if k > 27 and buf.startswith(_OK_ARRAY, 4) and _u32_from(buf)[0] == k - 4:
                tail = bytes(chan.view[27:k])
                meta = _META.get(tail)
                if meta is None:
                    meta = _array_meta(tail)
                a = _new(ndarray)
                a._h = _q_from(buf, 19)[0]
                a.dtype, a.shape = meta
                return a
            chan.end = k  # anything else: the general path reads the rest
        payload = chan.recv()
        if payload[:_N_OK_ARRAY] == _OK_ARRAY:
            return _array(*_parse_array_reply(payload))
        reply = self.dec.decode(payload)
        if reply[0] == W.WARN:  # the call warned on the server: its reply follows
            warned = reply[1]
            payload = chan.recv()
            if payload[:_N_OK_ARRAY] == _OK_ARRAY:
                result = _array(*_parse_array_reply(payload))
                self.warn(warned)  # after the reply is read: a filter may turn a warning into an error
                return result
            reply = self.dec.decode(payload)
            self.warn(warned)
        if reply[0] == W.OK:
            return reply[1]
        raise self.error(reply[1], reply[2])

    def warn(self, warned) -> None:
        """The server's warnings again here, at the first caller outside the client (the participant's
        line, as in process), under the sandbox's own warning filters."""
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename.startswith(_CLIENT_ROOT):
            frame = frame.f_back
        for names, message in warned:
            category = next((c for c in map(self.remote_class, names) if issubclass(c, Warning)), UserWarning)
            if frame is None:
                warnings.warn(message, category)
                continue
            module_globals = frame.f_globals
            warnings.warn_explicit(message, category, frame.f_code.co_filename, frame.f_lineno,
                                   module=module_globals.get("__name__"),
                                   registry=module_globals.setdefault("__warningregistry__", {}),
                                   module_globals=module_globals)

    def fast(self, kind: int, ident: int, handles: list):
        """A CALL / OPERATOR on array handles only (the hot path): one struct out."""
        frees = self.frees
        nf = len(frees)
        if nf:
            if nf > _MAX_FREES:
                nf = _MAX_FREES
                handles += frees[:nf]
                del frees[:nf]
            else:
                handles += frees
                frees.clear()
        n = len(handles)
        self._sendall(_request_packer(n)(9 + 8 * n, kind, ident, n - nf, nf, *handles))
        chan = self.chan
        if chan.end == 0:  # _reply()'s array case, inlined: the call would be a tenth of this path
            buf = chan.buf
            k = self._recv_into(buf)
            if k > 27 and buf.startswith(_OK_ARRAY, 4) and _u32_from(buf)[0] == k - 4:
                tail = bytes(chan.view[27:k])
                meta = _META.get(tail)
                if meta is None:
                    meta = _array_meta(tail)
                a = _new(ndarray)
                a._h = _q_from(buf, 19)[0]
                a.dtype, a.shape = meta
                return a
            chan.end = k
        return self._reply()

    def send(self, msg: tuple) -> None:
        self.chan.send((msg[0], self._take_frees()) + msg[1:])

    def receive(self):
        return self.dec.decode(self.chan.recv())

    def remote_class(self, name: str) -> type:
        """The class a server type name stands for here (flopscope's errors and warnings by the
        handshake, a builtin by its name), or NoneType when there is none."""
        cls = self.errors.get(name)
        if cls is None and name.startswith("builtins."):
            cls = getattr(builtins, name[9:], None)
        return cls if isinstance(cls, type) else type(None)

    def error(self, names, message):
        for cls in map(self.remote_class, names):
            if issubclass(cls, Exception):
                try:
                    return cls(message)
                except Exception:  # noqa: BLE001 - a constructor with other arguments
                    pass
        return RemoteError(message)


CONN: Connection = None  # set by the boot script


# ---------------------------------------------------------------------------- dtypes and scalars
class dtype:
    """A NumPy dtype, by name. Calling a scalar type (fnp.float32(1.5)) makes a scalar on the server."""

    __slots__ = ("name",)
    _interned: dict = {}

    def __new__(cls, name="float64"):
        if isinstance(name, dtype):
            return name
        name = getattr(name, "name", name)
        if not isinstance(name, str):
            name = {float: "float64", int: "int64", bool: "bool", complex: "complex128"}.get(name, name)
        got = cls._interned.get(name)
        if got is None:
            got = object.__new__(cls)
            got.name = name
            cls._interned[name] = got
        return got

    def _wire_value(self):
        return W.DTypeName(self.name)

    def __call__(self, value=0):
        return CONN.request((W.CALL, FUNCTIONS["_scalar"], (self.name, value), None))

    def __eq__(self, other):
        if isinstance(other, dtype):
            return other.name == self.name
        if isinstance(other, str):
            return other == self.name or dtype(_ALIASES.get(other, other)).name == self.name
        return NotImplemented

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"dtype('{self.name}')"

    def __str__(self):
        return self.name

    @property
    def type(self):
        return self

    @property
    def kind(self):
        return _FORMATS.get(self.name, ("", "?"))[1]

    @property
    def itemsize(self):
        fmt = _FORMATS.get(self.name)
        return struct.calcsize(fmt[0]) if fmt else 0


_ALIASES = {"f4": "float32", "f8": "float64", "i8": "int64", "i4": "int32", "float": "float64", "int": "int64",
            "complex": "complex128", "?": "bool", "bool_": "bool"}
_FORMATS = {"float16": ("<e", "f"), "float32": ("<f", "f"), "float64": ("<d", "f"), "int8": ("<b", "i"),
            "int16": ("<h", "i"), "int32": ("<i", "i"), "int64": ("<q", "i"), "uint8": ("<B", "u"),
            "uint16": ("<H", "u"), "uint32": ("<I", "u"), "uint64": ("<Q", "u"), "bool": ("<?", "b"),
            "complex64": ("<ff", "c"), "complex128": ("<dd", "c")}


def _dtype(name):
    return dtype(name)


_NAMED: dict = {}


def _named(type_name, fields, values):
    """A named tuple result (SVDResult, EighResult, ...): the same type name and fields as in-process."""
    cls = _NAMED.get((type_name, fields))
    if cls is None:
        try:
            cls = collections.namedtuple(type_name, fields, module="flopscope.numpy")
        except (ValueError, TypeError):
            return tuple(values)
        if len(_NAMED) < 1024:
            _NAMED[(type_name, fields)] = cls
    return cls(*values)


class generic:
    """A NumPy scalar held by value (its exact bytes); arithmetic on it runs on the server."""

    __slots__ = ("dtype", "raw", "_v")

    def _wire_value(self):
        return W.Scalar(self.dtype.name, self.raw)

    def item(self):
        return self._v

    def tolist(self):
        return self._v

    def __float__(self):
        return float(self._v.real if isinstance(self._v, complex) else self._v)

    def __int__(self):
        return int(self._v.real if isinstance(self._v, complex) else self._v)

    def __index__(self):
        if self.dtype.kind not in "iub":
            raise TypeError(f"'{self.dtype.name}' object cannot be interpreted as an integer")
        return int(self._v)

    def __complex__(self):
        return complex(self._v)

    def __bool__(self):
        return bool(self._v)

    def __hash__(self):
        return hash(self._v)

    def __repr__(self):
        return f"np.{self.dtype.name}({self._v!r})"

    def __str__(self):
        return str(self._v)

    def __format__(self, spec):
        return format(self._v, spec)

    shape = ()
    ndim = 0
    size = 1


def _scalar(name, raw):
    s = object.__new__(generic)
    s.dtype = dtype(name)
    s.raw = raw
    fmt = _FORMATS.get(name)
    if fmt is None:
        s._v = None
    else:
        v = struct.unpack(fmt[0], raw)
        s._v = complex(v[0], v[1]) if len(v) == 2 else v[0]
    return s


# ---------------------------------------------------------------------------- arrays and objects
class ndarray:
    """An array the server holds. shape, dtype, ndim and size come with every result."""

    __slots__ = ("_h", "shape", "dtype", "__weakref__")
    __array_priority__ = 1000
    __hash__ = None

    def _wire_handle(self):
        return self._h

    def __del__(self, _append=_FREES.append):
        try:
            _append(self._h)
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        n = 1
        for d in self.shape:
            n *= d
        return n

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d array")
        for i in range(self.shape[0]):
            yield self[i]

    def __getitem__(self, key):
        return CONN.request((W.GETITEM, self, key))

    def __setitem__(self, key, value):
        CONN.request((W.SETITEM, self, key, value))

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return CONN.request((W.GETATTR, self, name))

    def __repr__(self):
        return CONN.request((W.CONVERT, self, 5))

    def __str__(self):
        return CONN.request((W.CONVERT, self, 6))

    def __format__(self, spec):
        return format(str(self), spec) if not spec else format(self.item(), spec)

    def __array__(self, *a, **k):
        raise TypeError("flopscope arrays in the sandbox have no __array__ (there is no NumPy here)")


_new = object.__new__
_interned = dtype._interned


W._ENCODERS[ndarray] = lambda v, out, _p=struct.Struct("<q").pack: out.append(b"h" + _p(v._h))


class SymmetricTensor(ndarray):
    """A SymmetricTensor the server holds (flops.as_symmetric, symmetrize, ...): every call on it bills
    its orbits there, as in-process. `.symmetry` is the server's SymmetryGroup (a remote object);
    its other members are installed at handshake from the server's class."""

    __slots__ = ()

    def __new__(cls, data, symmetry=None):
        return CONN.request((W.CALL, FUNCTIONS["SymmetricTensor"], (data, symmetry), None))


def _array(hid, name, shape, symmetric=False):
    a = _new(SymmetricTensor if symmetric else ndarray)
    a._h = hid
    a.shape = shape
    a.dtype = _interned.get(name) or dtype(name)
    return a


def _array_meta(tail: bytes):
    """(dtype, shape) from an array reply's bytes after the handle: u8 + dtype name, u8 ndim, dims."""
    n = tail[0]
    name = tail[1:1 + n].decode("ascii")
    shape = W.shape_struct(tail[1 + n]).unpack_from(tail, 1 + n)[1:]
    if 2 + n + 8 * len(shape) != len(tail):
        raise W.WireError("malformed message: an array reply of the wrong length")
    meta = (_interned.get(name) or dtype(name), shape)
    if len(_META) < 4096:
        _META[tail] = meta
    return meta


class _Remote:
    """Any other object the server holds (a Generator, a SeedSequence, finfo, ...)."""

    __slots__ = ("_h", "__weakref__")
    _kind = "object"

    def _wire_handle(self):
        return self._h

    def __del__(self, _append=_FREES.append):
        try:
            _append(self._h)
        except Exception:  # noqa: BLE001
            pass

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return CONN.request((W.GETATTR, self, name))

    def __repr__(self):
        return CONN.request((W.CONVERT, self, 5))


OBJECT_CLASSES: dict = {}


def _object(hid, type_name):
    cls = OBJECT_CLASSES.get(type_name, _Remote)
    o = object.__new__(cls)
    o._h = hid
    return o


class _RemoteClass(_Remote):
    """A server class the sandbox may construct (SymmetryGroup): its constructor and class methods
    are server functions; equality and hashing are the server's."""

    __slots__ = ()

    def __new__(cls, *args, **kwargs):
        return CONN.request((W.CALL, FUNCTIONS[cls.__name__], args, kwargs or None))

    def __eq__(self, other):
        return CONN.request((W.OPERATOR, _OPS["eq"], self, other))

    def __ne__(self, other):
        return CONN.request((W.OPERATOR, _OPS["ne"], self, other))

    def __hash__(self):
        return CONN.request((W.CONVERT, self, 8))

    def __str__(self):
        return CONN.request((W.CONVERT, self, 6))


_OPS = {n: i for i, n in enumerate(W.OPERATORS)}


def _class_function(full):
    def make(cls, *args, **kwargs):
        return CONN.request((W.CALL, FUNCTIONS[full], args, kwargs or None))
    make.__name__ = full.rsplit(".", 1)[-1]
    return classmethod(make)


def _method(name):
    def method(self, *args, **kwargs):
        return CONN.request((W.METHOD, self, name, args, kwargs or None))
    method.__name__ = name
    return method


def _prop(name):
    return property(lambda self: CONN.request((W.GETATTR, self, name)))


def _install_operators() -> None:
    ops = {n: i for i, n in enumerate(W.OPERATORS)}

    def binary(i):
        def op(self, other):
            if type(self) is ndarray and type(other) is ndarray:
                return CONN.fast(2, i, [self._h, other._h])
            return CONN.request((W.OPERATOR, i, self, other))
        return op

    def reflected(i):
        return lambda self, other: CONN.request((W.OPERATOR, i, other, self))

    def unary(i):
        return lambda self: CONN.request((W.OPERATOR, i, self))

    for name in ("add", "sub", "mul", "matmul", "truediv", "floordiv", "mod", "pow", "lshift", "rshift",
                 "and", "or", "xor"):
        i = ops[name + "_" if name in ("and", "or") else name]
        for cls in (ndarray, generic):
            setattr(cls, f"__{name}__", binary(i))
            setattr(cls, f"__r{name}__", reflected(i))
        setattr(ndarray, f"__i{name}__", binary(ops["i" + name]))
    for name in ("lt", "le", "eq", "ne", "gt", "ge"):
        for cls in (ndarray, generic):
            setattr(cls, f"__{name}__", binary(ops[name]))
    for name in ("neg", "pos", "abs", "invert"):
        for cls in (ndarray, generic):
            setattr(cls, f"__{name}__", unary(ops[name]))
    for cls in (ndarray, generic):
        setattr(cls, "__divmod__", binary(ops["divmod"]))
        setattr(cls, "__rdivmod__", reflected(ops["divmod"]))
    generic.__eq__ = lambda self, other: (self._v == other._v if isinstance(other, generic) and
                                          other.dtype == self.dtype else
                                          CONN.request((W.OPERATOR, ops["eq"], self, other)))
    generic.__hash__ = lambda self: hash(self._v)

    for conv, i in (("__bool__", 0), ("__float__", 1), ("__int__", 2), ("__index__", 3), ("__complex__", 4)):
        setattr(ndarray, conv, (lambda i: lambda self: CONN.request((W.CONVERT, self, i)))(i))


_install_operators()


# ---------------------------------------------------------------------------- the surface
FUNCTIONS: dict = {}   # name -> function id
HANDSHAKE: dict = {}


class Function:
    """A counted (or op-table-free) function of the server; ufunc methods (.reduce, .outer, ...) hang off it."""

    __slots__ = ("_fid", "__name__", "__dict__")

    def __init__(self, fid, name):
        self._fid = fid
        self.__name__ = name.rsplit(".", 1)[-1]

    def __call__(self, *args, **kwargs):
        if not kwargs:
            handles = []
            for a in args:
                if type(a) is not ndarray:
                    break
                handles.append(a._h)
            else:
                return CONN.fast(1, self._fid, handles)
        return CONN.request((W.CALL, self._fid, args, kwargs or None))

    def __repr__(self):
        return f"<flopscope function {self.__name__}>"


def setup(conn: Connection) -> dict:
    """Handshake: reads the server's surface and builds the client's functions, methods and errors."""
    global CONN
    CONN = conn
    hs = conn.receive()
    HANDSHAKE.update(hs)
    for fid, name in enumerate(hs["functions"]):
        FUNCTIONS[name] = fid
    for name in hs["ndarray_methods"]:
        setattr(ndarray, name, _method(name))
    for name in hs["ndarray_properties"]:
        if name not in ("shape", "dtype", "ndim", "size"):
            setattr(ndarray, name, _prop(name))
    for name in ("item", "tolist"):
        if name in hs["ndarray_methods"]:
            setattr(generic, name, generic.__dict__[name])
    for type_name, spec in hs.get("classes", {}).items():
        if spec["array"]:
            cls = SymmetricTensor if type_name == "SymmetricTensor" else None
            if cls is None:
                continue
        else:
            cls = OBJECT_CLASSES.get(type_name)
            if cls is None:
                cls = type(type_name, (_RemoteClass,), {"__slots__": (), "__module__": "flopscope"})
                OBJECT_CLASSES[type_name] = cls
            for c in spec["constructors"]:
                setattr(cls, c, _class_function(f"{type_name}.{c}"))
        for m in spec["methods"]:
            setattr(cls, m, _method(m))
        for p in spec["properties"]:
            setattr(cls, p, _prop(p))
    return hs


def public(full: str):
    """The client object for the server function `full`: its class (SymmetryGroup, SymmetricTensor)
    or the flopscope.numpy function of that name (so flops.as_symmetric is fnp.as_symmetric, as
    in-process)."""
    if full == "SymmetricTensor":
        return SymmetricTensor
    cls = OBJECT_CLASSES.get(full)
    if cls is not None and issubclass(cls, _RemoteClass):
        return cls
    obj = sys.modules["flopscope.numpy"]
    for part in full.split("."):
        obj = getattr(obj, part)
    return obj


def make_functions(prefix: str) -> dict:
    """{short name: Function} for the server functions named `prefix + name` (one level), with the
    ufunc methods (`add.reduce`) attached to their function."""
    out = {}
    for name, fid in FUNCTIONS.items():
        if name.startswith(prefix):
            rest = name[len(prefix):]
            if "." not in rest and not rest.startswith("_"):
                out[rest] = Function(fid, name)
    for name, fid in FUNCTIONS.items():
        if name.startswith(prefix):
            rest = name[len(prefix):]
            parts = rest.split(".")
            if len(parts) == 2 and parts[0] in out:
                setattr(out[parts[0]], parts[1], Function(fid, name))
    return out


def object_class(type_name: str, methods) -> type:
    cls = type(type_name, (_Remote,), {"__slots__": ()})
    for m in methods:
        setattr(cls, m, _method(m))
    OBJECT_CLASSES[type_name] = cls
    return cls


def make_errors(module) -> None:
    """The server's flopscope.errors classes, same names and hierarchy, in `module`."""
    made = {}
    for name, bases, doc in HANDSHAKE["errors"]:
        resolved = []
        for b in bases:
            if b in made:
                resolved.append(made[b])
            else:
                cand = getattr(builtins, b.rsplit(".", 1)[-1], None)
                resolved.append(cand if isinstance(cand, type) else Exception)
        cls = type(name.rsplit(".", 1)[-1], tuple(resolved), {"__doc__": doc, "__module__": module.__name__})
        made[name] = cls
        setattr(module, cls.__name__, cls)
        CONN.errors[name] = cls
