"""kill -9 of a worker in the middle of a Slack burst, and a PostgreSQL restart under load: every
committed comment reaches Slack exactly once. The counts come from `bench/fault_tolerance.py`,
which runs `assistdesk worker` processes on a private throw-away PostgreSQL cluster (never the
machine's shared server) against the fake Slack Web API."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import databases

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.slow
def test_a_killed_worker_and_a_restarted_database_lose_nothing_and_post_nothing_twice() -> None:
    if not glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"):
        message = "PostgreSQL server binaries are missing (apt-get install postgresql)"
        if databases.in_ci():
            pytest.fail(message)
        pytest.skip(message)
    run = subprocess.run(
        [
            sys.executable,
            "bench/fault_tolerance.py",
            "--scenario",
            "kill,restart",
            "--comments",
            "120",
            "--json",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    kill, restart = json.loads(run.stdout.strip().splitlines()[-1])
    assert (kill["comments"], kill["lost"], kill["duplicated"]) == (120, 0, 0), kill
    assert 0 < kill["posted_before_kill"] < 120, kill  # the kill landed mid-burst
    assert restart["restarted"] is True, restart
    assert (restart["comments"], restart["lost"], restart["duplicated"]) == (120, 0, 0), restart
