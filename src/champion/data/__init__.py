"""Loading and validating tables of predictions and held-out test sets.

pandas is allowed here, not in evaluation. The names below load on first use (PEP 562), so
importing the package costs nothing until data is actually read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

# Imported now (it loads numpy and pandas only when called): the function shares its name with
# its module, and a lazy name would be shadowed by the module once anything imported it.
from champion.data.fingerprint import fingerprint
from champion.lazy import lazy_names

if TYPE_CHECKING:
    from champion.data.dataset import EvalDataset
    from champion.data.loaders import is_url, load_dataset, read_source
    from champion.data.recipes import RECIPES, Recipe, get_recipe, split_test_rows
    from champion.data.tables import (
        SUPPORTED_SUFFIXES,
        Limits,
        column,
        parse_label,
        read_table,
        values_of,
    )

__all__ = [
    "RECIPES",
    "SUPPORTED_SUFFIXES",
    "EvalDataset",
    "Limits",
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

# public name -> the submodule that defines it
_LAZY = {
    "EvalDataset": "dataset",
    **dict.fromkeys(("is_url", "load_dataset", "read_source"), "loaders"),
    **dict.fromkeys(("RECIPES", "Recipe", "get_recipe", "split_test_rows"), "recipes"),
    **dict.fromkeys(
        ("SUPPORTED_SUFFIXES", "Limits", "column", "parse_label", "read_table", "values_of"),
        "tables",
    ),
}


if not TYPE_CHECKING:  # mypy reads the imports above, so it still flags unknown names
    __getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())
