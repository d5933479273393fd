"""One rate limit for the survey's respondents: the questionnaire pages and the REST endpoints share one budget.

A personal link is the only key to a questionnaire, so links must not be guessable by trying. Both ways in (the
web pages ``/befragung/…`` and REST ``/api/befragung/…``) count against the same budget per client (address,
IPv6 /64): a guesser cannot spend the web's allowance and then the API's.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

__all__ = ["RateLimit", "SurveyLimits", "survey_limits", "REQUESTS_PER_MINUTE", "FAILED_LINKS_PER_HOUR"]

#: Requests to the questionnaire (web and REST together) one client may make per minute: a town hall's proxy may
#: carry many institutions.
REQUESTS_PER_MINUTE = 300
#: Unknown or replaced links one client may try per hour before it is refused (web and REST together).
FAILED_LINKS_PER_HOUR = 20


class RateLimit:
    """At most ``limit`` events per client within ``window`` seconds (a sliding window, in memory).

    >>> r = RateLimit(2, 60)
    >>> r.hit("a", now=0), r.hit("a", now=1), r.hit("a", now=2), r.hit("b", now=2), r.hit("a", now=61)
    (None, None, 58, None, None)
    """

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def over(self, key: str, *, now: float | None = None) -> int | None:
        """Seconds to wait when ``key`` has used up its events, else None (nothing counted)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._seen.get(key)
            while times and times[0] <= now - self.window:
                times.popleft()
            if times is None or len(times) < self.limit:
                return None
            return max(1, int(times[0] + self.window - now))

    def hit(self, key: str, *, now: float | None = None) -> int | None:
        """Count one event of ``key``; seconds to wait when it is over the limit, else None."""
        now = time.monotonic() if now is None else now
        wait = self.over(key, now=now)
        if wait is not None:
            return wait
        with self._lock:
            if len(self._seen) > 50_000:  # a flood of addresses: forget the oldest half rather than grow
                for old in list(self._seen)[:25_000]:
                    del self._seen[old]
            self._seen.setdefault(key, deque()).append(now)
        return None


class SurveyLimits:
    """The respondents' budget per client: requests a minute, and failed links an hour.

    >>> limits = SurveyLimits(requests=5, failures=1)
    >>> limits.admit("a", now=0), limits.failed("a", now=0), limits.admit("a", now=1)
    (None, None, 3599)
    """

    def __init__(self, *, requests: int | None = None, failures: int | None = None) -> None:
        self.requests = RateLimit(requests or REQUESTS_PER_MINUTE, 60)
        self.failures = RateLimit(failures or FAILED_LINKS_PER_HOUR, 3600)

    def admit(self, client: str, *, now: float | None = None) -> int | None:
        """Count a request of ``client``; seconds to wait when it is over either limit, else None."""
        return self.requests.hit(client, now=now) or self.failures.over(client, now=now)

    def failed(self, client: str, *, now: float | None = None) -> None:
        """Count a link of ``client`` that opened nothing."""
        self.failures.hit(client, now=now)


def survey_limits(service: Any) -> SurveyLimits:
    """The one :class:`SurveyLimits` of a running service, made on first use (web and REST share it)."""
    box = service.__dict__.setdefault("_survey_limits", {})
    if "limits" not in box:
        box["limits"] = SurveyLimits()
    return box["limits"]
