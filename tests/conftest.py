"""Shared test setup: anyio runs every async test on asyncio."""

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
