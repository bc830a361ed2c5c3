"""Encryption at rest for the few secrets the server must be able to read back (sign-in second factors,
later camera credentials): AES-256-GCM with a key derived from RTCC_SECRET_KEY and the secret's purpose."""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class SecretBox:
    def __init__(self, server_secret: str, purpose: str):
        if not server_secret:
            raise ValueError("a server secret is required to protect stored secrets")
        self._aead = AESGCM(hashlib.sha256(f"rtcc:{purpose}:{server_secret}".encode()).digest())
        self._purpose = purpose.encode()

    def seal(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), self._purpose)
        return "v1:" + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, token: str) -> str:
        if not token.startswith("v1:"):
            raise ValueError("not a sealed secret")
        raw = base64.urlsafe_b64decode(token[3:])
        return self._aead.decrypt(raw[:12], raw[12:], self._purpose).decode()
