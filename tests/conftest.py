"""Shared fixtures: the bundled models and fresh copies of them to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STARTER = ROOT / "src" / "opmodel" / "starter"
ACME = ROOT / "examples" / "acme"


@pytest.fixture
def starter_path() -> Path:
    return STARTER


@pytest.fixture
def acme_path() -> Path:
    return ACME


@pytest.fixture
def starter_copy(tmp_path: Path) -> Path:
    """A writable copy of the starter model."""
    dst = tmp_path / "model"
    shutil.copytree(STARTER, dst)
    return dst


@pytest.fixture
def acme_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "acme"
    shutil.copytree(ACME, dst)
    return dst
