"""The repository carries every file its tests, scripts, benchmarks and docs need: none of them
names a path outside it (a clone has nothing beside it)."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
# A relative climb out of the repository to a sibling folder, e.g. "../shared" or "..", "..", "shared".
OUTSIDE = re.compile(r"""\.\./shared|["']\.\.["']\s*,\s*["']\.\.["']\s*,\s*["']\.\.["']|shared/spec|shared/data""")
FOLDERS = ["tests", "scripts", "benchmarks", "docs", "src", "cpp", "examples", ".ci"]


def test_nothing_reads_a_path_outside_the_repository():
    offenders = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*")):
            if not path.is_file() or path.suffix in {".parquet", ".so", ".o"} or path == pathlib.Path(__file__):
                continue
            try:
                text = path.read_text()
            except UnicodeDecodeError:
                continue
            for lineno, line in enumerate(text.splitlines(), 1):
                if OUTSIDE.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{lineno}: {line.strip()}")
    assert not offenders, "paths outside the repository:\n" + "\n".join(offenders)


def test_upstream_datasets_are_in_the_repository():
    base = ROOT / "tests" / "whestbench" / "data" / "upstream-datasets"
    for name in ("single_split_v3_protocol", "multi_split_v3.0"):
        assert (base / name / "metadata.json").is_file()
        assert list((base / name / "data").glob("*.parquet"))
