"""Process-wide stores: loaded models and a byte-bounded LRU cache of captures.

Both live in this module, not in Streamlit's ``st.cache_resource``/``st.cache_data``:
Streamlit wipes those for every user when any client sends a ``clear_cache`` message,
which needs no login. What is kept here is dropped only by this process.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Hashable

from attnviz.model.capture import Capture
from attnviz.model.config import ModelConfig

FLOAT32_BYTES = 4


class ProcessWide:
    """``fn(*args)`` computed once per key for the whole process, then shared (read-only).

    A thread that asks for a key being computed waits for that result instead of computing
    it a second time. ``clear()`` forgets everything (tests use it).

    Args:
        fn: the loader.
        key: maps the arguments to the key they are stored under (default: the arguments).
        max_entries: keep at most this many values, least recently used out first (None: all).
    """

    def __init__(self, fn: Callable, key: Callable[..., Hashable] | None = None, max_entries: int | None = None):
        self._fn, self._key, self._max_entries = fn, key or (lambda *args: args), max_entries
        self._values: OrderedDict[Hashable, object] = OrderedDict()
        self._locks: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()
        self.__doc__, self.__name__ = fn.__doc__, fn.__name__

    def __call__(self, *args):
        key = self._key(*args)
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # one computation per key; other keys go on meanwhile
            with self._lock:
                if key in self._values:
                    return self._values[key]
            value = self._fn(*args)
            with self._lock:
                self._values[key] = value
                self._locks.pop(key, None)
                while self._max_entries is not None and len(self._values) > self._max_entries:
                    self._values.popitem(last=False)
        return value

    def has(self, *args) -> bool:
        """Whether ``fn(*args)`` is stored (no computation)."""
        with self._lock:
            return self._key(*args) in self._values

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._locks.clear()


def process_wide(key: Callable[..., Hashable] | None = None, max_entries: int | None = None) -> Callable[[Callable], ProcessWide]:
    """Decorator form of ``ProcessWide``: ``@process_wide()``, ``@process_wide(key=canonical, max_entries=16)``."""
    return lambda fn: ProcessWide(fn, key, max_entries)


def capture_nbytes_bound(cfg: ModelConfig, n: int) -> int:
    """An upper bound of ``Capture.nbytes`` for ``n`` tokens, derived fields (q, k, resid_mid) included.

    Counts the float32 fields ``HookedTransformer._capture`` stores per layer — the QKV
    product ``n·(head + 2·kv_head)·d_head``, the pattern ``head·n²``, z ``n·head·d_head``,
    attn_out, resid_mid and resid_post ``n·d_model`` each, and for rotary models the
    rotated q and k ``n·(head + kv_head)·d_head`` derived on access — plus ``embed``
    ``n·d_model``, a decoder's logits ``n·d_vocab``, the bool mask ``n²`` and the int64
    ids. Used to reserve a capture's bytes in the cache's budget before it is computed.
    """
    h, kv, d, m = cfg.n_heads, cfg.n_kv_heads, cfg.d_head, cfg.d_model
    per_layer = n * (h + 2 * kv) * d + h * n * n + n * h * d + 3 * n * m
    if cfg.rotary:
        per_layer += n * (h + kv) * d
    floats = cfg.n_layers * per_layer + n * m + (n * cfg.d_vocab if cfg.is_decoder else 0)
    return FLOAT32_BYTES * floats + n * n + 2 * 8 * n + 8 * h


class CaptureCache:
    """Keeps the most recently used captures whose total bytes fit ``max_bytes``.

    One instance is shared by every session of the app; captures are read-only. Captures
    being computed count against the budget too: a caller that gives ``nbytes`` (e.g.
    ``capture_nbytes_bound``) reserves it before computing, evicting the least recently
    used captures to make room, and waits while other computations hold the rest of the
    budget. A capture larger than the whole budget is computed only while nothing else
    is, and is returned but not kept. A key being computed is computed once: other
    callers wait for it.

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
        self._sizes: dict[Hashable, int] = {}  # what each kept capture counts for (its reservation or its bytes)
        self._pending: dict[Hashable, int] = {}  # keys being computed -> bytes reserved
        self._cond = threading.Condition()
        self.hits = self.misses = 0

    @property
    def nbytes(self) -> int:
        """Bytes the kept captures hold now."""
        with self._cond:
            return sum(cap.nbytes for cap in self._items.values())

    @property
    def reserved(self) -> int:
        """Bytes reserved by captures being computed."""
        with self._cond:
            return sum(self._pending.values())

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> Capture | None:
        """The cached capture for ``key`` (counted as a hit), or None."""
        with self._cond:
            return self._hit(key) if key in self._items else None

    def get_or_compute(self, key: Hashable, compute: Callable[[], Capture], nbytes: int | Callable[[], int] = 0) -> Capture:
        """The cached capture for ``key``, or ``compute()``'s result, stored and evicting the oldest.

        Args:
            key: what identifies the capture (model, text, ...).
            compute: makes the capture when it is not cached.
            nbytes: the capture's size, or a bound of it, reserved in the budget while it is
                computed (0: nothing reserved); a function giving it is called on a miss only.
        """
        with self._cond:
            if key in self._items:
                return self._hit(key)
        reserve = nbytes() if callable(nbytes) else nbytes
        with self._cond:
            while True:
                if key in self._items:
                    return self._hit(key)
                if key not in self._pending and self._admit(reserve):
                    break
                self._cond.wait()
            self._pending[key] = reserve
        try:
            cap = compute()  # outside the lock: other sessions' cached reads go on meanwhile
        except BaseException:
            with self._cond:
                del self._pending[key]
                self._cond.notify_all()
            raise
        with self._cond:
            del self._pending[key]
            self.misses += 1
            size = max(reserve, cap.nbytes)
            if size <= self.max_bytes:
                self._items[key], self._sizes[key] = cap, size
                self._evict(0)
            self._cond.notify_all()
        return cap

    def _hit(self, key: Hashable) -> Capture:
        self._items.move_to_end(key)
        self.hits += 1
        return self._items[key]

    def _admit(self, nbytes: int) -> bool:
        """Whether a computation reserving ``nbytes`` may start now (evicts to make room); call with the lock held."""
        if nbytes > self.max_bytes:  # never kept: it runs alone, and the cache keeps what it has
            return not self._pending
        self._evict(nbytes)
        return sum(self._sizes.values()) + sum(self._pending.values()) + nbytes <= self.max_bytes

    def _evict(self, room: int) -> None:
        """Drop the least recently used captures until ``room`` more bytes fit (lock held)."""
        used = sum(self._sizes.values()) + sum(self._pending.values())
        while self._items and used + room > self.max_bytes:
            key, _ = self._items.popitem(last=False)
            used -= self._sizes.pop(key)
