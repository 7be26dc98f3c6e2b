"""`assistdesk serve --workers 2`, as an operator runs it: two processes answer on one port, each with
its own delivery worker, and a ticket created through them reaches a webhook exactly once."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx

from tests.e2e.serving import serve_env, start_serve, stop
from tests.e2e.test_operator_session import Operator
from tests.fakes.sink import Sink

ADMIN = "ada@vendor.example"


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return [int(line) for line in found.stdout.split()]


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink().as_posix()
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def _established_to(port: int) -> set[str]:
    """Socket inodes of established TCP connections whose local port is `port` (the server's side)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01":  # 01: ESTABLISHED
                inodes.add(fields[9])
    return inodes


def _answering(base: str, port: int, servers: list[int]) -> dict[int, int]:
    """Open keep-alive connections until each serving process holds one; connections per process."""
    clients: list[httpx.Client] = []
    held: dict[int, int] = {}
    try:
        for _ in range(100):
            client = httpx.Client(base_url=base, timeout=10)
            clients.append(client)
            assert client.get("/healthz").status_code == 200
            ours = _established_to(port)
            held = {pid: len(_socket_inodes(pid) & ours) for pid in servers}
            if all(held.values()):
                break
        return held
    finally:
        for client in clients:
            client.close()


def test_two_processes_share_the_port_and_a_ticket_is_delivered_once(db_url: str, tmp_path: Path) -> None:
    sink = Sink()
    env = serve_env(
        db_url, ASSISTDESK_PUBLIC_URL="https://support.example.test", ASSISTDESK_WEBHOOK_ALLOW_PRIVATE="true"
    )
    op = Operator(env, tmp_path)
    op.run("org", "create", "Acme", "--plan", "premium", "--domain", "acme.example")
    op.run("contact", "add", "ann@acme.example", "--org", "Acme", "--name", "Ann")
    op.run("agent", "add", ADMIN, "--name", "Ada", "--admin")
    token = op.run("token", "create", "--agent", ADMIN).stdout.strip().splitlines()[-1]
    op.run("webhook", "add", sink.url("tickets"), "--event", "ticket.created")
    process, base = start_serve(env, tmp_path, tmp_path / "serve.log", "--workers", "2")
    try:
        port = int(base.rsplit(":", 1)[1])
        deadline = time.monotonic() + 60
        while True:  # the supervisor, its two serving processes and multiprocessing's tracker
            servers = [pid for pid in _children(process.pid) if "resource_tracker" not in _cmdline(pid)]
            log = (tmp_path / "serve.log").read_text()
            if len(servers) == 2 and log.count("Application startup complete") == 2:
                break
            assert time.monotonic() < deadline, log
            time.sleep(0.2)
        held = _answering(base, port, servers)
        assert all(held.values()), f"connections per serving process: {held}"

        api = httpx.Client(base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {token}"})
        created = api.post(
            "/tickets", json={"org": "Acme", "reporter_email": "ann@acme.example", "title": "Login fails"}
        )
        assert created.status_code == 201, created.text
        key = created.json()["key"]
        events = sink.wait_for(1, name="tickets")
        assert [(e.body["type"], e.body["data"]["ticket"]["key"]) for e in events] == [
            ("ticket.created", key)
        ]
        time.sleep(1.0)  # a second delivery, if any, would come from the other process's worker
        assert len(sink.bodies("tickets")) == 1
    finally:
        stop(process)
        sink.close()
    assert process.returncode == 0, (tmp_path / "serve.log").read_text()
    assert (tmp_path / "serve.log").read_text().count("delivery worker") >= 4  # two started, two stopped


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""
