from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.runtime import Services
from ceres_core.core import Core
from tests.e2e.harness import BotHarness

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def knowledge_services():
    from knowledge.matcher import default_matcher
    from knowledge.procedure_engine import load_procedures

    return default_matcher(), load_procedures()


@pytest.fixture
def services(core: Core, knowledge_services) -> Services:
    matcher, library = knowledge_services
    return Services(core, matcher, library)


@pytest.fixture
async def harness(services: Services) -> AsyncIterator[BotHarness]:
    h = BotHarness(services)
    await h.start()
    try:
        yield h
    finally:
        await h.stop()


@pytest.fixture
def demo(core: Core) -> Core:
    """The core with the demo data (a module may override it, e.g. to set the clock first)."""
    from ceres_core.demo import load_demo

    load_demo(core)
    return core
