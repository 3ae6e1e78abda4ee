"""Shared test setup: the repo root is importable (pytest's pythonpath), paths to the app."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
