"""Submission archives: `whest package`, `whest validate-package`, `whest run --submission`.

An archive is a gzip-compressed tar of a submission folder plus a ``manifest.json``
that lists every file with its sha256 and size. The format (manifest schema "1.0",
api_version "2.0", entry point ``{"module", "class"}``, files ``[{"name", "sha256"}]``)
and the caps (50 MiB of file bytes, 50 files, the manifest not counted) are upstream
whestbench 0.16.2's, so archives travel both ways. Differences from upstream: the
archive is byte-for-byte deterministic (sorted entries, mtime 0, uid/gid 0, mode 0644,
no creation time in the manifest or the gzip header), and symlinks, device files,
FIFOs and sockets in the folder are refused instead of skipped.

Reading an archive never trusts it: it is streamed once through a decompressed-size
cap; only regular files with canonical relative names are accepted (no absolute
path, no ``..``, no link, no device); each is written with O_EXCL|O_NOFOLLOW under a
private directory, and the caps are enforced while extracting, not after.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import tarfile
import zlib
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

#: upstream whestbench 0.16.2's caps (whestbench/limits.py): the sum of the bundled files' sizes ...
MAX_SUBMISSION_BYTES = 50 * 1024 * 1024
#: ... and their number (the manifest is not counted).
MAX_SUBMISSION_FILES = 50
MANIFEST_NAME = "manifest.json"
#: A manifest larger than this is refused before it is parsed.
MAX_MANIFEST_BYTES = 1024 * 1024
SCHEMA_VERSION = "1.0"
#: The manifest's api_version, upstream's (not SetupContext.api_version).
MANIFEST_API_VERSION = "2.0"
DEFAULT_ENTRY_MODULE = "estimator"
IGNORE_FILE = ".whestignore"

#: Always left out, whatever .whestignore says (gitignore syntax): tool state and built artifacts ...
BUILTIN_EXCLUDES = (".git/", ".hg/", ".svn/", ".venv/", "__pycache__/", "*.pyc", ".ipynb_checkpoints/",
                    ".pytest_cache/", ".mypy_cache/", ".DS_Store", "*.tar.gz", IGNORE_FILE)
#: ... and credentials, which must never ship.
SECRET_EXCLUDES = (".env", ".env.*", "*.pem", "*.key", "id_rsa*", "id_ed25519*", "id_ecdsa*", ".netrc", ".pypirc",
                   ".ssh/", ".aws/", ".gnupg/")

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CHUNK = 1 << 20


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB"


class PackageError(Exception):
    """`whest package` refused the folder: `code` says why; `details` carries the offenders."""

    def __init__(self, code: str, message: str, details: Optional[dict] = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


@dataclass(frozen=True)
class Issue:
    """One problem with an archive: a stable `code`, the entry it concerns, and what to do."""

    code: str
    name: str
    message: str

    def to_json(self) -> Dict[str, str]:
        return {"code": self.code, "name": self.name, "message": self.message}


# --------------------------------------------------------------------------- names


def name_problem(name: str) -> Optional[str]:
    """Why `name` is not a canonical relative archive path (None when it is)."""
    if not name:
        return "an empty name"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "an absolute path"
    if "\\" in name:
        return "a backslash in the name"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "a control character in the name"
    parts = name.split("/")
    if ".." in parts:
        return "a '..' component"
    if any(p in ("", ".") for p in parts):
        return "an empty or '.' component"
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "a name that is not UTF-8"
    return None


# --------------------------------------------------------------------------- .whestignore


@dataclass(frozen=True)
class _Rule:
    regex: "re.Pattern[str]"
    negate: bool
    dir_only: bool
    basename: bool  # no '/' in the pattern: it matches the last component at any depth


def _translate(pat: str) -> str:
    out, i, n = [], 0, len(pat)
    while i < n:
        c = pat[i]
        if c == "*":
            if pat.startswith("**", i):
                at_start = i == 0 or pat[i - 1] == "/"
                j = i + 2
                if at_start and j < n and pat[j] == "/":  # "**/": zero or more directories
                    out.append("(?:.*/)?")
                    i = j + 1
                    continue
                if at_start and j == n:  # trailing "/**": everything inside
                    out.append(".*")
                    i = j
                    continue
                out.append("[^/]*")  # "**" elsewhere is an ordinary "*"
                i = j
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pat.find("]", i + 2 if pat.startswith("[!", i) or pat.startswith("[^", i) else i + 1)
            if j < 0:
                out.append(re.escape(c))
            else:
                body = pat[i + 1:j]
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = j
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pat[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def parse_ignore(lines) -> List[_Rule]:
    """gitignore syntax: `#` comments, `!` re-includes, a trailing `/` matches directories only,
    a pattern containing `/` is relative to the submission folder, `*`, `?`, `[...]`, `**`."""
    rules = []
    for raw in lines:
        line = raw.rstrip("\n").rstrip("\r")
        if not line.endswith("\\ "):
            line = line.rstrip(" ")
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        if negate:
            line = line[1:]
        elif line.startswith("\\!") or line.startswith("\\#"):
            line = line[1:]
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        basename = "/" not in line
        line = line.lstrip("/")
        rules.append(_Rule(re.compile(_translate(line) + r"\Z", re.DOTALL), negate, dir_only, basename))
    return rules


def is_ignored(rel: str, is_dir: bool, rules: List[_Rule]) -> bool:
    """Whether `rel` (a /-separated path in the folder) is left out; the last matching rule wins."""
    base = rel.rsplit("/", 1)[-1]
    ignored = False
    for rule in rules:
        if rule.dir_only and not is_dir:
            continue
        if rule.regex.match(base if rule.basename else rel):
            ignored = not rule.negate
    return ignored


# --------------------------------------------------------------------------- packaging a folder


@dataclass
class Collected:
    root: str
    files: List[Tuple[str, str, int]] = field(default_factory=list)  # (archive name, path, size), sorted
    excluded: List[str] = field(default_factory=list)


def collect(root: str, *, exclude_paths=()) -> Collected:
    """The files of the folder that go into its archive, after the built-in excludes and
    .whestignore. Symlinks, devices, FIFOs and sockets that are not excluded are refused."""
    root = os.path.abspath(root)
    if not os.path.isdir(root):
        raise PackageError("SUBMISSION_NOT_FOUND", f"{root} is not a directory",
                           {"hint": "pass the submission folder (the one holding estimator.py)"})
    rules = parse_ignore(BUILTIN_EXCLUDES)
    ignore_path = os.path.join(root, IGNORE_FILE)
    if os.path.isfile(ignore_path):
        with open(ignore_path, encoding="utf-8", errors="replace") as fh:
            rules += parse_ignore(fh)
    rules += parse_ignore(SECRET_EXCLUDES)  # last: .whestignore cannot re-include credentials
    skip = {os.path.realpath(p) for p in exclude_paths}
    out = Collected(root)
    refused: List[str] = []

    def walk(directory: str, prefix: str) -> None:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
        for e in entries:
            rel = prefix + e.name
            is_dir = e.is_dir(follow_symlinks=False)
            if is_ignored(rel, is_dir, rules) or os.path.realpath(e.path) in skip and not e.is_symlink():
                out.excluded.append(rel + ("/" if is_dir else ""))
                continue
            problem = name_problem(rel)
            if e.is_symlink():
                refused.append(f"{rel} (a symlink)")
            elif problem:
                refused.append(f"{rel!r} ({problem})")
            elif is_dir:
                walk(e.path, rel + "/")
            elif e.is_file(follow_symlinks=False):
                if rel == MANIFEST_NAME:
                    refused.append(f"{rel} (the name is reserved for the archive's own manifest)")
                else:
                    out.files.append((rel, e.path, e.stat(follow_symlinks=False).st_size))
            else:
                refused.append(f"{rel} (a device, FIFO or socket)")

    walk(root, "")
    if refused:
        raise PackageError("UNSUPPORTED_FILE",
                           f"cannot package {root}: {len(refused)} entr{'y' if len(refused) == 1 else 'ies'} "
                           f"cannot ship: {', '.join(refused[:10])}{' ...' if len(refused) > 10 else ''}. "
                           "Only regular files travel in a submission: replace links by copies, or list the "
                           "entries in .whestignore", {"refused": refused})
    out.files.sort()
    return out


def _biggest(files, k: int = 5) -> str:
    top = sorted(files, key=lambda f: (-f[1], f[0]))[:k]
    return ", ".join(f"{name} ({_mib(size)})" for name, size in top)


def _busiest_dirs(names, k: int = 5) -> str:
    counts: Dict[str, int] = {}
    for n in names:
        d = n.rsplit("/", 1)[0] + "/" if "/" in n else "./"
        counts[d] = counts.get(d, 0) + 1
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    return ", ".join(f"{d} ({c} files)" for d, c in top)


def _too_many_message(n: int, names) -> str:
    return (f"the submission has {n} files, over the {MAX_SUBMISSION_FILES}-file cap. Most files in: "
            f"{_busiest_dirs(names)}. Leave out what the estimator does not need with .whestignore, or "
            "bundle small arrays into one .npz")


def _too_large_message(total: int, sized) -> str:
    return (f"the submission is {total} bytes ({_mib(total)}), over the {_mib(MAX_SUBMISSION_BYTES)} cap "
            f"({MAX_SUBMISSION_BYTES} bytes). Biggest: {_biggest(sized)}. Leave large files out with .whestignore")


def check_caps(files) -> None:
    """Raises PackageError when (name, path, size) files pass upstream's caps."""
    if len(files) > MAX_SUBMISSION_FILES:
        raise PackageError("TOO_MANY_FILES", _too_many_message(len(files), [f[0] for f in files]),
                           {"files": len(files), "cap": MAX_SUBMISSION_FILES})
    total = sum(f[2] for f in files)
    if total > MAX_SUBMISSION_BYTES:
        raise PackageError("SUBMISSION_TOO_LARGE", _too_large_message(total, [(f[0], f[2]) for f in files]),
                           {"bytes": total, "cap_bytes": MAX_SUBMISSION_BYTES,
                            "biggest": [f[0] for f in sorted(files, key=lambda f: -f[2])[:5]]})


def _versions() -> Dict[str, str]:
    import platform

    import numpy

    from whestbench import __version__

    try:
        import flopscope

        fv = getattr(flopscope, "__version__", "unknown")
    except Exception:  # noqa: BLE001
        fv = "unknown"
    return {"whestbench_version": __version__, "flopscope_version": fv, "python_version": platform.python_version(),
            "numpy_version": numpy.__version__}


def build_manifest(entries: List[Tuple[str, bytes]], module: str, class_name: Optional[str]) -> Dict:
    files = [{"name": n, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)} for n, data in entries]
    manifest = {"schema_version": SCHEMA_VERSION, "api_version": MANIFEST_API_VERSION,
                "entrypoint": {"module": module, "class": class_name}, "files": files,
                "total_bytes": sum(len(d) for _, d in entries), "packager": "whestbench"}
    manifest.update(_versions())
    return manifest


def _tar_info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, 0, 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.type = tarfile.REGTYPE
    return info


def write_archive(out_path: str, entries: List[Tuple[str, bytes]], manifest: Dict) -> bytes:
    """Writes the archive atomically; returns its bytes. Deterministic: the same entries and
    manifest give the same bytes (entries sorted, manifest first, mtime 0 in tar and gzip)."""
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            text = (json.dumps(manifest, indent=2) + "\n").encode("utf-8")
            tar.addfile(_tar_info(MANIFEST_NAME, len(text)), io.BytesIO(text))
            for name, data in entries:
                tar.addfile(_tar_info(name, len(data)), io.BytesIO(data))
    data = raw.getvalue()
    out_path = os.path.abspath(out_path)
    tmp = f"{out_path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, out_path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return data


@dataclass
class Packaged:
    artifact: str
    sha256: str
    artifact_bytes: int
    manifest: Dict
    excluded: List[str]


def package(folder: str, output: str, *, module: str = DEFAULT_ENTRY_MODULE,
            class_name: Optional[str] = None) -> Packaged:
    """Packs `folder` into `output` (a .tar.gz with manifest.json). Raises PackageError."""
    if not _IDENT.match(module):
        raise PackageError("MISSING_ENTRYPOINT", f"the entry point must be a Python module name, got {module!r}")
    if class_name is not None and not _IDENT.match(class_name):
        raise PackageError("CONFIG_ERROR", f"--class must be a Python class name, got {class_name!r}")
    found = collect(folder, exclude_paths=[output])
    check_caps(found.files)
    if not any(name == f"{module}.py" for name, _, _ in found.files):
        raise PackageError("MISSING_ENTRYPOINT", f"{os.path.join(found.root, module + '.py')} is missing (or left "
                           "out by .whestignore): a submission needs its entry point at the top of the folder",
                           {"hint": "`whest init DIR` writes a starter estimator.py"})
    entries = []
    for name, path, size in found.files:
        with open(path, "rb") as fh:
            data = fh.read(size + 1)
        if len(data) != size:
            raise PackageError("FILE_CHANGED", f"{name} changed while it was being packaged; run `whest package` again")
        entries.append((name, data))
    manifest = build_manifest(entries, module, class_name)
    data = write_archive(output, entries, manifest)
    return Packaged(os.path.abspath(output), hashlib.sha256(data).hexdigest(), len(data), manifest, found.excluded)


# --------------------------------------------------------------------------- reading an archive


class _CapExceeded(Exception):
    pass


class _Limited(io.RawIOBase):
    """A read-only stream that fails once more than `limit` bytes were read (a gzip bomb stops here)."""

    def __init__(self, inner, limit: int) -> None:
        self.inner, self.left = inner, limit

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.left + 1 if n is None or n < 0 else min(n, self.left + 1)
        data = self.inner.read(n)
        self.left -= len(data)
        if self.left < 0:
            raise _CapExceeded
        return data

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)


#: Decompressed tar stream cap: the files' cap plus room for headers, padding and the manifest.
_STREAM_CAP = MAX_SUBMISSION_BYTES + MAX_MANIFEST_BYTES + 4 * 1024 * 1024
#: Entries read before giving up (files, the manifest, and directory entries other tools write).
_MAX_ENTRIES = 4 * MAX_SUBMISSION_FILES


@dataclass
class ArtifactScan:
    path: str
    issues: List[Issue] = field(default_factory=list)
    manifest: Optional[Dict] = None
    files: Dict[str, Tuple[str, int]] = field(default_factory=dict)  # name -> (sha256, size)
    sha256: Optional[str] = None
    module: Optional[str] = None
    class_name: Optional[str] = None

    @property
    def ok(self) -> bool:
        return not self.issues


def _write_member(dest: str, name: str, src) -> Tuple[str, int]:
    """Streams one member into dest/name (O_EXCL|O_NOFOLLOW, parents created inside dest only)."""
    parts = name.split("/")
    d = dest
    for p in parts[:-1]:
        d = os.path.join(d, p)
        if os.path.islink(d):
            raise OSError(f"{name}: a parent is a link")
        os.makedirs(d, mode=0o700, exist_ok=True)
    target = os.path.join(dest, *parts)
    if os.path.commonpath([os.path.realpath(os.path.dirname(target)), os.path.realpath(dest)]) != \
            os.path.realpath(dest):
        raise OSError(f"{name}: outside the extraction folder")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    h, n = hashlib.sha256(), 0
    with os.fdopen(fd, "wb") as out:
        while True:
            chunk = src.read(_CHUNK)
            if not chunk:
                break
            h.update(chunk)
            n += len(chunk)
            out.write(chunk)
    return h.hexdigest(), n


def _hash_member(src) -> Tuple[str, int]:
    h, n = hashlib.sha256(), 0
    while True:
        chunk = src.read(_CHUNK)
        if not chunk:
            return h.hexdigest(), n
        h.update(chunk)
        n += len(chunk)


def scan_artifact(path: str, dest: Optional[str] = None) -> ArtifactScan:
    """Checks the archive at `path` (and extracts its files into the existing, empty folder `dest`
    if given). Never raises for a bad archive: every problem is an Issue of the result. When
    there are issues, whatever was extracted into `dest` must not be used."""
    scan = ArtifactScan(path)
    add = lambda code, name, msg: scan.issues.append(Issue(code, name, msg))  # noqa: E731
    if not os.path.isfile(path):
        add("archive_missing", path, f"{path} does not exist or is not a file; build one with `whest package DIR`")
        return scan
    size = os.path.getsize(path)
    if size > _STREAM_CAP:
        add("too_large", path, f"the archive is {size} bytes ({_mib(size)}), more than a submission within the "
            f"{_mib(MAX_SUBMISSION_BYTES)} cap can compress to; leave large files out with .whestignore")
        return scan
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    scan.sha256 = h.hexdigest()

    manifest_bytes: Optional[bytes] = None
    seen: set = set()
    total = 0
    n_entries = 0
    try:
        with open(path, "rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as gz:
            stream = io.BufferedReader(_Limited(gz, _STREAM_CAP), buffer_size=_CHUNK)
            with tarfile.open(fileobj=stream, mode="r|") as tar:
                for m in tar:
                    n_entries += 1
                    if n_entries > _MAX_ENTRIES:
                        add("too_many_files", "", f"the archive has more than {_MAX_ENTRIES} entries, over the "
                            f"{MAX_SUBMISSION_FILES}-file cap; repackage with `whest package`")
                        break
                    name = m.name[:-1] if m.isdir() and m.name.endswith("/") else m.name
                    problem = name_problem(name)
                    if problem:
                        add("unsafe_path", m.name, f"entry {m.name!r} has {problem}: archives may hold only "
                            "relative paths inside the submission folder")
                        continue
                    if name in seen:
                        add("duplicate_entry", name, f"{name!r} appears twice in the archive (a later copy could "
                            "replace the checked one); repackage with `whest package`")
                        continue
                    seen.add(name)
                    if m.isdir():
                        continue  # other tar tools write them; folders are created as needed
                    if m.issym() or m.islnk():
                        add("link_entry", name, f"{name!r} is a {'symbolic' if m.issym() else 'hard'} link "
                            f"(to {m.linkname!r}); a submission may hold regular files only")
                        continue
                    if not m.isreg():
                        add("special_entry", name, f"{name!r} is a device, FIFO or other special file; a "
                            "submission may hold regular files only")
                        continue
                    if name == MANIFEST_NAME:
                        if m.size > MAX_MANIFEST_BYTES:
                            add("invalid_manifest_json", name, f"manifest.json is {m.size} bytes, over "
                                f"{MAX_MANIFEST_BYTES}; repackage with `whest package`")
                            continue
                        manifest_bytes = tar.extractfile(m).read()
                        continue
                    if len(scan.files) >= MAX_SUBMISSION_FILES:
                        add("too_many_files", name, _too_many_message(len(scan.files) + 1,
                                                                       list(scan.files) + [name]))
                        break
                    total += m.size
                    if total > MAX_SUBMISSION_BYTES:
                        sized = [(n, s) for n, (_, s) in scan.files.items()] + [(name, m.size)]
                        add("too_large", name, _too_large_message(total, sized))
                        break
                    src = tar.extractfile(m)
                    try:
                        digest, n = _write_member(dest, name, src) if dest else _hash_member(src)
                    except OSError as exc:  # e.g. "w.npy/x.py" after the file w.npy
                        add("unsafe_path", name, f"{name!r} cannot be unpacked inside the submission folder "
                            f"({exc.strerror or exc})")
                        continue
                    scan.files[name] = (digest, n)
    except _CapExceeded:
        add("too_large", path, f"the archive unpacks to more than {_mib(_STREAM_CAP)}; the cap on a submission's "
            f"files is {_mib(MAX_SUBMISSION_BYTES)}")
    except (OSError, EOFError, tarfile.TarError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        add("archive_unreadable", path, f"{path} is not a readable .tar.gz ({type(exc).__name__}: {exc}); build "
            "it with `whest package DIR`")
    if any(i.code in ("too_large", "too_many_files", "archive_unreadable") for i in scan.issues):
        return scan
    _check_manifest(scan, manifest_bytes, add)
    return scan


def _check_manifest(scan: ArtifactScan, manifest_bytes: Optional[bytes], add) -> None:
    if manifest_bytes is None:
        add("missing_manifest", MANIFEST_NAME, "the archive has no manifest.json; build it with `whest package DIR`")
        return
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        add("invalid_manifest_json", MANIFEST_NAME, f"manifest.json is not valid JSON ({exc})")
        return
    if not isinstance(manifest, dict):
        add("invalid_manifest_json", MANIFEST_NAME, "manifest.json is not a JSON object")
        return
    scan.manifest = manifest
    if manifest.get("schema_version") != SCHEMA_VERSION:
        add("unsupported_schema_version", MANIFEST_NAME, f"manifest schema_version "
            f"{manifest.get('schema_version')!r} is not supported (expected {SCHEMA_VERSION!r})")
    if manifest.get("api_version") != MANIFEST_API_VERSION:
        add("unsupported_api_version", MANIFEST_NAME, f"manifest api_version {manifest.get('api_version')!r} is "
            f"not supported (expected {MANIFEST_API_VERSION!r})")
    entry = manifest.get("entrypoint")
    entry = entry if isinstance(entry, dict) else {}
    module, cls = entry.get("module"), entry.get("class")
    if not isinstance(module, str) or not _IDENT.match(module):
        add("missing_entrypoint", MANIFEST_NAME, f"manifest entrypoint.module must be a module name like "
            f"'estimator', got {module!r}")
    elif f"{module}.py" not in scan.files:
        add("missing_entrypoint_file", f"{module}.py", f"the manifest's entry point is {module!r} but the archive "
            f"has no {module}.py at its top")
    else:
        scan.module = module
    if cls is not None and (not isinstance(cls, str) or not _IDENT.match(cls)):
        add("invalid_entrypoint_class", MANIFEST_NAME, f"manifest entrypoint.class must be a class name or null, "
            f"got {cls!r}")
    else:
        scan.class_name = cls
    files = manifest.get("files")
    if not isinstance(files, list):
        add("invalid_files", MANIFEST_NAME, "manifest files[] is missing or not a list")
        files = []
    listed = set()
    for entry in files:
        name = entry.get("name") if isinstance(entry, dict) else None
        digest = entry.get("sha256") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not isinstance(digest, str) or not _SHA256.match(digest):
            add("invalid_files_entry", MANIFEST_NAME, f"manifest files[] entry {entry!r} needs a name and a "
                "64-digit lowercase sha256")
            continue
        if name in listed:
            add("duplicate_manifest_entry", name, f"{name!r} is listed twice in the manifest")
            continue
        listed.add(name)
        got = scan.files.get(name)
        if got is None:
            add("file_not_in_archive", name, f"the manifest lists {name!r} but the archive has no such file")
            continue
        if got[0] != digest:
            add("sha256_mismatch", name, f"sha256 mismatch for {name!r}: the manifest says {digest}, the archive's "
                f"bytes hash to {got[0]}. The file changed after packaging; run `whest package` again")
        size = entry.get("size")
        if size is not None and size != got[1]:
            add("size_mismatch", name, f"{name!r} is {got[1]} bytes, the manifest says {size!r}")
    for name in sorted(set(scan.files) - listed):
        add("unlisted_file", name, f"{name!r} is in the archive but not in the manifest, so its bytes are not "
            "checked; run `whest package` again")
