"""Loading and validating tables of predictions and held-out test sets.

pandas is allowed here, not in evaluation.
"""

from champion.data.dataset import EvalDataset
from champion.data.fingerprint import fingerprint
from champion.data.loaders import is_url, load_dataset, read_source
from champion.data.recipes import RECIPES, Recipe, get_recipe, split_test_rows
from champion.data.tables import SUPPORTED_SUFFIXES, column, parse_label, read_table, values_of

__all__ = [
    "RECIPES",
    "SUPPORTED_SUFFIXES",
    "EvalDataset",
    "Recipe",
    "column",
    "fingerprint",
    "get_recipe",
    "is_url",
    "load_dataset",
    "parse_label",
    "read_source",
    "read_table",
    "split_test_rows",
    "values_of",
]
