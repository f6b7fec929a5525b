"""Choosing targets and keeping away from failing ones: routing policies, circuit breakers and
observed latencies, kept in the cache (Redis when configured) so every worker shares them."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache

BREAKER_FAILURES = getattr(settings, "GATEWAY_BREAKER_FAILURES", 3)


def target_key(target: dict[str, Any]) -> str:
    return f"{target.get('provider', '')}|{target.get('base_url', '')}|{target.get('model', '')}"


def _k(kind: str, target: dict[str, Any]) -> str:
    import hashlib

    return f"gateway:{kind}:" + hashlib.sha256(target_key(target).encode()).hexdigest()[:24]


@dataclass(frozen=True)
class BreakerState:
    open: bool
    failures: int
    opened_until: float | None


class Breaker:
    """Opens after ``GATEWAY_BREAKER_FAILURES`` failures in a row; after
    ``GATEWAY_BREAKER_COOLDOWN`` seconds it half-opens: one trial call may go, and its outcome
    closes it or opens it again."""

    def __init__(self, target: dict[str, Any]):
        self.target = target
        self.failures_key = _k("failures", target)
        self.open_key = _k("open-until", target)
        self.trial_key = _k("trial", target)
        self._clean = False  # known to have no failures on record (no reset needed on success)

    @staticmethod
    def _cooldown() -> float:
        return float(getattr(settings, "GATEWAY_BREAKER_COOLDOWN", 30))

    def allows(self) -> bool:
        found = cache.get_many([self.open_key, self.failures_key])
        opened_until = found.get(self.open_key)
        if opened_until is None:
            self._clean = not found.get(self.failures_key)
            return True
        if time.time() < opened_until:
            return False
        # Half-open: exactly one caller (in any worker) gets the trial.
        return cache.add(self.trial_key, 1, timeout=max(int(self._cooldown()), 1))

    def succeeded(self) -> None:
        if self._clean:
            return  # the common case: one round trip per call (in allows), not two
        cache.delete_many([self.failures_key, self.open_key, self.trial_key])

    def failed(self) -> None:
        self._clean = False
        cache.add(self.failures_key, 0, timeout=3600)
        try:
            failures = cache.incr(self.failures_key)
        except ValueError:
            failures = 1
        if failures >= int(getattr(settings, "GATEWAY_BREAKER_FAILURES", BREAKER_FAILURES)):
            cache.set(self.open_key, time.time() + self._cooldown(), timeout=3600)
            cache.delete(self.trial_key)

    def state(self) -> BreakerState:
        opened_until = cache.get(self.open_key)
        return BreakerState(open=opened_until is not None and time.time() < opened_until,
                            failures=int(cache.get(self.failures_key) or 0), opened_until=opened_until)  # fmt: skip


def observe_latency(target: dict[str, Any], latency_ms: float) -> None:
    """An exponentially weighted average of the target's latency, for the latency policy."""
    key = _k("latency", target)
    previous = cache.get(key)
    cache.set(key, latency_ms if previous is None else 0.8 * previous + 0.2 * latency_ms, timeout=24 * 3600)


def observed_latency(target: dict[str, Any]) -> float | None:
    return cache.get(_k("latency", target))


def order(policy: str, targets: list[dict[str, Any]], prices: dict[tuple[str, str], Decimal]) -> list[int]:
    """The indexes of the targets in the order to try them."""
    indexes = list(range(len(targets)))
    if policy == "latency":
        # Unmeasured targets first (they get measured), then the fastest.
        return sorted(indexes, key=lambda i: (observed_latency(targets[i]) or -1.0, i))
    if policy == "cost":
        def price(i):
            found = prices.get((targets[i].get("provider", ""), targets[i].get("model", "")))
            return (found is None, found or Decimal(0), i)

        return sorted(indexes, key=price)
    if policy == "weighted":
        weights = [max(float(targets[i].get("weight", 1)), 0.0) for i in indexes]
        if sum(weights) <= 0:
            return indexes
        first = random.choices(indexes, weights=weights)[0]  # noqa: S311 - a traffic split, not a secret
        return [first, *[i for i in indexes if i != first]]
    return indexes


def backoff(attempt: int) -> float:
    """Seconds before retrying the same target: exponential from 0.2 s, jittered ±50%."""
    base = float(getattr(settings, "GATEWAY_RETRY_BASE_SECONDS", 0.2))
    return base * (2 ** max(attempt - 1, 0)) * random.uniform(0.5, 1.5)  # noqa: S311 - jitter


class RateLimited(Exception):
    """The target's shared rate limit leaves no room within the wait allowed."""


def acquire(target: dict[str, Any], *, max_wait: float) -> None:
    """Take a request slot of the target's ``rpm`` limit, and wait out its ``tpm`` limit,
    shared by every worker through the cache (Redis).

    Requests: time is cut into slots (``60/rpm`` seconds each up to 60 rpm; one second with
    ``rpm/60`` requests above), and a request takes the first slot with room — so N callers
    anywhere spread over N slots. Tokens: a call waits while this minute's tokens are spent.
    Waiting longer than ``max_wait`` raises RateLimited (the caller fails over).
    """
    rpm, tpm = target.get("rpm"), target.get("tpm")
    deadline = time.time() + max_wait
    if tpm:
        while int(cache.get(_minute_key(target)) or 0) >= int(tpm):
            wait = 60 - time.time() % 60
            if time.time() + wait > deadline:
                raise RateLimited(f"the target's {tpm} tokens a minute are spent")
            time.sleep(wait + 0.01)
    if not rpm:
        return
    slot_seconds = 60 / float(rpm) if rpm <= 60 else 1.0
    per_slot = 1 if rpm <= 60 else int(rpm // 60)
    slot = int(time.time() // slot_seconds)
    while True:
        key = f"{_k('rpm', target)}:{slot}"
        cache.add(key, 0, timeout=int(slot_seconds) + 120)
        if cache.incr(key) <= per_slot:
            start = slot * slot_seconds
            if start > time.time():
                time.sleep(start - time.time())
            return
        slot += 1
        if slot * slot_seconds > deadline:
            raise RateLimited(f"the target's {rpm} requests a minute are taken")


def _minute_key(target: dict[str, Any]) -> str:
    return f"{_k('tpm', target)}:{int(time.time() // 60)}"


def spend_tokens(target: dict[str, Any], tokens: int) -> None:
    if not target.get("tpm") or tokens <= 0:
        return
    key = _minute_key(target)
    cache.add(key, 0, timeout=180)
    cache.incr(key, tokens)


LOGPROBS_REFUSED_SECONDS = 24 * 3600


def logprobs_refused(target: dict[str, Any]) -> bool:
    """Whether the target answered 400 to a request for log-probabilities (recently, in any worker)."""
    return bool(cache.get(_k("no-logprobs", target)))


def refuse_logprobs(target: dict[str, Any]) -> None:
    """Remember for a day not to ask this target for log-probabilities."""
    cache.set(_k("no-logprobs", target), 1, timeout=LOGPROBS_REFUSED_SECONDS)
