"""Estimators written the way participants write them (tests/whestbench/fixtures/participants/:
whitened Monte Carlo with eigh, Strassen block products with take/put_along_axis, a norm.ppf Latin
hypercube, mean propagation with mixed float32/float64 and an in-place write with a fallback,
covariance propagation with flops.as_symmetric),
scored by `whest run --dataset` under flopscope-0.12: each bills upstream's FLOPs per MLP.

The figures are measured on upstream whestbench 0.16.2 / flopscope 0.12.4 with the same dataset
(`python scripts/upstream_estimators.py --upstream PYTHON` re-measures them; upstream is not
needed here). The dataset is baked here from participants/settings.json: its weights and MLP
seeds are upstream's, bit for bit.
"""

import json
import os

import pytest

from whestbench.cli import main

HERE = os.path.dirname(os.path.abspath(__file__))
PARTICIPANTS = os.path.join(HERE, "fixtures", "participants")
SETTINGS = json.load(open(os.path.join(PARTICIPANTS, "settings.json")))

# FLOPs per MLP (both MLPs of the dataset), measured on upstream whestbench 0.16.2 / flopscope 0.12.4.
UPSTREAM_FLOPS_PER_MLP = {
    "whitened_mc": 519_868_928,
    "strassen_take": 24_625_408,
    "lhs_ppf": 56_428_288,
    "mean_prop_mixed": 1_046_272,  # upstream takes the fallback (immutable arrays) and pays the float64 output's cast
    "cov_prop_symmetric": 77_721_586,  # as_symmetric covariance: upstream's orbit counts (flops.SymmetricTensor)
}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("participants") / "dataset")
    s = SETTINGS
    code = main(["dataset", "bake", "--n-mlps", str(s["n_mlps"]), "--width", str(s["width"]), "--depth",
                 str(s["depth"]), "--n-samples", str(s["n_samples"]), "--root-seed", str(s["root_seed"]),
                 "--output", out, "--format", "json"])
    assert code == 0
    return out


@pytest.mark.parametrize("name", sorted(UPSTREAM_FLOPS_PER_MLP))
def test_participant_estimators_bill_what_upstream_bills(capsys, dataset, name):
    capsys.readouterr()
    code = main(["run", "--estimator", os.path.join(PARTICIPANTS, f"{name}.py"), "--dataset", dataset,
                 "--cost-model", SETTINGS["cost_model"], "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    records = report["results"]["per_mlp"]
    assert len(records) == SETTINGS["n_mlps"]
    for r in records:
        assert "error_code" not in r, r.get("error")
        assert r["flops_used"] == UPSTREAM_FLOPS_PER_MLP[name]


def test_every_participant_estimator_is_pinned():
    files = {f[:-3] for f in os.listdir(PARTICIPANTS) if f.endswith(".py")}
    assert files == set(UPSTREAM_FLOPS_PER_MLP)
