"""Exceptions champion raises on purpose.

Every message says what is wrong and what to do about it; the CLI prints the message without a
traceback and exits with ``exit_code``.
"""

from __future__ import annotations


class ChampionError(Exception):
    """Base of every error champion raises on purpose."""

    exit_code: int = 2


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
