"""A long class: many distinct texts on every view and page, both models, a clear_cache storm, two big pastes.

A fresh ``streamlit run app.py`` (with ``make run``'s allocator settings when run by ``make
bench``) is driven over Streamlit's websocket protocol, as ``load_test.py`` does. Each visit
is a new session: it opens a page with a view in its address (``?model=…&view=…``), types
its own text into the page's first text box, and checks that no run showed an exception.
``--concurrency`` visits run at once. Meanwhile one client sends a ``clear_cache`` message
every second (any client may), and two visits paste a book (17 MB) into the Explorer's box:
their replies must stay small.

Memory: the server's resident size (process tree) is sampled throughout. The bound it must
stay under is its size with both models loaded and idle + the capture budget
(``ATTNVIZ_CACHE_MB``) + 5 MiB per concurrent session.

    python -m benchmarks.soak_test [--visits 200] [--concurrency 10] [--cache-mb 1024] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

from benchmarks.load_test import PeakRss, cpu_seconds
from tests.e2e.harness import AppServer

MIB = 2**20
SESSION_ALLOWANCE = 5 * MIB
BOOK_BYTES = 17 * 10**6
WORDS = ["owl", "harbour", "river", "lantern", "teacher", "engine", "garden", "letter", "mountain", "violin", "kettle", "planet"]
# (page, model, view) visited in turn; the Explorer's four views with both models, then the other pages
PLAN = [("explorer", model, view) for view in ("head", "model", "lines", "average") for model in ("minilm", "smollm2")]
PLAN += [("step_by_step", "minilm", "head"), ("next_token", "smollm2", "head"), ("generation", "smollm2", "head"), ("rope_gqa", "smollm2", "head")]


def text_for(i: int) -> str:
    """A distinct text for visit ``i``: mostly one sentence; every 10th about 400 words (a long text)."""
    words = [WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(6)]
    sentence = f"Visit {i}: the {words[0]} near the {words[1]} waited for the {words[2]} and the {words[3]}."
    return sentence if i % 10 else " ".join([sentence] * 25)


def visit_plan(visits: int) -> list[dict]:
    """What each visit opens: page, model, view, layer, head and text; two of them paste a book."""
    plan = []
    for i in range(visits):
        page, model, view = PLAN[i % len(PLAN)]
        plan.append({"page": page, "model": model, "view": view, "layer": i % 6, "head": i % 9, "text": text_for(i), "book": False})
    for i in (visits // 3, 2 * visits // 3):
        plan[i] = {**plan[i], "page": "explorer", "view": "head", "book": True}
    return plan


async def run_visit(url: str, visit: dict, timeout: float) -> dict:
    """One session: open the page with the view in its address, type the text (or a book) into its first box."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    query = urlencode({"model": visit["model"], "view": visit["view"], "layer": visit["layer"], "head": visit["head"]})
    state = {"box": None, "exceptions": [], "bytes": 0, "charts": 0}

    def rerun(text: str | None = None) -> bytes:
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = "" if visit["page"] == "explorer" else visit["page"]
        if text is not None:
            widget = msg.rerun_script.widget_states.widgets.add()
            widget.id, widget.string_value = state["box"], text
        return msg.SerializeToString()

    async def until_finished(ws) -> None:
        while True:
            raw = await asyncio.wait_for(ws.recv(), timeout)
            state["bytes"] += len(raw)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                which = element.WhichOneof("type")
                if which == "exception":
                    state["exceptions"].append(element.exception.message[:300])
                elif which in ("text_area", "text_input") and state["box"] is None:
                    state["box"] = getattr(element, which).id
                elif which == "plotly_chart":
                    state["charts"] += 1
            elif kind == "script_finished":
                return

    ws_url = url.replace("http://", "ws://", 1) + "/_stcore/stream"
    began = time.perf_counter()
    async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None) as ws:
        await ws.send(rerun())
        await until_finished(ws)
        opened_bytes, state["bytes"] = state["bytes"], 0
        if state["box"] is None:
            state["exceptions"].append("no text box on the page")
        else:
            await ws.send(rerun("Call me Ishmael. " * (BOOK_BYTES // 17) if visit["book"] else visit["text"]))
            await until_finished(ws)
    return {**{k: visit[k] for k in ("page", "model", "view", "book")}, "exceptions": state["exceptions"], "charts": state["charts"],
            "open_bytes": opened_bytes, "typed_reply_bytes": state["bytes"], "seconds": time.perf_counter() - began}


async def clear_cache_storm(url: str, stop: asyncio.Event, period: float = 1.0) -> int:
    """A client that never runs the app and sends ``clear_cache`` every ``period`` seconds; returns how many it sent."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    msg.clear_cache = True
    sent = 0
    async with websockets.connect(url.replace("http://", "ws://", 1) + "/_stcore/stream", subprotocols=["streamlit"], max_size=None) as ws:
        while not stop.is_set():
            await ws.send(msg.SerializeToString())
            sent += 1
            try:
                await asyncio.wait_for(stop.wait(), period)
            except asyncio.TimeoutError:
                pass
    return sent


def soak(visits: int = 200, concurrency: int = 10, cache_mb: float = 1024, timeout: float = 600) -> dict:
    """Start a fresh server, load both models, then run the visits with a clear_cache storm; report memory and failures."""
    env = {"ATTNVIZ_CACHE_MB": str(cache_mb)}
    plan = visit_plan(visits)
    with AppServer(env=env) as server:

        async def warm() -> list[dict]:
            return [await run_visit(server.url, {**plan[0], "page": "explorer", "model": m, "view": "head", "book": False}, timeout) for m in ("minilm", "smollm2")]

        async def everything() -> tuple[list[dict], int]:
            gate, stop = asyncio.Semaphore(concurrency), asyncio.Event()

            async def one(visit: dict) -> dict:
                async with gate:
                    try:
                        return await run_visit(server.url, visit, timeout)
                    except Exception as exc:  # noqa: BLE001 - a broken session is a result to report
                        return {**visit, "text": visit["text"][:80], "exceptions": [f"client: {type(exc).__name__}: {exc}"[:300]]}

            storm = asyncio.create_task(clear_cache_storm(server.url, stop))
            results = await asyncio.gather(*(one(v) for v in plan))
            stop.set()
            return results, await storm

        with ThreadPoolExecutor(1) as worker:  # its own thread: callers may hold an event loop
            warmed = worker.submit(asyncio.run, warm()).result()
            time.sleep(2)
            rss_base = server.tree_rss()
            cpu_before, began = cpu_seconds(server), time.perf_counter()
            with PeakRss(server) as rss:
                results, storm_sent = worker.submit(asyncio.run, everything()).result()
            elapsed, cpu_used = time.perf_counter() - began, cpu_seconds(server) - cpu_before
        time.sleep(5)
        rss_end = server.tree_rss()
        log = server.log_path.read_text(errors="replace")
    bound = rss_base + cache_mb * MIB + SESSION_ALLOWANCE * concurrency
    failures = [r for r in warmed + results if r["exceptions"]]
    books = [r for r in results if r.get("book")]
    return {
        "visits": visits,
        "concurrency": concurrency,
        "cache_mb": cache_mb,
        "elapsed_s": round(elapsed, 1),
        "server_cpu_s": round(cpu_used, 1),
        "clear_cache_messages": storm_sent,
        "failures": failures,
        "tracebacks_in_server_log": log.count("Traceback"),
        "book_reply_bytes": [r.get("typed_reply_bytes") for r in books],
        "rss_base_bytes": rss_base,
        "peak_rss_bytes": rss.peak,
        "rss_end_bytes": rss_end,
        "bound_bytes": int(bound),
        "within_bound": rss.peak <= bound and rss_end <= bound,
        "visit_seconds_max": round(max(r.get("seconds", 0) for r in results), 1),
        "env": {k: os.environ.get(k) for k in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "THP_MEM_ALLOC_ENABLE")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visits", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--cache-mb", type=float, default=float(os.environ.get("ATTNVIZ_CACHE_MB", "1024")))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = soak(args.visits, args.concurrency, args.cache_mb)
    print(
        f"{result['visits']} visits, {result['concurrency']} at once, {result['clear_cache_messages']} clear_cache messages, "
        f"{result['elapsed_s']} s: failures {len(result['failures'])}, tracebacks in the server log {result['tracebacks_in_server_log']}; "
        f"book replies {[round(b / MIB, 2) for b in result['book_reply_bytes']]} MiB; RSS base {result['rss_base_bytes'] / MIB:.0f} MiB, "
        f"peak {result['peak_rss_bytes'] / MIB:.0f} MiB, end {result['rss_end_bytes'] / MIB:.0f} MiB, bound {result['bound_bytes'] / MIB:.0f} MiB "
        f"({'within' if result['within_bound'] else 'OVER'})"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    if result["failures"] or result["tracebacks_in_server_log"] or not result["within_bound"]:
        for failure in result["failures"][:10]:
            print("  failed:", failure, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
