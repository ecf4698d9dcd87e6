"""The per-tenant request-rate window both emulated vendors enforce."""
from __future__ import annotations

from collections import deque

WINDOW_S = 1.0


class SlidingWindow:
    """Admits at most ``limit`` requests in any one-second window; refused requests do not count.

    Not thread-safe on its own: the backends call it under their lock.
    """

    def __init__(self) -> None:
        self._admitted: deque[float] = deque()

    def admit(self, now: float, limit: float | None) -> bool:
        if limit is None:
            return True
        while self._admitted and self._admitted[0] <= now - WINDOW_S:
            self._admitted.popleft()
        if len(self._admitted) >= limit:
            return False
        self._admitted.append(now)
        return True
