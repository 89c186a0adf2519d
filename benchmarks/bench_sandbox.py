"""Per-call round trips of `--runner sandbox` next to upstream's flopscope client/server, and the
wall time of realistic estimators under `sandbox` vs `local`.

    python benchmarks/bench_sandbox.py [--upstream DIR] [--n 2000]

--upstream DIR: a folder holding two `pip install --target` trees, DIR/client (flopscope-client
==0.12.4) and DIR/server (flopscope-server==0.12.4 and its flopscope 0.12.4; the two packages
both install a `flopscope` package, so they cannot share one target). They run in subprocesses
with PYTHONPATH; nothing of theirs is imported here. Without it only our figures are printed.

The same loop runs on both sides: N calls of each of fnp.add on 100 float64 elements, `a + b`,
fnp.exp, fnp.sum and a 16x16 matmul, inside a budget; the figure is the median over 5 repeats of
(loop time / N), i.e. one request and its reply.

The floor is printed beside them, measured in the same minute: a bare Python ping-pong of 40-byte
messages on a socketpair between two processes, on one CPU (as our server loop and sandbox run)
and unpinned. On a VM whose CPUs go idle between messages the unpinned figure can be ten times
the pinned one (waking an idle vCPU); which state the machine is in changes from minute to minute.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

LOOP = '''
def _bench(fnp, n, clock):
    a = fnp.ones(100); b = fnp.ones(100); m = fnp.ones((16, 16))
    cases = [("fnp.add(a, b) [100]", lambda: fnp.add(a, b)), ("a + b [100]", lambda: a + b),
             ("fnp.exp(a) [100]", lambda: fnp.exp(a)), ("fnp.sum(a) [100]", lambda: fnp.sum(a)),
             ("m @ m [16x16]", lambda: m @ m)]
    out = []
    for name, f in cases:
        for _ in range(50):
            f()
        reps = []
        for _ in range(5):
            t0 = clock()
            for _ in range(n):
                f()
            reps.append((clock() - t0) / n * 1e6)
        reps.sort()
        out.append((name, reps[2]))
    return out
'''

OURS = LOOP + '''
import time
import flopscope.numpy as fnp
from whestbench import BaseEstimator

N = {n}


class Estimator(BaseEstimator):
    def predict(self, mlp, budget):
        res = _bench(fnp, N, time.perf_counter)
        out = fnp.zeros((mlp.depth, mlp.width), dtype=fnp.float64)
        for i, (_, us) in enumerate(res):
            out[0, i] = us
        return out
'''

UPSTREAM_CLIENT = LOOP + '''
import json, sys, time
import flopscope as flops
import flopscope.numpy as fnp
with flops.BudgetContext(flop_budget=10**15):
    res = _bench(fnp, int(sys.argv[1]), time.perf_counter)
print(json.dumps(res))
'''

NAMES = ["fnp.add(a, b) [100]", "a + b [100]", "fnp.exp(a) [100]", "fnp.sum(a) [100]", "m @ m [16x16]"]


def ours(n: int):
    from whestbench.loading import Entrypoint
    from whestbench.mlp import MLP
    from whestbench.runners import ResourceLimits, SandboxRunner
    from whestbench.sdk import SetupContext

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench_estimator.py")
        with open(path, "w") as fh:
            fh.write(OURS.format(n=n))
        runner = SandboxRunner()
        try:
            runner.start(Entrypoint(path), SetupContext(width=8, depth=1, flop_budget=10**15),
                         ResourceLimits(wall_time_limit_s=None, setup_timeout_s=60))
            w = np.zeros((1, 8, 8), dtype=np.float32)
            outcome = runner.predict(MLP.from_weights(w), 10**15)
        finally:
            runner.close()
    if outcome.status != "ok":
        raise SystemExit(f"sandbox bench failed: {outcome.error_code}: {outcome.message}\n{outcome.traceback}")
    return [(name, float(outcome.predictions[0, i])) for i, name in enumerate(NAMES)]


def upstream(root: str, n: int):
    client, server = os.path.join(root, "client"), os.path.join(root, "server")
    if not (os.path.isdir(os.path.join(client, "flopscope")) and os.path.isdir(os.path.join(server, "flopscope_server"))):
        return None, f"{root}/client and {root}/server are not both installed (see the module docstring)"
    with tempfile.TemporaryDirectory() as tmp:
        url = f"ipc://{tmp}/flopscope.sock"
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        srv = subprocess.Popen([sys.executable, "-s", "-m", "flopscope_server", "--url", url],
                               env={**env, "PYTHONPATH": server}, stderr=subprocess.PIPE,
                               cwd=tmp, start_new_session=True)
        try:
            time.sleep(0.5)
            deadline = time.time() + 60
            while not os.path.exists(f"{tmp}/flopscope.sock") and time.time() < deadline and srv.poll() is None:
                time.sleep(0.1)
            # not -I: both need PYTHONPATH; -s keeps the user site out
            res = subprocess.run([sys.executable, "-s", "-c", UPSTREAM_CLIENT, str(n)], cwd=tmp,
                                 env={**env, "PYTHONPATH": client, "FLOPSCOPE_SERVER_URL": url},
                                 capture_output=True, text=True, timeout=600)
        finally:
            srv.kill()
            srv.wait()
    if res.returncode != 0:
        return None, f"upstream's client failed: {res.stderr.strip()[-800:]}"
    return [tuple(x) for x in json.loads(res.stdout.strip().splitlines()[-1])], None


PING_PONG = """
import os, socket, sys, time
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
n = int(sys.argv[1])
msg = b"x" * 40
pid = os.fork()
if pid == 0:
    a.close()
    buf = bytearray(65536)
    while b.recv_into(buf):
        b.sendall(msg)
    os._exit(0)
b.close()
buf = bytearray(65536)
reps = []
for _ in range(5):
    t0 = time.perf_counter()
    for _ in range(n):
        a.sendall(msg)
        a.recv_into(buf)
    reps.append((time.perf_counter() - t0) / n * 1e6)
a.close()
os.waitpid(pid, 0)
print(sorted(reps)[2])
"""


def ping_pong(n: int, pinned: bool) -> float:
    """The bare Python round trip on a socketpair (the floor under any request), microseconds."""
    def pin() -> None:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    out = subprocess.run([sys.executable, "-c", PING_PONG, str(n)], capture_output=True, text=True, check=True,
                         preexec_fn=pin if pinned else None)
    return float(out.stdout)


def realistic(n_mlps: int, width: int, depth: int):
    """Wall time of predict (sum over MLPs) under local and sandbox, for the example Monte-Carlo
    estimator and the reference CovariancePropagationEstimator (shipped as a submission file), and
    the host's time per runner.predict (predict plus handing over the weights and the reply)."""
    import whestbench.estimators as ref
    from whestbench.loading import Entrypoint
    from whestbench.mlp import sample_mlp
    from whestbench.runners import LocalRunner, ResourceLimits, SandboxRunner
    from whestbench.sdk import SetupContext

    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        src = open(ref.__file__).read().replace("from whestbench.mlp import MLP\n", "from whestbench import MLP\n")
        src = src.replace("from whestbench.sdk import BaseEstimator", "from whestbench import BaseEstimator")
        with open(os.path.join(tmp, "ref_estimators.py"), "w") as fh:
            fh.write(src)
        with open(os.path.join(tmp, "covariance.py"), "w") as fh:
            fh.write("from ref_estimators import CovariancePropagationEstimator as Estimator\n")
        with open(os.path.join(here, "examples", "monte_carlo_estimator.py")) as fh:
            mc = fh.read()
        with open(os.path.join(tmp, "monte_carlo.py"), "w") as fh:
            fh.write(mc)
        rng = np.random.default_rng(1)
        mlps = [sample_mlp(width, depth, rng, seed=i) for i in range(n_mlps)]
        for label, file in (("examples/monte_carlo_estimator.py", "monte_carlo.py"),
                            ("CovariancePropagationEstimator", "covariance.py")):
            walls = {}
            for runner in (LocalRunner(), SandboxRunner()):
                try:
                    runner.start(Entrypoint(os.path.join(tmp, file)),
                                 SetupContext(width=width, depth=depth, flop_budget=2**41),
                                 ResourceLimits(wall_time_limit_s=None, setup_timeout_s=60))
                    total, host, calls = 0.0, 0.0, 0
                    for mlp in mlps:
                        t0 = time.perf_counter()
                        out = runner.predict(mlp, 2**41)
                        host += time.perf_counter() - t0
                        assert out.status == "ok", (runner.name, out.error_code, out.message)
                        total += out.wall_time_s
                        calls += sum(int(r["calls"]) for ns in out.breakdown["by_namespace"].values()
                                     for r in ns["operations"].values())
                finally:
                    runner.close()
                walls[runner.name] = (total, host, calls)
            rows.append((label, walls["local"], walls["sandbox"]))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--upstream", default=None, help="folder with client/ and server/ pip --target trees")
    ap.add_argument("--n", type=int, default=2000, help="calls per case and repeat")
    ap.add_argument("--sizes", default="256x8,1024x16", help="MLP sizes WIDTHxDEPTH for the realistic estimators "
                                                            "(1024x16: the contest's default)")
    ap.add_argument("--n-mlps", type=int, default=3)
    args = ap.parse_args()

    floor = (ping_pong(args.n, True), ping_pong(args.n, False))
    mine = ours(args.n)
    theirs, why = (None, "not measured (no --upstream)") if not args.upstream else upstream(args.upstream, args.n)
    floor_after = (ping_pong(args.n, True), ping_pong(args.n, False))
    print(f"per-call round trip, microseconds (median of 5 x {args.n} calls)")
    print(f"{'call':24s} {'sandbox':>10s} {'upstream 0.12.4':>16s} {'ratio':>8s}")
    for i, (name, us) in enumerate(mine):
        if theirs:
            up = theirs[i][1]
            print(f"{name:24s} {us:10.2f} {up:16.1f} {up / us:7.1f}x")
        else:
            print(f"{name:24s} {us:10.2f} {'-':>16s} {'-':>8s}")
    if not theirs:
        print(f"upstream: {why}")
    print(f"floor, bare Python socketpair ping-pong: {floor[0]:.2f} us on one CPU, {floor[1]:.2f} us unpinned "
          f"(before); {floor_after[0]:.2f} / {floor_after[1]:.2f} us (after)")
    print()
    for size in args.sizes.split(","):
        width, depth = (int(x) for x in size.split("x"))
        print(f"{args.n_mlps} MLPs of {width}x{depth}, seconds summed over the MLPs: predict's wall time, and the "
              f"host's time per runner.predict")
        print(f"{'estimator':36s} {'local':>8s} {'sandbox':>8s} {'ratio':>7s} {'host: local':>12s} {'sandbox':>8s} "
              f"{'ratio':>7s} {'calls':>7s}")
        for label, local, sandbox in realistic(args.n_mlps, width, depth):
            print(f"{label:36s} {local[0]:8.3f} {sandbox[0]:8.3f} {sandbox[0] / local[0]:6.2f}x {local[1]:12.3f} "
                  f"{sandbox[1]:8.3f} {sandbox[1] / local[1]:6.2f}x {sandbox[2]:7d}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
