"""`assistdesk serve` as a subprocess, the way an operator starts it: environment, start, readiness."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.fakes.live import free_port

ASSISTDESK = [sys.executable, "-m", "assistdesk"]


def serve_env(db_url: str, **settings: str) -> dict[str, str]:
    """This process's environment without any assistdesk or platform setting, plus `settings`."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ASSISTDESK_", "SLACK_", "LARK_"))},
        "ASSISTDESK_DATABASE_URL": db_url,
        "ASSISTDESK_SECRET_KEY": "e2e-secret-key-" + "k" * 30,
        **settings,
    }


def start_serve(
    env: dict[str, str], cwd: Path, log_path: Path, *args: str, port: int | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Start `serve` and return once /readyz answers 200 (or fail with what it logged)."""
    port = port or free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*ASSISTDESK, "serve", "--port", str(port), *args],
            env=env,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    # Generous: a cold start imports the whole stack and migrates, and CI shares two cores with the
    # databases and parallel test workers; a healthy start takes a few seconds.
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise AssertionError("serve did not become ready:\n" + log_path.read_text())
        time.sleep(0.1)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
