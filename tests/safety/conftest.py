"""The board window factory of the ui tests, for the safety tests that need a window."""

from tests.ui.conftest import make_window  # noqa: F401
