"""Submission archives: `whest package`, `whest validate-package`, `whest run --submission`."""

import hashlib
import io
import json
import os
import tarfile

import numpy as np
import pytest

from whestbench import packaging
from whestbench.cli import main

TINY = ["--width", "8", "--depth", "3", "--n-mlps", "2", "--n-samples", "2000", "--seed", "1",
        "--no-residual-wall-time-limit"]

# Loads its weight from the submission folder with fnp.load in setup(), and refuses to run
# if it got anything else than the shipped array (so a wrong folder fails the run).
ESTIMATOR = '''
import os

import flopscope.numpy as fnp

from whestbench import BaseEstimator


class Estimator(BaseEstimator):
    def setup(self, context):
        self.w = fnp.load(os.path.join(context.submission_dir, "w.npy"))
        if not isinstance(self.w, fnp.ndarray) or self.w.tolist() != [0.5, 2.0]:
            raise RuntimeError(f"w.npy did not load: {self.w!r}")

    def predict(self, mlp, budget):
        h = fnp.ones((mlp.width,), dtype=fnp.float32) * self.w[0]
        rows = []
        for W in mlp.weights:
            h = fnp.maximum(h @ W, 0.0) * self.w[1]
            rows.append(h)
        return fnp.stack(rows)
'''


def make_submission(root, estimator=ESTIMATOR):
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "estimator.py"), "w") as fh:
        fh.write(estimator)
    np.save(os.path.join(root, "w.npy"), np.array([0.5, 2.0], dtype=np.float32))
    return str(root)


def whest(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def whest_json(capsys, *argv):
    code, out, err = whest(capsys, *argv, "--format", "json")
    return code, json.loads(out), err


def members(path):
    with tarfile.open(path, "r:gz") as tar:
        return [m.name for m in tar.getmembers()]


def read_manifest(path):
    with tarfile.open(path, "r:gz") as tar:
        return json.loads(tar.extractfile("manifest.json").read())


def write_tar(path, entries):
    """entries: (TarInfo, bytes or None) in order."""
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return str(path)


def file_info(name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def manifest_for(files, module="estimator"):
    return {"schema_version": "1.0", "api_version": "2.0", "entrypoint": {"module": module, "class": None},
            "files": [{"name": n, "sha256": hashlib.sha256(d).hexdigest()} for n, d in files]}


def valid_entries(extra_files=()):
    est = ESTIMATOR.encode()
    buf = io.BytesIO()
    np.save(buf, np.array([0.5, 2.0], dtype=np.float32))
    files = [("estimator.py", est), ("w.npy", buf.getvalue()), *extra_files]
    man = json.dumps(manifest_for(files)).encode()
    return [file_info("manifest.json", man)] + [file_info(n, d) for n, d in files]


# --------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("runner", ["local", "subprocess"])
def test_round_trip_scores_like_estimator(capsys, tmp_path, runner):
    folder = make_submission(tmp_path / "sub")
    art = str(tmp_path / "sub.tar.gz")
    code, out, _ = whest_json(capsys, "package", folder, "-o", art)
    assert code == 0 and out["ok"] and out["files"] == ["estimator.py", "w.npy"]
    code, val, _ = whest_json(capsys, "validate-package", art)
    assert code == 0 and val["ok"] and val["issues"] == [] and val["entrypoint"] == {"module": "estimator",
                                                                                    "class": "Estimator"}
    code, sub, _ = whest_json(capsys, "run", "--submission", art, "--runner", runner, *TINY)
    assert code == 0, sub
    code, est, _ = whest_json(capsys, "run", "--estimator", os.path.join(folder, "estimator.py"), "--runner",
                              runner, *TINY)
    assert code == 0, est
    s, e = sub["results"], est["results"]
    assert s["n_failed_mlps"] == e["n_failed_mlps"] == 0
    assert [r["flops_used"] for r in s["per_mlp"]] == [r["flops_used"] for r in e["per_mlp"]]
    assert all(r["flops_used"] > 0 for r in s["per_mlp"])
    assert s["adjusted_final_layer_score"] == e["adjusted_final_layer_score"]
    info = sub["run_config"]["submission"]
    assert info["artifact"] == os.path.abspath(art) and info["sha256"] == val["sha256"] == out["sha256"]
    assert sub["run_config"]["runner"] == runner


def test_fnp_load_in_setup_reads_the_submission_folder(capsys, tmp_path):
    """setup() loads w.npy from context.submission_dir (and raises if it is not the shipped array):
    the submission's own unpacked folder, under both runners."""
    art = str(tmp_path / "a.tar.gz")
    assert main(["package", make_submission(tmp_path / "sub"), "-o", art, "--format", "json"]) == 0
    capsys.readouterr()
    for runner in ("local", "subprocess"):
        code, rep, _ = whest_json(capsys, "run", "--submission", art, "--runner", runner, *TINY)
        assert code == 0 and rep["results"]["n_failed_mlps"] == 0, rep
    # and without w.npy the same estimator's setup fails: the check above is not vacuous
    os.remove(tmp_path / "sub" / "w.npy")
    assert main(["package", str(tmp_path / "sub"), "-o", art, "--format", "json"]) == 0
    capsys.readouterr()
    code, rep, _ = whest_json(capsys, "run", "--submission", art, "--runner", "local", *TINY)
    assert code == 1 and rep["error"]["code"] == "SETUP_ERROR"


def test_submission_defaults_to_the_sandbox_runner(capsys, tmp_path):
    art = str(tmp_path / "a.tar.gz")
    assert main(["package", make_submission(tmp_path / "sub"), "-o", art, "--format", "json"]) == 0
    capsys.readouterr()
    code, rep, _ = whest_json(capsys, "run", "--submission", art, *TINY)
    assert code == 0 and rep["run_config"]["runner"] == "sandbox"


def test_run_needs_estimator_or_submission_not_both(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["run", "--estimator", "x.py", "--submission", "y.tar.gz"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit):
        main(["run"])
    capsys.readouterr()


# --------------------------------------------------------------------------- packaging


def test_whestignore_and_builtin_excludes(capsys, tmp_path):
    folder = make_submission(tmp_path / "sub")
    for rel in ("notes.txt", "keep.txt", "data/big.bin", "lib/helper.py", "lib/deep/x.tmp", "lib/y.tmp",
                "__pycache__/m.pyc", ".env", "id_rsa", ".git/config", "lib/data/z.npy", "old.tar.gz"):
        os.makedirs(os.path.dirname(os.path.join(folder, rel)), exist_ok=True)
        with open(os.path.join(folder, rel), "w") as fh:
            fh.write(rel)
    with open(os.path.join(folder, ".whestignore"), "w") as fh:
        # an anchored directory, a glob with a re-include, a ** pattern, a comment, and a try
        # at re-including a credential (which stays out)
        fh.write("# comment\n/data/\n*.txt\n!keep.txt\nlib/**/*.tmp\n!.env\n")
    art = str(tmp_path / "a.tar.gz")
    code, out, _ = whest_json(capsys, "package", folder, "-o", art)
    assert code == 0
    shipped = ["estimator.py", "keep.txt", "lib/data/z.npy", "lib/helper.py", "w.npy"]
    assert out["files"] == shipped
    assert members(art) == ["manifest.json"] + shipped
    assert {".env", "id_rsa", "__pycache__/", ".git/", "data/", "notes.txt", "lib/y.tmp", "lib/deep/x.tmp",
            "old.tar.gz", ".whestignore"} <= set(out["excluded"])


@pytest.mark.parametrize("pattern, path, is_dir, ignored", [
    ("*.txt", "a/b/c.txt", False, True),         # no slash: the name, at any depth
    ("data/", "x/data", True, True),            # trailing slash: directories only, any depth
    ("data/", "x/data", False, False),
    ("/data", "x/data", True, False),           # leading slash: the top only
    ("/data", "data", False, True),
    ("a/*.py", "a/b.py", False, True),          # a slash inside: relative to the top
    ("a/*.py", "x/a/b.py", False, False),
    ("a/*.py", "a/b/c.py", False, False),       # * does not cross /
    ("**/cache", "x/y/cache", True, True),
    ("a/**/z", "a/z", False, True),
    ("a/**", "a/b/c", False, True),
    ("w[0-9].npy", "w3.npy", False, True),
    ("w?.npy", "w33.npy", False, False),
])
def test_ignore_patterns(pattern, path, is_dir, ignored):
    assert packaging.is_ignored(path, is_dir, packaging.parse_ignore([pattern])) is ignored


def test_ignore_last_match_wins():
    rules = packaging.parse_ignore(["*.npy", "!keep.npy", "# x", "", "\\#hash"])
    assert packaging.is_ignored("a.npy", False, rules) and not packaging.is_ignored("keep.npy", False, rules)
    assert packaging.is_ignored("#hash", False, rules)


def test_deterministic_bytes(capsys, tmp_path):
    folder = make_submission(tmp_path / "sub")
    a, b = str(tmp_path / "a.tar.gz"), str(tmp_path / "b.tar.gz")
    assert main(["package", folder, "-o", a, "--format", "json"]) == 0
    for name in os.listdir(folder):  # other mtimes, other permissions: the same bytes
        os.utime(os.path.join(folder, name), (1_000_000, 1_000_000))
        os.chmod(os.path.join(folder, name), 0o600)
    assert main(["package", folder, "-o", b, "--format", "json"]) == 0
    capsys.readouterr()
    with open(a, "rb") as fa, open(b, "rb") as fb:
        assert fa.read() == fb.read()
    with tarfile.open(a, "r:gz") as tar:
        for m in tar.getmembers():
            assert (m.mtime, m.uid, m.gid, m.uname, m.gname, m.mode) == (0, 0, 0, "", "", 0o644)


def test_manifest_lists_every_file_with_its_hash(capsys, tmp_path):
    folder = make_submission(tmp_path / "sub")
    art = str(tmp_path / "a.tar.gz")
    assert main(["package", folder, "-o", art, "--format", "json"]) == 0
    capsys.readouterr()
    man = read_manifest(art)
    assert (man["schema_version"], man["api_version"]) == ("1.0", "2.0")
    assert man["entrypoint"] == {"module": "estimator", "class": None}
    for f in man["files"]:
        with open(os.path.join(folder, f["name"]), "rb") as fh:
            data = fh.read()
        assert f["sha256"] == hashlib.sha256(data).hexdigest() and f["size"] == len(data)


def test_too_many_files_refused(capsys, tmp_path):
    folder = make_submission(tmp_path / "sub")
    os.makedirs(os.path.join(folder, "parts"))
    for i in range(packaging.MAX_SUBMISSION_FILES - 1):  # 2 + 49 = 51 files
        with open(os.path.join(folder, "parts", f"p{i}.npy"), "w") as fh:
            fh.write("x")
    art = str(tmp_path / "a.tar.gz")
    code, out, _ = whest_json(capsys, "package", folder, "-o", art)
    assert code == 1 and out["error"]["code"] == "TOO_MANY_FILES"
    assert "51 files, over the 50-file cap" in out["error"]["message"]
    assert "parts/ (49 files)" in out["error"]["message"]
    assert not os.path.exists(art)


def test_too_large_refused_naming_the_biggest(capsys, tmp_path):
    folder = make_submission(tmp_path / "sub")
    with open(os.path.join(folder, "huge.bin"), "wb") as fh:  # sparse: nothing is written to disk
        fh.truncate(packaging.MAX_SUBMISSION_BYTES)
    art = str(tmp_path / "a.tar.gz")
    code, out, _ = whest_json(capsys, "package", folder, "-o", art)
    assert code == 1 and out["error"]["code"] == "SUBMISSION_TOO_LARGE"
    msg = out["error"]["message"]
    assert "over the 50.0 MiB cap" in msg and "Biggest: huge.bin (50.0 MiB)" in msg and ".whestignore" in msg
    assert not os.path.exists(art)


def test_symlink_in_folder_refused(capsys, tmp_path):
    folder = make_submission(tmp_path / "sub")
    (tmp_path / "target").write_text("x")
    os.symlink(str(tmp_path / "target"), os.path.join(folder, "host"))
    code, out, _ = whest_json(capsys, "package", folder, "-o", str(tmp_path / "a.tar.gz"))
    assert code == 1 and out["error"]["code"] == "UNSUPPORTED_FILE" and "host (a symlink)" in out["error"]["message"]


def test_fifo_in_folder_refused(capsys, tmp_path):
    folder = make_submission(tmp_path / "sub")
    os.mkfifo(os.path.join(folder, "pipe"))
    code, out, _ = whest_json(capsys, "package", folder, "-o", str(tmp_path / "a.tar.gz"))
    assert code == 1 and "pipe (a device, FIFO or socket)" in out["error"]["message"]


def test_missing_entry_point_refused(capsys, tmp_path):
    os.makedirs(tmp_path / "empty")
    (tmp_path / "empty" / "other.py").write_text("x = 1\n")
    code, out, _ = whest_json(capsys, "package", str(tmp_path / "empty"), "-o", str(tmp_path / "a.tar.gz"))
    assert code == 1 and out["error"]["code"] == "MISSING_ENTRYPOINT" and "estimator.py" in out["error"]["message"]


def test_estimator_flag_names_the_entry_file(capsys, tmp_path):
    folder = make_submission(tmp_path / "sub")
    os.rename(os.path.join(folder, "estimator.py"), os.path.join(folder, "mine.py"))
    art = str(tmp_path / "a.tar.gz")
    code, out, _ = whest_json(capsys, "package", "--estimator", os.path.join(folder, "mine.py"), "-o", art)
    assert code == 0 and out["entrypoint"]["module"] == "mine"
    code, val, _ = whest_json(capsys, "validate-package", art)
    assert code == 0 and val["ok"]


def test_output_inside_the_folder_is_not_packaged(capsys, tmp_path):
    folder = make_submission(tmp_path / "sub")
    art = os.path.join(folder, "out.tgz")
    assert main(["package", folder, "-o", art, "--format", "json"]) == 0
    assert main(["package", folder, "-o", art, "--format", "json"]) == 0
    capsys.readouterr()
    assert "out.tgz" not in members(art)


# --------------------------------------------------------------------------- refusing bad archives


def _package(capsys, tmp_path):
    art = str(tmp_path / "good.tar.gz")
    assert main(["package", make_submission(tmp_path / "sub"), "-o", art, "--format", "json"]) == 0
    capsys.readouterr()
    return art


def _issue_codes(capsys, art):
    code, val, _ = whest_json(capsys, "validate-package", art)
    assert code == (0 if val["ok"] else 1)
    return [i["code"] for i in val["issues"]], val


def test_tampered_file_refused(capsys, tmp_path):
    art = _package(capsys, tmp_path)
    entries = []
    with tarfile.open(art, "r:gz") as tar:
        for m in tar.getmembers():
            data = tar.extractfile(m).read()
            if m.name == "estimator.py":
                data = data.replace(b"self.w[0]", b"self.w[1]")
                m.size = len(data)
            entries.append((m, data))
    bad = write_tar(tmp_path / "bad.tar.gz", entries)
    codes, val = _issue_codes(capsys, bad)
    assert codes == ["sha256_mismatch"] and val["issues"][0]["name"] == "estimator.py"
    assert "run `whest package` again" in val["issues"][0]["message"]
    code, rep, _ = whest_json(capsys, "run", "--submission", bad, *TINY)
    assert code == 1 and rep["error"]["code"] == "SUBMISSION_INVALID"
    assert rep["error"]["details"]["issues"][0]["code"] == "sha256_mismatch"


def test_unlisted_and_missing_files_refused(capsys, tmp_path):
    entries = valid_entries()
    entries.append(file_info("extra.py", b"import os\n"))  # not in the manifest
    codes, _ = _issue_codes(capsys, write_tar(tmp_path / "a.tar.gz", entries))
    assert codes == ["unlisted_file"]
    entries = [e for e in valid_entries() if e[0].name != "w.npy"]
    codes, _ = _issue_codes(capsys, write_tar(tmp_path / "b.tar.gz", entries))
    assert codes == ["file_not_in_archive"]
    entries = [e for e in valid_entries() if e[0].name != "manifest.json"]
    codes, _ = _issue_codes(capsys, write_tar(tmp_path / "c.tar.gz", entries))
    assert codes == ["missing_manifest"]


def _link(name, target, kind):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info, None


def _device(name, kind):
    info = tarfile.TarInfo(name)
    info.type, info.devmajor, info.devminor = kind, 1, 3
    return info, None


@pytest.mark.parametrize("make_bad, code", [
    (lambda root: file_info("../evil.py", b"x"), "unsafe_path"),
    (lambda root: file_info("lib/../../evil.py", b"x"), "unsafe_path"),
    (lambda root: file_info(os.path.join(root, "evil.py"), b"x"), "unsafe_path"),  # absolute
    (lambda root: _link("lib", root, tarfile.SYMTYPE), "link_entry"),
    (lambda root: _link("hard.py", os.path.join(root, "target"), tarfile.LNKTYPE), "link_entry"),
    (lambda root: _device("null", tarfile.CHRTYPE), "special_entry"),
    (lambda root: _device("blk", tarfile.BLKTYPE), "special_entry"),
    (lambda root: _device("fifo", tarfile.FIFOTYPE), "special_entry"),
])
def test_unsafe_entries_refused(capsys, tmp_path, monkeypatch, make_bad, code):
    import tempfile

    work = tmp_path / "work" / "deeper"
    work.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(work))  # where the private folders go
    art = write_tar(tmp_path / "bad.tar.gz", valid_entries() + [make_bad(str(tmp_path))])
    codes, val = _issue_codes(capsys, art)
    assert codes == [code], val
    code_, rep, _ = whest_json(capsys, "run", "--submission", art, *TINY)
    assert code_ == 1 and rep["error"]["code"] == "SUBMISSION_INVALID"
    assert rep["error"]["details"]["issues"][0]["code"] == code
    assert sorted(os.listdir(tmp_path)) == ["bad.tar.gz", "work"]  # nothing escaped: no evil.py
    assert os.listdir(tmp_path / "work") == ["deeper"] and os.listdir(work) == []  # private folders removed


def test_symlink_then_file_through_it_is_not_followed(tmp_path):
    """A link entry followed by a file 'inside' it: the link is refused and the file is written
    under the private folder, never through the link."""
    outside = tmp_path / "outside"
    outside.mkdir()
    entries = valid_entries() + [_link("lib", str(outside), tarfile.SYMTYPE), file_info("lib/x.py", b"x")]
    art = write_tar(tmp_path / "a.tar.gz", entries)
    dest = tmp_path / "dest"
    dest.mkdir()
    scan = packaging.scan_artifact(art, dest=str(dest))
    assert [i.code for i in scan.issues] == ["link_entry", "unlisted_file"]
    assert os.listdir(outside) == [] and not os.path.islink(dest / "lib")


def test_entry_below_a_file_refused(tmp_path):
    art = write_tar(tmp_path / "a.tar.gz", valid_entries() + [file_info("w.npy/x.py", b"x")])
    dest = tmp_path / "dest"
    dest.mkdir()
    scan = packaging.scan_artifact(art, dest=str(dest))
    assert [i.code for i in scan.issues] == ["unsafe_path"] and "w.npy/x.py" in scan.issues[0].message


def test_duplicate_entry_refused(capsys, tmp_path):
    entries = valid_entries()
    entries.append(file_info("estimator.py", b"import os\nos.system('true')\n"))
    codes, _ = _issue_codes(capsys, write_tar(tmp_path / "a.tar.gz", entries))
    assert codes == ["duplicate_entry"]


def test_too_many_files_in_archive_refused(capsys, tmp_path):
    extra = [(f"p{i}.txt", b"x") for i in range(packaging.MAX_SUBMISSION_FILES - 1)]  # 51 files
    codes, val = _issue_codes(capsys, write_tar(tmp_path / "a.tar.gz", valid_entries(extra)))
    assert codes == ["too_many_files"] and "over the 50-file cap" in val["issues"][0]["message"]


def test_too_large_archive_stops_extracting(tmp_path):
    """A member that passes the cap (zeros compress to almost nothing) is refused while it is
    extracted: nothing past the cap is written."""
    big = b"\0" * (packaging.MAX_SUBMISSION_BYTES + 1)
    art = write_tar(tmp_path / "a.tar.gz", valid_entries([("big.bin", big)]))
    assert os.path.getsize(art) < 1024 * 1024
    dest = tmp_path / "dest"
    dest.mkdir()
    scan = packaging.scan_artifact(art, dest=str(dest))
    assert [i.code for i in scan.issues] == ["too_large"]
    assert "big.bin (50.0 MiB)" in scan.issues[0].message and "over the 50.0 MiB cap" in scan.issues[0].message
    assert not (dest / "big.bin").exists()


def test_not_a_tarball_refused(capsys, tmp_path):
    (tmp_path / "x.tar.gz").write_bytes(b"not gzip at all")
    codes, _ = _issue_codes(capsys, str(tmp_path / "x.tar.gz"))
    assert codes == ["archive_unreadable"]
    codes, _ = _issue_codes(capsys, str(tmp_path / "missing.tar.gz"))
    assert codes == ["archive_missing"]


def test_validate_package_checks_the_estimator(capsys, tmp_path):
    folder = make_submission(tmp_path / "sub", estimator="class NotAnEstimator:\n    pass\n")
    art = str(tmp_path / "a.tar.gz")
    assert main(["package", folder, "-o", art, "--format", "json"]) == 0
    capsys.readouterr()
    codes, val = _issue_codes(capsys, art)
    assert codes == ["entrypoint_invalid"] and "ESTIMATOR_CLASS_NOT_FOUND" in val["issues"][0]["message"]
    code, _, err = whest(capsys, "validate-package", art, "--format", "plain")
    assert code == 1 and "NOT a valid submission archive" in err and "entrypoint_invalid" in err
