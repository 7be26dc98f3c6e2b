"""The coverage-guided fuzz targets (atheris) run for a few seconds each and find nothing; their
seeds (the fixtures on disk) pass through each target as a plain function too."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.abuse.fuzz_targets import SEEDS, TARGETS

ROOT = Path(__file__).resolve().parent.parent.parent
SECONDS = int(os.environ.get("ASSISTDESK_FUZZ_SECONDS", "8"))


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_the_seeds_pass_through_the_target(name: str) -> None:
    seeds = SEEDS[name]()
    assert seeds
    for seed in seeds:
        TARGETS[name](seed)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TARGETS))
def test_coverage_guided_fuzzing_finds_nothing(name: str, tmp_path: Path) -> None:
    try:
        import atheris  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("atheris is not installed (it has wheels for Python 3.11)")
        pytest.skip("atheris is not installed")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.abuse.run_fuzz",
            name,
            "--seconds",
            str(SECONDS),
            "--corpus",
            str(tmp_path / "corpus"),
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=SECONDS + 120,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    assert "Done" in run.stderr, run.stderr[-2000:]
    assert not list(tmp_path.glob("crash-*"))


REGRESSIONS = Path(__file__).with_name("regressions")


@pytest.mark.parametrize(
    "found", sorted(REGRESSIONS.glob("*.json")), ids=lambda p: p.stem if isinstance(p, Path) else str(p)
)
def test_what_the_fuzzer_once_found_stays_fixed(found: Path) -> None:
    """Inputs a fuzz run once crashed a parser with, named `<target>-<what>.json`: each passes its
    target now (a Lark message whose `content` was an object, not the documented JSON string)."""
    TARGETS[found.name.split("-", 1)[0]](found.read_bytes())
