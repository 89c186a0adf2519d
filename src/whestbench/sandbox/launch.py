"""Starting the participant's process under bubblewrap (docs/whestbench.md, "Sandbox").

The sandbox sees: the interpreter binary, its shared libraries, the standard library
(site-packages hidden, `_ctypes` and the `_test*` C modules replaced by /dev/null), the
numpy-free client read-only at /whest/client, the submission folder read-only at
/submission, a private tmpfs at /tmp, a fresh /proc of its own PID namespace and a minimal
/dev. New PID, network, IPC, UTS, mount, user and cgroup namespaces; no environment; it dies
with its parent. A seccomp filter refuses new processes (fork, vfork, clone without
CLONE_THREAD), sockets, ptrace and other namespace/kernel interfaces; threads are allowed
(their CPU time is the residual's). rlimits are set in the child before exec.
"""

from __future__ import annotations

import glob
import json
import os
import platform
import resource
import shutil
import struct
import subprocess
import sys
import time
from typing import List, Optional, Sequence


def stderr_fd() -> int:
    """The descriptor the server's and the sandbox's output goes to: this process's stderr, or
    descriptor 2 when sys.stderr is not a file (a test's capture, an IDE's console)."""
    try:
        return sys.stderr.fileno()
    except (AttributeError, ValueError, OSError):  # io.UnsupportedOperation is an OSError
        return 2

CLIENT_MOUNT = "/whest/client"
SUBMISSION_MOUNT = "/submission"
#: C modules of the standard library the sandbox must not load (raw memory access)
HIDDEN_MODULES = ("_ctypes", "_ctypes_test", "_testcapi", "_testinternalcapi", "_testbuffer",
                  "_testmultiphase", "_testimportmultiple", "_testclinic", "_xxtestfuzz", "xxlimited",
                  "xxlimited_35", "_posixsubprocess", "_tkinter")
SCRATCH_BYTES = 256 << 20
OPEN_FILES = 64
CPU_SECONDS = 3600  # per sandbox process, setup and every predict together (the wall watchdog is per call)


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or the kernel refuses its namespaces: the sandbox runner cannot run."""


def bwrap_path() -> str:
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable("bubblewrap (`bwrap`) is not installed; install it (Debian/Ubuntu: "
                                 "`apt-get install -y bubblewrap`) or use --runner subprocess/local")
    return path


# ---------------------------------------------------------------------------- seccomp
# x86_64 syscall numbers
_X86_64 = {"fork": 57, "vfork": 58, "clone": 56, "clone3": 435, "ptrace": 101, "process_vm_readv": 310,
           "process_vm_writev": 311, "socket": 41, "socketpair": 53, "unshare": 272, "setns": 308, "bpf": 321,
           "perf_event_open": 298, "keyctl": 250, "add_key": 248, "request_key": 249, "userfaultfd": 323,
           "io_uring_setup": 425, "kcmp": 312, "pidfd_open": 434, "pidfd_getfd": 438, "personality": 135,
           "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161, "open_by_handle_at": 304,
           "name_to_handle_at": 303, "fanotify_init": 300, "quotactl": 179, "acct": 163, "swapon": 167,
           "reboot": 169, "init_module": 175, "finit_module": 313, "delete_module": 176, "kexec_load": 246,
           "syslog": 103, "mbind": 237, "migrate_pages": 256, "move_pages": 279, "ioperm": 173, "iopl": 172}
_AUDIT_ARCH_X86_64 = 0xC000003E
_CLONE_THREAD = 0x00010000
_EPERM, _ENOSYS = 1, 38
_RET_ALLOW, _RET_ERRNO, _RET_KILL = 0x7FFF0000, 0x00050000, 0x80000000


def seccomp_program() -> Optional[bytes]:
    """The classic-BPF filter bwrap installs (--seccomp FD), or None off x86_64."""
    if platform.machine() not in ("x86_64", "AMD64"):
        return None
    ld_w_abs, jeq_k, jset_k, jge_k, ret_k = 0x20, 0x15, 0x45, 0x35, 0x06
    ins: List[tuple] = []

    def op(code, k, jt=0, jf=0):
        ins.append((code, jt, jf, k))

    op(ld_w_abs, 4)                                     # arch
    op(jeq_k, _AUDIT_ARCH_X86_64, 1, 0)
    op(ret_k, _RET_KILL)
    op(ld_w_abs, 0)                                     # syscall number
    op(jge_k, 0x40000000, 0, 1)                         # the x32 ABI: refused
    op(ret_k, _RET_ERRNO | _EPERM)
    op(jeq_k, _X86_64["clone3"], 0, 1)                  # glibc falls back to clone()
    op(ret_k, _RET_ERRNO | _ENOSYS)
    op(jeq_k, _X86_64["clone"], 0, 4)
    op(ld_w_abs, 16)                                    # clone flags (low 32 bits of args[0])
    op(jset_k, _CLONE_THREAD, 1, 0)
    op(ret_k, _RET_ERRNO | _EPERM)                      # a new process
    op(ret_k, _RET_ALLOW)                               # a thread
    denied = [nr for name, nr in _X86_64.items() if name not in ("clone", "clone3")]
    for i, nr in enumerate(denied):
        op(jeq_k, nr, len(denied) - i, 0)               # jump to the EPERM return at the end
    op(ret_k, _RET_ALLOW)
    op(ret_k, _RET_ERRNO | _EPERM)
    return b"".join(struct.pack("<HBBI", *i) for i in ins)


# ---------------------------------------------------------------------------- the mount plan
def _needed_libraries(paths: Sequence[str]) -> List[str]:
    """Shared libraries (and the loader) the interpreter and its C modules load, from ldd."""
    try:
        out = subprocess.run(["ldd", *paths], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    libs = set()
    for line in out.splitlines():
        parts = line.split()
        if "=>" in parts:
            i = parts.index("=>")
            if i + 1 < len(parts) and parts[i + 1].startswith("/"):
                libs.add(parts[i + 1])
        elif parts and parts[0].startswith("/") and not parts[0].endswith(":"):
            libs.add(parts[0])
    return sorted(libs)


def interpreter() -> str:
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


def bwrap_argv(*, client_dir: str, submission_dir: str, info_fd: int, seccomp_fd: Optional[int],
               argv: Sequence[str]) -> List[str]:
    python = interpreter()
    stdlib = os.path.dirname(os.path.realpath(os.__file__))
    dynload = os.path.join(stdlib, "lib-dynload")
    prefix = os.path.realpath(sys.base_prefix)
    args = [bwrap_path(), "--unshare-all", "--die-with-parent", "--new-session", "--clearenv", "--as-pid-1",
            "--cap-drop", "ALL", "--hostname", "sandbox"]
    for top in ("/lib", "/lib64", "/bin", "/lib32", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
    dirs, files = set(), set()
    for lib in _needed_libraries([python, *glob.glob(os.path.join(dynload, "*.so"))]):
        real = os.path.realpath(lib)
        if real.startswith(prefix + os.sep):
            files.add(real)                              # libpython: the file only, not the prefix's lib/
            continue
        dirs.add(os.path.dirname(real))                  # the system's multiarch directory
        logical_dir = os.path.realpath(os.path.dirname(lib))
        if os.path.islink(lib) and logical_dir != os.path.dirname(real):
            args += ["--symlink", os.readlink(lib), os.path.join(logical_dir, os.path.basename(lib))]
    for d in sorted(dirs):
        if "python" in d:
            raise SandboxUnavailable(f"a shared library lives in {d}, which looks like a Python tree")
        args += ["--ro-bind", d, d]
    for f in sorted(files):
        args += ["--ro-bind", f, f]
    args += ["--ro-bind", python, python, "--ro-bind", stdlib, stdlib]
    for sub in ("site-packages", "dist-packages"):
        if os.path.isdir(os.path.join(stdlib, sub)):
            args += ["--tmpfs", os.path.join(stdlib, sub)]
    for name in HIDDEN_MODULES:
        for path in glob.glob(os.path.join(dynload, name + ".*so")):
            args += ["--ro-bind", "/dev/null", path]
    args += ["--ro-bind", client_dir, CLIENT_MOUNT, "--ro-bind", submission_dir, SUBMISSION_MOUNT,
             "--proc", "/proc", "--dev", "/dev", "--size", str(SCRATCH_BYTES), "--tmpfs", "/tmp",
             "--chdir", SUBMISSION_MOUNT, "--setenv", "HOME", "/tmp", "--setenv", "TMPDIR", "/tmp",
             "--info-fd", str(info_fd)]
    if seccomp_fd is not None:
        args += ["--seccomp", str(seccomp_fd)]
    return args + ["--", python, "-I", "-S", "-B", *argv]


def current_cpu() -> Optional[int]:
    """The CPU the calling thread runs on now (field 39 of /proc/thread-self/stat), or None."""
    try:
        with open("/proc/thread-self/stat", "rb") as fh:
            stat = fh.read()
        return int(stat[stat.rindex(b")") + 2:].split()[36])
    except (OSError, ValueError, IndexError):
        return None


def pin_to_cpu(cpu: Optional[int]) -> Optional[int]:
    """Pins the calling thread (the server's request loop) to `cpu` (current_cpu() taken before the
    sandbox was started on it) and returns it; None where it cannot (the run goes on unpinned).

    Why: every request is a synchronous hand-over between two processes. On one CPU it is a
    context switch (~4 us for a bare Python ping-pong here); on two, the waiting side's CPU may
    have gone idle, and waking an idle virtual CPU measured 20-50 us per round trip on this VM.
    Only this thread is pinned: threads it starts later inherit the pin (see server._pin_loop).
    The pin holds for one predict (or setup) at a time: between them the server's thread is free
    again, so that the scheduler can place the next one on a CPU that is free then."""
    try:
        if cpu is None or cpu not in os.sched_getaffinity(0):
            return None
        os.sched_setaffinity(0, {cpu})
    except (OSError, AttributeError):
        return None
    return cpu


def pin_process(pid: int, cpu: int) -> bool:
    """Pins every thread of process `pid` (the sandbox, this user's own) to `cpu`; False where one
    could not be."""
    try:
        tids = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except (OSError, ValueError):
        tids = [pid]
    ok = True
    for tid in tids:
        try:
            os.sched_setaffinity(tid, {cpu})
        except ProcessLookupError:  # a thread that has just ended
            pass
        except OSError:
            ok = False
    return ok


def _rlimits(memory_limit_mb: Optional[int], cpu: Optional[int] = None):
    def apply() -> None:
        if cpu is not None:
            try:
                os.sched_setaffinity(0, {cpu})  # the server loop's CPU (pin_to_cpu)
            except OSError:
                pass
        if memory_limit_mb:
            cap = int(memory_limit_mb) << 20
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
        resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (SCRATCH_BYTES, SCRATCH_BYTES))
        # RLIMIT_NPROC counts every task of the real uid: the tasks there are now plus room for the
        # estimator's threads (new processes are refused by the seccomp filter)
        try:
            with open("/proc/loadavg") as fh:
                total = int(fh.read().split()[3].split("/")[1])
        except (OSError, ValueError, IndexError):
            total = 4096
        resource.setrlimit(resource.RLIMIT_NPROC, (total + 256, total + 256))
    return apply


class Sandbox:
    """One sandboxed interpreter running `argv` (a script under /whest/client), its channel on `fd`."""

    def __init__(self, *, client_dir: str, submission_dir: str, channel_fd: int, argv: Sequence[str],
                 memory_limit_mb: Optional[int], cpu: Optional[int] = None) -> None:
        info_r, info_w = os.pipe()
        program = seccomp_program()
        seccomp_r = None
        fds = [channel_fd, info_w]
        if program is not None:
            seccomp_r, seccomp_w = os.pipe()
            os.write(seccomp_w, program)
            os.close(seccomp_w)
            fds.append(seccomp_r)
        cmd = bwrap_argv(client_dir=client_dir, submission_dir=submission_dir, info_fd=info_w,
                         seccomp_fd=seccomp_r, argv=[*argv, str(channel_fd)])
        try:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=stderr_fd(),
                                         pass_fds=fds, close_fds=True, preexec_fn=_rlimits(memory_limit_mb, cpu))
        finally:
            os.close(info_w)
            if seccomp_r is not None:
                os.close(seccomp_r)
        with os.fdopen(info_r, "rb") as info:
            raw = info.read(4096)  # bwrap writes it before exec; EOF when bwrap fails
        try:
            self.pid = int(json.loads(raw.decode())["child-pid"])
        except (ValueError, KeyError, UnicodeDecodeError):
            code = self.proc.wait()
            raise SandboxUnavailable(f"bubblewrap could not start the sandbox (exit code {code}): the kernel "
                                     "refused its namespaces (user namespaces off?) or a mount failed; "
                                     "see bwrap's message above") from None

    def cpu_time_ns(self) -> int:
        """CPU time of every thread of the sandboxed process, ns: the kernel's process CPU clock of
        its pid (the sum_exec_runtime that /proc/<pid>/task/*/schedstat shows per thread, plus the
        threads that have already exited, which the per-task files no longer list)."""
        try:
            return time.clock_gettime_ns(((~self.pid) << 3) | 2)  # CPUCLOCK_SCHED of the whole process
        except OSError:
            pass
        total = 0
        base = f"/proc/{self.pid}/task"
        try:
            tasks = os.listdir(base)
        except OSError:
            return 0
        for tid in tasks:
            try:
                with open(f"{base}/{tid}/schedstat", "rb") as fh:
                    total += int(fh.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
        return total

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        for pid in (self.pid, self.proc.pid):
            try:
                os.kill(pid, 9)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
