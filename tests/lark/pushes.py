"""Lark's side of `POST /lark/events`: pushes built from the fixtures on disk, encrypted and signed
the documented way (written here with `cryptography`, independently of the code under test):

    encrypt   = base64(iv + AES-256-CBC(SHA256(encrypt_key), PKCS7(json)))
    signature = hex(SHA256(timestamp + nonce + encrypt_key + raw_body))
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "lark"
VERIFICATION_TOKEN = "vT9qLm2XcR7bN4sK8dW1yP6hJ3fG5aZe"  # the fixtures' secrets (samples README)
ENCRYPT_KEY = "fixture-encrypt-key-2f8a6c1d"
TENANT = "1a2b3c4d5e6f7081"
CHAT = "oc_4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b"
USER = "ou_3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c"
BOT = "ou_7b1e0f3c9a2d4e5f8a6b7c8d9e0f1a2b"


def until(check: Callable[[], bool], *, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def fixture(name: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return value


def encrypt(plaintext: str, key: str = ENCRYPT_KEY) -> str:
    digest = hashlib.sha256(key.encode()).digest()
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext.encode()) + padder.finalize()
    iv = os.urandom(16)
    encryptor = Cipher(algorithms.AES(digest), modes.CBC(iv)).encryptor()
    return base64.b64encode(iv + encryptor.update(padded) + encryptor.finalize()).decode()


def sign(timestamp: str, nonce: str, body: bytes, key: str = ENCRYPT_KEY) -> str:
    return hashlib.sha256((timestamp + nonce + key).encode() + body).hexdigest()


def new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


class Lark:
    """Pushes events and card callbacks to a running assistdesk, as Lark would."""

    def __init__(self, base_url: str, fake: Any = None) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=15)
        self.fake = fake

    def close(self) -> None:
        self.client.close()

    def post(
        self, body: dict[str, Any], *, encrypted: bool = True, signed: bool = True, key: str = ENCRYPT_KEY
    ) -> httpx.Response:
        plaintext = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        raw = json.dumps({"encrypt": encrypt(plaintext, key)}).encode() if encrypted else plaintext.encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if signed:
            timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
            headers.update(
                {
                    "X-Lark-Request-Timestamp": timestamp,
                    "X-Lark-Request-Nonce": nonce,
                    "X-Lark-Signature": sign(timestamp, nonce, raw, key),
                }
            )
        return self.client.post("/lark/events", content=raw, headers=headers)

    def message_event(
        self,
        text: str,
        *,
        mention_bot: bool = True,
        chat_id: str = CHAT,
        sender: str = USER,
        message_id: str | None = None,
        root_id: str | None = None,
        event_id: str | None = None,
        locale: str | None = None,
        chat_type: str = "group",
    ) -> dict[str, Any]:
        """`im.message.receive_v1` from the fixture; `text` after an @mention of the bot."""
        body = fixture("im_message_receive_v1_group_mention.json")
        body["header"]["event_id"] = event_id or new_id("")
        message = body["event"]["message"]
        message["message_id"] = message_id or new_id("om_")
        message["chat_id"] = chat_id
        message["chat_type"] = chat_type
        body["event"]["sender"]["sender_id"]["open_id"] = sender
        if mention_bot:
            message["content"] = json.dumps({"text": f"@_user_1 {text}"})
        else:
            message["content"] = json.dumps({"text": text})
            message["mentions"] = []
        if root_id:
            message["root_id"] = root_id
            message["parent_id"] = root_id
        if locale:
            message["user_agent"] = f"Mozilla/5.0 (Macintosh) Lark/7.30.1 LarkLocale/{locale} ttnet"
        if self.fake is not None:
            self.fake.said(message["message_id"], chat_id)
        return body

    def say(self, text: str, **options: Any) -> tuple[httpx.Response, str]:
        body = self.message_event(text, **options)
        return self.post(body), body["event"]["message"]["message_id"]

    def click(
        self,
        form_card: dict[str, Any],
        *,
        button: str = "submit_request",
        form: dict[str, str] | None = None,
        card_message_id: str = "",
        operator: str = USER,
        chat_id: str = CHAT,
    ) -> httpx.Response:
        """A `card.action.trigger` for `button` of a card we were shown, with the form's values:
        the callback `value` comes from the card itself, as Lark does."""
        body = copy.deepcopy(fixture("card_action_trigger_form_submit.json"))
        body["header"]["event_id"] = new_id("")
        event = body["event"]
        event["operator"]["open_id"] = operator
        event["action"]["value"] = callback_value(form_card, button)
        event["action"]["name"] = button
        if form is None:
            event["action"].pop("form_value", None)
        else:
            event["action"]["form_value"] = form
        event["context"] = {"open_message_id": card_message_id, "open_chat_id": chat_id}
        return self.post(body)


def callback_value(card: dict[str, Any], button: str) -> dict[str, Any]:
    def walk(elements: list[dict[str, Any]]) -> dict[str, Any] | None:
        for element in elements:
            if element.get("tag") == "button" and element.get("name") == button:
                behaviour = next(b for b in element["behaviors"] if b["type"] == "callback")
                value: dict[str, Any] = behaviour["value"]
                return value
            found = walk(element.get("elements", []))
            if found is not None:
                return found
        return None

    value = walk(card["body"]["elements"])
    assert value is not None, f"no button {button} in the card"
    return value


def form_defaults(card: dict[str, Any]) -> dict[str, str]:
    """What the form would submit untouched: each input's default value, the select's initial option."""
    form = next(e for e in card["body"]["elements"] if e.get("tag") == "form")
    values = {}
    for element in form["elements"]:
        if element["tag"] == "input":
            values[element["name"]] = element.get("default_value", "")
        elif element["tag"] == "select_static":
            values[element["name"]] = element.get("initial_option", "")
    return values


def texts(card: dict[str, Any]) -> list[str]:
    """Every text a person reads on the card, in order (header, then body)."""
    found: list[str] = []

    def add(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("tag") in ("plain_text", "lark_md") and "content" in value:
                found.append(value["content"])
                return
            if value.get("tag") == "markdown":
                found.append(value["content"])
                return
            for key, item in value.items():
                if key not in ("behaviors",):
                    add(item)
        elif isinstance(value, list):
            for item in value:
                add(item)

    add(card.get("header", {}))
    add(card.get("body", {}))
    return found
