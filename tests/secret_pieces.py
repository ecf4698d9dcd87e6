"""The pieces of a secret a leak check looks for: a page, a log or a cut can show part of a secret and not the whole."""
from __future__ import annotations


def pieces(secret: str, size: int = 12) -> set[str]:
    """Every run of ``size`` characters of a secret (the whole of a shorter one): any of them shown is a leak."""
    return {secret[at:at + size] for at in range(max(1, len(secret) - size + 1))}
