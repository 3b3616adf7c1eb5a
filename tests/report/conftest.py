"""The Acme report, built once per session by ``opmodel demo`` (see demo_run.py), and the
headless Chromium the browser tests open it in."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .demo_run import DemoRun, demo_run, shared_base


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    run = demo_run(shared_base(tmp_path_factory))
    assert run.exit_code == 0, f"opmodel demo failed:\n{run.output}\n{run.exception!r}"
    return run


@pytest.fixture(scope="session")
def report_dir(demo: DemoRun) -> Path:
    return demo.report


CHROMIUM = os.environ.get("OPMODEL_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def _missing(why: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{why} (CI=true: the browser tests must run)")
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, through Playwright (a fresh profile per launch), for one
    test module (Playwright's loop is not left running under the rest of the suite); skips
    without them, fails under CI=true."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed")
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        _missing(f"chromium not found at {CHROMIUM}")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()
