"""A load generator for the REST API, shared by tests/web/test_load.py (short) and
bench/api_load.py (50 clients × 60 s): concurrent clients read an item, change it with
``If-Match`` and record what the server acknowledged, on a real uvicorn server on loopback.

The check afterwards (:func:`verify`): every accepted write is in the store and in the
change log at the revision the server answered, the number of accepted writes equals the
number of change sets the clients made, each entity's version rose by exactly the number of
writes accepted for it (no write overwrote another), and every refused write was a 409 in
the error shape.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

SHAPE = {"ok", "error", "errors", "status", "code"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn on a free loopback port, in a thread; yields the base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    end = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > end or not t.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        t.join(timeout=30)


@contextmanager
def serve_in_process(url: str, *extra: str) -> Iterator[str]:
    """``opmodel serve URL`` in a child process on a free loopback port (a real server,
    as users run it); yields the base URL and stops the server at the end."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import opmodel

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(Path(opmodel.__file__).parents[1])}
    proc = subprocess.Popen([sys.executable, "-m", "opmodel", "serve", url, "--port",
                             str(port), "--log-level", "warning", *extra], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"the server exited: {err[-2000:]}")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > end:
                raise RuntimeError("the server did not start")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass
class Result:
    accepted: list[dict[str, Any]] = field(default_factory=list)
    conflicts: int = 0
    bad: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    """Seconds per write request (accepted or refused)."""
    reads: int = 0
    seconds: float = 0.0

    def p(self, q: float) -> float:
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


# the targets: a few hot cells and initiatives, so that clients collide
def targets(e: Any, cells: int = 6, initiatives: int = 3) -> list[tuple[str, str]]:
    out = [("assessments", f"/assessments/{a.capability}/{a.business_unit}")
           for a in e.assessments if a.assessed][:cells]
    out += [("initiatives", f"/initiatives/{i.id}") for i in e.initiatives][:initiatives]
    return out


def _client(base: str, token: str, name: str, targets: list[tuple[str, str]], until: float,
            seed: int, result: Result, lock: threading.Lock) -> None:
    rnd = random.Random(seed)
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                      timeout=60) as c:
        k = 0
        while time.monotonic() < until:
            kind, url = rnd.choice(targets)
            try:
                r = c.get(url)
                tag = r.headers.get("etag")
                value = f"{name}-{k}"
                body: dict[str, Any] = {"notes": value} if kind == "assessments" else \
                    {"description": value}
                if kind == "assessments":
                    body["current"] = rnd.choice([0, 1, 2, 3])
                body["why"] = "load test"
                t0 = time.perf_counter()
                w = c.patch(url, json=body, headers={"If-Match": tag or "", "X-Request-Id":
                                                     f"{name}-{k}"})
                dt = time.perf_counter() - t0
            except httpx.HTTPError as exc:
                with lock:
                    result.bad.append(f"{name}: {exc!r}")
                return
            k += 1
            with lock:
                result.reads += 1
                result.latencies.append(dt)
                if w.status_code == 200:
                    d = w.json()
                    result.accepted.append({"kind": kind, "key": d["key"], "value": value,
                                            "version": d["version"],
                                            "revision": d["revision"],
                                            "request_id": f"{name}-{k - 1}"})
                elif w.status_code == 409 and set(w.json()) == SHAPE and \
                        w.json()["code"] == "E-STALE":
                    result.conflicts += 1
                else:
                    result.bad.append(f"{name}: {w.status_code} {w.text[:200]}")


def run(base: str, tokens: list[tuple[str, str]], targets: list[tuple[str, str]],
        clients: int, seconds: float, seed: int = 0) -> Result:
    """``clients`` threads, each with one of ``tokens`` (name, token), for ``seconds``."""
    result = Result()
    lock = threading.Lock()
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=_client, args=(
        base, tokens[n % len(tokens)][1], f"c{n}", targets, until, seed * 1000 + n, result,
        lock)) for n in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 120)
    result.seconds = time.perf_counter() - t0
    return result


def verify(store: Any, result: Result, first_revision: int,
           last_revision: int | None = None) -> list[str]:
    """Problems found (empty: 0 lost updates) in the writes made after ``first_revision``
    (up to ``last_revision``). See the module docstring."""
    problems = list(result.bad)
    log = [c for c in store.history(since=first_revision)
           if c.action in ("set_assessment", "update_initiative")
           and (last_revision is None or c.revision <= last_revision)]
    by_rev: dict[int, list[Any]] = {}
    for c in log:
        by_rev.setdefault(c.revision, []).append(c)
    revisions = set(by_rev)
    if len(revisions) != len(result.accepted):
        problems.append(f"{len(result.accepted)} writes accepted but {len(revisions)} change "
                        "sets in the log")
    field_of = {"assessments": "notes", "initiatives": "description"}
    for a in result.accepted:
        entries = by_rev.get(a["revision"], [])
        if not any(c.key == a["key"] and c.field == field_of[a["kind"]] and
                   c.new == a["value"] and c.request_id == a["request_id"] for c in entries):
            problems.append(f"accepted write {a} is not in the change log")
    counts: dict[tuple[str, str], int] = {}
    first: dict[tuple[str, str], int] = {}
    for a in sorted(result.accepted, key=lambda a: a["revision"]):
        k = (a["kind"], a["key"])
        counts[k] = counts.get(k, 0) + 1
        first.setdefault(k, a["version"])
    for (kind, key), n in counts.items():
        if last_revision is not None:
            continue  # later writes moved the entities on; the log check above holds
        cur = store.current(kind, key)
        if cur is None:
            problems.append(f"{kind}:{key} is gone")
            continue
        if cur.version != first[(kind, key)] + n - 1:
            problems.append(f"{kind}:{key} is at version {cur.version}; {n} writes accepted "
                            f"from version {first[(kind, key)]}")
        last = max((a for a in result.accepted if (a["kind"], a["key"]) == (kind, key)),
                   key=lambda a: a["revision"])
        if cur.data.get(field_of[kind]) != last["value"]:
            problems.append(f"{kind}:{key} holds {cur.data.get(field_of[kind])!r}, not the "
                            f"last accepted {last['value']!r}")
    return problems
