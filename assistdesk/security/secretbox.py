"""Encryption of secrets at rest (bot tokens, webhook secrets).

Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) with a key derived from ASSISTDESK_SECRET_KEY
by HKDF, so that the same secret key can also sign sessions without the two uses sharing a key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def derive_key(secret_key: str, purpose: str, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=b"assistdesk", info=purpose.encode()).derive(
        secret_key.encode()
    )


class SecretBox:
    def __init__(self, secret_key: str) -> None:
        self._fernet = Fernet(base64.urlsafe_b64encode(derive_key(secret_key, "secrets-at-rest")))
        self._signing_key = derive_key(secret_key, "signing")
        # Each purpose's key, derived once: every console page signs its forms' CSRF token.
        self._purpose_keys: dict[str, bytes] = {}

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except InvalidToken as exc:
            raise UnreadableSecret(
                "a stored secret cannot be decrypted: was ASSISTDESK_SECRET_KEY changed?"
            ) from exc

    def sign(self, message: bytes, purpose: str) -> str:
        """HMAC-SHA256 of `message` under the purpose's key (itself the HMAC of `purpose` under the
        signing key), in hex; `hmac.digest` is the one-call form of `hmac.new(...).hexdigest()`."""
        key = self._purpose_keys.get(purpose)
        if key is None:
            key = hmac.digest(self._signing_key, purpose.encode(), hashlib.sha256)
            self._purpose_keys[purpose] = key
        return hmac.digest(key, message, hashlib.sha256).hex()


class UnreadableSecret(RuntimeError):
    pass
