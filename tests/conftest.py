"""Shared test setup: the repo root is importable (pytest's pythonpath), paths to the app.

Every figure the app builds in a test is validated by plotly (the app skips that check on its
reruns for speed, derivs_app/figures.py VALIDATE): an invalid property fails the test that drew it.
"""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


@pytest.fixture(autouse=True)
def _validated_figures(monkeypatch):
    import derivs_app.figures as figures

    monkeypatch.setattr(figures, "VALIDATE", True)
