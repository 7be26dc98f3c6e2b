"""How long an `assistdesk` command takes from start to exit: what operators and the end-to-end
tests pay for each command they run.

    uv run python bench/cli_start.py [--compare /work/base] [--runs 9] [--backend sqlite --backend postgresql]

Each command runs as a fresh process, `<checkout>/.venv/bin/python -m assistdesk ...` from the
checkout's directory (its own virtual environment, bytecode compiled by `uv sync --compile-bytecode`;
PYTHONDONTWRITEBYTECODE is unset as in real use). Wall ms is the time to exit; CPU ms is the
child's user + system time (os.wait4). The figures are medians of `--runs` runs. With `--compare`,
the two checkouts run each command alternately (A B, then B A, ...) on the same database, so a
busy moment of a shared machine weighs on both alike; the last column is this tree's CPU over the
other's.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import base_env, database

ROOT = Path(__file__).resolve().parent.parent
AGENT = "bench.agent@example.com"
COMMANDS: tuple[tuple[str, ...], ...] = (
    ("--help",),
    ("org", "list"),
    ("org", "create", "{name}", "--plan", "premium"),
    ("token", "create", "--agent", AGENT),
    ("outbox", "list"),
)


def run_once(checkout: Path, env: dict[str, str], args: tuple[str, ...]) -> tuple[float, float]:
    """(wall ms, CPU ms) of one command in `checkout`."""
    python = checkout / ".venv" / "bin" / "python"
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(python), "-m", "assistdesk", *args],
        cwd=checkout,
        env={**env, "PYTHONPATH": str(checkout)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = (time.perf_counter() - started) * 1000
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{checkout}: assistdesk {' '.join(args)}: {errors.decode().strip()}")
    return wall, (usage.ru_utime + usage.ru_stime) * 1000


def bench_backend(backend: str, checkouts: list[Path], runs: int) -> None:
    names = itertools.count()
    with database(backend) as url:
        env = base_env(url)
        run_once(checkouts[0], env, ("db", "upgrade"))
        run_once(checkouts[0], env, ("agent", "add", AGENT, "--name", "Bench Agent"))
        header = f"{'command':<34}" + "".join(f"{'wall ms':>9}{'CPU ms':>8}  " for _ in checkouts)
        if len(checkouts) == 2:
            header += f"{'CPU ratio':>10}"
        print(f"\n{backend}: median of {runs} runs; columns: " + " | ".join(str(c) for c in checkouts))
        print(header)
        for command in COMMANDS:
            samples: dict[Path, list[tuple[float, float]]] = {c: [] for c in checkouts}
            for i in range(runs):
                order = checkouts if i % 2 == 0 else list(reversed(checkouts))
                for checkout in order:
                    args = tuple(a.format(name=f"Bench {next(names)}") for a in command)
                    samples[checkout].append(run_once(checkout, env, args))
            line = f"{' '.join(command).replace('{name}', 'NAME'):<34}"
            cpus = []
            for checkout in checkouts:
                wall = statistics.median(s[0] for s in samples[checkout])
                cpu = statistics.median(s[1] for s in samples[checkout])
                cpus.append(cpu)
                line += f"{wall:>9.0f}{cpu:>8.0f}  "
            if len(cpus) == 2:
                line += f"{cpus[0] / cpus[1]:>10.2f}"
            print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--compare", type=Path, help="another checkout, run alternately with this one")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgresql", "mariadb"))
    args = parser.parse_args()
    checkouts = [ROOT] + ([args.compare.resolve()] if args.compare else [])
    print(f"assistdesk command start-up; {sys.platform}, {os.cpu_count()} CPUs")
    for backend in args.backend or ["sqlite", "postgresql"]:
        bench_backend(backend, checkouts, args.runs)


if __name__ == "__main__":
    main()
