"""An MLP's weights from the host to the sandbox server: a sealed memfd passed over a datagram
socketpair (SCM_RIGHTS), mapped read-only by the server.

At the contest's size (1024 x 1024 x 16 float32: 64 MiB) sending the weights as bytes in the
predict message cost 250-400 ms per MLP on this VM, more than the estimator's own predict: four
fresh 64 MiB buffers on the host (stack, tobytes, the frame, its length prefix) and two on the
server (the receive buffer, the decoded bytes), each paid mostly in page faults. Here the host
writes each layer once into the memfd (the kernel's copy, no page faults of ours: ~22 ms) and the
server maps the same pages (~5 ms). The seals make the memfd immutable before the server sees
it; the server's mapping is private, so the estimator may write into its weights as under the
local runner (copy on write, the memfd unchanged).
"""

from __future__ import annotations

import fcntl
import mmap
import os
import socket

import numpy as np

_SEALS = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE


def channel() -> tuple:
    """(host end, server end): a datagram socketpair that carries one descriptor per predict."""
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)


def send(sock: socket.socket, layers) -> None:
    """Write the layers (float32, C order) into a new sealed memfd and pass it on `sock`."""
    fd = os.memfd_create("whest-weights", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    try:
        with open(fd, "wb", closefd=False) as f:  # buffered: a large write is written whole
            for w in layers:
                f.write(memoryview(np.ascontiguousarray(w, dtype=np.float32)).cast("B"))
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, _SEALS)
        socket.send_fds(sock, [b"w"], [fd])
    finally:
        os.close(fd)


def receive(sock: socket.socket, depth: int, width: int) -> np.ndarray:
    """The (depth, width, width) float32 weights passed on `sock` (a private, writable mapping);
    ValueError when the descriptor is missing, unsealed or of the wrong size."""
    _, fds, _, _ = socket.recv_fds(sock, 16, 4)
    try:
        if len(fds) != 1:
            raise ValueError(f"expected one weights descriptor, got {len(fds)}")
        fd = fds[0]
        if fcntl.fcntl(fd, fcntl.F_GET_SEALS) & _SEALS != _SEALS:
            raise ValueError("the weights memfd is not sealed")
        nbytes = depth * width * width * 4
        if os.fstat(fd).st_size != nbytes:
            raise ValueError(f"the weights memfd holds {os.fstat(fd).st_size} bytes, expected {nbytes}")
        if nbytes == 0:
            return np.zeros((depth, width, width), dtype=np.float32)
        mm = mmap.mmap(fd, nbytes, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | mmap.PROT_WRITE)
    finally:
        for fd in fds:
            os.close(fd)
    return np.frombuffer(mm, dtype=np.float32).reshape(depth, width, width)
