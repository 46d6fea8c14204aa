"""Argon2id password hashing with transparent rehash when the cost parameters change."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 12
#: The most common passwords people still choose; rejected whatever their length.
COMMON = {
    "123456789012", "password1234", "qwertyuiop12", "111111111111", "aaaaaaaaaaaa", "abc123456789",
    "passwordpassword", "iloveyou1234", "woaini123456", "1qaz2wsx3edc", "qwerty123456", "admin1234567",
    "000000000000", "123123123123", "zxcvbnm12345", "a12345678910",
}


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=int(cfg["ARGON2_TIME_COST"]), memory_cost=int(cfg["ARGON2_MEMORY_COST"]),
        parallelism=int(cfg["ARGON2_PARALLELISM"]),
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> tuple[bool, str | None]:
    """(matches, new hash if the stored one uses outdated parameters)."""
    hasher = _hasher()
    try:
        hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False, None
    return True, (hasher.hash(password) if hasher.check_needs_rehash(stored_hash) else None)


def password_problem(password: str) -> str | None:
    """A translatable reason the password is too weak, or None."""
    from flask_babel import gettext as _

    if len(password) < MIN_LENGTH:
        return _("Use at least %(n)d characters.", n=MIN_LENGTH)
    if len(password) > 128:
        return _("Use at most 128 characters.")
    if password.lower() in COMMON or len(set(password)) < 4:
        return _("This password is too common; choose another.")
    return None
