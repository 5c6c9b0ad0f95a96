"""Exceptions champion raises on purpose.

Every message says what is wrong and what to do about it; the CLI prints the message without a
traceback and exits with ``exit_code``.
"""

from __future__ import annotations

import re

# "scheme://user:password@host" -> "scheme://***@host": credentials in a URI never reach a
# message, a log line, a page or a repr
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/@]+@")


def redact(text: str) -> str:
    """text with the user name and password of every URI in it replaced by ***."""
    return _USERINFO.sub(r"\1***@", text)


def without_credentials(uri: str) -> str:
    """uri with its user name and password removed (for links: "***" would not be one)."""
    return _USERINFO.sub(r"\1", uri)


class ChampionError(Exception):
    """Base of every error champion raises on purpose; URI credentials in its message are
    redacted (see redact)."""

    exit_code: int = 2

    def __init__(self, *args: object) -> None:
        super().__init__(*(redact(a) if isinstance(a, str) else a for a in args))


class DataError(ChampionError):
    """The input data (labels, scores, weights, files, columns) cannot be used as given."""


class ModelError(ChampionError):
    """A model cannot be loaded or scored."""


class RegistryError(ChampionError):
    """The model registry cannot be reached or refuses the request."""


class GateFailed(ChampionError):
    """A promotion gate refused the challenger."""

    exit_code = 1


class ConcurrentAliasChange(ChampionError):
    """An alias moved between the moment it was read and the moment it was to be written."""

    exit_code = 3
