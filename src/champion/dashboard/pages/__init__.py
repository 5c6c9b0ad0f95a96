"""The dashboard's pages; each owns its layout and its thin callbacks."""
