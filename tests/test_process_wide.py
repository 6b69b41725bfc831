"""The process-wide stores of attnviz.app.cache: one computation per key, least recently used out first."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from attnviz.app.cache import CaptureCache, process_wide


def test_a_bounded_store_drops_the_least_recently_used_value():
    calls = []

    @process_wide(max_entries=2)
    def square(x):
        calls.append(x)
        return x * x

    assert [square(2), square(3), square(2), square(4)] == [4, 9, 4, 16]  # 3 is now the least recently used
    assert [square.has(2), square.has(3), square.has(4)] == [True, False, True]
    assert square(3) == 9 and calls == [2, 3, 4, 3]


def test_has_computes_nothing_and_clear_forgets_everything():
    calls = []
    store = process_wide(key=str.lower)(lambda name: calls.append(name) or name.upper())
    assert not store.has("Owl") and calls == []
    assert store("Owl") == "OWL" and store("OWL") == "OWL" and store.has("owl") and calls == ["Owl"]
    store.clear()
    assert not store.has("owl")
    assert store("owl") == "OWL" and calls == ["Owl", "owl"]


def test_a_failed_computation_is_not_stored():
    attempts = []

    @process_wide()
    def load(name):
        attempts.append(name)
        if len(attempts) == 1:
            raise OSError("disk hiccup")
        return name

    with pytest.raises(OSError):
        load("minilm")
    assert not load.has("minilm") and load("minilm") == "minilm" and attempts == ["minilm", "minilm"]


def test_one_key_is_computed_once_while_other_keys_go_on():
    release, started, calls = threading.Event(), threading.Event(), []

    @process_wide()
    def load(name):
        calls.append(name)
        if name == "slow":
            started.set()
            assert release.wait(5)
        return name

    waiters = [threading.Thread(target=load, args=("slow",)) for _ in range(4)]
    waiters[0].start()
    assert started.wait(5)
    for thread in waiters[1:]:
        thread.start()
    assert load("fast") == "fast"  # not held up by the computation of another key
    release.set()
    for thread in waiters:
        thread.join(5)
    assert sorted(calls) == ["fast", "slow"]


def test_reading_the_capture_caches_size_does_not_change_which_capture_goes_first():
    cache = CaptureCache(max_bytes=300)
    for key in "abc":
        cache.get_or_compute(key, lambda key=key: SimpleNamespace(key=key, nbytes=100))
    cache.get("a")  # b is now the least recently used
    assert cache.nbytes == 300 and len(cache) == 3
    cache.get_or_compute("d", lambda: SimpleNamespace(key="d", nbytes=100))
    assert [cache.get(key) is not None for key in "abcd"] == [True, False, True, True]
