"""Process-wide stores: loaded models and a byte-bounded LRU cache of captures.

Both live in this module, not in Streamlit's ``st.cache_resource``/``st.cache_data``:
Streamlit wipes those for every user when any client sends a ``clear_cache`` message,
which needs no login. What is kept here is dropped only by this process.
"""

from __future__ import annotations

import math
import threading
from operator import itemgetter
from typing import Callable, Hashable

from cachetools import Cache, LRUCache, cached
from cachetools.keys import hashkey

from attnviz.model.capture import Capture
from attnviz.model.config import ModelConfig

FLOAT32_BYTES = 4


class ProcessWide:
    """``fn(*args)`` computed once per key for the whole process, then shared (read-only).

    A thread that asks for a key being computed waits for that result instead of computing
    it a second time (cachetools' ``cached`` with a condition). ``clear()`` forgets
    everything (tests use it).

    Args:
        fn: the loader.
        key: maps the arguments to the key they are stored under (default: the arguments).
        max_entries: keep at most this many values, least recently used out first (None: all).
    """

    def __init__(self, fn: Callable, key: Callable[..., Hashable] | None = None, max_entries: int | None = None):
        store = LRUCache(maxsize=math.inf if max_entries is None else max_entries)
        self._cached = cached(store, key=key or hashkey, condition=threading.Condition())(fn)
        self.__doc__, self.__name__ = fn.__doc__, fn.__name__

    def __call__(self, *args):
        return self._cached(*args)

    def has(self, *args) -> bool:
        """Whether ``fn(*args)`` is stored (no computation)."""
        with self._cached.cache_lock:
            return self._cached.cache_key(*args) in self._cached.cache

    def clear(self) -> None:
        self._cached.cache_clear()


def process_wide(key: Callable[..., Hashable] | None = None, max_entries: int | None = None) -> Callable[[Callable], ProcessWide]:
    """Decorator form of ``ProcessWide``: ``@process_wide()``, ``@process_wide(key=canonical, max_entries=16)``."""
    return lambda fn: ProcessWide(fn, key, max_entries)


def capture_nbytes_bound(cfg: ModelConfig, n: int) -> int:
    """``Capture.nbytes`` for ``n`` tokens: what a capture stores, nothing derived.

    Per layer, float32: q and z ``n·head·d_head`` each, k and v ``n·kv_head·d_head`` each,
    attn_out and resid_post ``n·d_model`` each, and for post-LN blocks (BERT) resid_mid
    ``n·d_model``; plus ``embed`` ``n·d_model``, the bool mask ``n²``, the int64 ids and
    token types and ``kv_head_of``. The pattern, the scores and a decoder's logits are
    derived on access and not kept, so they do not count. Used to reserve a capture's
    bytes in the cache's budget before it is computed.
    """
    h, kv, d, m = cfg.n_heads, cfg.n_kv_heads, cfg.d_head, cfg.d_model
    per_layer = 2 * n * h * d + 2 * n * kv * d + (2 if cfg.is_decoder else 3) * n * m
    return FLOAT32_BYTES * (cfg.n_layers * per_layer + n * m) + n * n + 2 * 8 * n + 8 * h


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
        # key -> (capture, what it counts for: the larger of its reservation and its bytes)
        self._items = LRUCache(maxsize=max_bytes, getsizeof=itemgetter(1))
        self._pending: dict[Hashable, int] = {}  # keys being computed -> bytes reserved
        self._cond = threading.Condition()
        self.hits = self.misses = 0

    @property
    def nbytes(self) -> int:
        """Bytes the kept captures hold now."""
        with self._cond:  # Cache.__getitem__ reads an entry without marking it as used
            return sum(Cache.__getitem__(self._items, key)[0].nbytes for key in self._items)

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
            while key not in self._items and (key in self._pending or not self._admit(reserve)):
                self._cond.wait()
            if key in self._items:
                return self._hit(key)
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
                self._items[key] = (cap, size)  # LRUCache evicts the least recently used until it fits
                self._evict(0)  # and until the reservations in flight fit beside it
            self._cond.notify_all()
        return cap

    def _hit(self, key: Hashable) -> Capture:
        self.hits += 1
        return self._items[key][0]  # marks it as the most recently used

    def _admit(self, nbytes: int) -> bool:
        """Whether a computation reserving ``nbytes`` may start now (evicts to make room); call with the lock held."""
        if nbytes > self.max_bytes:  # never kept: it runs alone, and the cache keeps what it has
            return not self._pending
        self._evict(nbytes)
        return self._items.currsize + sum(self._pending.values()) + nbytes <= self.max_bytes

    def _evict(self, room: int) -> None:
        """Drop the least recently used captures until ``room`` more bytes fit beside the reservations (lock held)."""
        while self._items and self._items.currsize + sum(self._pending.values()) + room > self.max_bytes:
            self._items.popitem()
