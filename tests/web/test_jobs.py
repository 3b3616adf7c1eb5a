"""Background jobs (web/jobs.py): a status poll can wait for a job to finish."""

from __future__ import annotations

import threading
from typing import Any

from opmodel.web.jobs import Job, Jobs


def test_wait_returns_when_the_job_finishes_and_not_before() -> None:
    jobs = Jobs(workers=1)
    go = threading.Event()

    def run(job: Job) -> tuple[bytes, Any]:
        job.partial["first"] = 1  # published before the job is done
        go.wait(10)
        return b"{}", 42

    try:
        job = jobs.submit("plan", {}, "v1", "me", run, lambda exc: {"error": str(exc)})
        assert job.wait(0.05) is False
        assert job.status in ("queued", "running")
        go.set()
        assert job.wait(10) is True
        assert (job.status, job.value, job.result) == ("done", 42, b"{}")
        assert job.partial == {"first": 1}
        assert job.finished is not None

        failed = jobs.submit("plan", {}, "v1", "me", lambda job: 1 / 0,  # type: ignore[arg-type,return-value]
                             lambda exc: {"error": type(exc).__name__})
        assert failed.wait(10) is True
        assert failed.status == "failed" and failed.error == {"error": "ZeroDivisionError"}
    finally:
        go.set()
        jobs.shutdown()
