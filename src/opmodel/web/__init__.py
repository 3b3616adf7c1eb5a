"""The web skin: the REST API (FastAPI) over a model store or folder; see docs/api.md."""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
