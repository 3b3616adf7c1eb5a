"""The per-version LRU: bounded, most recent kept, each key computed once under
concurrent requests."""

from __future__ import annotations

import threading
import time

import pytest

from opmodel.web.cache import LRU


def test_lru_keeps_the_most_recent() -> None:
    c = LRU(2)
    c.put("a", 1)
    c.put("b", 2)
    assert c.get("a") == 1  # a is now the most recent
    c.put("c", 3)
    assert c.get("b") is None and c.get("a") == 1 and c.get("c") == 3
    assert len(c) == 2


def test_each_key_is_computed_once_by_concurrent_callers() -> None:
    c = LRU(8)
    calls = []

    def slow() -> int:
        calls.append(1)
        time.sleep(0.2)
        return 42

    out: list[int] = []
    threads = [threading.Thread(target=lambda: out.append(c.get_or_compute("k", slow)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == [42] * 8 and len(calls) == 1
    assert c.misses == 1 and c.hits == 7


def test_a_failed_computation_is_not_cached() -> None:
    c = LRU(4)

    def boom() -> int:
        raise RuntimeError("no")

    for _ in range(2):
        with pytest.raises(RuntimeError):
            c.get_or_compute("k", boom)
    assert c.get_or_compute("k", lambda: 7) == 7


def test_bytes_are_bounded_too() -> None:
    c = LRU(100, max_bytes=10)
    c.put("a", b"12345")
    c.put("b", b"12345")
    c.put("c", b"123")
    assert c.get("a") is None and c.get("b") == b"12345" and c.bytes == 8
    c.put("huge", b"x" * 50)  # kept alone: the newest result is always kept
    assert len(c) == 1 and c.get("huge")
