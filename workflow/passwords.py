"""Passwords: how they are stored, and the rules in Chinese.

Django 5.2 changed the minimum-length message to a ``%d`` form its zh_Hans catalogue has no
translation for yet, so the stock validator answered in English on a Chinese page."""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher
from django.contrib.auth.password_validation import MinimumLengthValidator


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with the OWASP Password Storage Cheat Sheet's configuration (19 MiB of
    memory, 2 iterations, 1 lane), which it rates as defending as well as PBKDF2-SHA256 at
    600,000 iterations. Memory-hard where PBKDF2 is not, and about 23 ms of one core per
    login against PBKDF2's ~120–230 ms at Django's 1,000,000 iterations: on the two cores
    that serve a round's opening morning, logins no longer queue behind each other (issue
    13's load test: p95 of the login 940 ms at 100 users). Django's own Argon2 settings
    (100 MiB, 8 lanes) cost as much CPU as the PBKDF2 they would replace.

    Same algorithm name as Django's: a stored hash records its own parameters, verifies
    with any Argon2 hasher, and is re-hashed to these on the next login if they differ.

    An account still holding a PBKDF2 hash (made before this hasher) answers a wrong
    password more slowly than an unknown identity number's dummy Argon2 hash does: a timing
    hint that the number has an account, until its owner next signs in. Accepted before
    launch, when no real account holds one; a deployment that has them should wrap them in
    Argon2 first (Django's "password upgrading without requiring a login")."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1


class ChineseMinimumLengthValidator(MinimumLengthValidator):
    def get_error_message(self) -> str:
        return f"密码太短，至少需要 {self.min_length} 个字符。"

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"
