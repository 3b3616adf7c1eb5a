"""Background jobs (plans): a small thread pool, each job with a status and progress.

A job is ``queued`` → ``running`` → ``done`` or ``failed``. ``progress`` is the solver's
latest report (seconds, best plan so far, proven bound, gap); ``result`` holds the JSON of
a finished job, ``error`` the error shape of a failed one. A status poll may
:meth:`Job.wait` a moment for the job to finish, so that a result is shown as soon as it
exists rather than at the next poll.

Any kind of job runs the same way (a plan, a frontier, ...): ``submit(kind, params, version,
owner, run, on_error)`` where ``run(job)`` returns the result's JSON bytes and the value
kept for pages; while it runs it may set ``job.progress`` (any JSON-able dict) and
``job.partial`` (results ready before the whole job, e.g. the plan before its follow-ups),
which status polls can show. Finished jobs are kept (the most
recent :data:`KEEP`) so their result URLs keep answering. Solves run one at a time
(:data:`SOLVER_LOCK`): HiGHS keeps a process-wide thread pool.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

KEEP = 200
POLL_WAIT = 1.0
"""Seconds a status poll waits for a running job to finish before answering its progress."""
SOLVER_LOCK = threading.Lock()
"""Held around every solve in the server (jobs and synchronous explain/diff alike)."""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


@dataclass
class Job:
    id: str
    kind: str
    params: dict[str, Any]
    model_version: str
    owner: str
    status: str = "queued"
    progress: dict[str, Any] = field(default_factory=dict)
    result: bytes | None = None
    value: Any = None
    error: dict[str, Any] | None = None
    created: str = field(default_factory=_now)
    started: str | None = None
    finished: str | None = None
    partial: dict[str, Any] = field(default_factory=dict)
    """Results published before the job is done (kind-specific; empty by default)."""
    _done: threading.Event = field(default_factory=threading.Event, repr=False,
                                   compare=False)

    def wait(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds for the job to finish; True when it has."""
        return self._done.wait(max(0.0, timeout))

    def to_dict(self, base: str = "") -> dict[str, Any]:
        url = f"{base}/plans/{self.id}"
        return {"ok": True, "id": self.id, "kind": self.kind, "status": self.status,
                "model_version": self.model_version, "params": self.params,
                "owner": self.owner, "progress": self.progress, "created": self.created,
                "started": self.started, "finished": self.finished, "url": url,
                "result": f"{url}/result" if self.status == "done" else None,
                "error": self.error}


class Jobs:
    def __init__(self, workers: int = 1) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers),
                                        thread_name_prefix="opmodel-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def submit(self, kind: str, params: dict[str, Any], model_version: str, owner: str,
               run: Callable[[Job], tuple[bytes, Any]],
               on_error: Callable[[BaseException], dict[str, Any]]) -> Job:
        job = Job(uuid.uuid4().hex[:16], kind, params, model_version, owner)
        with self._lock:
            self._jobs[job.id] = job
            done = [k for k, j in self._jobs.items() if j.status in ("done", "failed")]
            for k in done[:max(0, len(self._jobs) - KEEP)]:
                del self._jobs[k]

        def work() -> None:
            job.status = "running"
            job.started = _now()
            try:
                job.result, job.value = run(job)
                job.status = "done"
            except BaseException as exc:  # every failure becomes the job's error shape
                job.error = on_error(exc)
                job.status = "failed"
            finally:
                job.finished = _now()
                job._done.set()

        self._pool.submit(work)
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def all(self) -> list[Job]:
        with self._lock:
            return list(reversed(self._jobs.values()))

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
