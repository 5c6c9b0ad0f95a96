"""The Dash dashboard: pages with thin callbacks over ``champion.service`` and the figures of
``champion.presentation``. Build it with ``champion.dashboard.app.create_app``."""
