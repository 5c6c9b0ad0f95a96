"""A synthetic Kaggle-format Titanic CSV, so tests can use the ``titanic`` recipe offline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

COLUMNS = (
    "PassengerId",
    "Survived",
    "Pclass",
    "Name",
    "Sex",
    "Age",
    "SibSp",
    "Parch",
    "Ticket",
    "Fare",
    "Cabin",
    "Embarked",
)
_SURNAMES = ("Braund", "Cumings", "Heikkinen", "Futrelle", "Allen", "Moran", "McCarthy", "Palsson")
_MALE_NAMES = ("Owen", "William", "James", "John", "Thomas", "Henry", "Charles", "George")
_FEMALE_NAMES = ("Laina", "Florence", "Lily", "Mary", "Elizabeth", "Anna", "Margaret", "Helen")


def titanic_frame(n: int = 891, seed: int = 0) -> pd.DataFrame:
    """n synthetic passengers (n rows x the 12 Kaggle columns), reproducible from seed.

    Survival depends on sex, class and age (women, first class and children survive more);
    about 20% of Age is missing, most Cabin values are missing and two Embarked values are.
    """
    rng = np.random.default_rng(seed)
    pclass = rng.choice([1, 2, 3], size=n, p=[0.24, 0.21, 0.55])
    female = rng.random(n) < 0.35
    age = np.clip(
        rng.normal(np.select([pclass == 1, pclass == 2], [38.0, 30.0], 25.0), 13.0, n), 0.42, 80
    )
    age = np.where(age < 1, np.round(age, 2), np.floor(age))
    logit = -2.3 + 2.5 * female + np.select([pclass == 1, pclass == 2], [1.8, 0.9], 0.0)
    logit = logit - 0.02 * (age - 30) + 0.8 * (age < 10)
    survived = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    fare_base = np.select([pclass == 1, pclass == 2], [60.0, 18.0], 9.0)
    fare = np.round(fare_base * rng.lognormal(0.0, 0.5, n), 4)
    given = np.where(female, rng.choice(_FEMALE_NAMES, n), rng.choice(_MALE_NAMES, n))
    title = np.where(female, np.where(rng.random(n) < 0.5, "Mrs.", "Miss."), "Mr.")
    surname = rng.choice(_SURNAMES, n)
    cabin = [
        f"{deck}{number}" if has else None
        for deck, number, has in zip(
            rng.choice(list("ABCDEF"), n),
            rng.integers(1, 130, n),
            rng.random(n) < np.select([pclass == 1], [0.8], 0.08),
            strict=True,
        )
    ]
    embarked: list[str | None] = list(rng.choice(["S", "C", "Q"], n, p=[0.72, 0.19, 0.09]))
    for row in rng.choice(n, size=min(2, n), replace=False):
        embarked[int(row)] = None
    frame = pd.DataFrame(
        {
            "PassengerId": np.arange(1, n + 1),
            "Survived": survived,
            "Pclass": pclass,
            "Name": [f"{s}, {t} {g}" for s, t, g in zip(surname, title, given, strict=True)],
            "Sex": np.where(female, "female", "male"),
            "Age": np.where(rng.random(n) < 0.2, np.nan, age),
            "SibSp": rng.poisson(0.5, n),
            "Parch": rng.poisson(0.4, n),
            "Ticket": [
                f"{'PC ' if c == 1 else ''}{t}"
                for c, t in zip(pclass, rng.integers(1000, 400000, n), strict=True)
            ],
            "Fare": fare,
            "Cabin": cabin,
            "Embarked": embarked,
        }
    )
    return frame[list(COLUMNS)]


def write_titanic_csv(path: str | Path, n: int = 891, seed: int = 0) -> Path:
    """Write :func:`titanic_frame` (n, seed) as a Kaggle-format CSV at path; return the path."""
    file = Path(path)
    titanic_frame(n, seed).to_csv(file, index=False)
    return file
