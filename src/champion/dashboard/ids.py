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

# slices
SLICES_ALERT = "slices-alert"
SLICE_COLUMN = "slices-column"
SLICE_METRIC = "slices-metric"
SLICE_BINS = "slices-bins"
SLICE_SUMMARY = "slices-summary"
SLICE_TABLE = "slices-table"
SLICE_GRAPH = "slices-graph"

# disagreements
DISAGREE_ALERT = "disagree-alert"
DISAGREE_CHALLENGER = "disagree-challenger"
AGREEMENT_TABLE = "disagree-agreement"
DISAGREE_COUNT = "disagree-count"
DISAGREE_GRID = "disagree-grid"

# threshold: operating-point finder
OP_CRITERION = "op-criterion"
OP_COST_FP = "op-cost-fp"
OP_COST_FN = "op-cost-fn"
OP_CONSTRAINT = "op-constraint"
OP_TABLE = "op-table"
OP_APPLY = "op-apply"
SLICE_COLUMN_LABEL = "slices-column-label"
SLICE_METRIC_LABEL = "slices-metric-label"
SLICE_BINS_LABEL = "slices-bins-label"
DISAGREE_CHALLENGER_LABEL = "disagree-challenger-label"
OP_TITLE = "op-title"
OP_COST_FP_LABEL = "op-cost-fp-label"
OP_COST_FN_LABEL = "op-cost-fn-label"
OP_CONSTRAINT_LABEL = "op-constraint-label"
