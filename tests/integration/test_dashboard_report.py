"""The dashboard's "Download report": the decision record of the selection at the current
threshold, the same self-contained HTML as champion report, with the default gate."""

from __future__ import annotations

import dash

from champion.dashboard.context import backend
from champion.dashboard.report_download import decision_record, download_report


def test_the_report_of_the_selection_at_the_threshold(ctx: None) -> None:
    sent, note = download_report(1, ["1", "2"], 0.35, "en")
    assert note == ""
    assert sent["filename"] == "champion-titanic-survival-report-v1-v2.html"
    html = sent["content"]
    assert html.startswith("<!DOCTYPE html>") or "<html" in html[:200]
    assert "Content-Security-Policy" in html
    assert "version 2 vs champion (version 1)" in html
    assert "roc_auc:not-worse" in html  # the default gate Promote uses
    assert "https://" not in html.split("<script")[0]
    record = decision_record(backend(), ["1", "2"], 0.35, "en")
    assert record is not None
    assert record.threshold == 0.35
    assert record.champion == "1"
    assert set(record.gate or {}) == {"version 2"}


def test_japanese_and_nothing_before_the_versions_are_ready(ctx: None) -> None:
    sent, _ = download_report(1, ["1", "2"], 0.5, "ja")
    assert "チャンピオン (バージョン 1)" in sent["content"]
    nothing, note = download_report(1, [], 0.5, "en")
    assert nothing is dash.no_update
    assert "ready once the selected versions are scored" in note
