"""Run one fuzz target under atheris (libFuzzer) for a bounded time:

    python -m tests.abuse.run_fuzz slack --seconds 30 [--runs N] [--corpus DIR]

A fixed seed and a fixed number of inputs make a CI run reproducible (a faster machine does not
reach further); `--seconds` only bounds a slow one.

Exits non-zero with the crashing input saved (libFuzzer's `crash-*` file in the working directory)
when the target raises anything its parser does not document."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["assistdesk"]):
    from tests.abuse.fuzz_targets import SEEDS, TARGETS


def main() -> None:
    options = argparse.ArgumentParser()
    options.add_argument("target", choices=sorted(TARGETS))
    options.add_argument("--seconds", type=int, default=10)
    options.add_argument(
        "--runs",
        type=int,
        default=300_000,
        help="inputs to try (with the fixed seed: the same ones every run)",
    )
    options.add_argument("--corpus", type=Path)
    args = options.parse_args()
    corpus = args.corpus or Path(tempfile.mkdtemp(prefix=f"fuzz-{args.target}-"))
    corpus.mkdir(parents=True, exist_ok=True)
    for n, seed in enumerate(SEEDS[args.target]()):
        (corpus / f"seed-{n}").write_bytes(seed)
    target = TARGETS[args.target]
    argv = [
        sys.argv[0],
        str(corpus),
        f"-max_total_time={args.seconds}",
        "-rss_limit_mb=2048",
        "-seed=1",
        f"-runs={args.runs}",
    ]
    atheris.Setup(argv, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
