"""Integration tests against real MLflow stores (sqlite and a local tracking server)."""
