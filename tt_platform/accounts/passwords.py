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
    "000000000000", "123123123123", "zxcvbnm12345", "a12345678910", "1qaz2wsx3edc4rfv", "qazwsxedcrfv",
    "1q2w3e4r5t6y", "q1w2e3r4t5y6", "zaq12wsxcde3", "!qaz2wsx#edc", "qwertyuiopasdfghjkl", "asdfghjkl123",
    "147258369147", "159357456852", "5201314520131", "1314520131452",
}
#: The words behind most leaked passwords (English, keyboard rows, pinyin). A password whose letters
#: are just one of these, padded with digits or symbols (Password2026!, woaini1314520), is refused.
COMMON_WORDS = {
    "password", "passwd", "passw", "pass", "qwerty", "qwertyuiop", "qwertz", "azerty", "asdf", "asdfgh",
    "asdfghjkl", "zxcv", "zxcvbn", "zxcvbnm", "qaz", "qazwsx", "qazwsxedc", "qazxsw", "wsx", "edc", "qwe",
    "qweasd", "qweasdzxc", "qwer", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh", "admin",
    "administrator", "root", "user", "guest", "test", "tester", "welcome", "letmein", "login", "changeme",
    "secret", "iloveyou", "love", "lover", "monkey", "dragon", "football", "baseball", "soccer", "master",
    "shadow", "superman", "batman", "trustno", "whatever", "sunshine", "princess", "starwars", "hello",
    "freedom", "computer", "internet", "michael", "jordan", "charlie", "liverpool", "aa", "a", "q", "z",
    "woaini", "aini", "woaiwojia", "nihao", "wangwang", "zhang", "wang", "china", "beijing", "shanghai",
    "huawei", "xiaomi", "baidu", "taobao", "qq", "system", "manager", "company", "platform",
}


def _is_run(text: str) -> bool:
    """abcdefghijkl, 1234567890123, 987654321098, 135791357913: one step all along."""
    if text.isdigit():
        steps = {(int(b) - int(a)) % 10 for a, b in zip(text, text[1:], strict=False)}
    else:
        steps = {ord(b) - ord(a) for a, b in zip(text, text[1:], strict=False)}
    return len(steps) == 1


def _is_repetition(text: str) -> bool:
    """A short chunk over and over (121212121212, abcabcabcabc, 5201314 5201314)."""
    return any(len(text) % n == 0 and text == text[:n] * (len(text) // n) for n in range(1, 8))


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
    lowered = password.lower()
    letters = "".join(ch for ch in lowered if "a" <= ch <= "z")
    rest = "".join(ch for ch in lowered if not ("a" <= ch <= "z"))
    if (lowered in COMMON or len(set(password)) < 4 or _is_run(lowered) or _is_repetition(lowered)
            or (letters in COMMON_WORDS and (rest.isascii() or not rest))):
        return _("This password is too common; choose another.")
    return None
