"""Helpers shared by every app. Nothing here imports a project app (import-linter checks it)."""
