"""The command-line interface: the only package that uses click and rich."""
