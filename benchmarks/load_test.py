"""Many students at once: N browser sessions (contexts in one chromium) type different sentences.

Each session opens the app, waits for its first heatmap, then all type their own sentence
within about a second; each must then show exactly its own tokens (from the Hugging Face
tokenizer) and keep them. Reported: p50/p95 of the time from Ctrl+Enter to the heatmap
showing the new tokens (measured inside each page), time to first heatmap, and the resident
memory of the server's process tree (idle, after the model loaded, peak during the test).

    python benchmarks/load_test.py [--sessions 20] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests" / "e2e")]

from harness import AppServer, arm, axis_labels, first_chart_ms, launch_browser, measured_ms, new_monitored_page, wait_idle  # noqa: E402

SUBJECTS = ["fox", "owl", "whale", "tiger", "robot", "pilot", "farmer", "poet", "dragon", "sailor"]
PLACES = ["forest", "harbour", "desert", "library", "kitchen", "glacier", "market", "castle", "garden", "station"]


def sentence_for(i: int) -> str:
    """A different sentence for every session (distinct word pairs and a number)."""
    return f"Student {i}: the {SUBJECTS[i % 10]} waited near the {PLACES[(i // 10 + i) % 10]} for {i + 2} hours."


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class PeakRss:
    """Samples the server tree's resident memory every ``interval`` seconds in a thread."""

    def __init__(self, server: AppServer, interval: float = 0.1):
        self.server, self.interval, self.peak = server, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.server.tree_rss())
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def run_sessions(browser, server: AppServer, n_sessions: int, tokens_of) -> dict:
    """Open ``n_sessions`` sessions on a running server, type concurrently, check and time them."""
    pages = [new_monitored_page(browser) for _ in range(n_sessions)]
    try:
        with PeakRss(server) as rss:
            for page in pages:
                page.goto(server.url, wait_until="commit")
            first = [first_chart_ms(page) for page in pages]
            for page in pages:
                wait_idle(page)
            sentences = [sentence_for(i) for i in range(n_sessions)]
            expected = [tokens_of(s) for s in sentences]
            for page, tokens in zip(pages, expected, strict=True):
                arm(page, "tokens", tokens)
            for page, sentence in zip(pages, sentences, strict=True):  # everyone types within ~1 s
                box = page.locator('[data-testid="stTextArea"] textarea').first
                box.fill(sentence)
                box.press("Control+Enter")
            latencies = [measured_ms(page) for page in pages]
            for page in pages:
                wait_idle(page)
        leaks = []
        for i, (page, sentence, tokens) in enumerate(zip(pages, sentences, expected, strict=True)):
            shown = [label.split(" ·")[0] for label in axis_labels(page, "x") or []]
            typed = page.locator('[data-testid="stTextArea"] textarea').first.input_value()
            if shown != tokens or typed != sentence:
                leaks.append({"session": i, "expected": tokens, "shown": shown, "typed": typed})
    finally:
        for page in pages:
            page.context.close()
    return {
        "sessions": n_sessions,
        "own_tokens_everywhere": not leaks,
        "mismatches": leaks,
        "typing_to_heatmap_ms": {"p50": statistics.median(latencies), "p95": percentile(latencies, 0.95), "max": max(latencies)},
        "open_to_first_heatmap_ms": {"p50": statistics.median(first), "p95": percentile(first, 0.95), "max": max(first)},
        "peak_rss_bytes": rss.peak,
    }


def hf_tokens_of():
    from transformers import AutoTokenizer

    from attnviz.registry import model_folder

    tokenizer = AutoTokenizer.from_pretrained(model_folder("minilm"), local_files_only=True)
    return lambda text: tokenizer.convert_ids_to_tokens(tokenizer(text)["input_ids"])


def load_test(n_sessions: int = 20) -> dict:
    """Start a fresh server, warm it up with one session, then run ``n_sessions`` at once."""
    from playwright.sync_api import sync_playwright

    tokens_of = hf_tokens_of()
    with AppServer() as server, sync_playwright() as playwright:
        browser = launch_browser(playwright)
        rss_idle = server.tree_rss()
        warm = new_monitored_page(browser)
        warm.goto(server.url)
        first_chart_ms(warm)
        wait_idle(warm)
        warm.context.close()
        time.sleep(1)
        rss_warm = server.tree_rss()
        result = run_sessions(browser, server, n_sessions, tokens_of)
        time.sleep(1)
        rss_after = server.tree_rss()
        browser.close()
    result |= {"rss_idle_bytes": rss_idle, "rss_model_loaded_bytes": rss_warm, "rss_after_bytes": rss_after}
    result["rss_per_session_bytes"] = max(0, result["peak_rss_bytes"] - rss_warm) / n_sessions
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = load_test(args.sessions)
    mib = 2**20
    print(
        f"{result['sessions']} sessions: own tokens everywhere: {result['own_tokens_everywhere']}; "
        f"typing→heatmap p50 {result['typing_to_heatmap_ms']['p50']:.0f} ms, p95 {result['typing_to_heatmap_ms']['p95']:.0f} ms; "
        f"server RSS idle {result['rss_idle_bytes'] / mib:.0f} MiB, model loaded {result['rss_model_loaded_bytes'] / mib:.0f} MiB, "
        f"peak {result['peak_rss_bytes'] / mib:.0f} MiB"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    if not result["own_tokens_everywhere"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
