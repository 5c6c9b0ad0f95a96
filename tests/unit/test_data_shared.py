"""The test set published once per host and mapped by every worker (champion.data.shared)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from champion.data import load_dataset
from champion.data.shared import open_published, publish, published_path
from champion.errors import DataError


def write_csv(tmp_path: Path, target: pd.Series) -> Path:
    frame = pd.DataFrame(
        {
            "age": [22.0, 38.0, np.nan, 35.0, 54.0, 2.0],
            "fare": [7, 71, 8, 53, 51, 21],
            "sex": ["male", "female", None, "female", "male", "male"],
            "alone": [True, False, True, False, True, False],
            "survived": target,
        }
    )
    path = tmp_path / "test.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("target", "pos_label"),
    [
        (pd.Series([0, 1, 1, 1, 0, 0]), "1"),
        (pd.Series(["no", "yes", "yes", "no", "no", "yes"]), "yes"),
        (pd.Series([0.0, 1.0, 1.0, 0.0, 0.0, 1.0]), "1"),
    ],
)
def test_a_published_test_set_reads_back_equal(
    tmp_path: Path, target: pd.Series, pos_label: str
) -> None:
    loaded = load_dataset(write_csv(tmp_path, target), target="survived", pos_label=pos_label)
    mapped = open_published(publish(loaded, tmp_path / "datasets"))
    pd.testing.assert_frame_equal(mapped.frame, loaded.frame, check_dtype=False)
    assert list(mapped.frame.dtypes) == list(loaded.frame.dtypes)
    assert mapped.labels.tolist() == loaded.labels.tolist()
    np.testing.assert_array_equal(mapped.y, loaded.y)
    # the score cache keys on repr(pos_label): its type must survive, not only its value
    assert repr(mapped.pos_label) == repr(loaded.pos_label)
    assert (mapped.fingerprint, mapped.target, mapped.source) == (
        loaded.fingerprint,
        loaded.target,
        loaded.source,
    )


def test_numeric_columns_are_read_only_views_of_the_file(tmp_path: Path) -> None:
    loaded = load_dataset(write_csv(tmp_path, pd.Series([0, 1, 1, 1, 0, 0])), target="survived")
    mapped = open_published(publish(loaded, tmp_path))
    for name in ("age", "fare"):
        values = mapped.frame[name].to_numpy()
        assert not values.flags.owndata, name
        assert not values.flags.writeable, name


def test_publishing_again_keeps_the_file_and_names_it_by_fingerprint(tmp_path: Path) -> None:
    loaded = load_dataset(write_csv(tmp_path, pd.Series([0, 1, 1, 1, 0, 0])), target="survived")
    first = publish(loaded, tmp_path / "datasets")
    written = first.stat().st_mtime_ns
    assert (
        publish(loaded, tmp_path / "datasets")
        == first
        == published_path(tmp_path / "datasets", loaded)
    )
    assert first.stat().st_mtime_ns == written
    assert first.name == f"{loaded.fingerprint}.arrow"
    assert [p.name for p in first.parent.iterdir()] == [first.name]  # no temporary left


def test_a_file_that_is_not_a_published_test_set_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / ("0" * 64 + ".arrow")
    junk.write_bytes(b"not arrow")
    with pytest.raises(DataError, match="cannot read the shared test set"):
        open_published(junk)
    with pytest.raises(DataError, match="cannot read the shared test set"):
        open_published(tmp_path / "missing.arrow")
    loaded = load_dataset(write_csv(tmp_path, pd.Series([0, 1, 1, 1, 0, 0])), target="survived")
    renamed = tmp_path / "other.arrow"
    publish(loaded, tmp_path).rename(renamed)
    with pytest.raises(DataError, match="is not a test set champion published"):
        open_published(renamed)


def test_a_column_arrow_cannot_hold_is_a_clear_error(tmp_path: Path) -> None:
    loaded = load_dataset(write_csv(tmp_path, pd.Series([0, 1, 1, 1, 0, 0])), target="survived")
    mixed = loaded.frame.astype({"sex": object})
    mixed.loc[0, "sex"] = 3.5  # numbers and text in one object column
    object.__setattr__(loaded, "frame", mixed)
    with pytest.raises(DataError, match="cannot share the test set"):
        publish(loaded, tmp_path / "datasets")
