"""Re-measures the FLOPs per MLP that upstream whestbench 0.16.2 + flopscope 0.12.4 bill for the
participant-style estimators of tests/whestbench/fixtures/participants/, beside ours, so that the
figures pinned in tests/whestbench/test_participant_estimators.py can be checked.

    python -m venv /tmp/up-wb && /tmp/up-wb/bin/pip install whestbench==0.16.2 flopscope==0.12.4
    python scripts/upstream_estimators.py --upstream /tmp/up-wb/bin/python [--estimators a,b]

The dataset is baked with our `whest dataset bake` into a temporary folder from the settings in
participants/settings.json (upstream loads it with the same weights and MLP seeds); upstream runs
in its own process from that temporary folder (never importing our package), ours under the
settings' cost model. Prints per estimator and MLP both figures, and the ops whose FLOPs differ.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
PARTICIPANTS = ROOT / "tests" / "whestbench" / "fixtures" / "participants"
UPSTREAM_CLI = "import sys; from whestbench.cli import main; sys.exit(main(sys.argv[1:]))"


def settings() -> dict:
    return json.loads((PARTICIPANTS / "settings.json").read_text())


def estimators() -> list[str]:
    return sorted(p.stem for p in PARTICIPANTS.glob("*.py"))


def bake(folder: str) -> str:
    s = settings()
    out = os.path.join(folder, "dataset")
    subprocess.run([sys.executable, "-m", "whestbench", "dataset", "bake", "--n-mlps", str(s["n_mlps"]),
                    "--width", str(s["width"]), "--depth", str(s["depth"]), "--n-samples", str(s["n_samples"]),
                    "--root-seed", str(s["root_seed"]), "--output", out, "--format", "json"],
                   check=True, capture_output=True, text=True)
    return out


def per_mlp(report: dict) -> list[dict]:
    out = []
    for r in report["results"]["per_mlp"]:
        est = (r.get("breakdowns") or {}).get("estimator") or {}
        ops = {}
        for ns in (est.get("by_namespace") or {}).values():
            for op, rec in ns.get("operations", {}).items():
                ops[op] = ops.get(op, 0) + int(rec["flop_cost"])
        out.append({"flops_used": r["flops_used"], "error": r.get("error"), "ops": ops})
    return out


def run(cmd: list[str], cwd: str) -> dict:
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"{' '.join(cmd[:3])} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--upstream", required=True, help="python of a venv with whestbench==0.16.2, flopscope==0.12.4")
    p.add_argument("--estimators", default=None, help="comma-separated names (default: all)")
    args = p.parse_args()
    names = args.estimators.split(",") if args.estimators else estimators()
    s = settings()
    status = 0
    with tempfile.TemporaryDirectory() as tmp:
        dataset = bake(tmp)
        for name in names:
            path = str(PARTICIPANTS / f"{name}.py")
            common = ["run", "--estimator", path, "--dataset", dataset, "--format", "json"]
            theirs = per_mlp(run([args.upstream, "-c", UPSTREAM_CLI, *common], tmp))
            ours = per_mlp(run([sys.executable, "-m", "whestbench", *common, "--cost-model", s["cost_model"]], tmp))
            for i, (t, o) in enumerate(zip(theirs, ours)):
                same = t["flops_used"] == o["flops_used"]
                status |= not same
                print(f"{name} mlp {i}: upstream {t['flops_used']:,}  ours {o['flops_used']:,}"
                      f"  {'equal' if same else 'DIFFERENT'}" + (f"  upstream error: {t['error']}" if t["error"] else "")
                      + (f"  our error: {o['error']}" if o["error"] else ""))
                for op in sorted(set(t["ops"]) | set(o["ops"])):
                    if t["ops"].get(op) != o["ops"].get(op):
                        print(f"    {op}: upstream {t['ops'].get(op)}  ours {o['ops'].get(op)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
