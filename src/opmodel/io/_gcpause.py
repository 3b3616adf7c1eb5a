"""Python's cyclic garbage collector paused while a model is read."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (a context manager, or a decorator).

    Reading a large model makes a million short-lived dicts and strings and then some 100,000
    model objects; the collector would scan that growing heap again and again (a third of the
    CPU time of ``opmodel.load`` on bench/load.py's model) although none of it forms
    reference cycles that need it. Reference counting still frees everything; the collector
    runs again after (and stays off if it was off)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


__all__ = ["gc_paused"]
