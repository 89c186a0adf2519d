"""The sandbox server's request loop in C (flopscope._core.SandboxLoop, driven by
whestbench.sandbox.server.Server): fast requests are answered without Python, with the
bytes and bills of the Python encoder and the in-process call; malformed, truncated,
oversized and fuzzed requests each fail alone, charge nothing and never end the server.

Driven on a socketpair in this process (no bubblewrap needed): the test writes the
sandbox's side of the channel, the server answers on its own."""

import random
import socket
import struct

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp
from whestbench.sandbox import wire as W
from whestbench.sandbox.server import SandboxFault, Server, _qual, build_surface


@pytest.fixture(scope="module")
def surface():
    return build_surface()


@pytest.fixture
def served(surface):
    funcs, handshake = surface
    srv = Server(funcs, handshake)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.chan = W.Channel(ours)
    srv.loop.attach(ours.fileno())
    yield srv, theirs
    ours.close()
    theirs.close()


def fid(srv, name):
    return srv.handshake["functions"].index(name)


def fast(kind, ident, handles, frees=()):
    return W.fast_request(kind, ident, list(handles), list(frees))[4:]


END = W.frame((W.READY, [], "done"))[4:]  # a protocol message: ends serve()


def serve(srv, theirs, payloads, slow=None):
    """Sends the payloads (framed) and a READY; serves them; returns (replies, slow calls)."""
    for p in payloads:
        theirs.sendall(struct.pack("<I", len(p)) + p)
    theirs.sendall(struct.pack("<I", len(END)) + END)
    calls = []

    def counting(payload):
        calls.append(bytes(payload))
        return srv._slow(payload)

    msg = srv.loop.serve(slow or counting)
    assert msg[0] == W.READY
    chan = W.Channel(theirs)
    replies = [bytes(chan.recv()) for _ in payloads]
    theirs.setblocking(False)
    with pytest.raises(BlockingIOError):  # exactly one reply per request
        theirs.recv(1)
    theirs.setblocking(True)
    return replies, calls


def decode(reply):
    dec = W.Decoder(array=lambda h, d, s: ("array", h, d, s), obj=lambda h, t: ("object", h, t))
    return dec.decode(reply)


def test_fast_requests_are_answered_in_c_with_the_in_process_bits_and_bills(served):
    srv, theirs = served
    rng = np.random.default_rng(0)
    a_np, b_np, m_np = rng.standard_normal(100), rng.standard_normal(100), rng.standard_normal((16, 16))
    ha, hb, hm = (srv.put(fnp.asarray(x)) for x in (a_np, b_np, m_np))
    requests = [fast(W.FAST_CALL, fid(srv, "add"), [ha, hb]), fast(W.FAST_OPERATOR, W.OPERATORS.index("mul"), [ha, hb]),
                fast(W.FAST_CALL, fid(srv, "exp"), [ha]), fast(W.FAST_CALL, fid(srv, "sum"), [ha]),
                fast(W.FAST_OPERATOR, W.OPERATORS.index("matmul"), [hm, hm])]
    with flops.BudgetContext(flop_budget=10**9) as remote:
        replies, slow_calls = serve(srv, theirs, requests)
    assert slow_calls == [END]  # none of the five went through Python
    a, b, m = fnp.asarray(a_np), fnp.asarray(b_np), fnp.asarray(m_np)
    with flops.BudgetContext(flop_budget=10**9) as local:
        expected = [fnp.add(a, b), a * b, fnp.exp(a), fnp.sum(a), m @ m]
    assert remote.flops_used == local.flops_used
    for reply, want in zip(replies, expected):
        if isinstance(want, np.ndarray):
            hid = decode(reply)[1][1]
            got = srv.objs[hid]
            assert type(got) is fnp.ndarray and got.dtype == want.dtype and got.tobytes() == want.tobytes()
            assert reply == W.array_reply(hid, b"\x07float64", want.shape)[4:]  # the Python encoder's bytes
        else:
            assert reply == W.frame((W.OK, srv.out(want)))[4:]


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint64", "float16", "float32", "complex128", "longdouble"])
def test_every_result_travels_as_the_python_encoder_sends_it(served, dtype):
    srv, theirs = served
    x_np = (np.arange(6).reshape(2, 3) - 2).astype(dtype)
    h = srv.put(fnp.asarray(x_np))
    names = ["max", "allclose", "ndim", "shape", "linalg.svd" if dtype in ("float32", "complex128") else "nonzero"]
    with flops.BudgetContext(flop_budget=10**9):
        replies, _ = serve(srv, theirs, [fast(W.FAST_CALL, fid(srv, n), [h, h][:1 + (n == "allclose")])
                                         for n in names])
        x = fnp.asarray(x_np)
        wants = [fnp.max(x), fnp.allclose(x, x), fnp.ndim(x), fnp.shape(x),
                 (fnp.linalg.svd if dtype in ("float32", "complex128") else fnp.nonzero)(x)]

    def same(got, want):  # handles differ: compare what they hold
        if isinstance(want, np.ndarray):
            assert got[0] == "array" and srv.objs[got[1]].tobytes() == want.tobytes()
            assert got[2] == srv.out(want).dtype and got[3] == want.shape
        elif isinstance(want, tuple):
            assert type(got) is tuple and len(got) == len(want)
            for g, w in zip(got, want):
                same(g, w)
        else:
            assert W.frame(got) == W.frame(want)

    for reply, want in zip(replies, wants):
        got = decode(reply)
        assert got[0] == W.OK
        same(got[1], want)


MALFORMED = {
    "kind byte only": b"\x01",
    "truncated head": b"\x01\x00\x00\x00\x00\x01",
    "a handle short": fast(W.FAST_CALL, 0, [1, 2])[:-1],
    "a byte too many": fast(W.FAST_CALL, 0, [1]) + b"\x00",
    "counts that lie": b"\x02\x00\x00\x00\x00\xff\xff\xff\xff" + b"\x00" * 16,
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_fast_requests_fail_alone_and_charge_nothing(served, name):
    srv, theirs = served
    h = srv.put(fnp.ones(4))
    with flops.BudgetContext(flop_budget=10**9) as ctx:
        replies, _ = serve(srv, theirs, [MALFORMED[name], fast(W.FAST_CALL, fid(srv, "exp"), [h])])
        used = ctx.flops_used
    err = decode(replies[0])
    assert err[0] == W.ERR and _qual(W.WireError) in err[1] and "malformed" in err[2], err
    assert used == 4  # only the exp after it ran
    assert decode(replies[1])[0] == W.OK


def test_unknown_foreign_and_freed_handles_and_ids_fail_alone(served):
    srv, theirs = served
    h = srv.put(fnp.ones(4))
    gone = srv.put(fnp.ones(4))
    add, mul = fid(srv, "add"), W.OPERATORS.index("mul")
    requests = [fast(W.FAST_CALL, add, [h, 10**9]),               # a handle never given
                fast(W.FAST_CALL, add, [h, -1]),
                fast(W.FAST_OPERATOR, mul, [h, h], frees=[gone]),  # ok, and frees `gone`
                fast(W.FAST_OPERATOR, mul, [h, gone]),             # freed: foreign now
                fast(W.FAST_CALL, len(srv.funcs) + 5, [h]),        # no such function
                fast(W.FAST_OPERATOR, 2**32 - 1, [h, h])]          # no such operator
    with flops.BudgetContext(flop_budget=10**9) as ctx:
        replies, _ = serve(srv, theirs, requests)
        used = ctx.flops_used
    got = [decode(r) for r in replies]
    assert [g[0] for g in got] == [W.ERR, W.ERR, W.OK, W.ERR, W.ERR, W.ERR]
    assert "unknown or foreign handle 1000000000" in got[0][2] and "unknown or foreign handle -1" in got[1][2]
    assert f"unknown or foreign handle {gone}" in got[3][2]
    assert "no function" in got[4][2] and "no operator" in got[5][2]
    assert used == 4  # the one multiply
    assert gone not in srv.objs and h in srv.objs


def test_a_call_that_raises_is_an_error_reply_and_exhaustion_is_remembered(served):
    srv, theirs = served
    big = srv.put(fnp.ones((64, 64)))
    h3 = srv.put(fnp.ones(3))
    with flops.BudgetContext(flop_budget=1000):
        replies, _ = serve(srv, theirs, [fast(W.FAST_OPERATOR, W.OPERATORS.index("add"), [h3, big]),
                                         fast(W.FAST_OPERATOR, W.OPERATORS.index("matmul"), [big, big])])
    shape_err, budget_err = decode(replies[0]), decode(replies[1])
    assert shape_err[0] == W.ERR and "builtins.ValueError" in shape_err[1]
    assert budget_err[0] == W.ERR and _qual(flops.BudgetExhaustedError) in budget_err[1]
    assert isinstance(srv.exhaustion, flops.BudgetExhaustedError)


def test_fuzzed_requests_each_get_one_reply_and_charge_nothing(served):
    srv, theirs = served
    handles = [srv.put(fnp.ones(8)) for _ in range(3)]
    rnd = random.Random(28)
    with flops.BudgetContext(flop_budget=10**9) as ctx:
        for _ in range(10):  # batches small enough for the socket buffers
            batch = []
            for _ in range(150):
                n = rnd.randrange(0, 48)
                p = bytearray(rnd.getrandbits(8) for _ in range(n))
                if p and rnd.random() < 0.6:
                    p[0] = rnd.choice((1, 2))
                    if len(p) >= 9 and rnd.random() < 0.5:  # plausible counts, so some lengths match
                        p[5:9] = struct.pack("<HH", rnd.randrange(3), rnd.randrange(2))
                        p = p[:9 + 8 * (p[5] + p[7])]
                elif p and rnd.random() < 0.5:
                    p[0] = ord("t")
                batch.append(bytes(p))
            replies, _ = serve(srv, theirs, batch)
            for r in replies:
                assert decode(r)[0] == W.ERR
        assert ctx.flops_used == 0
    assert all(h in srv.objs for h in handles)


def test_large_generic_request_is_read_whole(served):
    srv, theirs = served
    values = [float(i) / 7 for i in range(20000)]  # a frame of ~180 kB, over the 64 kB buffer
    msg = W.frame((W.CALL, [], fid(srv, "asarray"), (values,), None))[4:]
    assert len(msg) > 1 << 16
    with flops.BudgetContext(flop_budget=10**9):
        replies, calls = serve(srv, theirs, [msg])
    got = decode(replies[0])
    assert got[0] == W.OK and calls == [END]  # decoded and run in C
    assert srv.objs[got[1][1]].tobytes() == np.asarray(values).tobytes()


def test_oversized_message_is_a_protocol_fault(served):
    srv, theirs = served
    theirs.sendall(struct.pack("<I", (1 << 30) + 1) + b"x" * 16)
    with pytest.raises(SandboxFault) as info:
        srv.serve(10)
    assert info.value.code == "SANDBOX_PROTOCOL_ERROR" and "cap" in str(info.value)


def test_truncated_message_then_close_is_eof(served):
    srv, theirs = served
    theirs.sendall(struct.pack("<I", 100) + b"\x01" * 10)
    theirs.shutdown(socket.SHUT_WR)
    with pytest.raises(SandboxFault) as info:
        srv.serve(10)
    assert info.value.code == "SANDBOX_EOF" and "mid-message" in str(info.value)


def test_watchdog_ends_a_loop_waiting_on_a_quiet_sandbox(served):
    srv, _ = served
    with pytest.raises(SandboxFault) as info:
        srv.serve(0.05)
    assert info.value.code == "SANDBOX_TIMEOUT"


def _random_value(rnd, depth=0):
    kinds = ["none", "bool", "ellipsis", "int", "bigint", "float", "complex", "str", "bytes", "dtype", "scalar"]
    if depth < 3:
        kinds += ["tuple", "list", "dict", "slice"]
    k = rnd.choice(kinds)
    if k == "none":
        return None
    if k == "bool":
        return rnd.random() < 0.5
    if k == "ellipsis":
        return Ellipsis
    if k == "int":
        return rnd.choice([0, -1, 1, 2**63 - 1, -2**63, rnd.randrange(-10**6, 10**6)])
    if k == "bigint":
        return rnd.choice([2**63, -2**63 - 1, 10**30])
    if k == "float":
        return rnd.choice([0.0, -0.0, float("inf"), float("nan"), 1e-310, rnd.uniform(-1e6, 1e6)])
    if k == "complex":
        return complex(rnd.uniform(-5, 5), rnd.choice([0.0, float("nan"), -1.5]))
    if k == "str":
        return rnd.choice(["", "float32", "\u00e9t\u00e9", "\ud800", "x" * rnd.randrange(300)])
    if k == "bytes":
        return bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(20)))
    if k == "dtype":
        return W.DTypeName(rnd.choice(["float32", "int64", "bool", "complex128", "object", "V8", "nonsense"]))
    if k == "scalar":
        name, raw = rnd.choice([("float32", b"\x00\x00\xc0\x3f"), ("int8", b"\xff"), ("float64", b"\x01" * 8),
                                ("float64", b"\x01" * 3), ("object", b"\x00" * 8)])
        return W.Scalar(name, raw)
    if k == "tuple":
        return tuple(_random_value(rnd, depth + 1) for _ in range(rnd.randrange(4)))
    if k == "list":
        return [_random_value(rnd, depth + 1) for _ in range(rnd.randrange(4))]
    if k == "dict":
        return {rnd.choice(["a", "b", 1, (2, "c")]): _random_value(rnd, depth + 1) for _ in range(rnd.randrange(3))}
    return slice(*(_random_value(rnd, 3) for _ in range(3)))


def test_generic_requests_are_read_as_the_python_decoder_reads_them(surface):
    """Differential: random values (and mutations of them) sent to an echo function; the C loop's
    reply must be the bytes the Python path (Server._slow, its decoder and handlers) gives."""
    funcs, handshake = surface
    srv = Server((lambda *a, **k: (a, k),) + tuple(funcs), handshake)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.chan = W.Channel(ours)
    srv.loop.attach(ours.fileno())
    rnd = random.Random(7)
    in_c = 0
    try:
        for _ in range(8):
            payloads = []
            for i in range(60):
                v = _random_value(rnd)
                p = bytearray(W.frame((W.CALL, [], 0, (v,), {"k": v} if i % 3 == 0 else None))[4:])
                if i % 2:  # a mutation after the function id (the kind and id stay a CALL of the echo)
                    for _ in range(rnd.randrange(1, 4)):
                        at = rnd.randrange(24, len(p))
                        p[at] = rnd.getrandbits(8)
                    if rnd.random() < 0.3:
                        p = p[:rnd.randrange(24, len(p) + 1)]
                payloads.append(bytes(p))
            with flops.BudgetContext(flop_budget=10**9) as ctx:
                replies, slow_calls = serve(srv, theirs, payloads)
                expected = [srv._slow(p)[4:] for p in payloads]
                assert ctx.flops_used == 0
            in_c += len(payloads) + 1 - len(slow_calls)
            assert replies == expected
    finally:
        ours.close()
        theirs.close()
    assert in_c > 200  # most of them were read in C (big ints and malformed ones went to Python)
