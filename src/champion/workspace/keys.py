"""How every layer names a model and the statistics it asked for."""

from __future__ import annotations

from dataclasses import dataclass

from champion.models.refs import ResolvedModel

DEFAULT_THRESHOLD = 0.5  # a row is predicted positive when its score >= this
DEFAULT_CONFIDENCE = 0.95
DEFAULT_N_BOOT = 1000
DEFAULT_SEED = 0

_VERSION_WORD = {"en": "version", "ja": "バージョン"}


@dataclass(frozen=True)
class ModelKey:
    """One model: a registered model's version (name and version set), or a logged model or
    run (name None). uri names exactly that model (models:/NAME/VERSION, models:/MODEL_ID,
    runs:/RUN/PATH); given is what the user typed (an alias URI stays an alias URI there)."""

    uri: str
    name: str | None = None
    version: str | None = None
    given: str = ""

    @classmethod
    def of_version(cls, name: str, version: str) -> ModelKey:
        uri = f"models:/{name}/{version}"
        return cls(uri, name, str(version), uri)

    @classmethod
    def of_resolved(cls, resolved: ResolvedModel) -> ModelKey:
        if resolved.name is not None and resolved.version is not None:
            uri = f"models:/{resolved.name}/{resolved.version}"
        elif resolved.model_id is not None:
            uri = f"models:/{resolved.model_id}"
        else:
            uri = resolved.uri
        return cls(uri, resolved.name, resolved.version, resolved.uri)

    def label(self, lang: str = "en") -> str:
        """The name shown in tables and legends: "version 3" ("バージョン 3"), else the URI."""
        if self.version is None:
            return self.given or self.uri
        return version_label(self.version, lang)


def version_label(version: str, lang: str = "en") -> str:
    """The label of a version of the dashboard's model: "version 3" ("バージョン 3")."""
    return f"{_VERSION_WORD.get(lang, 'version')} {version}"


@dataclass(frozen=True)
class Statistics:
    """What an evaluation is asked for: the threshold (score >= threshold is positive), the
    confidence level of intervals, bootstrap resamples (0: none), the bootstrap's seed, and how
    intervals are found (ci: analytic from 20,000 rows on with "auto")."""

    threshold: float = DEFAULT_THRESHOLD
    confidence: float = DEFAULT_CONFIDENCE
    n_boot: int = DEFAULT_N_BOOT
    seed: int = DEFAULT_SEED
    ci: str = "auto"  # "auto", "analytic" or "bootstrap" (champion.evaluation.report.CI_MODES)

    def options(self) -> dict[str, float | int | str]:
        """Keyword arguments of ``champion.evaluation.compare`` / ``evaluate``."""
        return {
            "threshold": self.threshold,
            "confidence": self.confidence,
            "n_boot": self.n_boot,
            "random_state": self.seed,
            "ci": self.ci,
        }

    def parts(self) -> list[float | int | str]:
        """The values a result's content key includes."""
        return [
            float(self.threshold),
            float(self.confidence),
            int(self.n_boot),
            int(self.seed),
            self.ci,
        ]
