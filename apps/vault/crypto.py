"""Encryption at rest for the vault: MultiFernet over the configured keys (newest first)."""

from __future__ import annotations

import base64
import os
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from apps.core.settings.env import vault_keys


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@lru_cache(maxsize=1)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


@lru_cache(maxsize=1)
def _embedded_keys() -> tuple[str, ...]:
    return tuple(vault_keys(required=False))


def keys() -> tuple[str, ...]:
    """The configured keys, newest first (read once per process: restart after adding one)."""
    return tuple(settings.VAULT_KEYS) if settings.VAULT_KEYS else _embedded_keys()


def encrypt(plaintext: str) -> str:
    return _fernet(keys()).encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    """The secret; raises ``VaultError`` if no configured key opens it."""
    try:
        return _fernet(keys()).decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise VaultError("no vault key opens this credential (was its key removed?)") from None


def rotate(ciphertext: str) -> str:
    """The same secret encrypted with the newest key."""
    try:
        return _fernet(keys()).rotate(ciphertext.encode()).decode()
    except InvalidToken:
        raise VaultError("no vault key opens this credential (was its key removed?)") from None


class VaultError(Exception):
    pass
