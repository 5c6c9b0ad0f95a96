"""Every component id of the dashboard, in one place (callbacks and tests import them)."""

# shell
URL = "url"
NAV = "nav"
LANG_STORE = "lang-store"
LANG_TOGGLE = "lang-toggle"
TITLE = "title"
VERSIONS_STORE = "versions-store"
THRESHOLD_STORE = "threshold-store"
MODEL_PICKER = "model-picker"
PICKER_LABEL = "model-picker-label"
ALERTS = "alerts"
JOBS_POLL = "jobs-poll"
JOBS_STATUS = "jobs-status"

# overview
VERDICT = "overview-verdict"
METRICS_TABLE = "overview-metrics-table"
METRICS_BAR = "overview-metrics-bar"

# curves
ROC_GRAPH = "curves-roc"
PR_GRAPH = "curves-pr"
CALIBRATION_GRAPH = "curves-calibration"
GAIN_GRAPH = "curves-gain"

# threshold
THRESHOLD_SLIDER = "threshold-slider"
THRESHOLD_VALUE = "threshold-value"
CONFUSIONS = "threshold-confusions"
THRESHOLD_METRICS_GRAPH = "threshold-metrics-graph"

# per-page alerts
OVERVIEW_ALERT = "overview-alert"
CURVES_ALERT = "curves-alert"
THRESHOLD_ALERT = "threshold-alert"

# registry
REGISTRY_ALERT = "registry-alert"
REGISTRY_TABLE = "registry-table"
TREND_METRIC = "registry-trend-metric"
TREND_GRAPH = "registry-trend"
