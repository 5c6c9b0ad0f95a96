"""The Dash dashboard: pages with thin callbacks over ``champion.workspace`` and the figures of
``champion.presentation``. Build it with ``champion.dashboard.app.create_app``."""
