"""Shared fixtures of the actions tests."""

from __future__ import annotations

import pytest

from .fake_writer import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    """A clock that moves only when told to, or when the code under test sleeps on it."""
    return FakeClock()
