"""Password rules (CJIS Security Policy): at least 8 characters, not on a list of passwords known to be
common or breached, and not built from the username. No hints, no forced composition rules."""

from __future__ import annotations

MIN_LENGTH = 8

# Passwords that lead every published list of the most used and most breached: attackers try these first.
COMMON = frozenset(
    """
    password password1 password12 password123 passw0rd p@ssw0rd p@ssword 12345678 123456789 1234567890
    87654321 11111111 00000000 12341234 11223344 qwertyui qwertyuiop qwerty123 qwerty12 1q2w3e4r 1qaz2wsx
    zaq12wsx asdfghjk asdfasdf abcd1234 abc12345 iloveyou sunshine princess football baseball superman
    batman123 trustno1 letmein1 welcome1 welcome123 monkey123 dragon123 master123 starwars shadow12
    michael1 jennifer charlie1 whatever computer internet changeme changeit secret123 administrator admin123
    adminadmin rootroot police123 officer1 dispatch sheriff1 columbus ohio1234 default1 temp1234 test1234
    testtest guest123 summer2026 winter2026 spring2026 autumn2026 fall2026 summer2025 winter2025
    """.split()  # noqa: SIM905  (a word list reads best as words)
)


def password_problem(password: str, username: str | None = None) -> str | None:
    """Why the password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"at least {MIN_LENGTH} characters"
    lowered = password.lower()
    if lowered in COMMON or len(set(lowered)) <= 2:
        return "too common: it is on the list of passwords attackers try first"
    if username and len(username) >= 3 and username.lower() in lowered:
        return "must not contain the username"
    return None
