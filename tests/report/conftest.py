"""The Acme report, built once per session by ``opmodel demo`` (see demo_run.py); the
browser tests open it in the headless Chromium of tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

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
