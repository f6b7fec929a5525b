"""Gateway test fixtures: targets at the loopback test provider."""

from __future__ import annotations

import pytest

from apps.gateway.routing import Breaker


@pytest.fixture
def target(model_server):
    """A target at the test provider; its breaker starts closed."""
    made = []

    def make(scenario="ok", protocol="openai", model="small", **extra):
        provider = "anthropic" if protocol == "anthropic" else "openai"
        entry = {"provider": provider, "model": model, "base_url": model_server.base_url(scenario, protocol),
                 "retries": 0, **extra}  # fmt: skip
        Breaker(entry).succeeded()
        made.append(entry)
        return entry

    yield make
    for entry in made:
        Breaker(entry).succeeded()
