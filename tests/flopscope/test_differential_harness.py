"""scripts/differential: the corpus covers every op family and the worker's
record is reproducible (the same corpus run twice under our flopscope agrees
case for case), so that a mismatch against upstream is upstream's difference,
not the harness's noise."""

import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "differential"))

import run as harness  # noqa: E402


def test_the_corpus_has_variants_for_every_kind_of_op():
    ops = ["add", "sum", "matmul", "linalg.solve", "fft.rfft", "median", "sort", "polyval", "concatenate"]
    corpus = [c for i, op in enumerate(ops) for c in harness.corpus_for(op, i)]
    assert {c["op"] for c in corpus} == set(ops)
    add = [c for c in corpus if c["op"] == "add"]
    assert any(a["kind"] == "value" for c in add for a in c["args"])  # Python scalars
    assert {a["dtype"] for c in add for a in c["args"] if a["kind"] == "array"} >= {"f2", "f4", "f8", "c8", "i8", "b1"}
    assert any(c["kwargs"].get("keepdims") for c in corpus if c["op"] == "sum")
    assert len({c["id"] for c in corpus}) == len(corpus)


def test_the_worker_is_reproducible(tmp_path):
    corpus = [c for i, op in enumerate(["add", "exp", "sum", "linalg.inv", "sort"]) for c in harness.corpus_for(op, i)]
    path = tmp_path / "corpus.json"
    path.write_text(json.dumps(corpus))
    outs = []
    for k in range(2):
        out = tmp_path / f"out{k}.json"
        subprocess.run([sys.executable, str(ROOT / "scripts" / "differential" / "worker.py"), str(path), str(out)],
                       check=True, cwd=tmp_path)
        outs.append(json.loads(out.read_text()))
    assert outs[0] == outs[1]
    statuses = {r["status"] for r in outs[0].values()}
    assert "ok" in statuses and "raised" in statuses  # NumPy refusals are in the corpus too
    assert all(r["flops"] >= 0 for r in outs[0].values() if "flops" in r)
    with pytest.raises(ValueError):
        harness.raw({"kind": "nonsense"}, None)


def test_expressions_run_in_the_worker_and_agree_with_numpy(tmp_path):
    import expressions

    cases = expressions.expression_cases(0)
    assert len({c["id"] for c in cases}) == len(cases)
    assert {c["op"] for c in cases} >= {"expr: a @ b.T", "expr: a[a > 0]", "expr: a.reshape(-1)"}
    picked = [c for c in cases if c["op"] in ("expr: a @ b.T", "expr: a[[0, 2]]", "expr: a.flatten()")]
    path = tmp_path / "corpus.json"
    path.write_text(json.dumps(picked))
    out = tmp_path / "out.json"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "differential" / "worker.py"), str(path), str(out)],
                   check=True, cwd=tmp_path)
    got = json.loads(out.read_text())
    import numpy as np

    sys.path.insert(0, str(ROOT / "scripts" / "differential"))
    import worker

    for case in picked:
        rng = np.random.default_rng(case["seed"])
        arrays = [worker.values(s, rng) for s in case["args"]]
        want = eval(case["code"], dict(zip("abc", arrays), np=np, fnp=np))  # noqa: S307 - plain NumPy
        assert got[case["id"]]["status"] == "ok"
        assert got[case["id"]]["digest"] == worker.digest(want), case["op"]
