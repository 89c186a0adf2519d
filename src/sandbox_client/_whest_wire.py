"""The sandbox wire format: struct-packed tagged values, pure standard library.

One module on both sides of the sandbox <-> server channel (the server loads this
very file; nothing is duplicated). No pickle, no eval: a decoder can only build
the values listed here, and refuses anything else with WireError.

Frame: a little-endian u32 payload length, then one encoded value.

    N None        T True         F False       E Ellipsis
    i int64       I big int (u32 length + signed little-endian bytes)
    f float64     c complex128   s str (u32 + utf-8)   b bytes (u32 + raw)
    t tuple / l list (u32 count + items)   d dict (u32 count + key, value ...)
    S slice (start, stop, step)
    h handle     (i64 id): an object the server holds, named by the sandbox
    A array      (i64 id, dtype name, u8 ndim, i64 dims...): a handle with the metadata
                 that travels with every result (server -> sandbox only)
    O object     (i64 id, type name): any other server object (a Generator, ...)
    n scalar     (dtype name, u8 nbytes, raw bytes): a NumPy scalar, by value, bit exact
    D dtype      (dtype name)
    R named tuple (type name, u32 count, then field name and value ...): a result such as
                 NumPy's SVDResult or EighResult (server -> sandbox; the sandbox rebuilds the
                 same named tuple from the names, a decoder without `named` gives a plain tuple)
"""

from __future__ import annotations

import struct

# Requests, sandbox -> server: (kind, frees, ...); frees lists handles the sandbox dropped.
CALL, METHOD, GETATTR, OPERATOR, GETITEM, SETITEM, CONVERT, NS_ENTER, NS_EXIT = range(9)
# The setup/predict protocol, sandbox -> server.
READY, SETUP_FAILED, RESULT, RAISED, CLOSED = 20, 21, 22, 23, 24
# Replies, server -> sandbox: (OK, value) or (ERR, [exception type names, most derived first], message),
# preceded by (WARN, [([warning type names], message), ...]) when the request warned on the server.
OK, ERR, WARN = 0, 1, 2
#: operator-module functions by index (OPERATOR requests name one of these)
OPERATORS = ("add", "sub", "mul", "matmul", "truediv", "floordiv", "mod", "pow", "lshift", "rshift", "and_",
             "or_", "xor", "lt", "le", "eq", "ne", "gt", "ge", "neg", "pos", "abs", "invert", "iadd", "isub",
             "imul", "imatmul", "itruediv", "ifloordiv", "imod", "ipow", "ilshift", "irshift", "iand", "ior",
             "ixor", "divmod")
#: CONVERT requests: builtins applied to a server object
CONVERSIONS = ("bool", "float", "int", "index", "complex", "repr", "str", "len", "hash")

MAX_FRAME = 1 << 30  # one message (arrays are capped at 4 GiB each on the server, upstream's cap)
MAX_DEPTH = 64

_Q = struct.Struct("<q")
_D = struct.Struct("<d")
_DD = struct.Struct("<dd")
_U32 = struct.Struct("<I")
_B = struct.Struct("<B")
_Q_MIN, _Q_MAX = -(1 << 63), (1 << 63) - 1


class WireError(ValueError):
    """A message that is not a well-formed encoded value."""


class Handle:
    """A reference to a server-held object, as the sandbox names it (only its id travels)."""

    __slots__ = ("_h",)

    def __init__(self, hid: int) -> None:
        self._h = hid


class ArrayRef:
    """What the server sends for an array result: id, dtype name, shape; `symmetric` when the server's
    array is a SymmetricTensor (tag Y instead of A, same bytes after it)."""

    __slots__ = ("hid", "dtype", "shape", "symmetric")

    def __init__(self, hid, dtype, shape, symmetric=False):
        self.hid, self.dtype, self.shape, self.symmetric = hid, dtype, shape, symmetric


class ObjectRef:
    __slots__ = ("hid", "type_name")

    def __init__(self, hid, type_name):
        self.hid, self.type_name = hid, type_name


class Scalar:
    """A NumPy scalar by value: dtype name and its raw bytes (exact)."""

    __slots__ = ("dtype", "raw")

    def __init__(self, dtype: str, raw: bytes) -> None:
        self.dtype, self.raw = dtype, raw


class DTypeName:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class Named:
    """A named tuple by its type name and field names (names are short ASCII identifiers)."""

    __slots__ = ("type_name", "fields", "values")

    def __init__(self, type_name: str, fields, values) -> None:
        self.type_name, self.fields, self.values = type_name, tuple(fields), tuple(values)


# ---------------------------------------------------------------------------- encoding
def _enc_int(v, out):
    if _Q_MIN <= v <= _Q_MAX:
        out.append(b"i" + _Q.pack(v))
    else:
        raw = v.to_bytes((v.bit_length() + 8) // 8, "little", signed=True)
        out.append(b"I" + _U32.pack(len(raw)) + raw)


def _enc_str(v, out):
    raw = v.encode("utf-8", "surrogatepass")
    out.append(b"s" + _U32.pack(len(raw)) + raw)


def _enc_seq(tag):
    def enc(v, out):
        out.append(tag + _U32.pack(len(v)))
        for item in v:
            encode_into(item, out)
    return enc


def _enc_dict(v, out):
    out.append(b"d" + _U32.pack(len(v)))
    for k, item in v.items():
        encode_into(k, out)
        encode_into(item, out)


def _enc_short(name: str) -> bytes:
    raw = name.encode("ascii")
    return _B.pack(len(raw)) + raw


def _enc_named(v, out):
    out.append(b"R" + _enc_short(v.type_name) + _U32.pack(len(v.fields)))
    for name, item in zip(v.fields, v.values):
        out.append(_enc_short(name))
        encode_into(item, out)


_ENCODERS = {
    type(None): lambda v, out: out.append(b"N"),
    bool: lambda v, out: out.append(b"T" if v else b"F"),
    int: _enc_int,
    float: lambda v, out: out.append(b"f" + _D.pack(v)),
    complex: lambda v, out: out.append(b"c" + _DD.pack(v.real, v.imag)),
    str: _enc_str,
    bytes: lambda v, out: out.append(b"b" + _U32.pack(len(v)) + v),
    tuple: _enc_seq(b"t"),
    frozenset: _enc_seq(b"z"),  # SymmetryGroup.orbits()
    list: _enc_seq(b"l"),
    dict: _enc_dict,
    slice: lambda v, out: (out.append(b"S"), encode_into(v.start, out), encode_into(v.stop, out),
                           encode_into(v.step, out)),
    type(Ellipsis): lambda v, out: out.append(b"E"),
    ArrayRef: lambda v, out: out.append((b"Y" if v.symmetric else b"A") + _Q.pack(v.hid) + _enc_short(v.dtype)
                                        + shape_struct(len(v.shape)).pack(len(v.shape), *v.shape)),
    ObjectRef: lambda v, out: out.append(b"O" + _Q.pack(v.hid) + _enc_short(v.type_name)),
    Scalar: lambda v, out: out.append(b"n" + _enc_short(v.dtype) + _B.pack(len(v.raw)) + v.raw),
    DTypeName: lambda v, out: out.append(b"D" + _enc_short(v.name)),
    Named: _enc_named,
}


def encode_into(value, out: list) -> None:
    enc = _ENCODERS.get(type(value))
    if enc is None:
        hid = getattr(type(value), "_wire_handle", None)  # client objects that stand for a server handle
        if hid is not None:
            out.append(b"h" + _Q.pack(hid(value)))
            return
        conv = getattr(type(value), "_wire_value", None)  # client dtypes and scalars
        if conv is not None:
            encode_into(conv(value), out)
            return
        for base, enc in _ENCODERS.items():  # subclasses of the basic types (bool before int)
            if base is not type(None) and isinstance(value, base) and base is not bool:
                if base in (tuple, list, dict, str, bytes, int, float, complex):
                    enc(base(value), out)
                    return
        raise TypeError(f"cannot send a {type(value).__name__} to the flopscope server "
                        "(arrays, numbers, strings, bytes, tuples, lists, dicts and slices can be sent)")
    enc(value, out)


def frame(value) -> bytes:
    out: list = [b""]
    encode_into(value, out)
    body = b"".join(out)
    return _U32.pack(len(body)) + body


#: Fast requests (the hot path): a CALL or OPERATOR whose arguments are all array handles, no
#: keywords: one byte (FAST_CALL / FAST_OPERATOR), then u32 function or operator id, u16 nargs,
#: u16 nfrees, then nargs + nfrees int64 handles. A generic request starts with b"t".
FAST_CALL, FAST_OPERATOR = 1, 2
FAST_HEAD = struct.Struct("<BIHH")
_HANDLES: dict = {}


def handles_struct(n: int) -> struct.Struct:
    st = _HANDLES.get(n)
    if st is None:
        st = _HANDLES[n] = struct.Struct("<%dq" % n)
    return st


def fast_request(kind: int, ident: int, handles: list, frees: list) -> bytes:
    n = len(handles) + len(frees)
    body = FAST_HEAD.pack(kind, ident, len(handles), len(frees)) + handles_struct(n).pack(*handles, *frees)
    return _U32.pack(len(body)) + body


def parse_fast_request(buf):
    """(kind, id, handles, frees) of a fast request; WireError when malformed."""
    if len(buf) < FAST_HEAD.size:
        raise WireError("malformed message: a truncated fast request")
    kind, ident, nargs, nfrees = FAST_HEAD.unpack_from(buf, 0)
    n = nargs + nfrees
    if len(buf) != FAST_HEAD.size + 8 * n:
        raise WireError("malformed message: a fast request of the wrong length")
    values = handles_struct(n).unpack_from(buf, FAST_HEAD.size)
    return kind, ident, values[:nargs], values[nargs:]


#: the bytes an (OK, array) reply starts with: both sides take a fast path on it
OK_ARRAY = b"t" + _U32.pack(2) + b"i" + _Q.pack(0) + b"A"
_SHAPES: dict = {}


def shape_struct(nd: int) -> struct.Struct:
    """u8 ndim and ndim int64 dims, cached per ndim."""
    st = _SHAPES.get(nd)
    if st is None:
        st = _SHAPES[nd] = struct.Struct("<B%dq" % nd)
    return st


def array_reply(hid: int, name_bytes: bytes, shape: tuple) -> bytes:
    """The framed (OK, array) reply; `name_bytes` is the dtype name with its u8 length."""
    body = OK_ARRAY + _Q.pack(hid) + name_bytes + shape_struct(len(shape)).pack(len(shape), *shape)
    return _U32.pack(len(body)) + body


def parse_array_reply(buf):
    """(hid, dtype name, shape) of a payload that starts with OK_ARRAY."""
    p = len(OK_ARRAY)
    (hid,) = _Q.unpack_from(buf, p)
    n = buf[p + 8]
    name = bytes(buf[p + 9:p + 9 + n]).decode("ascii")
    q = p + 9 + n
    nd = buf[q]
    shape = shape_struct(nd).unpack_from(buf, q)[1:]
    return hid, name, shape


# ---------------------------------------------------------------------------- decoding
class Decoder:
    """Decodes one payload. `resolve(id)` turns an incoming handle into the object (server side);
    `array(ref)` / `obj(ref)` / `named(type name, fields, values)` build the sandbox's proxies and
    named tuples (client side)."""

    __slots__ = ("buf", "pos", "resolve", "array", "obj", "scalar", "dtype", "named")

    def __init__(self, resolve=None, array=None, obj=None, scalar=None, dtype=None, named=None):
        self.resolve, self.array, self.obj, self.scalar, self.dtype = resolve, array, obj, scalar, dtype
        self.named = named

    def decode(self, buf):
        self.buf, self.pos = buf, 0
        try:
            value = self._value(0)
        except (struct.error, IndexError, UnicodeDecodeError, OverflowError) as exc:
            raise WireError(f"malformed message: {exc}") from None
        if self.pos != len(buf):
            raise WireError(f"malformed message: {len(buf) - self.pos} trailing byte(s)")
        return value

    def _short(self):
        n = self.buf[self.pos]
        s = bytes(self.buf[self.pos + 1:self.pos + 1 + n])
        if len(s) != n:
            raise WireError("malformed message: truncated name")
        self.pos += 1 + n
        return s.decode("ascii")

    def _len(self):
        (n,) = _U32.unpack_from(self.buf, self.pos)
        self.pos += 4
        if n > len(self.buf) - self.pos:
            raise WireError("malformed message: a length runs past the end")
        return n

    def _value(self, depth):
        if depth > MAX_DEPTH:
            raise WireError(f"malformed message: nested deeper than {MAX_DEPTH}")
        buf = self.buf
        tag = buf[self.pos]
        self.pos += 1
        if tag == 105:  # i
            (v,) = _Q.unpack_from(buf, self.pos)
            self.pos += 8
            return v
        if tag == 104:  # h
            (v,) = _Q.unpack_from(buf, self.pos)
            self.pos += 8
            if self.resolve is None:
                raise WireError("malformed message: a handle where none may be")
            return self.resolve(v)
        if tag == 116 or tag == 108:  # t l
            n = self._len()
            items = [self._value(depth + 1) for _ in range(n)]
            return tuple(items) if tag == 116 else items
        if tag == 122:  # z
            n = self._len()
            try:
                return frozenset([self._value(depth + 1) for _ in range(n)])
            except TypeError:
                raise WireError("malformed message: an unhashable set item") from None
        if tag == 102:  # f
            (v,) = _D.unpack_from(buf, self.pos)
            self.pos += 8
            return v
        if tag == 78:
            return None
        if tag == 84:
            return True
        if tag == 70:
            return False
        if tag == 115 or tag == 98:  # s b
            n = self._len()
            raw = bytes(buf[self.pos:self.pos + n])
            self.pos += n
            return raw.decode("utf-8", "surrogatepass") if tag == 115 else raw
        if tag == 65 or tag == 89:  # A Y (a symmetric tensor)
            (hid,) = _Q.unpack_from(buf, self.pos)
            self.pos += 8
            dtype = self._short()
            nd = buf[self.pos]
            shape = shape_struct(nd).unpack_from(buf, self.pos)[1:]
            self.pos += 1 + 8 * nd
            if self.array is None:
                raise WireError("malformed message: an array result where none may be")
            return self.array(hid, dtype, shape) if tag == 65 else self.array(hid, dtype, shape, True)
        if tag == 110:  # n
            dtype = self._short()
            n = buf[self.pos]
            raw = bytes(buf[self.pos + 1:self.pos + 1 + n])
            self.pos += 1 + n
            if len(raw) != n:
                raise WireError("malformed message: truncated scalar")
            return self.scalar(dtype, raw) if self.scalar else Scalar(dtype, raw)
        if tag == 100:  # d
            n = self._len()
            out = {}
            for _ in range(n):
                k = self._value(depth + 1)
                try:
                    out[k] = self._value(depth + 1)
                except TypeError:
                    raise WireError("malformed message: an unhashable dict key") from None
            return out
        if tag == 68:  # D
            name = self._short()
            return self.dtype(name) if self.dtype else DTypeName(name)
        if tag == 83:  # S
            return slice(self._value(depth + 1), self._value(depth + 1), self._value(depth + 1))
        if tag == 69:
            return Ellipsis
        if tag == 82:  # R
            type_name = self._short()
            n = self._len()
            fields, values = [], []
            for _ in range(n):
                fields.append(self._short())
                values.append(self._value(depth + 1))
            return self.named(type_name, tuple(fields), values) if self.named else tuple(values)
        if tag == 99:  # c
            re, im = _DD.unpack_from(buf, self.pos)
            self.pos += 16
            return complex(re, im)
        if tag == 73:  # I
            n = self._len()
            v = int.from_bytes(buf[self.pos:self.pos + n], "little", signed=True)
            self.pos += n
            return v
        if tag == 79:  # O
            (hid,) = _Q.unpack_from(buf, self.pos)
            self.pos += 8
            name = self._short()
            if self.obj is None:
                raise WireError("malformed message: an object result where none may be")
            return self.obj(hid, name)
        raise WireError(f"malformed message: unknown tag {tag!r}")


# ---------------------------------------------------------------------------- blocking socket I/O
class Channel:
    """Frames over a connected stream socket, blocking. recv() reads into one reusable buffer and
    returns a memoryview of the payload, valid until the next recv()."""

    __slots__ = ("sock", "buf", "view", "start", "end", "max_frame")

    def __init__(self, sock, max_frame: int = MAX_FRAME) -> None:
        self.sock = sock
        self.buf = bytearray(1 << 16)
        self.view = memoryview(self.buf)
        self.start = self.end = 0  # unread bytes: buf[start:end]
        self.max_frame = max_frame

    def send(self, value) -> None:
        self.sock.sendall(frame(value))

    def recv(self):
        """The next payload (a bytes-like object); EOFError when the peer closed."""
        start, end = self.start, self.end
        if end - start < 4:
            if start:
                self.view[:end - start] = self.view[start:end]
                end -= start
                start = 0
            while end < 4:
                k = self.sock.recv_into(self.view[end:])
                if not k:
                    raise EOFError("the channel was closed")
                end += k
        (n,) = _U32.unpack_from(self.buf, start)
        if n > self.max_frame:
            self.start = self.end = 0
            raise WireError(f"message of {n} bytes is over the {self.max_frame}-byte cap")
        stop = start + 4 + n
        if stop <= end:
            self.start, self.end = (stop, end) if stop < end else (0, 0)
            return self.view[start + 4:stop]
        if stop <= len(self.buf):  # the rest fits in the buffer
            view = self.view
        else:                      # a large message: its own buffer
            big = bytearray(4 + n)
            view = memoryview(big)
            view[:end - start] = self.view[start:end]
            end -= start
            stop -= start
            start = 0
        while end < stop:
            k = self.sock.recv_into(view[end:stop])
            if not k:
                self.start = self.end = 0
                raise EOFError("the channel was closed mid-message")
            end += k
        self.start = self.end = 0
        return view[start + 4:stop]
