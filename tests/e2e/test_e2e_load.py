"""A small run of the load test (benchmarks/load_test.py): sessions typing at once see only their own tokens."""

from __future__ import annotations

from benchmarks.load_test import run_protocol_sessions, run_sessions, sentence_for


def test_three_sessions_typing_at_once_each_see_only_their_own_tokens(app_server, browser, tokens_of):
    assert len({tuple(tokens_of(sentence_for(i))) for i in range(20)}) == 20  # the sentences differ
    result = run_sessions(browser, app_server, 3, tokens_of)
    assert result["own_tokens_everywhere"], result["mismatches"]
    assert 0 < result["typing_to_heatmap_ms"]["p50"] <= result["typing_to_heatmap_ms"]["p95"] < 60_000
    assert result["peak_rss_bytes"] > 100 * 2**20  # the server with the model loaded


def test_five_websocket_sessions_sending_at_once_each_receive_only_their_own_tokens(app_server, tokens_of):
    result = run_protocol_sessions(app_server, 5, tokens_of)
    assert result["own_tokens_everywhere"], result["mismatches"]
    assert 0 < result["typing_to_heatmap_ms"]["p50"] <= result["typing_to_heatmap_ms"]["max"] < 60_000


def test_a_short_soak_with_a_clear_cache_storm_and_a_pasted_book_ends_within_the_memory_bound():
    """benchmarks/soak_test.py at small scale: every view and page, both models, clear_cache every second, two books."""
    from benchmarks.soak_test import soak

    result = soak(visits=12, concurrency=3, cache_mb=512)
    assert result["failures"] == [] and result["tracebacks_in_server_log"] == 0
    assert result["clear_cache_messages"] >= 3
    assert max(result["book_reply_bytes"]) < 2 * 2**20  # the 17 MB paste is cut at the box: a small reply
    assert result["within_bound"], {k: v for k, v in result.items() if k.endswith("bytes")}
