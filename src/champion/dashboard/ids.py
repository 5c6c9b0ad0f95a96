"""Every component id of the dashboard, in one place (callbacks and tests import them): plain
ids as constants, ids that vary (a page's navigation link, a version's button) from the
factories at the end."""

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
WAITING = "waiting"

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
OP_HOLDOUT = "op-holdout"
OP_MATCHED = "op-matched"
OP_MATCHED_TITLE = "op-matched-title"
OP_MATCHED_POINTS = "op-matched-points"

# registry: promote / roll back (shown to operators) and the history timeline
CHAMPION_STATUS = "registry-champion-status"
ACTIONS_PANEL = "registry-actions"
PROMOTE_VERSION = "registry-promote-version"
PROMOTE_OPEN = "registry-promote-open"
ROLLBACK_OPEN = "registry-rollback-open"
ACTION_MODAL = "action-modal"
ACTION_TITLE = "action-title"
ACTION_SUMMARY = "action-summary"
ACTION_REASON = "action-reason"
ACTION_TYPED = "action-typed-version"
ACTION_TYPED_LABEL = "action-typed-label"
ACTION_FORCE = "action-force"
ACTION_CONFIRM = "action-confirm"
ACTION_CANCEL = "action-cancel"
ACTION_STORE = "action-store"
ACTION_RESULT = "action-result"
REGISTRY_REFRESH = "registry-refresh"
HISTORY_TIMELINE = "registry-history"

# access control: the navbar's user box and the server-rendered login page (plain HTML ids)
USER_BOX = "user-box"
USER_NAME = "user-name"
LOGOUT_FORM = "logout-form"
LOGOUT_BUTTON = "logout-button"
READ_ONLY_BADGE = "read-only-badge"
LOGIN_FORM = "login-form"
LOGIN_NAME = "login-name"
LOGIN_PASSWORD = "login-password"
LOGIN_SUBMIT = "login-submit"
LOGIN_ERROR = "login-error"
ACTION_REASON_LABEL = "action-reason-label"
HISTORY_TITLE = "registry-history-title"

# multiclass pages (a test set of three or more classes)
MC_OVERVIEW_ALERT = "mc-overview-alert"
MC_VERDICT = "mc-overview-verdict"
MC_METRICS_TABLE = "mc-overview-metrics-table"
MC_METRICS_BAR = "mc-overview-metrics-bar"
MC_CURVES_ALERT = "mc-curves-alert"
MC_CLASS_PICKER = "mc-class-picker"
MC_CLASS_PICKER_LABEL = "mc-class-picker-label"
MC_CURVE_VIEW = "mc-curve-view"
MC_ROC_GRAPH = "mc-curves-roc"
MC_PR_GRAPH = "mc-curves-pr"
MC_CLASSES_ALERT = "mc-classes-alert"
MC_WORST_CLASS = "mc-worst-class"
MC_CLASS_TABLE = "mc-class-table"
MC_CONFUSION_VERSION = "mc-confusion-version"
MC_CONFUSION_VERSION_LABEL = "mc-confusion-version-label"
MC_CONFUSION_GRAPH = "mc-confusion"
MC_DIFFERENCE_GRAPH = "mc-confusion-difference"
MC_PER_CLASS_GRAPH = "mc-per-class"
MC_DECISION_ALERT = "mc-decision-alert"
MC_DECISION_WHY = "mc-decision-why"
MC_DECISION_TABLE = "mc-decision-table"
MC_COVERAGE_GRAPH = "mc-coverage"
MC_TOP_K_GRAPH = "mc-top-k"

# tables and notices that tests and styles find by id
OVERVIEW_TABLE = "overview-table"
COMPUTING_ALERT = "computing-alert"
GATE_RULES = "gate-rules"
OP_POINTS = "op-points"
AGREEMENT_GRID = "agreement-2x2"
REGISTRY_VERSIONS = "registry-versions"
SLICE_ROWS = "slices-rows"
MC_METRICS_ROWS = "mc-metrics-rows"
MC_CLASS_ROWS = "mc-class-rows"
MC_DECISION_ROWS = "mc-decision-rows"

# what a Spark-scored test set does not offer yet, said on its page (see spark_note)
SPARK_NOTE = "spark-note"

# the decision record of the selection ("Download report", in the shell)
REPORT_BUTTON = "report-button"
REPORT_DOWNLOAD = "report-download"
REPORT_NOTE = "report-note"

# CSV downloads: a button and a dcc.Download by each table, named by the table's key below
# (see csv_button, csv_download)
CSV_BUTTON = "csv-button"
CSV_OVERVIEW = "overview"
CSV_MC_OVERVIEW = "mc-overview"
CSV_SLICES = "slices"
CSV_MATCHED = "op-matched"
CSV_CLASSES = "mc-classes"
CSV_DECISION = "mc-decision"
CSV_DISAGREEMENTS = "disagreements"
CSV_VERSIONS = "registry-versions"
CSV_HISTORY = "registry-history"


def nav_link(page: str) -> str:
    """The navigation link of a page, by its name in the page registry ("overview")."""
    return f"nav-{page}"


def op_apply(version: str) -> dict[str, str]:
    """The "use this threshold" button of a version in the operating-point table."""
    return {"type": OP_APPLY, "version": version}


def op_apply_all() -> dict[str, object]:
    """Every version's "use this threshold" button (a pattern-matching callback input)."""
    from dash import ALL

    return {"type": OP_APPLY, "version": ALL}


def csv_button(table: str) -> dict[str, str]:
    """The "Download CSV" button by a table (table: a CSV_ key, "overview")."""
    return {"type": CSV_BUTTON, "table": table}


def csv_buttons() -> dict[str, object]:
    """Every CSV button of the page (a pattern-matching output: their labels follow the
    language)."""
    from dash import ALL

    return {"type": CSV_BUTTON, "table": ALL}


def csv_download(table: str) -> str:
    """The dcc.Download that sends a table's CSV file (table: a CSV_ key)."""
    return f"{table}-csv-download"


def spark_note(key: str) -> dict[str, str]:
    """The notice of a page that a Spark-scored test set does not offer (key: its i18n key)."""
    return {"type": SPARK_NOTE, "key": key}


def spark_notes() -> dict[str, object]:
    """Every such notice on the page (a pattern-matching output: they follow the language)."""
    from dash import ALL

    return {"type": SPARK_NOTE, "key": ALL}


def waiting(what: str) -> dict[str, str]:
    """The wrapper of a notice that says "the page updates when done" (what: "scoring",
    "pair", "rows", "classes"): while one is shown, the activity poll keeps running."""
    return {"type": WAITING, "what": what}


def waitings() -> dict[str, object]:
    """Every such notice on the page (a pattern-matching input of the activity poll)."""
    from dash import ALL

    return {"type": WAITING, "what": ALL}
