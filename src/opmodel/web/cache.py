"""Results cached per model version: a small thread-safe LRU.

Keys start with the model version the result was computed from, so a write (which makes a
new version) never serves a stale result; old versions simply fall out of the LRU.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class LRU:
    """At most ``size`` results (and, of results that are bytes, at most ``max_bytes`` in
    all); ``get_or_compute`` computes each key once even when several requests ask for it
    at the same time (the others wait for the first)."""

    def __init__(self, size: int = 128, max_bytes: int = 256 << 20) -> None:
        self.size = max(1, size)
        self.max_bytes = max_bytes
        self.bytes = 0
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._pending: dict[Hashable, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
        return None

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            old = self._data.pop(key, None)
            self.bytes -= _size(old)
            self._data[key] = value
            self.bytes += _size(value)
            while len(self._data) > 1 and (len(self._data) > self.size
                                           or self.bytes > self.max_bytes):
                _, dropped = self._data.popitem(last=False)
                self.bytes -= _size(dropped)

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]  # type: ignore[no-any-return]
            gate = self._pending.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                if key in self._data:
                    self.hits += 1
                    return self._data[key]  # type: ignore[no-any-return]
                self.misses += 1
            try:
                value = compute()
            finally:
                with self._lock:
                    self._pending.pop(key, None)
            self.put(key, value)
            return value

    def items(self) -> list[tuple[Hashable, Any]]:
        """The entries, least recently used first (a snapshot; no hit is counted)."""
        with self._lock:
            return list(self._data.items())

    def __len__(self) -> int:
        return len(self._data)


def _size(value: Any) -> int:
    return len(value) if isinstance(value, bytes | bytearray) else 0
