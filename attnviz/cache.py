"""A thread-safe LRU cache of captures, bounded by the bytes their tensors hold."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Hashable

from attnviz.capture import Capture


class CaptureCache:
    """Keeps the most recently used captures whose total ``Capture.nbytes`` fits ``max_bytes``.

    One instance is shared by every session of the app; captures are read-only. A capture
    larger than the whole budget is returned but not kept.

    Args:
        max_bytes: the budget in bytes (> 0).

    Raises:
        ValueError: for a budget that is not positive.
    """

    def __init__(self, max_bytes: int):
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, got {max_bytes}; set ATTNVIZ_CACHE_MB to a positive number")
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, Capture] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def nbytes(self) -> int:
        with self._lock:
            return sum(cap.nbytes for cap in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def get_or_compute(self, key: Hashable, compute: Callable[[], Capture]) -> Capture:
        """The cached capture for ``key``, or ``compute()``'s result, stored and evicting the oldest."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
        cap = compute()  # outside the lock: other sessions' cached reads go on meanwhile
        with self._lock:
            self.misses += 1
            if cap.nbytes <= self.max_bytes:
                self._items[key] = cap
                self._items.move_to_end(key)
                total = sum(c.nbytes for c in self._items.values())
                while total > self.max_bytes:
                    _, evicted = self._items.popitem(last=False)
                    total -= evicted.nbytes
        return cap
