"""Many students at once: N sessions type different sentences at the same moment.

Two kinds of client, both real Streamlit sessions on a fresh ``streamlit run app.py``:

- ``protocol`` (default): N websocket clients speaking Streamlit's own protocol (the
  protobuf messages its browser front end sends), so only the server's work is timed,
  as when every student has their own laptop;
- ``browser``: N browser contexts in one chromium on the same machine as the server, so
  the clients' rendering competes with the server for the same CPU cores.

Each session opens the app and waits for its first heatmap; then all type their own
sentence at once; each must then receive exactly its own tokens (from the Hugging Face
tokenizer) and nobody else's. Reported: p50/p95 of the time from sending the sentence
(Ctrl+Enter in the browser) to the heatmap with its tokens, time to first heatmap, and the
resident memory of the server's process tree (idle, model loaded, peak during the test).

    python -m benchmarks.load_test [--sessions 20] [--client protocol|browser] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.e2e.harness import AppServer, arm, axis_labels, first_chart_ms, launch_browser, measured_ms, new_monitored_page, process_tree, wait_idle

SUBJECTS = ["fox", "owl", "whale", "tiger", "robot", "pilot", "farmer", "poet", "dragon", "sailor"]
PLACES = ["forest", "harbour", "desert", "library", "kitchen", "glacier", "market", "castle", "garden", "station"]


def sentence_for(i: int) -> str:
    """A different sentence for every session (distinct word pairs and a number)."""
    return f"Student {i}: the {SUBJECTS[i % 10]} waited near the {PLACES[(i // 10 + i) % 10]} for {i + 2} hours."


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def cpu_seconds(server: AppServer) -> float:
    """CPU time (user + system) the server's process tree has used so far (Linux /proc)."""
    ticks = 0
    for pid in process_tree(server.process.pid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


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
        "client": "browser",
        "sessions": n_sessions,
        "own_tokens_everywhere": not leaks,
        "mismatches": leaks,
        "typing_to_heatmap_ms": {"p50": statistics.median(latencies), "p95": percentile(latencies, 0.95), "max": max(latencies)},
        "open_to_first_heatmap_ms": {"p50": statistics.median(first), "p95": percentile(first, 0.95), "max": max(first)},
        "peak_rss_bytes": rss.peak,
    }


async def protocol_session(url: str, sentence: str, tokens: list[str], start: asyncio.Event, opened: list, timeout: float = 600) -> dict:
    """One Streamlit session over its websocket: open the app, then (at ``start``) send ``sentence``.

    Returns the time to the first heatmap, the time from sending the sentence to a heatmap
    with its tokens, and every chart's tokens received after sending (to catch leaks).
    """
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    def rerun(widget_id: str | None = None, text: str = "") -> bytes:
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        msg.rerun_script.page_script_hash = ""
        if widget_id:
            widget = msg.rerun_script.widget_states.widgets.add()
            widget.id, widget.string_value = widget_id, text
        return msg.SerializeToString()

    async def until_finished(ws, on_element) -> None:
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(await asyncio.wait_for(ws.recv(), timeout))
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                on_element(msg.delta.new_element)
            elif kind == "script_finished":
                return

    def chart_tokens(element) -> list[str] | None:
        if element.WhichOneof("type") != "plotly_chart":
            return None
        ticks = json.loads(element.plotly_chart.spec)["layout"]["xaxis"]["ticktext"]
        return [html.unescape(tick).rsplit(" ·", 1)[0] if " ·" in tick else html.unescape(tick) for tick in ticks]

    ws_url = url.replace("http://", "ws://", 1) + "/_stcore/stream"
    async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None) as ws:
        began, state = time.perf_counter(), {"box": None, "first": None, "done": None, "seen": []}

        def on_open(element) -> None:
            if element.WhichOneof("type") == "text_area":
                state["box"] = element.text_area.id
            if state["first"] is None and chart_tokens(element):
                state["first"] = time.perf_counter() - began

        await ws.send(rerun())
        await until_finished(ws, on_open)
        opened.append(True)
        await start.wait()
        sent = time.perf_counter()

        def on_typed(element) -> None:
            shown = chart_tokens(element)
            if shown is not None:
                state["seen"].append(shown)
                if state["done"] is None and shown == tokens:
                    state["done"] = time.perf_counter() - sent

        await ws.send(rerun(state["box"], sentence))
        await until_finished(ws, on_typed)
    return {"first_ms": state["first"] * 1e3, "typed_ms": None if state["done"] is None else state["done"] * 1e3, "seen": state["seen"]}


def run_protocol_sessions(server: AppServer, n_sessions: int, tokens_of) -> dict:
    """``n_sessions`` websocket sessions open the app, then all send their sentence at the same moment."""
    sentences = [sentence_for(i) for i in range(n_sessions)]
    expected = [tokens_of(s) for s in sentences]

    async def everyone() -> list[dict]:
        start, opened = asyncio.Event(), []

        async def starter() -> None:
            while len(opened) < n_sessions:
                await asyncio.sleep(0.01)
            start.set()

        sessions = [protocol_session(server.url, s, t, start, opened) for s, t in zip(sentences, expected, strict=True)]
        *results, _ = await asyncio.gather(*sessions, starter())
        return results

    with PeakRss(server) as rss, ThreadPoolExecutor(1) as worker:  # its own thread: callers may hold an event loop
        cpu_before = cpu_seconds(server)
        results = worker.submit(asyncio.run, everyone()).result()
        cpu_used = cpu_seconds(server) - cpu_before
    leaks = [
        {"session": i, "expected": tokens, "shown": r["seen"]}
        for i, (r, tokens) in enumerate(zip(results, expected, strict=True))
        if r["typed_ms"] is None or any(shown != tokens for shown in r["seen"])
    ]
    typed = [r["typed_ms"] for r in results if r["typed_ms"] is not None]
    first = [r["first_ms"] for r in results]
    return {
        "client": "protocol",
        "sessions": n_sessions,
        "own_tokens_everywhere": not leaks,
        "mismatches": leaks,
        "typing_to_heatmap_ms": {"p50": statistics.median(typed), "p95": percentile(typed, 0.95), "max": max(typed)},
        "open_to_first_heatmap_ms": {"p50": statistics.median(first), "p95": percentile(first, 0.95), "max": max(first)},
        "peak_rss_bytes": rss.peak,
        "server_cpu_ms_per_session": cpu_used * 1e3 / n_sessions,  # opening the app and typing once, all its work
    }


def hf_tokens_of():
    from transformers import AutoTokenizer

    from attnviz.loading.registry import model_folder

    tokenizer = AutoTokenizer.from_pretrained(model_folder("minilm"), local_files_only=True, trust_remote_code=False)
    return lambda text: tokenizer.convert_ids_to_tokens(tokenizer(text)["input_ids"])


def load_test(n_sessions: int = 20, client: str = "protocol") -> dict:
    """Start a fresh server, warm it up with one session (loads the model), then run ``n_sessions`` at once."""
    tokens_of = hf_tokens_of()
    with AppServer() as server:
        rss_idle = server.tree_rss()
        run_protocol_sessions(server, 1, tokens_of)
        time.sleep(1)
        rss_warm = server.tree_rss()
        if client == "protocol":
            result = run_protocol_sessions(server, n_sessions, tokens_of)
        else:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as playwright:
                browser = launch_browser(playwright)
                result = run_sessions(browser, server, n_sessions, tokens_of)
                browser.close()
        time.sleep(1)
        rss_after = server.tree_rss()
    result |= {"rss_idle_bytes": rss_idle, "rss_model_loaded_bytes": rss_warm, "rss_after_bytes": rss_after}
    result["rss_per_session_bytes"] = max(0, result["peak_rss_bytes"] - rss_warm) / n_sessions
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--client", choices=["protocol", "browser"], default="protocol")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = load_test(args.sessions, args.client)
    mib = 2**20
    print(
        f"{result['sessions']} {result['client']} sessions: own tokens everywhere: {result['own_tokens_everywhere']}; "
        f"typing→heatmap p50 {result['typing_to_heatmap_ms']['p50']:.0f} ms, p95 {result['typing_to_heatmap_ms']['p95']:.0f} ms; "
        f"server RSS idle {result['rss_idle_bytes'] / mib:.0f} MiB, model loaded {result['rss_model_loaded_bytes'] / mib:.0f} MiB, "
        f"peak {result['peak_rss_bytes'] / mib:.0f} MiB"
        + (f"; server CPU per session {result['server_cpu_ms_per_session']:.0f} ms" if "server_cpu_ms_per_session" in result else "")
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    if not result["own_tokens_everywhere"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
