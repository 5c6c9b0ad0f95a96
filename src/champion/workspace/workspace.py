"""The one composer: resolve models, score them once, and compare, slice and gate them, for the
command line, the dashboard and the promotion gate alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from champion.cache import ScoreCache
from champion.data import EvalDataset
from champion.errors import DataError
from champion.evaluation import (
    DEFAULT_RULES,
    Comparison,
    EvaluationReport,
    GateCheck,
    GateRule,
    SliceTable,
    evaluate_gates,
)
from champion.evaluation.criteria import Criterion
from champion.evaluation.gates import MULTICLASS_DEFAULT_RULES, Adjust
from champion.evaluation.operating import MatchedPoints
from champion.models.refs import CHAMPION_ALIAS, RegisteredModelInfo, ResolvedModel
from champion.models.registry import RegistryClient
from champion.workspace.analyses import Analyses, Disagreements
from champion.workspace.keys import ModelKey, Statistics
from champion.workspace.multiclass import MulticlassResult, cached_comparison, compare_scored
from champion.workspace.operating import operating_points
from champion.workspace.results import Job
from champion.workspace.scores import ProgressHook, ScoredModel, Scorer, ScoringPolicy


class Workspace:
    """A registry, a score cache (None: score afresh, keep results in memory) and what is
    computed from them; results are shared by every process using the same cache folder."""

    def __init__(
        self,
        registry: RegistryClient,
        cache: ScoreCache | None,
        policy: ScoringPolicy | None = None,
        progress: ProgressHook | None = None,
    ) -> None:
        self.scorer = Scorer(registry, cache, policy or ScoringPolicy(), progress)
        self.analyses = Analyses(self.scorer.results)

    @property
    def registry(self) -> RegistryClient:
        return self.scorer.registry

    # the registry -----------------------------------------------------------------------------

    def model(self, name: str) -> RegisteredModelInfo:
        """A registered model with its versions and aliases, read now."""
        return self.registry.get_model(name)

    def aliases(self, name: str) -> Mapping[str, str]:
        """The model's aliases (alias -> version), read now: aliases move."""
        return self.registry.aliases(name)

    def resolve(self, uri: str) -> ResolvedModel:
        return self.scorer.resolve(uri)

    # scores -----------------------------------------------------------------------------------

    def cached(self, uri: str, dataset: EvalDataset) -> ScoredModel | None:
        """The model's scores if the cache has them (no download, no loading)."""
        return self.scorer.cached(self.resolve(uri), dataset)

    def score(self, uri: str, dataset: EvalDataset) -> ScoredModel:
        """The model's scores on dataset: cached, else scored once on this host."""
        return self.scorer.score(self.resolve(uri), dataset)

    def score_all(self, uris: Sequence[str], dataset: EvalDataset) -> dict[str, ScoredModel]:
        """Scores of several models, keyed by the URI as given, in order."""
        if len(set(uris)) != len(uris):
            raise DataError("each model URI may be given only once.")
        return {uri: self.score(uri, dataset) for uri in uris}

    def jobs(self, dataset: EvalDataset) -> list[Job]:
        """Scoring and comparing done or running on this host for dataset, newest first."""
        results = self.scorer.results
        return [] if results is None else results.jobs(dataset.fingerprint)

    # evaluations ------------------------------------------------------------------------------

    def report(self, scored: ScoredModel, dataset: EvalDataset, label: str) -> EvaluationReport:
        """The model's report without bootstrap (curves, sweep, DeLong), read at any threshold."""
        return self.analyses.report(scored, dataset, label)

    def comparison(
        self,
        scored: Mapping[str, ScoredModel],
        baseline: str,
        dataset: EvalDataset,
        stats: Statistics,
    ) -> Comparison:
        """Every model of scored (label -> scores) against the one labelled baseline."""
        return self.analyses.selection(scored, baseline, dataset, stats)

    def compare(
        self,
        uris: Sequence[str],
        dataset: EvalDataset,
        stats: Statistics,
        baseline: str | None = None,
    ) -> tuple[Comparison, dict[str, ScoredModel]]:
        """Score (or read) the models named by uris and compare them, each named by its URI
        as given, against baseline (a URI, @ALIAS; default: the @champion version if among
        them, else the first)."""
        if not uris:
            raise DataError("give at least one model URI to compare.")
        scored = self.score_all(uris, dataset)
        chosen = self.choose_baseline(scored, baseline)
        ordered = {chosen: scored[chosen], **{u: s for u, s in scored.items() if u != chosen}}
        return self.comparison(ordered, chosen, dataset, stats), scored

    def compare_multiclass(
        self,
        uris: Sequence[str],
        dataset: EvalDataset,
        stats: Statistics,
        baseline: str | None = None,
    ) -> tuple[MulticlassResult, dict[str, ScoredModel]]:
        """As ``compare`` on a multiclass test set (``dataset.classes``): the models' class
        probabilities lined up on the union of their classes and the labels, compared with
        paired tests; the notes say what lining up changed."""
        if not uris:
            raise DataError("give at least one model URI to compare.")
        scored = self.score_all(uris, dataset)
        chosen = self.choose_baseline(scored, baseline)
        ordered = {chosen: scored[chosen], **{u: s for u, s in scored.items() if u != chosen}}
        return cached_comparison(self.analyses, ordered, chosen, dataset, stats), scored

    def evaluate_multiclass(
        self, uri: str, dataset: EvalDataset, stats: Statistics
    ) -> tuple[MulticlassResult, ScoredModel]:
        """Score (or read) one model on a multiclass test set and evaluate it with intervals,
        named by its URI (the result's only model)."""
        scored = self.score(uri, dataset)
        return cached_comparison(self.analyses, {uri: scored}, uri, dataset, stats), scored

    def evaluate(
        self, uri: str, dataset: EvalDataset, stats: Statistics
    ) -> tuple[EvaluationReport, ScoredModel]:
        """Score (or read) one model and evaluate it with intervals, named by its URI."""
        scored = self.score(uri, dataset)
        result = self.comparison({uri: scored}, uri, dataset, stats)
        return result.models[uri], scored

    def choose_baseline(self, scored: Mapping[str, ScoredModel], baseline: str | None) -> str:
        """The URI (a key of scored) to compare the others with: see choose_baseline."""
        keys = {uri: s.key for uri, s in scored.items()}
        return choose_baseline(keys, baseline, self.resolve, self.aliases)

    def operating_points(
        self,
        scored: Mapping[str, ScoredModel],
        baseline: str,
        dataset: EvalDataset,
        criterion: Criterion,
        holdout: float | None = None,
        stats: Statistics | None = None,
    ) -> MatchedPoints:
        """Every model of scored (label -> scores) at the threshold criterion chooses for it,
        against the one labelled baseline; holdout: the share of rows that chooses, the rest
        reporting (None: the same rows, optimistic). See ``champion.workspace.operating``."""
        return operating_points(
            self.analyses, scored, baseline, dataset, criterion, holdout, stats or Statistics()
        )

    # slices, disagreements, gate --------------------------------------------------------------

    def slices(
        self,
        scored: Mapping[str, ScoredModel],
        baseline: str,
        dataset: EvalDataset,
        *,
        column: str,
        bins: int,
        metric: str,
        threshold: float,
        stats: Statistics | None = None,
    ) -> SliceTable:
        """metric per slice of column for every model of scored (label -> scores), with
        intervals at stats' confidence (see Analyses.slices)."""
        return self.analyses.slices(
            scored, baseline, dataset, column, bins, metric, threshold, stats
        )

    def disagreements(
        self,
        base: tuple[str, ScoredModel],
        challenger: tuple[str, ScoredModel],
        dataset: EvalDataset,
        threshold: float,
        every: bool = False,
    ) -> Disagreements:
        """Rows where two models (label, scores) predict different classes at threshold: the
        first MAX_ROWS by score difference, or every one (for a download)."""
        return self.analyses.disagreements(base, challenger, dataset, threshold, every)

    def gate(
        self,
        champion: ScoredModel,
        challenger: ScoredModel,
        dataset: EvalDataset,
        stats: Statistics,
        rules: Sequence[GateRule] = DEFAULT_RULES,
        pair: Comparison | None = None,
        chosen_from: Sequence[ScoredModel] = (),
        adjust: Adjust = "auto",
    ) -> GateCheck:
        """The gate's verdict on challenger against champion (versions of one model) on
        dataset; pair: their comparison when the caller already has it. chosen_from: the other
        versions the challenger was chosen among: all are gated together against the champion
        (Holm across them unless adjust is "none"), and the challenger's verdict is returned."""
        if champion.key.version is None or challenger.key.version is None:
            raise DataError("the promotion gate compares two versions of a registered model.")
        if champion.key == challenger.key:
            raise DataError(
                f"version {challenger.key.version} already holds the alias; there is nothing "
                "to gate."
            )
        others = {f"version {s.key.version}": s for s in chosen_from if s.key != challenger.key}
        if any(s.key == champion.key for s in others.values()):
            raise DataError(
                f"version {champion.key.version} holds the alias: it is what the candidates are "
                "compared with, not one of them; leave it out of --chosen-from."
            )
        labels = {"champion": champion, "challenger": challenger, **others}
        if dataset.classes is not None:  # a multiclass test set: its own metrics and default
            several, _ = compare_scored(labels, "champion", dataset, stats)
            deltas = {label: c.deltas for label, c in several.comparisons.items()}
            rules = MULTICLASS_DEFAULT_RULES if tuple(rules) == DEFAULT_RULES else rules
        else:
            found = self.analyses.selection(
                labels, "champion", dataset, stats, {"challenger": pair} if pair else None
            )
            deltas = {label: c.deltas for label, c in found.comparisons.items()}
        verdicts = evaluate_gates(deltas, rules, confidence=stats.confidence, adjust=adjust)
        return GateCheck(
            champion_version=champion.key.version,
            challenger_version=challenger.key.version,
            verdict=verdicts["challenger"],
            dataset_fingerprint=dataset.fingerprint,
            rows=dataset.n,
            source=dataset.source,
            chosen_from=tuple(str(s.key.version) for s in others.values()),
        )


def choose_baseline(
    keys: Mapping[str, ModelKey],
    baseline: str | None,
    resolve: Callable[[str], ResolvedModel],
    aliases: Callable[[str], Mapping[str, str]],
) -> str:
    """The URI (a key of keys: URI as given -> the model it names) to compare the others with:
    baseline as given (a URI of keys, another URI naming the same version, or @ALIAS), else the
    version holding @champion, else the first. resolve and aliases read the registry."""
    uris = list(keys)
    if baseline is not None and baseline in keys:
        return baseline
    if baseline is not None and not baseline.startswith("@"):
        wanted: str | None = ModelKey.of_resolved(resolve(baseline)).uri
    else:
        alias = CHAMPION_ALIAS if baseline is None else baseline.removeprefix("@")
        # the version holding alias in the first registered model compared
        name = next((k.name for k in keys.values() if k.name is not None), None)
        version = None if name is None else aliases(name).get(alias)
        wanted = None if name is None or version is None else ModelKey.of_version(name, version).uri
    match = next((u for u in uris if keys[u].uri == wanted), None)
    if match is not None:
        return match
    if baseline is None:
        return uris[0]
    raise DataError(
        f"baseline {baseline!r} is none of the compared models ({', '.join(uris)}); give one "
        "of them, or @ALIAS for the version holding that alias."
    )
