"""Run ``opmodel demo`` once per test session and share the result.

The report tests (files, workbook, browser) and the CLI test of ``opmodel demo`` all look at
the same run: the demo is the main job end to end and takes half a minute, so it runs once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

_RUNS: dict[str, DemoRun] = {}


@dataclass(frozen=True)
class DemoRun:
    folder: Path
    exit_code: int
    output: str
    exception: BaseException | None

    @property
    def report(self) -> Path:
        return self.folder / "report"


def demo_run(base: Path) -> DemoRun:
    """``opmodel demo --dir BASE/opmodel-demo``, run in-process the first time it is asked."""
    key = str(base)
    if key not in _RUNS:
        from typer.testing import CliRunner

        from opmodel.cli import app

        folder = base / "opmodel-demo"
        result = CliRunner().invoke(app, ["demo", "--dir", str(folder)])
        _RUNS[key] = DemoRun(folder, result.exit_code, result.output, result.exception)
    return _RUNS[key]


def shared_base(tmp_path_factory: object) -> Path:
    """The session's folder for the shared demo run."""
    base = tmp_path_factory.getbasetemp() / "shared-demo"  # type: ignore[attr-defined]
    base.mkdir(exist_ok=True)
    return Path(base)
