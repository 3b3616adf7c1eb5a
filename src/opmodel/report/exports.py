"""The report's charts drawn to files: every :class:`~.charts.ChartSpec` (built by
:mod:`.specs`) written as PNG and SVG by vl-convert in worker processes (:class:`ChartJobs`),
in the background: the analysis charts while the optimizer solves, the plan's while the HTML
and workbook are written."""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import altair as alt

from ..errors import OpmodelError
from .charts import ChartSpec, drawable


def _vl_version() -> str:
    return alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]


def render_one(name: str, spec: dict[str, Any], folder: str) -> list[str]:
    """Write ``folder/name.svg`` and ``folder/name.png``; returns the paths."""
    from ._render import render_one as run

    return run(name, spec, folder, _vl_version())


def _cost(c: ChartSpec) -> int:
    """A rough cost of drawing a chart: its inline records (every mark and label costs
    vl-convert time)."""
    n = 0
    stack: list[Any] = [c.spec]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            v = x.get("values")
            if isinstance(v, list):
                n += len(v)
            stack.extend(v for k, v in x.items() if k != "values")
        elif isinstance(x, list):
            stack.extend(x)
    return n


class _Worker:
    """One worker process (``_render.py`` run as a script) and the thread that feeds it:
    the thread takes the next chart from the shared queue when the worker is free, and
    puts what the worker answers on the results queue."""

    def __init__(self, tasks: queue.Queue[Any], results: queue.Queue[Any]) -> None:
        from . import _render

        # the worker's stderr, for a crash report; closed by stop()
        self.log = tempfile.TemporaryFile()  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-P", _render.__file__, _vl_version()],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log)
        self.tasks, self.results = tasks, results
        self.thread = threading.Thread(target=self._feed, daemon=True)
        self.thread.start()

    def _feed(self) -> None:
        from ._render import receive, send

        assert self.proc.stdin is not None and self.proc.stdout is not None
        while True:
            task = self.tasks.get()
            if task is None:
                return
            try:
                send(self.proc.stdin, task)
                answer = receive(self.proc.stdout)
            except (OSError, ValueError):
                answer = None
            if answer is None:
                self.results.put((task[0], [], f"the chart worker stopped: {self._why()}",
                                  0.0))
                return
            self.results.put(answer)

    def _why(self) -> str:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=2)
        with contextlib.suppress(OSError):
            self.log.seek(0)
            tail = self.log.read()[-2000:].decode("utf-8", "replace").strip()
            if tail:
                return f"exit code {self.proc.returncode}: {tail.splitlines()[-1]}"
        return f"exit code {self.proc.returncode}"

    def stop(self) -> None:
        """End the worker at once (a chart it is drawing is dropped), then its thread."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.thread.join(timeout=5)  # it sees the end of the worker's output
        for stream in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()
        self.log.close()


class ChartJobs:
    """Charts drawn to PNG and SVG in ``folder`` by worker processes, in the background:
    :meth:`submit` specs as soon as they exist (the analysis charts while the optimizer is
    solving), :meth:`collect` the files at the end.

    A worker takes the next chart when it is free, largest first, so the work stays
    balanced. Each worker costs about a second to start (vl-convert's engine), so only as
    many start as there are cores beside the main process (``start``, at most
    ``processes``); :meth:`collect` starts the rest when many charts are still waiting and
    the main process has nothing else to do.
    """

    WAITING = 3
    """:meth:`collect` starts more workers when more charts than this are waiting: the main
    process has nothing else to do then, and a new worker (half a second to start) takes
    half of the rest."""

    def __init__(self, folder: Path, processes: int = 2, start: int | None = None) -> None:
        self.folder = folder
        self.processes = max(1, processes)
        self._tasks: queue.Queue[Any] = queue.Queue()
        self._results: queue.Queue[Any] = queue.Queue()
        self._workers: list[_Worker] = []
        self.names: list[str] = []
        self.seconds: dict[str, float] = {}
        """CPU seconds each chart took its worker (filled by :meth:`collect`)."""
        self.add_workers(spare_cores() if start is None else start)

    def add_workers(self, n: int | None = None) -> None:
        """Have ``n`` workers in all (default: ``processes``)."""
        want = min(self.processes, self.processes if n is None else max(1, n))
        while len(self._workers) < want:
            self._workers.append(_Worker(self._tasks, self._results))

    def submit(self, specs: Iterable[ChartSpec]) -> None:
        """Queue charts to draw (the largest first; the ones that are no file are left out)."""
        for c in sorted((c for c in specs if c.file), key=_cost, reverse=True):
            self.names.append(c.name)
            self._tasks.put((c.name, drawable(c.spec), str(self.folder)))

    def collect(self, progress: Callable[[int, int], None] | None = None) -> list[Path]:
        """Wait for every submitted chart; the paths of the files written."""
        tick = progress or (lambda k, n: None)
        n = len(self.names)
        if self._tasks.qsize() > self.WAITING:
            self.add_workers()
        written: list[str] = []
        try:
            tick(0, n)
            for k in range(1, n + 1):
                name, paths, error, seconds = self._next()
                self.seconds[name] = seconds
                if error is not None:
                    raise OpmodelError(f"chart {name} could not be drawn: "
                                       f"{error.splitlines()[0]}",
                                       hint="--no-charts writes the report without the "
                                            "PNG/SVG files")
                written += paths
                tick(k, n)
        finally:
            self.close()
        return sorted(Path(p) for p in written)

    def _next(self) -> tuple[str, list[str], str | None, float]:
        while True:
            try:
                return self._results.get(timeout=1.0)  # type: ignore[no-any-return]
            except queue.Empty:
                if not any(w.thread.is_alive() for w in self._workers):
                    raise OpmodelError("the chart workers stopped",
                                       hint="--no-charts writes the report without the "
                                            "PNG/SVG files") from None

    def close(self) -> None:
        """Stop the workers (at once: charts still queued are dropped)."""
        for _ in self._workers:
            self._tasks.put(None)
        for w in self._workers:
            w.stop()
        self._workers = []


def spare_cores() -> int:
    """Cores beside the main process (at least 1)."""
    return max(1, (os.cpu_count() or 2) - 1)


def render_charts(specs: dict[str, ChartSpec], folder: Path, processes: int = 2,
                  progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """Render every chart to PNG and SVG in ``folder`` (``processes`` workers)."""
    jobs = ChartJobs(folder, processes)
    jobs.submit(specs.values())
    return jobs.collect(progress)


__all__ = ["ChartJobs", "ChartSpec", "render_charts", "render_one", "spare_cores"]
