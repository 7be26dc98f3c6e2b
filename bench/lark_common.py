"""Shared by the Lark bench scripts: a served assistdesk wired to the fake Lark Open API, an
organization with its connected group, and pushes encrypted and signed the way Lark sends them."""

from __future__ import annotations

import contextlib
import json
import secrets
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import base_env, cli, database, served
from tests.fakes.lark_api import FakeLark
from tests.lark.pushes import CHAT, ENCRYPT_KEY, TENANT, USER, VERIFICATION_TOKEN, encrypt, fixture, sign

APP_SECRET = "benchAppSecret0123456789abcdef00"


@dataclass
class Stage:
    url: str
    fake: FakeLark
    env: dict[str, str]


@contextlib.contextmanager
def stage(backend: str, *serve_args: str, **extra: str) -> Iterator[Stage]:
    """`assistdesk serve` on a fresh `backend` database, Acme (enterprise, Lark on) connected to the
    fixture group, lark-oapi pointed at a fake Lark in this process."""
    fake = FakeLark(app_id=f"cli_bench{secrets.token_hex(4)}", app_secret=APP_SECRET)
    fake.users[USER] = {"name": "Alice Chen", "email": "ann@acme.example"}
    try:
        with database(backend) as url:
            plain = base_env(url)
            cli(plain, "org", "create", "Acme", "--plan", "enterprise", "--domain", "acme.example")
            cli(plain, "org", "enable", "Acme", "lark")
            cli(plain, "contact", "add", "ann@acme.example", "--org", "Acme", "--name", "Ann")
            cli(plain, "connect", "lark", "--org", "Acme", "--chat", CHAT, "--tenant", TENANT)
            env = base_env(
                url,
                LARK_APP_ID=fake.app_id,
                LARK_APP_SECRET=APP_SECRET,
                LARK_VERIFICATION_TOKEN=VERIFICATION_TOKEN,
                LARK_ENCRYPT_KEY=ENCRYPT_KEY,
                LARK_DOMAIN=fake.url,
                **extra,
            )
            with served(env, *serve_args) as base:
                yield Stage(base, fake, env)
    finally:
        fake.close()


def mention(
    text: str, *, message_id: str | None = None, root_id: str | None = None, at_bot: bool = True
) -> dict:  # type: ignore[type-arg]
    body = fixture("im_message_receive_v1_group_mention.json")
    body["header"]["event_id"] = secrets.token_hex(16)
    message = body["event"]["message"]
    message["message_id"] = message_id or "om_" + secrets.token_hex(16)
    message["content"] = json.dumps({"text": f"@_user_1 {text}" if at_bot else text})
    if not at_bot:
        message["mentions"] = []
    if root_id:
        message["root_id"] = message["parent_id"] = root_id
    return body


def signed(body: dict) -> tuple[bytes, dict[str, str]]:  # type: ignore[type-arg]
    """The raw request Lark would send: encrypted body and X-Lark-* headers."""
    raw = json.dumps({"encrypt": encrypt(json.dumps(body, separators=(",", ":")))}).encode()
    timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Lark-Request-Timestamp": timestamp,
        "X-Lark-Request-Nonce": nonce,
        "X-Lark-Signature": sign(timestamp, nonce, raw),
    }
    return raw, headers
