"""Rate limits per credential: at most so many requests in a sliding window of real time."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Hashable
from typing import Any

from sandbox.errors import TooManyRequests


class RateLimiter:
    """`requests` per `per` seconds for each key (a partner, a customer)."""

    def __init__(self, requests: int, per: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.requests = requests
        self.per = per
        self.monotonic = monotonic
        self.hits: dict[Hashable, deque[float]] = {}

    def check(self, key: Hashable) -> dict[str, str]:
        """Count one request for `key`: the X-RateLimit headers, or TooManyRequests (429)."""
        now = self.monotonic()
        window = self.hits.setdefault(key, deque())
        while window and window[0] <= now - self.per:
            window.popleft()
        if len(window) >= self.requests:
            wait = str(max(1, math.ceil(window[0] + self.per - now)))
            raise TooManyRequests(
                f"Rate limit of {self.requests} request(s) per {self.per:g} s exceeded; retry in {wait} s.",
                headers={
                    "Retry-After": wait,
                    "X-RateLimit-Limit": str(self.requests),
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": wait,
                },
            )
        window.append(now)
        reset = str(max(1, math.ceil(window[0] + self.per - now)))
        return {
            "X-RateLimit-Limit": str(self.requests),
            "X-RateLimit-Remaining": str(self.requests - len(window)),
            "X-RateLimit-Reset": reset,
        }


class RateLimits:
    """Each API's limit, switched on or off at run time; `restore` goes back to the start."""

    def __init__(self, enabled: bool, limits: dict[str, tuple[int, float]]) -> None:
        self.start = (enabled, dict(limits))
        self.set(enabled, limits)

    def set(self, enabled: bool, limits: dict[str, tuple[int, float]]) -> None:
        """New limits, each credential with a fresh window."""
        self.enabled = enabled
        self.limits = dict(limits)
        self.limiters = {api: RateLimiter(*limit) for api, limit in limits.items()}

    def restore(self) -> None:
        self.set(*self.start)

    def limiter(self, api: str, key: Callable[[Any], Hashable]) -> Callable[[Any], dict[str, str]]:
        """What the router calls for each request of `api`'s principal (named by `key`)."""

        def check(principal: Any) -> dict[str, str]:
            if not self.enabled:
                return {}
            return self.limiters[api].check(key(principal))

        return check
