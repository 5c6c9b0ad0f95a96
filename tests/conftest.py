"""Shared test settings."""

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("default")

# Variables that make rich write colour codes, or treat a pipe as a terminal, whatever it is
# writing to (some CI runners and shells export them).
FORCED_TERMINAL = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")


@pytest.fixture(scope="session", autouse=True)
def _output_as_piped() -> Iterator[None]:
    """The CLI's output as a user piping it sees it: plain text. COLUMNS is left alone: the CLI
    lays its output out for the width it gives (80 when unset), and the tests hold at any width
    (make test runs the ``cli`` tests again at COLUMNS=40)."""
    with pytest.MonkeyPatch.context() as mp:
        for name in FORCED_TERMINAL:
            mp.delenv(name, raising=False)
        # champion's own settings from the developer's shell (CHAMPION_FORMAT=json, ...) would
        # change what the commands under test do; a test that wants one sets it itself
        for name in [n for n in os.environ if n.startswith("CHAMPION_")]:
            mp.delenv(name)
        yield
