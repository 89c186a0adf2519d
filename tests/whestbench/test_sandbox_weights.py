"""The weights' path from the host to the sandbox server (whestbench/sandbox/weights.py): a sealed
memfd over a datagram socketpair, mapped privately by the server."""

import fcntl
import os
import socket

import numpy as np
import pytest

from whestbench.mlp import sample_mlp
from whestbench.sandbox import weights as WT


@pytest.fixture()
def pair():
    host, server = WT.channel()
    server.settimeout(5)
    yield host, server
    host.close()
    server.close()


def test_the_weights_arrive_bit_for_bit_and_stay_the_hosts(pair):
    host, server = pair
    mlp = sample_mlp(16, 3, np.random.default_rng(4))
    WT.send(host, mlp.weights)
    got = WT.receive(server, 3, 16)
    assert got.shape == (3, 16, 16) and got.dtype == np.float32
    assert got.tobytes() == np.stack([np.asarray(w) for w in mlp.weights]).tobytes()
    # writable as under the local runner, and private: the host's arrays are not touched
    before = np.asarray(mlp.weights[0]).copy()
    got[0] += 1.0
    assert np.array_equal(np.asarray(mlp.weights[0]), before)


def test_float64_layers_are_sent_as_float32(pair):
    host, server = pair
    layers = [np.arange(4.0).reshape(2, 2), np.full((2, 2), 0.1)]
    WT.send(host, layers)
    assert WT.receive(server, 2, 2).tobytes() == np.asarray(layers, dtype=np.float32).tobytes()


def test_an_empty_mlp(pair):
    host, server = pair
    WT.send(host, [])
    assert WT.receive(server, 0, 8).shape == (0, 8, 8)


def _send_fd(sock, nbytes, seal):
    fd = os.memfd_create("t", os.MFD_ALLOW_SEALING)
    try:
        os.write(fd, b"\0" * nbytes)
        if seal:
            fcntl.fcntl(fd, fcntl.F_ADD_SEALS, WT._SEALS)
        socket.send_fds(sock, [b"w"], [fd])
    finally:
        os.close(fd)


@pytest.mark.parametrize("bad, message", [
    (lambda s: _send_fd(s, 2 * 4 * 4 * 4, seal=False), "not sealed"),
    (lambda s: _send_fd(s, 2 * 4 * 4 * 4 - 4, seal=True), "expected 128"),
    (lambda s: s.send(b"w"), "expected one weights descriptor, got 0"),
])
def test_a_bad_descriptor_is_refused(pair, bad, message):
    host, server = pair
    bad(host)
    with pytest.raises(ValueError, match=message):
        WT.receive(server, 2, 4)


def test_nothing_sent_times_out_instead_of_hanging(pair):
    _, server = pair
    server.settimeout(0.05)
    with pytest.raises(socket.timeout):
        WT.receive(server, 2, 4)
