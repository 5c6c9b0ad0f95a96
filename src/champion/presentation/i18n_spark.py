"""Display texts of a dashboard serving a Spark-scored test set (``champion serve --engine
spark``) in English and Japanese, merged into :mod:`champion.presentation.i18n`'s table (look
them up with ``t``)."""

# ruff: noqa: E501  (a table of display texts, one line each, is easier to keep in step)

from __future__ import annotations

EN: dict[str, str] = {
    "ui.spark_no_slices": "Slices are not available for a Spark-scored test set yet (this dashboard serves one: champion serve --engine spark). To compare the versions slice by slice, run champion report with --slice COLUMN without --engine spark, on a sample of the test set that fits in memory.",
    "ui.spark_no_holdout": "The holdout split (choosing on half of the rows, reporting on the other half) is not available for a Spark-scored test set yet: turn the switch off to choose and report on every row.",
    "ui.job_spark_start": "starting Spark and reading the test set",
    "ui.job_spark_scoring": "scoring on Spark",
    "ui.job_spark_report": "computing the report on Spark",
    "ui.job_spark_rows": "finding the rows where they disagree, on Spark",
    "ui.spark_rows_computing": "{b} vs {a}: finding the rows where they disagree, on Spark; the page updates when done.",
    "ui.spark_csv_every": " The CSV download holds every one of them (on a Spark-scored test set, up to {limit} rows).",
    "ui.spark_csv_refused": " The CSV download is refused above {limit} rows on a Spark-scored test set: read these rows with Spark from the score store instead (docs/spark.md, Dashboard).",
}

JA: dict[str, str] = {
    "ui.spark_no_slices": "Spark で採点したテストセットでは、スライス別の比較はまだ利用できません（このダッシュボードは champion serve --engine spark で起動されています）。スライスごとに比較するには、メモリに収まるテストセットのサンプルで、--engine spark を付けずに champion report を --slice COLUMN 付きで実行してください。",
    "ui.spark_no_holdout": "Spark で採点したテストセットでは、ホールドアウト分割（半分の行でしきい値を選び、残りの半分で報告）はまだ利用できません。スイッチをオフにすると、すべての行で選んで報告します。",
    "ui.job_spark_start": "Spark を起動してテストセットを読み込み中",
    "ui.job_spark_scoring": "Spark で採点中",
    "ui.job_spark_report": "Spark でレポートを計算中",
    "ui.job_spark_rows": "Spark で予測が異なる行を抽出中",
    "ui.spark_rows_computing": "{b} と {a}: 予測が異なる行を Spark で抽出中です。完了すると自動で更新されます。",
    "ui.spark_csv_every": " CSV ダウンロードにはこれらの行がすべて含まれます（Spark で採点したテストセットでは {limit} 行まで）。",
    "ui.spark_csv_refused": " Spark で採点したテストセットでは、{limit} 行を超える CSV ダウンロードはできません。代わりにスコアストアから Spark でこれらの行を読み出してください（docs/spark.md の「Dashboard」）。",
}
