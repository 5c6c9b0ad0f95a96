"""What champion knows about registered models, independent of MLflow's own classes.

Everything here is a frozen dataclass built from plain values, so the layers above
``champion.models`` (and their tests, with a fake registry) never touch MLflow objects.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from champion.errors import ModelError

UriKind = Literal["alias", "version", "model_id", "run"]

#: The alias that marks the version in production; promote and rollback move it by default.
CHAMPION_ALIAS = "champion"

# MLflow's own rules for alias names (mlflow.utils.validation), checked before anything is
# locked or recorded: letters, digits, "_" and "-", at most 255 characters, and neither
# "latest" nor a version-like "v3", which MLflow reserves
_ALIAS = re.compile(r"^[\w\-]+$")
_VERSION_ALIAS = re.compile(r"^[vV]\d+$")
MAX_ALIAS_LENGTH = 255


def check_alias(alias: str) -> str:
    """alias if MLflow would accept it as an alias name; ModelError saying why otherwise."""
    shown = repr(alias[:60])
    if not _ALIAS.match(alias):
        why = "is empty" if not alias else "may hold only letters, digits, '_' and '-'"
        raise ModelError(f"the alias name {shown} {why}; e.g. champion or challenger.")
    if len(alias) > MAX_ALIAS_LENGTH:
        raise ModelError(f"the alias name {shown}... is longer than {MAX_ALIAS_LENGTH} characters.")
    if alias.lower() == "latest" or _VERSION_ALIAS.match(alias):
        raise ModelError(
            f"the alias name {shown} is reserved by MLflow (latest, and v<number> name "
            "versions); choose another, e.g. champion."
        )
    return alias


#: An MLflow 3 logged-model id: ``m-`` followed by 32 hexadecimal digits.
MODEL_ID_PATTERN = re.compile(r"m-[0-9a-f]{32}")

ACCEPTED_FORMS = (
    "models:/NAME@ALIAS (e.g. models:/titanic@champion), "
    "models:/NAME/VERSION (e.g. models:/titanic/3), "
    "models:/MODEL_ID (an MLflow 3 logged model, e.g. models:/m-0123456789abcdef0123456789abcdef) "
    "or runs:/RUN_ID/PATH (e.g. runs:/0a1b2c.../model)"
)


@dataclass(frozen=True)
class ModelVersionRef:
    """One version of a registered model, as the registry describes it."""

    name: str
    version: str
    aliases: tuple[str, ...]
    created: datetime  # timezone-aware, UTC
    run_id: str | None
    model_id: str | None  # the MLflow 3 logged model behind the version, if any
    source: str
    description: str | None
    has_signature: bool
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def uri(self) -> str:
        """The URI that names exactly this version: ``models:/NAME/VERSION``."""
        return f"models:/{self.name}/{self.version}"


@dataclass(frozen=True)
class RegisteredModelInfo:
    """A registered model with its aliases and all its versions (newest first)."""

    name: str
    description: str | None
    aliases: Mapping[str, str]  # alias -> version
    tags: Mapping[str, str]
    versions: tuple[ModelVersionRef, ...]

    def version(self, version: str) -> ModelVersionRef | None:
        """The version numbered ``version``, or None."""
        return next((v for v in self.versions if v.version == str(version)), None)


@dataclass(frozen=True)
class ResolvedModel:
    """A model URI resolved to the exact artifacts it names at the moment of resolution.

    ``download_uri`` is the artifact location of this exact model (``file:``, ``mlflow-artifacts:``,
    ``s3:``, ...), not an alias, so it does not move if the alias does; pass it to
    ``mlflow.artifacts.download_artifacts`` together with the registry's tracking URI.
    """

    uri: str  # as the user gave it
    name: str | None
    version: str | None
    model_id: str | None
    run_id: str | None
    download_uri: str
    ref: ModelVersionRef | None = None

    @property
    def identity(self) -> str:
        """A stable key for caches: registered name and version, and the logged model or run.

        The artifact checksum is added by the cache itself.
        """
        parts: list[str] = []
        if self.name is not None and self.version is not None:
            parts.append(f"models:/{self.name}/{self.version}")
        if self.model_id is not None:
            parts.append(f"model_id={self.model_id}")
        elif self.run_id is not None:
            parts.append(f"run_id={self.run_id}")
        if not parts:
            parts.append(self.download_uri)
        return "|".join(parts)


@dataclass(frozen=True)
class ParsedUri:
    """A model URI split into its parts; which parts are set depends on ``kind``."""

    uri: str
    kind: UriKind
    name: str | None = None
    alias: str | None = None
    version: str | None = None
    model_id: str | None = None
    run_id: str | None = None
    path: str | None = None


def _bad(text: str, why: str) -> ModelError:
    return ModelError(f"cannot read the model URI {text!r}: {why}. Use {ACCEPTED_FORMS}.")


def parse_model_uri(text: str) -> ParsedUri:
    """Recognise the four model URI forms champion accepts, or raise ``ModelError``.

    ``models:/NAME@ALIAS``, ``models:/NAME/VERSION`` (a positive integer),
    ``models:/<model_id>`` (``m-`` + 32 hex digits) and ``runs:/RUN_ID/PATH``.
    Stages (``models:/NAME/Production``) and ``latest`` are refused: they are ambiguous.
    """
    uri = text.strip()
    if uri.startswith(("models://", "runs://")):
        raise _bad(text, "write a single slash after the scheme (models:/..., runs:/...)")
    if uri.startswith("models:/"):
        return _parse_models(text, uri.removeprefix("models:/").rstrip("/"))
    if uri.startswith("runs:/"):
        run_id, _, path = uri.removeprefix("runs:/").partition("/")
        path = path.strip("/")
        if not run_id or not path:
            raise _bad(text, "a runs:/ URI needs both a run id and the model's path in the run")
        return ParsedUri(uri=uri, kind="run", run_id=run_id, path=path)
    raise _bad(text, "it is not a models:/ or runs:/ URI")


def _parse_models(text: str, rest: str) -> ParsedUri:
    """Parse what follows ``models:/``."""
    uri = f"models:/{rest}"
    if not rest or rest.startswith("/"):
        raise _bad(text, "the model name is missing")
    parts = rest.split("/")
    if len(parts) == 1:
        head = parts[0]
        if "@" in head:
            name, _, alias = head.rpartition("@")
            if not name or not alias:
                raise _bad(text, "both the model name and the alias are needed around '@'")
            return ParsedUri(uri=uri, kind="alias", name=name, alias=alias)
        if MODEL_ID_PATTERN.fullmatch(head):
            return ParsedUri(uri=uri, kind="model_id", model_id=head)
        raise _bad(
            text,
            f"{head!r} is neither a logged model id (m-<32 hex digits>) nor NAME@ALIAS; "
            f"for a registered model add an alias or a version, e.g. models:/{head}@champion",
        )
    if len(parts) == 2:
        name, suffix = parts
        if not name:
            raise _bad(text, "the model name is missing")
        if suffix.isdigit() and int(suffix) > 0:
            return ParsedUri(uri=uri, kind="version", name=name, version=str(int(suffix)))
        raise _bad(
            text,
            f"{suffix!r} is not a version number (stages and 'latest' are not accepted; "
            "use an alias instead)",
        )
    raise _bad(text, "too many '/' after models:/")


def listing(items: Iterable[str], limit: int = 20) -> str:
    """``a, b, c`` for messages: at most ``limit`` items, then ``and N more``."""
    names = list(items)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` Did you mean 'x'?`` when a choice is close to ``word``, else an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" Did you mean {close[0]!r}?" if close else ""
