"""End-to-end tests: the Dash dashboard driven by headless Chromium."""
