"""Write endpoints (through :mod:`opmodel.actions`), decisions and the change history."""

from __future__ import annotations

from fastapi import FastAPI


def register(app: FastAPI) -> None:
    pass
