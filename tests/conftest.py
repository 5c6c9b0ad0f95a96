"""Shared test settings."""

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
        yield
