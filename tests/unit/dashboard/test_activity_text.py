"""The line at the top of every page that says what runs in the background, in both languages."""

from __future__ import annotations

import pytest

from champion.dashboard.shell import activity_text
from champion.dashboard.views import Activity


@pytest.mark.parametrize(
    ("activity", "en", "ja"),
    [
        (
            Activity("scoring", ("3",), 40, 100, True),
            "version 3: scoring 40%",
            "バージョン 3: 採点中 40%",
        ),
        (
            Activity("pair", ("3", "1"), 0, 100, True),
            "version 3 vs version 1: computing intervals",
            "バージョン 3 vs バージョン 1: 区間を計算中",
        ),
        (
            Activity("slices", ("1", "3"), 0, 0, True),
            "version 1, version 3: computing slices",
            "バージョン 1, バージョン 3: スライスを計算中",
        ),
        (
            Activity("operating", ("1", "2"), 0, 0, True),
            "version 1, version 2: computing operating points",
            "バージョン 1, バージョン 2: 動作点を計算中",
        ),
        (
            Activity("scoring", ("2",), 0, 100, False, "model 'x' crashed"),
            "version 2: model 'x' crashed",
            "バージョン 2: model 'x' crashed",
        ),
    ],
)
def test_each_kind_of_work_is_said_in_english_and_japanese(
    activity: Activity, en: str, ja: str
) -> None:
    assert activity_text(activity) == en
    assert activity_text(activity, "ja") == ja
