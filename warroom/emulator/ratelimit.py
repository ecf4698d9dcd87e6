"""The per-tenant request-rate window both emulated vendors enforce, and the load other clients put on it."""
from __future__ import annotations

import math
from collections import deque

WINDOW_S = 1.0


class SlidingWindow:
    """Admits at most ``limit`` requests in any one-second window; refused requests do not count.

    ``others_per_s``: another client of the same tenant (another integration, a script, the console) sending
    that many requests per second, evenly, all admitted: they count against the same limit. With a limit of 10
    and 4 from others, 6 are left for the client under test.

    Not thread-safe on its own: the gateways (the HTTP layer, where the rate window lives) call it under their lock.
    """

    def __init__(self) -> None:
        self._admitted: deque[float] = deque()

    def admit(self, now: float, limit: float | None, others_per_s: float = 0.0) -> bool:
        if limit is None:
            return True
        while self._admitted and self._admitted[0] <= now - WINDOW_S:
            self._admitted.popleft()
        others = math.floor(now * others_per_s) - math.floor((now - WINDOW_S) * others_per_s) if others_per_s else 0
        if len(self._admitted) + others >= limit:
            return False
        self._admitted.append(now)
        return True
