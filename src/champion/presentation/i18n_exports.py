"""Display texts of the downloads (the CSV buttons by every table, the columns of a downloaded
history) in English and Japanese, merged into :mod:`champion.presentation.i18n`'s table (look
them up with ``t``)."""

# ruff: noqa: E501  (a table of display texts, one line each)

from __future__ import annotations

EN: dict[str, str] = {
    "export.csv": "Download CSV",
    "export.csv_hint": "Download this table as a CSV file (UTF-8, opens in Excel)",
    # the columns of the downloaded history of @champion (the timeline's parts)
    "export.at": "Time (UTC)",
    "export.user": "User",
    "export.alias": "Alias",
    "export.action": "Action",
    "export.from": "From version",
    "export.to": "To version",
    "export.outcome": "Outcome",
    "export.forced": "Forced",
    "export.gate": "Gate",
    "export.reason": "Reason",
    "export.note": "Note",
    # the decision record of the selection (the same HTML as champion report)
    "export.report": "Download report",
    "export.report_hint": "The decision record of the selected versions as one HTML file that opens offline: verdict, default gate, every metric and figure",
    "export.report_wait": "The report is ready once the selected versions are scored and compared.",
}

JA: dict[str, str] = {
    "export.csv": "CSV ダウンロード",
    "export.csv_hint": "この表を CSV ファイルでダウンロード（UTF-8、Excel で開けます）",
    "export.at": "日時 (UTC)",
    "export.user": "ユーザー",
    "export.alias": "エイリアス",
    "export.action": "操作",
    "export.from": "変更前のバージョン",
    "export.to": "変更後のバージョン",
    "export.outcome": "結果",
    "export.forced": "強制",
    "export.gate": "ゲート",
    "export.reason": "理由",
    "export.note": "備考",
    "export.report": "レポートをダウンロード",
    "export.report_hint": "選択中のバージョンの判定記録を、オフラインで開ける 1 つの HTML ファイルで保存します（判定、既定のゲート、すべての指標と図）",
    "export.report_wait": "選択したバージョンの採点と比較が終わるとレポートを作成できます。",
}
