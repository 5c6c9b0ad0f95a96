"""Loading and validating tables of predictions (pandas is allowed here, not in evaluation)."""

from champion.data.tables import SUPPORTED_SUFFIXES, column, parse_label, read_table, values_of

__all__ = ["SUPPORTED_SUFFIXES", "column", "parse_label", "read_table", "values_of"]
